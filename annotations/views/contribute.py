"""Contributor views (placeholders until the contributing work lands)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import HttpResponse
from django.views import View


class _Placeholder(LoginRequiredMixin, View):
    def get(self, request, *args, **kwargs):
        return HttpResponse("Contributing is not open yet.", content_type="text/plain")


class ParagraphContributeView(_Placeholder):
    pass


class NoteCreateView(_Placeholder):
    pass


class CorrectionCreateView(_Placeholder):
    pass


class MyContributionsView(_Placeholder):
    pass
