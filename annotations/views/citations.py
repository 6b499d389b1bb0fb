"""
Citations to take away: the bibliography, the edition, and each published note
or correction as CSL-JSON, BibTeX and RIS (``annotations.citation_formats``).

``/sources.<format>`` lists exactly the sources ``/sources/`` lists
(``Source.objects.in_bibliography()``), in the same order; ``/edition.<format>``
cites the edition as "Cite this edition" does (its latest release);
``/notes/<id>/citation.<format>`` and ``/corrections/<id>/citation.<format>``
cite one published item as a part of the edition, with its locator, as its page
does. Under ``/v/<N>/`` the same files cite release N and its items.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views import View

from annotations import bibliography, citation_formats, edition, releases
from annotations.models import Annotation, Correction, Essay, Release, Source

# The URL's format → (its name for people, the writer, the media type).
FORMATS = {
    "json": ("CSL-JSON", citation_formats.csl_json, citation_formats.CSL_MEDIA_TYPE),
    "bib": ("BibTeX", citation_formats.bibtex, citation_formats.BIBTEX_MEDIA_TYPE),
    "ris": ("RIS", citation_formats.ris, citation_formats.RIS_MEDIA_TYPE),
}


class FormatConverter:
    """The ``<citation_format:format>`` part of a download's URL."""

    regex = "|".join(FORMATS)

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


def edition_url(request):
    return request.build_absolute_uri(reverse("annotations:edition"))


def edition_citation_record(request, essay):
    """The edition as "Cite this edition" cites it: its latest release (``edition.edition_record``)."""
    return edition.edition_record(essay, url=edition_url(request))


def _download(records, *, format, filename):
    _, write, media_type = FORMATS[format]
    response = HttpResponse(write(records), content_type=media_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}.{format}"'
    return response


def _essay():
    essay = Essay.objects.first()
    if essay is None:
        raise Http404("No edition has been loaded yet.")
    return essay


class SourcesDownloadView(View):
    def get(self, request, format):
        _essay()
        sources = sorted(Source.objects.in_bibliography(), key=bibliography.sort_key)
        keys = citation_formats.citation_keys(sources)
        records = [citation_formats.source_record(source, key=keys[source.pk]) for source in sources]
        return _download(records, format=format, filename="sources")


class EditionDownloadView(View):
    def get(self, request, format):
        essay = _essay()
        record = citation_formats.edition_record(edition_citation_record(request, essay))
        return _download([record], format=format, filename=essay.slug)


class _ItemDownloadView(View):
    """A published note or correction, cited as its permalink page cites it (``edition.item_citation``)."""

    model = None

    def get(self, request, pk, format):
        item = get_object_or_404(
            self.model.objects.published().select_related("paragraph__section__essay", "submitted_by"), pk=pk
        )
        essay = item.paragraph.section.essay
        latest = releases.release_latest(essay)
        cited_in = latest if latest is not None and releases.release_shows(latest, item) else None
        _, record = edition.item_citation(item, essay=essay, release=cited_in, url=edition_url(request))
        return _download([record], format=format, filename=record.key)


class NoteDownloadView(_ItemDownloadView):
    model = Annotation


class CorrectionDownloadView(_ItemDownloadView):
    model = Correction


# --- a release's citations -----------------------------------------------------------------------------


def release_of(number):
    """The release ``number`` of the edition's essay (the one the reading pages show), or 404."""
    state = edition.essay_state()
    release = Release.objects.filter(essay_id=state.pk, number=number).first() if state else None
    if release is None:
        raise Http404(f"The edition has no version {number}.")
    return release


class ReleaseEditionDownloadView(View):
    def get(self, request, number, format):
        release = release_of(number)
        snapshot = edition.release_snapshot(release)
        record = edition.release_record(snapshot.essay, release, url=edition_url(request))
        return _download([citation_formats.edition_record(record)], format=format, filename=record.key)


class _ReleaseItemDownloadView(View):
    model = None

    def get(self, request, number, pk, format):
        release = release_of(number)
        snapshot = edition.release_snapshot(release)
        item = snapshot.item(self.model, pk)
        if item is None:
            raise Http404(f"Version {number} has no such {self.model._meta.verbose_name}.")
        _, record = edition.item_citation(item, essay=snapshot.essay, release=release, url=edition_url(request))
        return _download([record], format=format, filename=record.key)


class ReleaseNoteDownloadView(_ReleaseItemDownloadView):
    model = Annotation


class ReleaseCorrectionDownloadView(_ReleaseItemDownloadView):
    model = Correction
