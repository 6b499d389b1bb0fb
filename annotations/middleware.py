"""
Middlewares about what a request may carry and what a response may be kept as.

``RequestGuardMiddleware`` answers a request the rest of the site cannot read
with a clean 400, before anything reads it. Django raises a 400 for such a
request wherever it first reads the body or the query, but its error page
reads them again (the CSRF check of the error view) and the second failure
becomes a 500. Here the request is read once, up front: a charset other than
UTF-8, more fields than ``DATA_UPLOAD_MAX_NUMBER_FIELDS``, a body over
``DATA_UPLOAD_MAX_MEMORY_SIZE``, a malformed multipart body, or a NUL
character in the path, the query, a header or a cookie (PostgreSQL cannot
store or compare one) is refused; the request is emptied so the 400 page can
be rendered.

One such request breaks Django before any middleware runs: a query with a
charset that names a codec which is not a text encoding ("rot13", "hex")
raises while the request is built. ``GuardedWSGIRequest`` (the site's request
class, essay_site/wsgi.py) builds it without decoding by that charset, and
the middleware refuses it like any other.

``PrivatePagesMiddleware`` marks ``Cache-Control: private, no-store`` on every
response that is personal: to a signed-in user, with a form (a CSRF token was
used), or setting a cookie. A view that sets its own ``Cache-Control`` keeps it.

``AnonymousEditionMiddleware`` answers anonymous readers of the edition page
before the rest of the stack. The anonymous page is the same bytes for every
reader of a mode until the revision moves. Once the whole stack has served it in
this process (rendered or from the cache, with every header the other
middleware adds), it answers the next requests for it itself, placed right
after WhiteNoise: the same bytes and headers, or a 304, after one small query
for the revision. That is what brings the page close to a static file's cost.
Anything else (a session or message cookie, another method or address, a page
this process has not served in full at the current revision, a query string it
cannot read) goes through the stack as usual.
"""

from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.handlers.wsgi import WSGIRequest
from django.http import QueryDict
from django.http.multipartparser import MultiPartParserError
from django.utils.cache import patch_cache_control
from django.utils.http import parse_header_parameters

UTF8_NAMES = {"utf-8", "utf8"}


class GuardedWSGIRequest(WSGIRequest):
    """Django's request, never decoded by the charset the client names (UTF-8 it is, or a 400)."""

    def _set_content_type_params(self, meta):
        self.content_type, self.content_params = parse_header_parameters(meta.get("CONTENT_TYPE", ""))


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        problem = self.problem(request)
        if problem:
            self.empty(request)
            raise BadRequest(problem)
        return self.get_response(request)

    def problem(self, request):
        """What makes ``request`` unreadable, in words, or None."""
        if "\x00" in request.path_info:
            return "A NUL character in the address."
        charset = request.content_params.get("charset")
        if charset is not None and charset.strip().lower() not in UTF8_NAMES:
            return "This site reads requests in UTF-8 only."
        headers = (value for name, value in request.META.items() if name.startswith("HTTP_") and isinstance(value, str))
        if any("\x00" in value for value in (*headers, *request.COOKIES.values())):
            return "A NUL character in a header or a cookie."
        try:
            query = request.GET
            if request.method == "POST":
                request.POST  # noqa: B018 - parsed here, once, so that a failure is ours to answer
        except RequestDataTooBig:
            return "The request is too large."
        except (SuspiciousOperation, MultiPartParserError, OSError, ValueError):
            return "The request's data could not be read."
        # A form field with a NUL gets the form's own message (Django's fields refuse it); the query has no form.
        if any("\x00" in key or any("\x00" in value for value in values) for key, values in query.lists()):
            return "A NUL character in the address."
        return None

    @staticmethod
    def empty(request):
        """Leave nothing for the 400 page (or its CSRF check) to read again."""
        request.encoding = "utf-8"
        request.GET = QueryDict()
        request._mark_post_parse_error()


class PrivatePagesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.has_header("Cache-Control"):
            return response
        user = getattr(request, "user", None)
        personal = (
            (user is not None and user.is_authenticated)
            or request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            or response.cookies
        )
        if personal:
            patch_cache_control(response, private=True, no_store=True)
        return response


class AnonymousEditionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Imported here: this module is also imported by the WSGI handler (GuardedWSGIRequest), before the apps.
        from annotations.views.reading import EditionView, cookies_may_be_personal, edition_path

        if request.method != "GET" or request.path_info != edition_path() or cookies_may_be_personal(request):
            return self.get_response(request)
        response = EditionView.served_again(request)
        if response is None:
            response = self.get_response(request)
            EditionView.served_remember(request, response)
        return response
