"""
Anonymous readers of the edition page, answered before the rest of the middleware.

The anonymous page is the same bytes for every reader of a mode until the
revision moves. Once the whole stack has served it in this process (rendered or
from the cache, with every header the other middleware adds), this middleware,
placed right after WhiteNoise, answers the next requests for it itself: the same
bytes and headers, or a 304, after one small query for the revision. That is
what brings the page close to a static file's cost. Anything else (a session or
message cookie, another method or address, a page this process has not served
in full at the current revision, a query string it cannot read) goes through
the stack as usual.
"""

from annotations.views.reading import EditionView, cookies_may_be_personal, edition_path


class AnonymousEditionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "GET" or request.path_info != edition_path() or cookies_may_be_personal(request):
            return self.get_response(request)
        response = EditionView.served_again(request)
        if response is None:
            response = self.get_response(request)
            EditionView.served_remember(request, response)
        return response
