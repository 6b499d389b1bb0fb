"""
The edition as TEI P5 (``annotations.tei``): ``/edition.tei.xml``, the living
text as the reading page shows it now, and ``/v/<N>/edition.tei.xml``, release N.
"""

from django.conf import settings
from django.http import Http404, HttpResponse
from django.views import View

from annotations import edition, tei
from annotations.views.citations import edition_url, release_of


def _tei_response(content, *, filename, max_age):
    response = HttpResponse(content, content_type=tei.MEDIA_TYPE)
    response["Content-Disposition"] = f'inline; filename="{filename}.tei.xml"'
    response["Cache-Control"] = f"public, max-age={max_age}"
    return response


class EditionTEIView(View):
    def get(self, request):
        state = edition.essay_state()
        if state is None:
            raise Http404("No edition has been loaded yet.")
        content = edition.tei_bytes(edition.Living(state), url=edition_url(request))
        return _tei_response(content, filename="edition", max_age=settings.EDITION_MAX_AGE)


class ReleaseTEIView(View):
    def get(self, request, number):
        release = release_of(number)
        content = edition.tei_bytes(edition.Released(release), url=edition_url(request))
        return _tei_response(content, filename=f"edition-v{number}", max_age=settings.RELEASE_MAX_AGE)
