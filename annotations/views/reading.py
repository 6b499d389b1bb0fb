"""
Public reading pages: the edition, permalinks of notes and corrections, the bibliography.

Only published items reach the public: notes and corrections through
``.published()`` (accepted, not orphaned), their citations when the citation
and its source are both accepted. A signed-in contributor also sees their own
pending items, marked as such; those pages are rendered for them alone and
never stored in the shared cache.

The edition's body is cached under a key carrying ``Essay.revision`` (bumped
by every moderation decision and by ``load_edition``) and the reading mode, so
every worker process serves a fresh page once the revision moves, whatever
cache backend it has.
"""

from itertools import groupby

from django.contrib import messages
from django.core.cache import cache
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.generic import DetailView, TemplateView

from annotations import bibliography, rendering
from annotations.models import PUBLIC_CITATION, Annotation, Citation, Correction, Decision, Essay, Paragraph, Status

MODE_SESSION_KEY = "reading_mode"
MODE_DESCRIPTIONS = {
    rendering.APPARATUS: "the original with corrections and notes in place",
    rendering.CORRECTED: "a clean text with every accepted correction applied",
    rendering.ORIGINAL: "the essay exactly as first published",
}
EDITION_CACHE_SECONDS = 60 * 60 * 24


# --- assembling what the pages show (a constant number of queries) ------------------------------


def _visible_citations(items, *, scope, own_pending_by=None):
    """Attach ``shown_citations`` to each note or correction in ``items`` (one query).

    ``scope`` narrows the citations fetched (e.g. to one essay); citations of
    items not in ``items`` are ignored.
    """
    by_item = {(type(item), item.pk): item for item in items}
    for item in items:
        item.shown_citations = []
    if not items:
        return
    shown = PUBLIC_CITATION
    if own_pending_by is not None:
        # A contributor sees the citations they are still waiting on for their own items.
        waiting = [Status.ACCEPTED, Status.PENDING]
        shown |= Q(status__in=waiting, source__status__in=waiting, submitted_by=own_pending_by)
    for citation in Citation.objects.filter(scope).filter(shown).select_related("source"):
        if citation.annotation_id:
            owner = by_item.get((Annotation, citation.annotation_id))
        else:
            owner = by_item.get((Correction, citation.correction_id))
        if owner is not None:
            citation.short = bibliography.source_short(citation.source, citation.locator)
            owner.shown_citations.append(citation)


def _published_items(essay):
    in_essay = Q(paragraph__section__essay=essay)
    notes = list(Annotation.objects.published().filter(in_essay).for_display())
    corrections = list(Correction.objects.published().filter(in_essay).for_display())
    return notes, corrections


def own_pending_items(essay, user):
    """The signed-in contributor's own items awaiting review (two queries), marked ``pending``."""
    if not user.is_authenticated or essay is None:
        return [], []
    mine = Q(paragraph__section__essay=essay, orphaned=False)
    notes = list(Annotation.objects.pending().submitted_by(user).filter(mine).for_display())
    corrections = list(Correction.objects.pending().submitted_by(user).filter(mine).for_display())
    return notes, corrections


def version_date(essay):
    """The date of the edition's current version: its latest published note or correction."""
    latest = Coalesce("reviewed_at", "submitted_at")
    dates = [
        model.objects.published().filter(paragraph__section__essay=essay).aggregate(latest=Max(latest))["latest"]
        for model in (Annotation, Correction)
    ]
    dates = [value for value in dates if value is not None]
    return timezone.localdate(max(dates)) if dates else timezone.localdate()


def edition_version(essay):
    """The number of the edition's current version (one query).

    The edition as published with its apparatus is version 1; each moderation
    decision that puts something before readers or takes it away (a move into
    or out of "accepted") makes the next. Unlike ``Essay.revision``, the cache
    key, it does not move when the fixtures are loaded again or an item is
    rejected.
    """
    return 1 + Decision.objects.changing_what_readers_see().count()


def edition_record(essay, request):
    return bibliography.Edition(
        title=essay.title,
        version=edition_version(essay),
        date=version_date(essay),
        url=request.build_absolute_uri(reverse("annotations:edition")),
        key=essay.slug,
    )


def _span(item, pending=False):
    if isinstance(item, Annotation):
        return rendering.Span(kind=rendering.NOTE, key=f"note-{item.pk}", start=item.start, end=item.end, pending=pending)
    return rendering.Span(
        kind=rendering.CORRECTION, key=f"correction-{item.pk}", start=item.start, end=item.end,
        replacement=item.replacement, label=item.category, pending=pending,
    )


def _fits(item, paragraph):
    """Whether an item's offsets lie inside its paragraph (stale offsets are left out, never a 500)."""
    return item.end <= len(paragraph.text)


def render_passage(paragraph, notes, corrections, *, mode, first_number=1):
    """Render one paragraph with its items; numbers each note (``note.number``) and returns the HTML."""
    items = [item for item in notes + corrections if _fits(item, paragraph)]
    spans = [_span(item, pending=item.status == Status.PENDING) for item in items]
    html, numbers = rendering.render_paragraph(paragraph.text, spans, mode=mode, first_number=first_number)
    for note in notes:
        note.number = numbers.get(f"note-{note.pk}")
    return mark_safe(html)  # noqa: S308 - rendering escapes every character of the text


def edition_sections(essay, *, mode, notes, corrections, edition):
    """The essay's sections, each with its blocks of passages (list items grouped into lists)."""
    sections = list(essay.sections.all())
    paragraphs = Paragraph.objects.filter(section__essay=essay).select_related("section")
    notes_by_paragraph, corrections_by_paragraph = {}, {}
    for note in notes:
        notes_by_paragraph.setdefault(note.paragraph_id, []).append(note)
    for correction in sorted(corrections, key=lambda c: (c.start, c.pk)):
        corrections_by_paragraph.setdefault(correction.paragraph_id, []).append(correction)
    passages_by_section = {}
    next_number = 1
    for paragraph in paragraphs:
        paragraph_notes = [note for note in notes_by_paragraph.get(paragraph.pk, []) if _fits(note, paragraph)]
        paragraph_corrections = [c for c in corrections_by_paragraph.get(paragraph.pk, []) if _fits(c, paragraph)]
        passage = {
            "paragraph": paragraph,
            "html": render_passage(
                paragraph, paragraph_notes, paragraph_corrections, mode=mode, first_number=next_number,
            ),
            "notes": sorted(paragraph_notes, key=lambda n: n.number),
            "corrections": paragraph_corrections,
            "citation": bibliography.cite_chicago(edition, locator=paragraph.locator, anchor=paragraph.anchor),
        }
        next_number += len(paragraph_notes)
        passages_by_section.setdefault(paragraph.section_id, []).append(passage)
    for section in sections:
        passages = passages_by_section.get(section.pk, [])
        section.blocks = [
            {"is_list": kind == Paragraph.Kind.LIST_ITEM, "passages": list(group)}
            for kind, group in groupby(passages, key=lambda p: p["paragraph"].kind)
        ]
    return sections


def render_edition_body(request, essay, *, mode, own_notes=(), own_corrections=()):
    notes, corrections = _published_items(essay)
    notes += list(own_notes)
    corrections += list(own_corrections)
    _visible_citations(
        notes + corrections,
        scope=Q(annotation__paragraph__section__essay=essay) | Q(correction__paragraph__section__essay=essay),
        own_pending_by=request.user if own_notes or own_corrections else None,
    )
    edition = edition_record(essay, request)
    context = {
        "essay": essay,
        "mode": mode,
        "modes": [(name, MODE_DESCRIPTIONS[name]) for name in rendering.MODES],
        "edition": edition,
        "edition_citations": bibliography.edition_citations(edition),
        "sections": edition_sections(essay, mode=mode, notes=notes, corrections=corrections, edition=edition),
        "note_count": len(notes),
        "correction_count": len(corrections),
    }
    return render_to_string("annotations/_edition_body.html", context)


def edition_cache_key(essay, mode, request):
    host = request.build_absolute_uri("/")
    return f"edition:{essay.pk}:{essay.revision}:{mode}:{host}"


# --- views --------------------------------------------------------------------------------------


class EditionView(TemplateView):
    """The edition on one page, in the reader's chosen mode (kept in the session for the visit)."""

    template_name = "annotations/edition.html"

    def get(self, request, *args, **kwargs):
        requested = request.GET.get("mode") or None  # "?mode=" alone means the mode already chosen
        if requested is not None and requested not in rendering.MODES:
            return render(
                request, "annotations/bad_request.html",
                {"message": f"There is no reading mode called “{requested}”.", "modes": rendering.MODES},
                status=400,
            )
        if requested and request.session.get(MODE_SESSION_KEY) != requested:
            request.session[MODE_SESSION_KEY] = requested
        self.mode = requested or request.session.get(MODE_SESSION_KEY, rendering.APPARATUS)
        key = self.page_cache_key()
        if key is None:
            return super().get(request, *args, **kwargs)
        page = cache.get(key)
        if page is None:
            response = super().get(request, *args, **kwargs).render()
            cache.set(key, response.content, EDITION_CACHE_SECONDS)
            return response
        return HttpResponse(page)

    def page_cache_key(self):
        """The key of the whole page for an anonymous reader, or None when the page must be rendered.

        Most readers are anonymous and see the same page: it is kept whole, as
        bytes, beside the body every reader shares. Signed-in readers (their
        header, their pending items), a page with a message to show, and any
        query other than ``?mode=`` are rendered (around the cached body).
        """
        request = self.request
        if request.user.is_authenticated or len(messages.get_messages(request)) or set(request.GET) - {"mode"}:
            return None
        self.essay = Essay.objects.first()
        if self.essay is None:
            return None
        return f"edition-page:{edition_cache_key(self.essay, self.mode, request)}:{request.get_full_path()}"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        essay = self.essay if hasattr(self, "essay") else Essay.objects.first()
        context.update(essay=essay, mode=self.mode)
        if essay is None:
            return context
        own_notes, own_corrections = own_pending_items(essay, self.request.user)
        if own_notes or own_corrections:
            # Personal: never shared through the cache.
            context["body"] = mark_safe(render_edition_body(  # noqa: S308 - a rendered template
                self.request, essay, mode=self.mode, own_notes=own_notes, own_corrections=own_corrections,
            ))
            return context
        key = edition_cache_key(essay, self.mode, self.request)
        body = cache.get(key)
        if body is None:
            body = render_edition_body(self.request, essay, mode=self.mode)
            cache.set(key, body, EDITION_CACHE_SECONDS)
        context["body"] = mark_safe(body)  # noqa: S308 - a rendered template
        return context


class _ItemPermalinkView(DetailView):
    """One note or correction in the context of its paragraph (its own contributor sees it while pending)."""

    model = None

    def get_queryset(self):
        visible = Q(pk__in=self.model.objects.published())
        if self.request.user.is_authenticated:
            visible |= Q(pk__in=self.model.objects.pending().submitted_by(self.request.user).filter(orphaned=False))
        return self.model.objects.filter(visible).for_display().select_related("paragraph__section__essay")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        item = self.object
        pending = item.status == Status.PENDING
        scope = Q(annotation=item) if isinstance(item, Annotation) else Q(correction=item)
        _visible_citations([item], scope=scope, own_pending_by=self.request.user if pending else None)
        for citation in item.shown_citations:
            citation.reference = bibliography.source_reference(citation.source)
        notes, corrections = ([item], []) if isinstance(item, Annotation) else ([], [item])
        context.update(
            item=item,
            paragraph=item.paragraph,
            essay=item.paragraph.section.essay,
            paragraph_html=render_passage(item.paragraph, notes, corrections, mode=rendering.APPARATUS),
        )
        return context


class NoteView(_ItemPermalinkView):
    model = Annotation
    template_name = "annotations/note_detail.html"
    context_object_name = "note"


class CorrectionView(_ItemPermalinkView):
    model = Correction
    template_name = "annotations/correction_detail.html"
    context_object_name = "correction"


class SourcesView(TemplateView):
    """The bibliography: every source cited by a published note or accepted correction."""

    template_name = "annotations/sources.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        essay = Essay.objects.first()
        if essay is None:
            raise Http404("No edition has been loaded yet.")
        published_note = Q(annotation__in=Annotation.objects.published())
        published_correction = Q(correction__in=Correction.objects.published())
        citations = (
            Citation.objects.published()
            .filter(published_note | published_correction)
            .select_related("source", "annotation__paragraph__section", "correction__paragraph__section")
        )
        sources = {}
        for citation in citations:
            source = sources.setdefault(citation.source_id, citation.source)
            if not hasattr(source, "citing"):
                source.citing = []
            source.citing.append(citation)
        entries = sorted(sources.values(), key=bibliography.sort_key)
        for source in entries:
            source.reference = bibliography.source_reference(source)
            source.citing.sort(key=lambda c: (c.item.paragraph.section.position, c.item.paragraph.position, c.item.start))
        edition = edition_record(essay, self.request)
        context.update(
            essay=essay, sources=entries, edition=edition,
            edition_citations=bibliography.edition_citations(edition),
        )
        return context
