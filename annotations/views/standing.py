"""A contributor's standing in the views: a suspended account may read, not contribute."""

from django.shortcuts import render

from annotations import moderation


class InGoodStandingMixin:
    """Refuse a suspended contributor's contributions (403, saying why), whatever the method."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not moderation.contributor_may_contribute(request.user):
            context = {"message": moderation.contributor_refusal(request.user)}
            return render(request, "annotations/refused.html", context, status=403)
        return super().dispatch(request, *args, **kwargs)
