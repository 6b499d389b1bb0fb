"""
The edition page: what it shows, numbered, cached and assembled.

The reading view resolves the essay once and asks this module for the page:

    body = edition_page(essay, mode=mode, viewer=request.user, url=edition_url)
    page = edition_page_bytes(essay, mode=mode, url=edition_url, encoding="gzip", render=…)   # anonymous readers

Only published items reach the public: notes and corrections through
``.published()`` (accepted, not orphaned), their citations when the citation and
its source are both accepted. A signed-in contributor also sees their own
pending items, marked as such and left unnumbered, so the public numbering is
the same for everyone.

Three levels of cache, all in the ``edition`` cache (settings.CACHES):

1. **Passages**: one paragraph with its notes and corrections, in one reading
   mode, keyed by a digest of everything it shows (the paragraph, each item's
   fields, its citations and their sources) and of the code and templates that
   render it (``build``). Not by the global revision: a decision re-renders only
   the passages whose items it changed, and a key cannot go stale, since what
   changes what a passage shows changes its key. A passage's note and correction
   numbers are local (its first note is 1) and left as holes; the assembly fills
   them with the counts of the passages before it, so a note added in § 1 does
   not invalidate any later passage.
2. **The public body**, per essay revision and mode: the passages in order with
   their numbers, the head, contents and "Cite this edition". A signed-in
   reader's body is this one with the passages where they have pending items
   swapped for their own (rendered once, then cached like any passage).
3. **The anonymous page**, per revision and mode: the whole HTML as bytes,
   plain, gzip and brotli. Its validators (``page_etag``, ``page_last_modified``)
   are known from the essay row alone, so a conditional request is answered
   without rendering anything.

``Essay.revision`` moves with every change readers can see (moderation,
``load_edition``), so levels 2 and 3 follow it in every worker process whatever
the cache backend; level 1 needs no invalidation at all.
"""

import gzip
import hashlib
import pickle
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from itertools import groupby
from pathlib import Path

import brotli
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.cache import caches
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from annotations import bibliography, rendering
from annotations.models import (
    PUBLIC_CITATION, Annotation, Citation, Correction, Decision, Paragraph, Source, Status,
)

CACHE_ALIAS = "edition"
CACHE_SECONDS = 60 * 60 * 24
ENCODINGS = ("br", "gzip", "identity")
MODE_DESCRIPTIONS = {
    rendering.APPARATUS: "the original with corrections and notes in place",
    rendering.CORRECTED: "a clean text with every accepted correction applied",
    rendering.ORIGINAL: "the essay exactly as first published",
}


def _cache():
    return caches[CACHE_ALIAS]


# --- what shapes the page besides the data: the code and templates of this deployment -----------


@dataclass(frozen=True)
class Build:
    digest: str  # of every template and module that renders the page, and the static files' manifest
    time: datetime  # the newest of those files


@cache
def build():
    """This deployment's code and templates, read once per process.

    A deploy that changes how the page is rendered (a template, the renderer,
    the sanitiser, a hashed static file name) changes every cache key and ETag,
    so neither Django's cache nor a reader's browser keeps the old HTML.
    """
    root = Path(settings.BASE_DIR)
    paths = sorted([
        *root.glob("annotations/**/*.py"),
        *root.glob("annotations/templates/**/*.html"),
        *root.glob("essay_site/templates/**/*.html"),
        Path(settings.STATIC_ROOT) / "staticfiles.json",
    ])
    digest, newest = hashlib.blake2b(digest_size=8), 0.0
    for path in paths:
        if path.is_file():
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
            newest = max(newest, path.stat().st_mtime)
    return Build(digest=digest.hexdigest(), time=datetime.fromtimestamp(int(newest), tz=UTC))


# --- gathering what readers see (a constant number of queries) -------------------------------------


def citations_attach(items, *, scope, own_pending_by=None):
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


def _citations_of(notes, corrections):
    return Q(annotation__in=[note.pk for note in notes]) | Q(correction__in=[c.pk for c in corrections])


def _in_essay(essay):
    return Q(paragraph__section__essay=essay)


def own_pending_items(essay, viewer):
    """The viewer's own notes and corrections awaiting review (two queries), with their paragraphs."""
    if viewer is None or not viewer.is_authenticated:
        return [], []
    mine = _in_essay(essay) & Q(orphaned=False)
    related = ("paragraph__section", "submitted_by")
    return (
        list(Annotation.objects.pending().submitted_by(viewer).filter(mine).select_related(*related)),
        list(Correction.objects.pending().submitted_by(viewer).filter(mine).select_related(*related)),
    )


# --- the version and its citation record (the releases work replaces this part) --------------------


def edition_version(essay):
    """The number of the essay's current version (one query).

    The edition as published with its apparatus is version 1; each moderation
    decision on this essay's notes, corrections, their citations or cited
    sources that puts something before readers or takes it away (a move into or
    out of "accepted") makes the next. Unlike ``Essay.revision``, the cache key,
    it does not move when the fixtures are loaded again or an item is rejected.
    """
    types = ContentType.objects.get_for_models(Annotation, Correction, Citation, Source)
    notes = Annotation.objects.filter(_in_essay(essay)).values("pk")
    corrections = Correction.objects.filter(_in_essay(essay)).values("pk")
    citations = Citation.objects.filter(Q(annotation__in=notes) | Q(correction__in=corrections))
    about_this_essay = (
        Q(content_type=types[Annotation], object_id__in=notes)
        | Q(content_type=types[Correction], object_id__in=corrections)
        | Q(content_type=types[Citation], object_id__in=citations.values("pk"))
        | Q(content_type=types[Source], object_id__in=citations.values("source_id"))
    )
    return 1 + Decision.objects.changing_what_readers_see().filter(about_this_essay).count()


def version_date(essay):
    """The date of the essay's current version: its latest published note or correction (two queries)."""
    latest = Coalesce("reviewed_at", "submitted_at")
    dates = [
        model.objects.published().filter(_in_essay(essay)).aggregate(latest=Max(latest))["latest"]
        for model in (Annotation, Correction)
    ]
    dates = [value for value in dates if value is not None]
    return timezone.localdate(max(dates)) if dates else timezone.localdate()


def edition_record(essay, *, url):
    """What a citation of the essay's edition needs: its title, version, date and address."""
    return bibliography.Edition(
        title=essay.title, version=edition_version(essay), date=version_date(essay), url=url, key=essay.slug,
    )


# --- one passage: a paragraph with its notes and corrections ---------------------------------------

# Holes left in a passage's HTML for what depends on the rest of the page: its
# note and correction numbers (local, from 1) and its "Cite this passage" text.
# User text cannot produce them: it is escaped, or sanitised with comments stripped.
_HOLE = re.compile(r"<!--#(n|c|cite):(\d*)-->")
_HOLE_KIND = {rendering.NOTE: "n", rendering.CORRECTION: "c"}


def _number_hole(kind, number):
    return mark_safe(f"<!--#{_HOLE_KIND[kind]}:{number}-->")  # noqa: S308 - digits


@dataclass(frozen=True)
class Passage:
    """A rendered passage: its HTML cut at the holes, and how many numbered notes and corrections it has."""

    pieces: tuple  # len(holes) + 1 strings of HTML
    holes: tuple  # ("n" | "c" | "cite", local number)
    notes: int
    corrections: int

    @classmethod
    def from_html(cls, html, *, notes, corrections):
        parts = _HOLE.split(html)
        holes = tuple((kind, int(number or 0)) for kind, number in zip(parts[1::3], parts[2::3]))
        return cls(pieces=tuple(parts[0::3]), holes=holes, notes=notes, corrections=corrections)

    def html(self, *, notes_before, corrections_before, citation):
        out = [self.pieces[0]]
        for (kind, number), piece in zip(self.holes, self.pieces[1:]):
            if kind == "n":
                out.append(str(notes_before + number))
            elif kind == "c":
                out.append(str(corrections_before + number))
            else:
                out.append(citation)
            out.append(piece)
        return "".join(out)


def _fits(item, paragraph):
    """Whether an item's offsets lie inside its paragraph (stale offsets are left out, never a 500)."""
    return item.end <= len(paragraph.text)


def _span(item):
    pending = item.status == Status.PENDING
    if isinstance(item, Annotation):
        return rendering.Span(kind=rendering.NOTE, key=f"note-{item.pk}", start=item.start, end=item.end, pending=pending)
    return rendering.Span(
        kind=rendering.CORRECTION, key=f"correction-{item.pk}", start=item.start, end=item.end,
        replacement=item.replacement, label=item.category, pending=pending,
    )


def _number(paragraph, notes, corrections, *, mode, number):
    """Render the paragraph's text and return (html, items in reading order).

    Sets ``item.number`` (None for the reader's own pending item) and
    ``item.marker`` (what its marker in the text shows) on each item.
    """
    spans = {}
    for item in notes + corrections:
        span = _span(item)
        spans[span.key] = (span, item)
    html, numbers = rendering.render_paragraph(
        paragraph.text, [span for span, _ in spans.values()], mode=mode, number=number,
    )
    for key, value in numbers.items():
        span, item = spans[key]
        item.number = None if value is None else number(span.kind, value)
        item.marker = mark_safe(rendering.number_html(span, item.number))  # noqa: S308 - digits or a hole
    return mark_safe(html), [spans[key][1] for key in numbers]  # noqa: S308 - rendering escapes the text


def passage_html(paragraph, notes, corrections, *, mode):
    """One paragraph's text with its items, numbered from 1 (a permalink page shows one item in its paragraph)."""
    html, _ = _number(paragraph, notes, corrections, mode=mode, number=rendering.digits)
    return html


def _passage_render(paragraph, notes, corrections, *, mode):
    text_html, ordered = _number(paragraph, notes, corrections, mode=mode, number=_number_hole)
    context = {
        "mode": mode,
        "passage": {
            "paragraph": paragraph,
            "html": text_html,
            "notes": [item for item in ordered if isinstance(item, Annotation)],
            "corrections": [item for item in ordered if isinstance(item, Correction)],
            "citation": mark_safe("<!--#cite:-->"),
        },
    }
    html = render_to_string("annotations/_passage.html", context)
    numbered = [item for item in ordered if item.number is not None]
    return Passage.from_html(
        html,
        notes=sum(1 for item in numbered if isinstance(item, Annotation)),
        corrections=sum(1 for item in numbered if isinstance(item, Correction)),
    )


def _row(instance):
    return tuple(getattr(instance, field.attname) for field in instance._meta.concrete_fields)


def _passage_key(paragraph, items, mode):
    """A digest of everything the passage shows, in ``mode``, with this build's templates."""
    state = [build().digest, mode, _row(paragraph), paragraph.section.position]
    for item in sorted(items, key=lambda item: (item.__class__.__name__, item.pk)):
        citations = [(_row(citation), _row(citation.source)) for citation in item.shown_citations]
        state.append((item.__class__.__name__, _row(item), item.credited_to, citations))
    return "passage:" + hashlib.blake2b(pickle.dumps(state, protocol=5), digest_size=16).hexdigest()


def _passages(work, *, mode):
    """{paragraph pk: Passage} for [(paragraph, notes, corrections)], from the cache or rendered (and kept)."""
    keys = {paragraph.pk: _passage_key(paragraph, notes + corrections, mode) for paragraph, notes, corrections in work}
    store = _cache()
    found = store.get_many(list(keys.values()))
    passages, rendered = {}, {}
    for paragraph, notes, corrections in work:
        key = keys[paragraph.pk]
        if key not in found:
            found[key] = rendered[key] = _passage_render(paragraph, notes, corrections, mode=mode)
        passages[paragraph.pk] = found[key]
    if rendered:
        store.set_many(rendered, CACHE_SECONDS)
    return passages


def _by_paragraph(paragraphs, notes, corrections):
    """[(paragraph, its notes, its corrections)] for each paragraph, items whose offsets fit only."""
    notes_of, corrections_of = {}, {}
    for note in notes:
        notes_of.setdefault(note.paragraph_id, []).append(note)
    for correction in corrections:
        corrections_of.setdefault(correction.paragraph_id, []).append(correction)
    return [
        (
            paragraph,
            [note for note in notes_of.get(paragraph.pk, []) if _fits(note, paragraph)],
            [correction for correction in corrections_of.get(paragraph.pk, []) if _fits(correction, paragraph)],
        )
        for paragraph in paragraphs
    ]


# --- the body: every passage in order, numbered through the essay ----------------------------------

_SLOT = re.compile(r"<!--#passage:(\d+)-->")


@dataclass(frozen=True)
class Body:
    """The public body cut at its passages, so a reader's own passages can be put in their place."""

    parts: tuple  # HTML; the passage of a paragraph at parts[slots[pk].index]
    slots: dict  # paragraph pk → Slot

    def html(self, replacing=None):
        parts = list(self.parts)
        for pk, passage in (replacing or {}).items():
            slot = self.slots[pk]
            parts[slot.index] = passage.html(
                notes_before=slot.notes_before, corrections_before=slot.corrections_before, citation=slot.citation,
            )
        return mark_safe("".join(parts))  # noqa: S308 - rendered templates


@dataclass(frozen=True)
class Slot:
    index: int
    notes_before: int
    corrections_before: int
    citation: str


def _public_body(essay, *, mode, url):
    """The body every reader shares (nine queries when it is not cached)."""
    key = f"body:{essay.pk}:{essay.revision}:{mode}:{url}:{build().digest}"
    store = _cache()
    body = store.get(key)
    if body is not None:
        return body
    sections = list(essay.sections.all())
    paragraphs = list(Paragraph.objects.filter(section__essay=essay).select_related("section"))
    notes = list(Annotation.objects.published().filter(_in_essay(essay)).select_related("submitted_by"))
    corrections = list(Correction.objects.published().filter(_in_essay(essay)).select_related("submitted_by"))
    citations_attach(
        notes + corrections,
        scope=Q(annotation__paragraph__section__essay=essay) | Q(correction__paragraph__section__essay=essay),
    )
    work = _by_paragraph(paragraphs, notes, corrections)
    passages = _passages(work, mode=mode)
    edition = edition_record(essay, url=url)

    numbering, notes_before, corrections_before = {}, 0, 0
    for paragraph in paragraphs:
        numbering[paragraph.pk] = (notes_before, corrections_before)
        notes_before += passages[paragraph.pk].notes
        corrections_before += passages[paragraph.pk].corrections
    slot_markup = {paragraph.section_id: [] for paragraph in paragraphs}
    for paragraph in paragraphs:
        slot_markup[paragraph.section_id].append(
            {"paragraph": paragraph, "slot": mark_safe(f"<!--#passage:{paragraph.pk}-->")}  # noqa: S308 - digits
        )
    for section in sections:
        section.blocks = [
            {"is_list": kind == Paragraph.Kind.LIST_ITEM, "passages": list(group)}
            for kind, group in groupby(slot_markup.get(section.pk, []), key=lambda p: p["paragraph"].kind)
        ]
    html = render_to_string("annotations/_edition_body.html", {
        "essay": essay,
        "mode": mode,
        "modes": [(name, MODE_DESCRIPTIONS[name]) for name in rendering.MODES],
        "edition": edition,
        "edition_citations": bibliography.edition_citations(edition),
        "sections": sections,
        "note_count": notes_before,
        "correction_count": corrections_before,
    })

    by_pk = {paragraph.pk: paragraph for paragraph in paragraphs}
    split = _SLOT.split(html)
    parts, slots = list(split[0::2]), {}
    for position, pk in enumerate(int(pk) for pk in split[1::2]):
        paragraph = by_pk[pk]
        slot = Slot(
            index=2 * position + 1,
            notes_before=numbering[pk][0],
            corrections_before=numbering[pk][1],
            citation=str(bibliography.cite_chicago(edition, locator=paragraph.locator, anchor=paragraph.anchor)),
        )
        slots[pk] = slot
        parts.insert(slot.index, passages[pk].html(
            notes_before=slot.notes_before, corrections_before=slot.corrections_before, citation=slot.citation,
        ))
    body = Body(parts=tuple(parts), slots=slots)
    store.set(key, body, CACHE_SECONDS)
    return body


def edition_page(essay, *, mode, viewer, url):
    """The edition's body for ``viewer`` (None or anonymous: the public one) in ``mode``; ``url`` is its address.

    A signed-in contributor's own pending items are shown where they belong,
    unnumbered: only the passages holding them differ from the public body.
    """
    body = _public_body(essay, mode=mode, url=url)
    own_notes, own_corrections = own_pending_items(essay, viewer)
    if not own_notes and not own_corrections:
        return body.html()
    paragraphs = {item.paragraph_id: item.paragraph for item in own_notes + own_corrections}
    here = Q(paragraph__in=list(paragraphs))
    notes = list(Annotation.objects.published().filter(here).select_related("submitted_by")) + own_notes
    corrections = list(Correction.objects.published().filter(here).select_related("submitted_by")) + own_corrections
    citations_attach(notes + corrections, scope=_citations_of(notes, corrections), own_pending_by=viewer)
    ordered = sorted(paragraphs.values(), key=lambda p: (p.section.position, p.position))
    own = _passages(_by_paragraph(ordered, notes, corrections), mode=mode)
    return body.html(replacing={pk: passage for pk, passage in own.items() if pk in body.slots})


# --- the anonymous reader's page: bytes, validators ------------------------------------------------


def page_etag(essay, mode):
    """The anonymous page's ETag: it changes with the revision, the mode and the deployment, nothing else."""
    return f'W/"{essay.pk}.{essay.revision}.{mode}.{build().digest}"'


def page_last_modified(essay):
    """When the anonymous page last changed: the last revision or the last deployment, to the second."""
    return max(essay.revised_at.replace(microsecond=0), build().time)


def _compress(content):
    return {
        "identity": content,
        "gzip": gzip.compress(content, compresslevel=6, mtime=0),
        "br": brotli.compress(content, quality=5, mode=brotli.MODE_TEXT),
    }


def edition_page_bytes(essay, *, mode, url, encoding, render):
    """The whole page for anonymous readers as bytes in ``encoding`` (one of ``ENCODINGS``).

    ``render(body)`` renders the page around the body; it runs once per
    revision and mode (per process with the default per-process cache), and the
    result is kept in all three encodings, so most requests read one cache entry.
    """
    key = f"page:{essay.pk}:{essay.revision}:{mode}:{url}:{build().digest}"
    store = _cache()
    content = store.get(f"{key}:{encoding}")
    if content is None:
        variants = _compress(render(edition_page(essay, mode=mode, viewer=None, url=url)).encode())
        store.set_many({f"{key}:{name}": data for name, data in variants.items()}, CACHE_SECONDS)
        content = variants[encoding]
    return content
