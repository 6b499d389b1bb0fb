"""
The edition's versions: the changelog, each release as it was, and what each changed.

``/versions/`` lists the releases (newest first) with what each added, changed
and withdrew; ``/v/<N>/`` is release N exactly as released, in the three
reading modes, assembled by ``annotations.edition`` from the release's stored
versions and kept for good (it never changes: an ETag and a long max-age);
``/v/<N>/notes/<id>/``, ``/v/<N>/corrections/<id>/`` and ``/v/<N>/sources/`` are
its permalinks and bibliography; ``/v/<N>/changes/`` says what changed from
version N−1.
"""

import copy

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.views.generic import TemplateView

from annotations import bibliography, citation_formats, edition, releases, rendering
from annotations.http import encoding_choose
from annotations.models import Annotation, Essay, Release
from annotations.views.citations import release_of
from annotations.views.reading import (
    CorrectionPage, EditionView, NotePage, bibliography_context, citation_meta, edition_url_of, item_cited_context,
)


class VersionsView(TemplateView):
    """The changelog: every release, newest first, with its date, summary and counts, and what is new since."""

    template_name = "annotations/versions.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        essay = Essay.objects.first()
        if essay is None:
            raise Http404("No edition has been loaded yet.")
        listed = list(Release.objects.filter(essay=essay).select_related("released_by").order_by("-number"))
        latest = listed[0] if listed else None
        new_count = len(releases.items_new_since(essay, latest)) if latest else 0
        context.update(essay=essay, releases=listed, latest=latest, new_count=new_count)
        return context


class ReleaseView(EditionView):
    """``/v/<N>/``: the edition exactly as released, in the reader's chosen mode; the same bytes for good."""

    @property
    def max_age(self):
        return settings.RELEASE_MAX_AGE

    @property
    def shared_max_age(self):
        return settings.RELEASE_MAX_AGE

    def shown(self, request, number):
        return release_of(number)

    def cited(self, request, release, mode):
        record = edition.body_citation(edition.Released(release), mode=mode, url=self.edition_url(request))
        return {
            "essay": edition.release_snapshot(release).essay, "release": release, "canonical": record.url,
            "citation_meta": citation_meta(citation_formats.edition_record(record)),
        }

    def personal(self, request, release, mode):
        body = edition.release_page(release, mode=mode, url=self.edition_url(request))
        return HttpResponse(self.page(request, lambda: {"mode": mode, **self.cited(request, release, mode)}, body))

    def anonymous(self, request, release, mode):
        response = self.not_modified(request, release, mode)
        if response is None:
            encoding = encoding_choose(request.headers.get("Accept-Encoding", ""), edition.ENCODINGS)
            path = release.get_absolute_url()

            def render_page(body):
                return self.page(request, {
                    "mode": mode, "user": AnonymousUser(), "messages": (),
                    "login_next": path if mode == rendering.APPARATUS else f"{path}?mode={mode}",
                    **self.cited(request, release, mode),
                }, body)

            response = self.page_response(edition.release_page_bytes(
                release, mode=mode, url=self.edition_url(request), encoding=encoding, render=render_page,
            ), encoding)
        self.validators(response, release, mode)
        return response

    @staticmethod
    def not_modified(request, release, mode):
        if "If-None-Match" not in request.headers and "If-Modified-Since" not in request.headers:
            return None
        last_modified = int(edition.release_last_modified(release).timestamp())
        return get_conditional_response(request, etag=edition.release_etag(release, mode), last_modified=last_modified)

    @staticmethod
    def validators(response, release, mode):
        response.headers["ETag"] = edition.release_etag(release, mode)
        response.headers["Last-Modified"] = http_date(edition.release_last_modified(release).timestamp())


class _ReleaseItemView(TemplateView):
    """A note or correction as release N showed it, with that version's citation."""

    model = None
    context_object_name = ""

    def get_context_data(self, number, pk, **kwargs):
        context = super().get_context_data(**kwargs)
        release = release_of(number)
        snapshot = edition.release_snapshot(release)
        shown = snapshot.item(self.model, pk)
        if shown is None:
            raise Http404(f"Version {number} has no such {self.model._meta.verbose_name}.")
        item = copy.copy(shown)  # numbered below: the snapshot's instances are shared by this process's requests
        item.shown_citations = [copy.copy(citation) for citation in shown.shown_citations]
        for citation in item.shown_citations:
            citation.reference = bibliography.source_reference(citation.source)
        notes, corrections = ([item], []) if isinstance(item, Annotation) else ([], [item])
        context.update({
            self.context_object_name: item, "item": item, "paragraph": item.paragraph, "essay": snapshot.essay,
            "release": release,
            "paragraph_html": edition.passage_html(item.paragraph, notes, corrections, mode=rendering.APPARATUS),
            **item_cited_context(self.request, item, essay=snapshot.essay, release=release),
        })
        return context


class ReleaseNoteView(NotePage, _ReleaseItemView):
    pass


class ReleaseCorrectionView(CorrectionPage, _ReleaseItemView):
    pass


class ReleaseSourcesView(TemplateView):
    """The bibliography of release N: every source its notes and corrections cited."""

    template_name = "annotations/sources.html"

    def get_context_data(self, number, **kwargs):
        context = super().get_context_data(**kwargs)
        release = release_of(number)
        snapshot = edition.release_snapshot(release)
        citations = [citation for item in snapshot.notes + snapshot.corrections for citation in item.shown_citations]
        record = edition.release_record(snapshot.essay, release, url=edition_url_of(self.request))
        context.update(bibliography_context(citations, essay=snapshot.essay, record=record, release=release))
        return context


class ReleaseChangesView(TemplateView):
    """What release N changed from N−1: items added, changed and withdrawn, paragraphs repaired, headings."""

    template_name = "annotations/release_changes.html"

    def get_context_data(self, number, **kwargs):
        context = super().get_context_data(**kwargs)
        release = release_of(number)
        previous = Release.objects.filter(essay_id=release.essay_id, number__lt=number).order_by("-number").first()
        older = edition.release_snapshot(previous) if previous is not None else None
        newer = edition.release_snapshot(release)
        context.update(
            essay=newer.essay, release=release, previous=previous,
            changes=releases.changes_between(older, newer),
            edition_url=reverse("annotations:edition"),
        )
        return context
