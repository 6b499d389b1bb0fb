"""
Citations to take away: the bibliography, the edition, and each published note
or correction as CSL-JSON, BibTeX and RIS (``annotations.citation_formats``).

``/sources.<format>`` lists exactly the sources ``/sources/`` lists
(``Source.objects.in_bibliography()``), in the same order; ``/edition.<format>``
cites the edition as "Cite this edition" does; ``/notes/<id>/citation.<format>``
and ``/corrections/<id>/citation.<format>`` cite one published item as a part of
the edition, with its locator.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.views import View

from annotations import bibliography, citation_formats, edition
from annotations.models import Annotation, Correction, Essay, Source

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


def edition_citation_record(request, essay):
    """The edition as "Cite this edition" cites it (``edition.edition_record``)."""
    return edition.edition_record(essay, url=request.build_absolute_uri(reverse("annotations:edition")))


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
    model = None
    key_prefix = ""

    def title(self, item):
        raise NotImplementedError

    def get(self, request, pk, format):
        item = get_object_or_404(
            self.model.objects.published().select_related("paragraph__section__essay", "submitted_by"), pk=pk
        )
        edition = edition_citation_record(request, item.paragraph.section.essay)
        record = citation_formats.item_record(
            key=f"{self.key_prefix}-{item.pk}",
            title=self.title(item),
            author=citation_formats.credit_name(item),
            date=timezone.localdate(item.reviewed_at or item.submitted_at),
            url=request.build_absolute_uri(item.get_absolute_url()),
            locator=item.paragraph.locator,
            edition=edition,
        )
        return _download([record], format=format, filename=record.key)


def _quoted(words):
    return Truncator(" ".join(words.split())).chars(80)


class NoteDownloadView(_ItemDownloadView):
    model = Annotation
    key_prefix = "note"

    def title(self, item):
        return f"Note on “{_quoted(item.exact)}”"


class CorrectionDownloadView(_ItemDownloadView):
    model = Correction
    key_prefix = "correction"

    def title(self, item):
        return f"Correction of “{_quoted(item.exact)}”"
