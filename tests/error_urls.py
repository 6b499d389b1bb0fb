"""The site's URLs plus views that fail in each way an error page answers (tests/test_serving.py)."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.urls import include, path

from essay_site.urls import handler500  # noqa: F401 - the site's own 500 page


def fail_with(error):
    def view(request):
        raise error

    return view


urlpatterns = [
    path("fail/400/", fail_with(SuspiciousOperation("a malformed request"))),
    path("fail/403/", fail_with(PermissionDenied)),
    path("fail/404/", fail_with(Http404("no such thing"))),
    path("fail/500/", fail_with(RuntimeError("a bug in the code"))),
    path("", include("essay_site.urls")),
]
