"""
Readers' flags: a signed-in reader reports a published note or correction.

``/notes/<id>/flag/`` and ``/corrections/<id>/flag/``, linked from each item
(its permalink page and its entry in the edition). Once per item and reader,
rate-limited; enough flags from established accounts hide the item pending
review (``moderation.item_flag``). The outcome is shown on the reader's own page.
"""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views import View

from annotations import moderation
from annotations.forms import FlagForm
from annotations.models import Annotation, Correction, Flag
from annotations.ratelimits import flag_limited
from annotations.views.contribute import LoginKeepingDraftMixin, draft_or


class FlagCreateView(LoginKeepingDraftMixin, View):
    model = None
    noun = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.item = get_object_or_404(
                self.model.objects.published().select_related("paragraph__section__essay"), pk=kwargs["pk"]
            )
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return self.render(request, FlagForm(draft_or(request)))

    def post(self, request, pk):
        form = FlagForm(request.POST)
        if flag_limited(request):
            return self.render(request, form, status=429, rate_limited=True)
        if not form.is_valid():
            return self.render(request, form, status=400)
        try:
            flag = moderation.item_flag(
                self.item, reader=request.user, reason=form.cleaned_data["reason"], text=form.cleaned_data["text"]
            )
        except moderation.TransitionError as error:
            form.add_error(None, str(error))
            return self.render(request, form, status=409)
        messages.success(request, f"Thank you: a moderator will look at this {self.noun}. Its outcome will be shown here.")
        return redirect(f"{reverse('annotations:me')}#flag-{flag.pk}")

    def render(self, request, form, *, status=200, **extra):
        earlier = Flag.objects.for_item(self.item).filter(flagged_by=request.user).first()
        context = {"item": self.item, "noun": self.noun, "form": form, "earlier": earlier,
                   "own": self.item.submitted_by_id == request.user.pk,
                   "suspended": not moderation.contributor_may_contribute(request.user), **extra}
        return render(request, "annotations/flag_form.html", context, status=status)


class NoteFlagView(FlagCreateView):
    model = Annotation
    noun = "note"


class CorrectionFlagView(FlagCreateView):
    model = Correction
    noun = "correction"
