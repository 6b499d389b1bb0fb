"""
Revise and resubmit: a contributor revises their rejected note or correction from ``/me/``.

The edit page of a pending item, for a rejected one: it goes back to the queue
with its history, and the moderator sees the earlier decision and reason and
what changed (``moderation.item_resubmit``).
"""

from annotations import moderation
from annotations.models import Status
from annotations.views.contribute import ITEM_KINDS, ItemEditView, refuse


class ItemResubmitView(ItemEditView):
    kinds = {name: ITEM_KINDS[name] for name in ("notes", "corrections")}

    def refuse_unless_editable(self, request):
        if self.item.status == Status.REJECTED:
            return None
        label = Status(self.item.status).label
        return refuse(request, f"This {self.kind.noun} is {label}: only a rejected one can be revised and resubmitted.",
                      status=409, item=self.item)

    def save(self, request, form):
        moderation.item_resubmit(
            self.item, user=request.user, changes=form.changes(), expected_version=form.cleaned_data["version"]
        )

    def saved_message(self):
        return f"Your {self.kind.noun} is back in the queue, with the moderator’s earlier reason."

    def render(self, request, form, **options):
        return super().render(request, form, resubmitting=True, **options)
