"""
The edition page: what it shows, numbered, cached and assembled.

The reading view reads the essay's state once (``essay_state``: one small
query) and asks this module for the page:

    body = edition_page(state, mode=mode, viewer=request.user, url=edition_url)   # bytes of the body
    page = edition_page_bytes(state, mode=mode, url=edition_url, encoding="br", render=…)   # anonymous readers

Only published items reach the public: notes and corrections through
``.published()`` (accepted, not orphaned), their citations when the citation and
its source are both accepted. A signed-in contributor also sees their own
pending items, marked as such and left unnumbered, so the public numbering is
the same for everyone.

The same assembly renders a release (``/v/<N>/``): a body is made from a
*source* of what it shows, ``Living(essay)`` (every published item now, items the
latest release does not show marked "new since version N") or
``Released(release)`` (the release's stored versions, read back by
``annotations.releases``, kept for good since a release never changes)::

    body = release_page(release, mode=mode, url=edition_url)
    page = release_page_bytes(release, mode=mode, url=edition_url, encoding="br", render=…)

"Cite this edition" cites the latest release (``edition_record``), the living
edition only before the first; ``tei_bytes`` writes either source as TEI P5.

Four levels of cache, all in the ``edition`` cache (settings.CACHES):

1. **Apparatus entries** (one note or correction as the apparatus shows it) and
2. **passages** (one paragraph's text with its entries, in one reading mode),
   keyed by the state of what they show (the paragraph's row; each item's
   version, last save, status and offsets; each citation's and cited source's)
   and by the code and templates that render them (``build``). Not by the
   global revision: a decision re-renders the passages whose items it changed,
   and in them only the entries of those items. Numbers are left as holes: an
   entry has one for its own number, a passage local numbers (its first note is
   1) that the assembly offsets by the counts of the passages before it, so a
   note accepted in § 1 renumbers the later passages without rendering them.
3. **The public body**, per essay revision and mode: the passages in order with
   their numbers, the head, contents and "Cite this edition", cut at its
   passages. A signed-in contributor's body is this one with the passages
   holding their pending items swapped for their own, cached like any passage
   under the public passage's key and the state of their items.
4. **The anonymous page**, per revision and mode: the whole HTML as bytes, and
   its gzip and brotli copies. Its validators (``page_etag``,
   ``page_last_modified``) come from the essay's state alone, so a conditional
   request is answered without rendering anything.

``Essay.revision`` moves with every change readers can see (moderation,
``load_edition``), so levels 3 and 4 follow it in every worker process whatever
the cache backend; levels 1 and 2 need no invalidation at all.
"""

import gzip
import hashlib
import pickle
import re
import threading
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import cache
from itertools import groupby
from pathlib import Path
from urllib.parse import urljoin

import brotli
from django.conf import settings
from django.core.cache import caches
from django.db import connection
from django.db.models import CharField, Max, Q
from django.db.models.functions import Cast, Coalesce
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from annotations import bibliography, citation_formats, releases, rendering, tei
from annotations.models import (
    PUBLIC_CITATION, Annotation, Citation, Correction, CrossReference, Essay, Paragraph, Release, Source, Status,
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
            name = path.relative_to(root).as_posix() if path.is_relative_to(root) else path.name
            digest.update(name.encode() + b"\0" + path.read_bytes())
            newest = max(newest, path.stat().st_mtime)
    return Build(digest=digest.hexdigest(), time=datetime.fromtimestamp(int(newest), tz=UTC))


# --- the essay's state: on every request's path, so read with one small query --------------------


@dataclass(frozen=True)
class EssayState:
    """What names the current public page: the essay, its revision and when the revision last moved.

    With its title, it is all the page around the body shows of the essay.
    """

    pk: int
    title: str
    revision: int
    revised_at: datetime


def essay_state():
    """The state of the edition's essay (the first by title, as the reading pages show), or None.

    A plain SQL query: building it through the ORM would cost more than serving a
    cached page does.
    """
    table, ops = Essay._meta.db_table, connection.ops
    columns = ", ".join(ops.quote_name(Essay._meta.get_field(name).column) for name in ("id", "title", "revision", "revised_at"))
    order = ", ".join(ops.quote_name(Essay._meta.get_field(name).column) for name in ("title", "id"))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {columns} FROM {ops.quote_name(table)} ORDER BY {order} LIMIT 1")  # noqa: S608
        row = cursor.fetchone()
    if row is None:
        return None
    pk, title, revision, revised_at = row
    if isinstance(revised_at, str):  # SQLite keeps datetimes as text
        revised_at = parse_datetime(revised_at)
    if timezone.is_naive(revised_at):
        revised_at = timezone.make_aware(revised_at, UTC)
    return EssayState(pk=pk, title=title, revision=revision, revised_at=revised_at)


# --- gathering what readers see (a constant number of queries) -------------------------------------


def _citations_shown(own_pending_by):
    shown = PUBLIC_CITATION
    if own_pending_by is not None:
        # A contributor sees the citations they are still waiting on for their own items.
        shown |= Q(status__in=Status.STANDING, source__status__in=Status.STANDING, submitted_by=own_pending_by)
    return shown


def citations_attach(items, *, scope, own_pending_by=None):
    """Attach ``shown_citations`` to each note or correction in ``items`` (one query).

    ``scope`` narrows the citations fetched (e.g. to one essay); citations of
    items not in ``items`` are ignored.
    """
    by_item = {(type(item), item.pk): item for item in items}
    for item in items:
        item.shown_citations = []
    for citation in Citation.objects.filter(scope).filter(_citations_shown(own_pending_by)).select_related("source"):
        if citation.annotation_id:
            owner = by_item.get((Annotation, citation.annotation_id))
        else:
            owner = by_item.get((Correction, citation.correction_id))
        if owner is not None:
            citation.short = bibliography.source_short(citation.source, citation.locator)
            owner.shown_citations.append(citation)


def related_attach(items, *, scope):
    """Set ``related_items`` (every item it cross-refers to) on each note or correction in ``items`` (one query).

    ``scope`` narrows the cross-references fetched (e.g. to some paragraphs); those of items not in ``items``
    are ignored.
    """
    by_item = {(type(item), item.pk): item for item in items}
    for item in items:
        item.related_items = []
    references = CrossReference.objects.filter(scope).select_related(
        "to_note__paragraph__section", "to_correction__paragraph__section",
    )
    for reference in references.order_by("pk"):
        source = (Annotation, reference.from_note_id) if reference.from_note_id else (Correction, reference.from_correction_id)
        if source in by_item:
            by_item[source].related_items.append(reference.target)


def _citations_of(notes, corrections):
    return _citations_of_pks([("n", (note.pk,)) for note in notes] + [("c", (c.pk,)) for c in corrections])


def _citations_of_pks(items):
    """Citations of [(kind, (pk, …))] (an empty ``__in`` costs the query compiler more than the query)."""
    notes = [state[0] for kind, state in items if kind == "n"]
    corrections = [state[0] for kind, state in items if kind == "c"]
    if notes and corrections:
        return Q(annotation__in=notes) | Q(correction__in=corrections)
    return Q(annotation__in=notes) if notes else Q(correction__in=corrections)


def _in_essay(essay):
    return Q(paragraph__section__essay=essay)


# --- the version and its citation record --------------------------------------------------------------


def latest_change_date(essay):
    """When the living edition last changed: its latest published note or correction (two queries)."""
    latest = Coalesce("reviewed_at", "submitted_at")
    dates = [
        model.objects.published().filter(_in_essay(essay)).aggregate(latest=Max(latest))["latest"]
        for model in (Annotation, Correction)
    ]
    dates = [value for value in dates if value is not None]
    return timezone.localdate(max(dates)) if dates else timezone.localdate()


def release_record(essay, release, *, url):
    """What a citation of ``release`` needs: its title, number, date and address (``url``: the edition's)."""
    return bibliography.Edition(
        title=release.title, version=release.number, date=timezone.localdate(release.released_at),
        url=urljoin(url, release.get_absolute_url()), key=f"{essay.slug}-v{release.number}",
        publisher=settings.EDITION_PUBLISHER,
    )


def living_record(essay, *, url):
    """The living edition at ``url``: unnumbered, dated by its latest change (two queries)."""
    return bibliography.Edition(
        title=essay.title, version=None, date=latest_change_date(essay), url=url, key=essay.slug,
        publisher=settings.EDITION_PUBLISHER,
    )


def edition_record(essay, *, url, release=None):
    """What a citation of the essay's edition needs: its latest release (or ``release``), as ``release_record``.

    Decisions between releases do not change it. Before the first release it is
    the living edition at ``url`` (``living_record``).
    """
    release = release or releases.release_latest(essay)
    if release is None:
        return living_record(essay, url=url)
    return release_record(essay, release, url=url)


def item_title(item):
    """What a note or correction is called in a citation: “Note on ‘…’”."""
    quoted = Truncator(" ".join(item.exact.split())).chars(80)
    return f"Note on “{quoted}”" if isinstance(item, Annotation) else f"Correction of “{quoted}”"


def item_citation(item, *, essay, release, url):
    """How a published note or correction is cited: (``bibliography.Part``, ``citation_formats.Record``).

    In ``release``, at its address there; with None, in the living edition at
    its own address, unnumbered (an item new since the latest release). ``url``
    is the edition's absolute address.
    """
    kind = "note" if isinstance(item, Annotation) else "correction"
    cited_in = release_record(essay, release, url=url) if release else living_record(essay, url=url)
    path = reverse(f"annotations:release_{kind}", args=[release.number, item.pk]) if release else reverse(
        f"annotations:{kind}", args=[item.pk],
    )
    author = citation_formats.credit_name(item)
    date = timezone.localdate(item.reviewed_at or item.submitted_at)
    part = bibliography.Part(
        title=item_title(item), author=citation_formats.name_text(author), date=date,
        locator=item.paragraph.locator, url=urljoin(url, path), edition=cited_in,
    )
    record = citation_formats.item_record(
        key=f"{kind}-{item.pk}" + (f"-v{release.number}" if release else ""), title=part.title, author=author,
        date=date, url=part.url, locator=part.locator, edition=cited_in,
    )
    return part, record


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


# An apparatus entry is cached on its own, by the state of its item, with this hole for its number:
# a passage that gains a note renders that note's entry only.
_SELF = "<!--#self-->"


def _entry_key(item, mode):
    citations = [_citation_state(citation) for citation in item.shown_citations]
    references = [_reference_state(target) for target in item.related_items]
    where = (item.released_in, getattr(item, "new_since", None))  # its links, and its "new since" mark
    return "entry:" + _digest(
        build().digest, mode, item.__class__.__name__, _item_state(item), citations, references, where,
    )


def _entry_render(item, mode):
    number, marker = item.number, item.marker
    if number is not None:
        item.number = mark_safe(_SELF)  # noqa: S308 - a constant
        item.marker = mark_safe(rendering.number_html(_span(item), _SELF))  # noqa: S308 - a constant
    name = "note" if isinstance(item, Annotation) else "correction"
    html = render_to_string(f"annotations/_{name}.html", {name: item, "mode": mode})
    item.number, item.marker = number, marker
    return html


def _entries_attach(items, *, mode):
    """Set ``item.entry``, its apparatus entry with its number, on each item (cached entries, the others rendered)."""
    keys = {id(item): _entry_key(item, mode) for item in items}
    store = _cache()
    found = store.get_many(list(set(keys.values())))
    rendered = {}
    for item in items:
        key = keys[id(item)]
        if key not in found:
            found[key] = rendered[key] = _entry_render(item, mode)
        html = found[key] if item.number is None else found[key].replace(_SELF, item.number)
        item.entry = mark_safe(html)  # noqa: S308 - a rendered template
    if rendered:
        store.set_many(rendered, CACHE_SECONDS)


def _passage_render(paragraph, notes, corrections, *, mode):
    text_html, ordered = _number(paragraph, notes, corrections, mode=mode, number=_number_hole)
    _entries_attach(ordered, mode=mode)
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


# What a passage's key is made of: the state of each item shown in it (any decision or
# edit moves its version, any save its updated_at) and of each citation and cited source.
# The times are read as text: parsing thousands of them would cost more than the rest.
ITEM_STATE = ("pk", "paragraph_id", "start", "end", "status", "version", "credit", "submitted_by_id")
CITATION_STATE = ("pk", "status", "version", "locator", "source_id", "source__status", "source__version")


def _as_text(field):
    return Cast(field, output_field=CharField())


def _item_state(item):
    return (*(getattr(item, field) for field in ITEM_STATE), str(item.updated_at))


def _reference_state(target):
    """What an item's "See also" shows of a related item: whether it is public, its quote and place."""
    return (target.__class__.__name__, target.pk, target.status, target.orphaned, target.version)


def _citation_state(citation):
    source = citation.source
    return (
        citation.pk, citation.status, citation.version, citation.locator, source.pk, source.status, source.version,
        str(citation.updated_at), str(source.updated_at),
    )


def _digest(*state):
    return hashlib.blake2b(pickle.dumps(state, protocol=5), digest_size=16).hexdigest()


def _references_states(essay):
    """{(kind, pk): [related item state]} of the items' cross-references (one light query)."""
    references = {}
    targets = ("status", "orphaned", "version")
    rows = CrossReference.objects.filter(
        Q(from_note__paragraph__section__essay=essay) | Q(from_correction__paragraph__section__essay=essay)
    ).values_list(
        "from_note_id", "from_correction_id", "to_note_id", *(f"to_note__{name}" for name in targets),
        "to_correction_id", *(f"to_correction__{name}" for name in targets),
    ).order_by("pk")
    for from_note, from_correction, to_note, *rest in rows:
        target = ("Annotation", to_note, *rest[:3]) if to_note else ("Correction", *rest[3:])
        references.setdefault(("n", from_note) if from_note else ("c", from_correction), []).append(target)
    return references


def _published_states(essay, marks):
    """{paragraph pk: [(kind, item state, citation states, related items' states, "new since" mark)]} of the
    published items (four light queries)."""
    references = _references_states(essay)
    citations = {}
    in_essay = Q(annotation__paragraph__section__essay=essay) | Q(correction__paragraph__section__essay=essay)
    for note_pk, correction_pk, *state in Citation.objects.published().filter(in_essay).values_list(
        "annotation_id", "correction_id", *CITATION_STATE,
        _as_text("updated_at"), _as_text("source__updated_at"),
    ):
        citations.setdefault(("n", note_pk) if note_pk else ("c", correction_pk), []).append(tuple(state))
    states = {}
    for kind, model in (("n", Annotation), ("c", Correction)):
        for state in model.objects.published().filter(_in_essay(essay)).values_list(
            *ITEM_STATE, _as_text("updated_at"),
        ):
            states.setdefault(state[1], []).append((
                kind, state, citations.get((kind, state[0]), []), references.get((kind, state[0]), []),
                marks.new_since(model, state[0]),
            ))
    return states


def _own_pending(viewer):
    """The viewer's items awaiting review that they see on the page (an orphaned one has no place in it)."""
    return Q(submitted_by=viewer, status=Status.PENDING, orphaned=False)


@cache
def _own_states_sql():
    """One plain query for the state of a contributor's pending items and of all their citations and sources.

    It is on every signed-in contributor's request: through the ORM, three
    queries would cost several times the rest of the request. It reads every
    citation of the items, whatever its status, so it restates no rule of what
    is shown: any change to any of them changes the key.
    """
    quote = connection.ops.quote_name

    def columns(alias, model, names):
        return [f"{alias}.{quote(model._meta.get_field(name).column)}" for name in names]

    def as_text(column):
        return f"CAST({column} AS {'TEXT' if connection.vendor == 'sqlite' else 'VARCHAR'})"

    def table(model):
        return quote(model._meta.db_table)

    item_fields = ("id", "paragraph", "start", "end", "status", "version", "credit", "submitted_by")
    citation_fields = ("id", "status", "version", "locator", "source")
    selects = []
    for kind, model, link in (("n", Annotation, "annotation"), ("c", Correction, "correction")):
        i_id, i_by, i_status, i_orphaned, i_updated = columns("i", model, ("id", "submitted_by", "status", "orphaned", "updated_at"))
        c_link, c_source = columns("c", Citation, (link, "source"))
        (s_id,) = columns("s", Source, ("id",))
        selected = [
            f"'{kind}'", *columns("i", model, item_fields), as_text(i_updated),
            *columns("c", Citation, citation_fields), as_text(columns("c", Citation, ("updated_at",))[0]),
            *columns("s", Source, ("status", "version")), as_text(columns("s", Source, ("updated_at",))[0]),
        ]
        selects.append(
            f"SELECT {', '.join(selected)} FROM {table(model)} i"
            f" LEFT JOIN {table(Citation)} c ON {c_link} = {i_id}"
            f" LEFT JOIN {table(Source)} s ON {s_id} = {c_source}"
            f" WHERE {i_by} = %s AND {i_status} = %s AND NOT {i_orphaned}"
        )
    return " UNION ALL ".join(selects)


def _own_states(viewer):
    """{paragraph pk: [(kind, item state, citation states)]} of the viewer's own pending items (one query).

    All of the viewer's, in any essay: the caller keeps those in its paragraphs.
    """
    if viewer is None or not viewer.is_authenticated:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(_own_states_sql(), [viewer.pk, Status.PENDING] * 2)
        rows = cursor.fetchall()
    items, citations = {}, {}
    for kind, *row in rows:
        item, citation = tuple(row[:9]), tuple(row[9:])
        items[(kind, item[0])] = item
        if citation[0] is not None:
            citations.setdefault((kind, item[0]), []).append(citation)
    states = {}
    for (kind, pk), item in items.items():
        states.setdefault(item[1], []).append((kind, item, sorted(citations.get((kind, pk), []))))
    return states


def _public_key(paragraph, states, mode):
    """The key of a paragraph's public passage: what it shows, in ``mode``, with this build's templates."""
    fitting = sorted(state for state in states if state[1][3] <= len(paragraph.text))
    return "passage:" + _digest(build().digest, mode, _row(paragraph), paragraph.section.position, fitting)


def _own_key(public_key, own_states):
    """The key of a passage with a reader's own pending items in it."""
    return "passage:" + _digest(public_key, sorted(own_states))


def _row(instance):
    return tuple(getattr(instance, field.attname) for field in instance._meta.concrete_fields)


def _passages(keys, load, *, mode):
    """{paragraph pk: Passage} for {paragraph pk: key}, from the cache or rendered (and kept).

    ``load(pks)`` gives [(paragraph, notes, corrections)] for the paragraphs whose
    passage is not in the cache: only those are read in full and rendered.
    """
    store = _cache()
    found = store.get_many(list(keys.values()))
    missed = [pk for pk, key in keys.items() if key not in found]
    if missed:
        rendered = {
            keys[paragraph.pk]: _passage_render(paragraph, notes, corrections, mode=mode)
            for paragraph, notes, corrections in load(missed)
        }
        store.set_many(rendered, CACHE_SECONDS)
        found.update(rendered)
    return {pk: found[key] for pk, key in keys.items()}


def _published_in(paragraphs, *, marks, also=()):
    """[(paragraph, notes, corrections)] in full for ``paragraphs`` (three queries).

    ``marks``: which items are new since the latest release. ``also``: a reader's
    own pending items to show there, their citations already attached.
    """
    pks = [paragraph.pk for paragraph in paragraphs]
    notes = list(Annotation.objects.published().filter(paragraph__in=pks).with_people())
    corrections = list(Correction.objects.published().filter(paragraph__in=pks).with_people())
    scope = Q(annotation__paragraph__in=pks) | Q(correction__paragraph__in=pks)
    citations_attach(notes + corrections, scope=scope)
    related_attach(notes + corrections, scope=Q(from_note__paragraph__in=pks) | Q(from_correction__paragraph__in=pks))
    for item in notes + corrections:
        item.new_since = marks.new_since(type(item), item.pk)
    notes += [item for item in also if isinstance(item, Annotation)]
    corrections += [item for item in also if isinstance(item, Correction)]
    return _by_paragraph(paragraphs, notes, corrections)


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


def published_numbered(essay):
    """Every published note and correction of ``essay`` in reading order, with ``item.number`` as the edition shows it.

    Three queries (paragraphs, notes, corrections), nothing rendered: the
    numbers come from the rule the rendering follows (``rendering.span_numbers``),
    counted through the essay as the body counts its passages. Within a
    paragraph, items come where a reader meets them (a note at its marker, a
    correction where its words start).
    """
    paragraphs = list(Paragraph.objects.filter(section__essay=essay).select_related("section"))
    in_essay = _in_essay(essay)
    notes = list(Annotation.objects.published().filter(in_essay))
    corrections = list(Correction.objects.published().filter(in_essay))
    ordered, notes_before, corrections_before = [], 0, 0
    for paragraph, its_notes, its_corrections in _by_paragraph(paragraphs, notes, corrections):
        spans = {span.key: (span, item) for span, item in ((_span(item), item) for item in its_notes + its_corrections)}
        positions = rendering.reading_positions([span for span, _ in spans.values()])
        numbers = rendering.span_numbers(
            [span for span, _ in spans.values()],
            first_number=notes_before + 1, first_correction_number=corrections_before + 1,
        )
        for key, number in numbers.items():
            item = spans[key][1]
            item.number, item.paragraph = number, paragraph
        ordered += sorted(
            (item for _, item in spans.values()),
            key=lambda item: (positions[_span(item).key], isinstance(item, Correction), item.number),
        )
        notes_before += len(its_notes)
        corrections_before += len(its_corrections)
    return ordered


# --- the body: every passage in order, numbered through the essay ----------------------------------

_SLOT = re.compile(r"<!--#passage:(\d+)-->")


@dataclass(frozen=True)
class Slot:
    """Where a paragraph's passage sits in the body, and what it is filled with there."""

    index: int
    key: str  # of its public passage
    notes_before: int
    corrections_before: int
    citation: str


@dataclass(frozen=True)
class Body:
    """The public body as UTF-8, cut at its passages, so a reader's own passages can be put in their place."""

    parts: tuple  # bytes; the passage of a paragraph at parts[slots[pk].index]
    slots: dict  # paragraph pk → Slot
    edition: object = None  # the bibliography.Edition it cites ("Cite this edition"), for the page's head

    def html(self, replacing=None):
        """The body as bytes, with ``replacing`` ({paragraph pk: bytes}) in place of the public passages."""
        parts = list(self.parts)
        for pk, passage in (replacing or {}).items():
            parts[self.slots[pk].index] = passage
        return b"".join(parts)

    def fill(self, pk, passage):
        """``passage`` numbered and cited as the paragraph ``pk`` is in this body, as bytes."""
        slot = self.slots[pk]
        return passage.html(
            notes_before=slot.notes_before, corrections_before=slot.corrections_before, citation=slot.citation,
        ).encode()


# This process's latest bodies and pages, besides the shared cache: from it, each is a megabyte to
# unpickle per request. Their keys name a revision, so an entry is never stale; a few are kept (a body
# and three encodings of the page per mode, and the ones before).
_recent = {}
_recent_lock = threading.Lock()
RECENT = 32


def _recent_get(key):
    return _recent.get(key)


def _remember(key, value):
    with _recent_lock:
        _recent[key] = value
        while len(_recent) > RECENT:
            _recent.pop(next(iter(_recent)))


def recent_forget():
    """Forget this process's bodies and pages (for tests and benchmarks that empty the caches)."""
    with _recent_lock:
        _recent.clear()


def _revision_key(essay, mode, url):
    """What names one state of the public page: the revision (and when it moved: a revision number
    restored by loading a fixture is not the same state), the mode, the address, the deployment."""
    return f"{essay.pk}:{essay.revision}:{essay.revised_at.timestamp()}:{mode}:{url}:{build().digest}"


# --- what a body shows: the living edition, or a release -------------------------------------------


@dataclass(frozen=True)
class Marks:
    """Which published items the latest release does not show yet: "new since version N"."""

    release: object  # the latest Release, or None before the first
    released: frozenset  # {(model, pk)} of the notes and corrections it shows

    @classmethod
    def of(cls, essay):
        """The marks of ``essay`` (an Essay or its state; two queries)."""
        release = releases.release_latest(essay)
        return cls(release=release, released=frozenset(releases.released_keys(release)) if release else frozenset())

    def new_since(self, model, pk):
        """The latest release's number if the item is new since it, else None."""
        if self.release is None or (model, pk) in self.released:
            return None
        return self.release.number


@dataclass
class Gathered:
    """What a body is assembled from."""

    essay: object
    sections: list
    paragraphs: list  # in reading order, each with its section
    keys: dict  # paragraph pk → its passage's cache key
    load: object  # load(paragraph pks) → [(paragraph, notes, corrections)] to render
    edition: bibliography.Edition  # what "Cite this edition" cites
    release: object = None  # the Release shown, or None: the living edition
    latest: object = None  # the living edition's latest Release
    new_count: int = 0  # items new since it


class Living:
    """The living edition: every published item now, kept by the essay's revision."""

    def __init__(self, essay):
        self.essay = essay  # the Essay or its EssayState

    def key(self, mode, url):
        return _revision_key(self.essay, mode, url)

    def gather(self, mode, url):
        """Eleven queries (two more to render passages)."""
        essay = self.essay if isinstance(self.essay, Essay) else Essay.objects.get(pk=self.essay.pk)
        sections = list(essay.sections.all())
        paragraphs = list(Paragraph.objects.filter(section__essay=essay).select_related("section"))
        by_pk = {paragraph.pk: paragraph for paragraph in paragraphs}
        marks = Marks.of(essay)
        states = _published_states(essay, marks)
        return Gathered(
            essay=essay, sections=sections, paragraphs=paragraphs,
            keys={paragraph.pk: _public_key(paragraph, states.get(paragraph.pk, []), mode) for paragraph in paragraphs},
            load=lambda pks: _published_in([by_pk[pk] for pk in pks], marks=marks),
            edition=release_record(essay, marks.release, url=url) if marks.release else living_record(essay, url=url),
            latest=marks.release,
            new_count=sum(1 for shown in states.values() for state in shown if state[4] is not None),
        )


def release_identity(release):
    """What names a release in cache keys and ETags: its row and when it was made (a database flushed and
    loaded again numbers its releases, and their rows, from 1 again; a shared cache would still hold the old)."""
    return f"{release.pk}.{int(release.released_at.timestamp() * 1_000_000)}"


class Released:
    """A release: the edition exactly as an editor released it, kept for good (it never changes)."""

    def __init__(self, release):
        self.release = release

    def key(self, mode, url):
        return f"release:{release_identity(self.release)}:{mode}:{url}:{build().digest}"

    def gather(self, mode, url):
        """Two queries: the release's stored versions, read back (``release_snapshot``)."""
        snapshot = release_snapshot(self.release)
        by_pk = {paragraph.pk: paragraph for paragraph in snapshot.paragraphs}
        return Gathered(
            essay=snapshot.essay, sections=snapshot.sections, paragraphs=snapshot.paragraphs,
            keys={
                pk: "passage:" + _digest(build().digest, mode, "release", release_identity(self.release), pk) for pk in by_pk
            },
            load=lambda pks: _by_paragraph([by_pk[pk] for pk in pks], snapshot.notes, snapshot.corrections),
            edition=release_record(snapshot.essay, self.release, url=url), release=self.release,
        )


def tei_bytes(source, *, url):
    """The TEI P5 document of ``source`` (``Living`` or ``Released``), kept like its body (annotations.tei)."""
    key = f"tei:{source.key('tei', url)}"
    content = _recent_get(key) or _cache().get(key)
    if content is None:
        gathered = source.gather(rendering.APPARATUS, url)
        listed = Release.objects.filter(essay_id=gathered.essay.pk).select_related("released_by").order_by("number")
        citation = gathered.edition
        if gathered.release is not None:
            listed = listed.filter(number__lte=gathered.release.number)
        else:  # the living text at its own address, after its latest release
            latest = gathered.latest.number if gathered.latest else None
            citation = replace(living_record(gathered.essay, url=url), version=latest)
        content = tei.tei_document(tei.Edition(
            essay=gathered.essay, sections=gathered.sections,
            passages=gathered.load([paragraph.pk for paragraph in gathered.paragraphs]),
            citation=citation, releases=list(listed), living=gathered.release is None,
        ))
        _cache().set(key, content, CACHE_SECONDS)
    _remember(key, content)
    return content


def release_snapshot(release):
    """``releases.snapshot_load(release)`` with short citations attached, kept (a release never changes)."""
    key = f"snapshot:{release_identity(release)}:{build().digest}"
    snapshot = _recent_get(key) or _cache().get(key)
    if snapshot is None:
        snapshot = releases.snapshot_load(release)
        for item in snapshot.notes + snapshot.corrections:
            for citation in item.shown_citations:
                citation.short = bibliography.source_short(citation.source, citation.locator)
        _cache().set(key, snapshot, CACHE_SECONDS)
    _remember(key, snapshot)
    return snapshot


def _public_body(source, *, mode, url):
    """The body every reader of ``source`` (``Living`` or ``Released``) shares: from the cache, or assembled."""
    key = f"body:{source.key(mode, url)}"
    store = _cache()
    body = _recent_get(key) or store.get(key)
    if body is not None:
        _remember(key, body)
        return body
    gathered = source.gather(mode, url)
    passages = _passages(gathered.keys, gathered.load, mode=mode)
    edition = gathered.edition

    slots, notes_before, corrections_before = {}, 0, 0
    for index, paragraph in enumerate(gathered.paragraphs):
        slots[paragraph.pk] = Slot(
            index=2 * index + 1,
            key=gathered.keys[paragraph.pk],
            notes_before=notes_before,
            corrections_before=corrections_before,
            citation=str(bibliography.cite_chicago(edition, locator=paragraph.locator, anchor=paragraph.anchor)),
        )
        notes_before += passages[paragraph.pk].notes
        corrections_before += passages[paragraph.pk].corrections
    in_section = {}
    for paragraph in gathered.paragraphs:
        in_section.setdefault(paragraph.section_id, []).append(
            {"paragraph": paragraph, "slot": mark_safe(f"<!--#passage:{paragraph.pk}-->")}  # noqa: S308 - digits
        )
    for section in gathered.sections:
        section.blocks = [
            {"is_list": kind == Paragraph.Kind.LIST_ITEM, "passages": list(group)}
            for kind, group in groupby(in_section.get(section.pk, []), key=lambda p: p["paragraph"].kind)
        ]
    html = render_to_string("annotations/_edition_body.html", {
        "essay": gathered.essay,
        "mode": mode,
        "modes": [(name, MODE_DESCRIPTIONS[name]) for name in rendering.MODES],
        "edition": edition,
        "edition_citations": bibliography.edition_citations(edition),
        "release": gathered.release,
        "latest": gathered.latest,
        "new_count": gathered.new_count,
        "sections": gathered.sections,
        "note_count": notes_before,
        "correction_count": corrections_before,
    })

    # Cut the body at its passages (in document order, which is the paragraphs' order) and fill them in.
    split = _SLOT.split(html)
    body = Body(parts=(), slots=slots)
    parts = []
    for literal, pk in zip(split[0::2], [*split[1::2], None]):
        parts.append(literal.encode())
        if pk is not None:
            assert slots[int(pk)].index == len(parts), "passages in the body out of the paragraphs' order"
            parts.append(body.fill(int(pk), passages[int(pk)]))
    body = Body(parts=tuple(parts), slots=slots, edition=edition)
    store.set(key, body, CACHE_SECONDS)
    _remember(key, body)
    return body


def edition_page(essay, *, mode, viewer, url):
    """The edition's body as UTF-8 bytes for ``viewer`` (None or anonymous: the public one) in ``mode``.

    ``essay`` is the essay or its ``EssayState`` (the essay is then read only if
    the body must be assembled); ``url`` is the edition's address (its citations
    carry it). A signed-in contributor's own pending items are shown where they
    belong, unnumbered: only the passages holding them differ from the public
    body, and those are cached too, by their public key and the state of the
    reader's items, so a contributor's request reads the state of their own items
    and nothing else.
    """
    body = _public_body(Living(essay), mode=mode, url=url)
    own = {pk: states for pk, states in _own_states(viewer).items() if pk in body.slots}
    if not own:
        return body.html()
    keys = {pk: _own_key(body.slots[pk].key, states) for pk, states in own.items()}

    def load(pks):
        mine = _own_pending(viewer) & Q(paragraph__in=pks)
        notes = list(Annotation.objects.filter(mine).with_people())
        corrections = list(Correction.objects.filter(mine).with_people())
        citations_attach(notes + corrections, scope=_citations_of(notes, corrections), own_pending_by=viewer)
        related_attach(notes + corrections, scope=Q(from_note__paragraph__in=pks) | Q(from_correction__paragraph__in=pks))
        paragraphs = Paragraph.objects.filter(pk__in=pks).select_related("section")
        return _published_in(list(paragraphs), marks=Marks.of(essay), also=notes + corrections)

    # Kept as they sit in this body (numbered, cited), so a reader's next request fills in nothing.
    store = _cache()
    filled = {pk: f"filled:{_digest(key, body.slots[pk])}" for pk, key in keys.items()}
    found = store.get_many(list(filled.values()))
    missed = {pk: key for pk, key in keys.items() if filled[pk] not in found}
    if missed:
        made = {filled[pk]: body.fill(pk, passage) for pk, passage in _passages(missed, load, mode=mode).items()}
        store.set_many(made, CACHE_SECONDS)
        found.update(made)
    return body.html(replacing={pk: found[filled[pk]] for pk in keys})


def body_citation(source, *, mode, url):
    """What the body of ``source`` (``Living`` or ``Released``) cites as the edition (from the kept body)."""
    return _public_body(source, mode=mode, url=url).edition


def release_page(release, *, mode, url):
    """A release's body as UTF-8 bytes in ``mode``: the same for every reader, rendered once and kept."""
    return _public_body(Released(release), mode=mode, url=url).html()


def frame_key(state, mode, *reader):
    """The key of the page around the body for one reader (``reader``: what of theirs the page shows).

    With the revision: the page's head cites the latest release.
    """
    return f"frame:{_digest(state.pk, state.title, state.revision, state.revised_at, mode, build().digest, *reader)}"


def frame_kept(key, render):
    """The (head, tail) bytes of a page around its body, kept under ``key`` (``render()`` makes them)."""
    store = _cache()
    frame = store.get(key)
    if frame is None:
        frame = render()
        store.set(key, frame, CACHE_SECONDS)
    return frame


# --- the anonymous reader's page: bytes, validators ------------------------------------------------


def page_etag(essay, mode):
    """The anonymous page's ETag: it changes with the revision (and its time), the mode and the deployment."""
    return f'W/"{essay.pk}.{essay.revision}.{int(essay.revised_at.timestamp() * 1000)}.{mode}.{build().digest}"'


def page_last_modified(essay):
    """When the anonymous page last changed: the last revision or the last deployment, to the second."""
    return max(essay.revised_at.replace(microsecond=0), build().time)


COMPRESS = {
    "gzip": lambda content: gzip.compress(content, compresslevel=6, mtime=0),
    "br": lambda content: brotli.compress(content, quality=5, mode=brotli.MODE_TEXT),
}


def edition_page_bytes(state, *, mode, url, encoding, render):
    """The whole page for anonymous readers as bytes in ``encoding`` (one of ``ENCODINGS``).

    ``state`` is the essay's (``essay_state``); the essay itself is read only
    when the page must be rendered, by ``render(essay, body)``, which gives the
    page's bytes around the body's. That runs once per revision and mode (per
    process with the default per-process cache). Each encoding is made from the
    plain page the first time a reader asks for it and kept beside it, so a
    request reads one cache entry.
    """
    def plain():
        essay = Essay.objects.get(pk=state.pk)
        # What is rendered, should a decision have come between.
        return f"page:{_revision_key(essay, mode, url)}", render(essay, edition_page(essay, mode=mode, viewer=None, url=url))

    return _page_bytes(f"page:{_revision_key(state, mode, url)}", encoding=encoding, plain=plain)


def release_page_bytes(release, *, mode, url, encoding, render):
    """A release's whole page for anonymous readers as bytes in ``encoding``; ``render(body)`` gives the page's bytes."""
    key = f"page:{Released(release).key(mode, url)}"
    return _page_bytes(key, encoding=encoding, plain=lambda: (key, render(release_page(release, mode=mode, url=url))))


def _page_bytes(key, *, encoding, plain):
    """The page kept under ``key`` in ``encoding``; ``plain()`` gives (its key, its plain bytes) when not kept."""
    content = _recent_get(f"{key}:{encoding}")
    if content is not None:
        return content
    store = _cache()
    content = store.get(f"{key}:{encoding}")
    if content is None:
        page = _recent_get(f"{key}:identity") or store.get(f"{key}:identity")
        if page is None:
            key, page = plain()
            store.set(f"{key}:identity", page, CACHE_SECONDS)
        content = page if encoding == "identity" else COMPRESS[encoding](page)
        if encoding != "identity":
            store.set(f"{key}:{encoding}", content, CACHE_SECONDS)
    _remember(f"{key}:{encoding}", content)
    return content


def release_etag(release, mode):
    """A release page's ETag: the release, the mode and the deployment (its text never changes)."""
    return f'W/"release.{release_identity(release)}.{mode}.{build().digest}"'


def release_last_modified(release):
    return max(release.released_at.replace(microsecond=0), build().time)


def page_kept(state, *, mode, url, encoding):
    """The anonymous page's bytes in ``encoding`` if this process has them at hand, else None (nothing is read)."""
    return _recent_get(f"page:{_revision_key(state, mode, url)}:{encoding}")


def served_headers_remember(state, *, mode, url, headers):
    """Keep, in this process, the headers the whole middleware stack gave the anonymous page."""
    _remember(f"headers:{_revision_key(state, mode, url)}", headers)


def served_headers(state, *, mode, url):
    return _recent_get(f"headers:{_revision_key(state, mode, url)}")
