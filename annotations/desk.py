"""
What the moderation desk shows: read-only helpers the admin renders.

The writes and the rules are ``annotations.moderation``'s; this module gathers
what a moderator needs to see before deciding — the quote in its context, the
opening words of a note, possible duplicates, who is reviewing what, the next
item in the queue, the review page's facts — in a few queries per page.
"""

import re
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator

from annotations import diffing, moderation
from annotations.models import Annotation, Claim, Correction, Flag, Rule, Source, Status

# Words of context either side of a quote in the queues.
CONTEXT_WORDS = 4
# Words of a note's body (or a correction's rationale) shown in the queue.
OPENING_WORDS = 16
# Texts this alike (shared word pairs, Jaccard) on the same words are possible duplicates.
DUPLICATE_LIKENESS = 0.8
# Bounded work per page: how many words of a text are compared, how many earlier items each row is compared with.
COMPARED_WORDS = 400
COMPARED_CANDIDATES = 20

_LAST_WORDS = re.compile(r"(?:\S+\s*){0,%d}$" % CONTEXT_WORDS)
_FIRST_WORDS = re.compile(r"(?:\s*\S+){0,%d}" % CONTEXT_WORDS)
_WORD = re.compile(r"\w+")
# Markdown's punctuation, dropped from the opening words shown in a list.
_MARKUP = re.compile(r"[*_`#>\[\]]+|\]\([^)]*\)")


def quote_in_context(obj):
    """“…last words of the prefix [quote] first words of the suffix…”, spacing as in the text."""
    before = _LAST_WORDS.search(obj.prefix).group()
    after = _FIRST_WORDS.match(obj.suffix).group()
    return format_html(
        "{}{}<mark>{}</mark>{}{}",
        "…" if before else "", before, obj.exact, after, "…" if after else "",
    )


def opening(value, words=OPENING_WORDS):
    """The first words of a Markdown text, as plain text (escaped by the template)."""
    plain = _MARKUP.sub("", (value or "")[: words * 20])
    return Truncator(" ".join(plain.split())).words(words, truncate="…")


def compared_text(item):
    """What two items on the same words must share to be duplicates: the note, or the wording and rationale."""
    if isinstance(item, Correction):
        return f"{item.replacement} {item.rationale}"
    return item.body


def likeness(first, second):
    """How alike two texts are, 0 to 1: shared pairs of consecutive words over all pairs (Jaccard).

    Linear in the texts' length, and only their first COMPARED_WORDS words
    count, so a flood of long notes costs a bounded amount per row.
    """
    def pairs(value):
        words = _WORD.findall(value.casefold())[:COMPARED_WORDS]
        return set(zip(words, words[1:])) or set(words)

    a, b = pairs(first), pairs(second)
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


def duplicates_mark(items):
    """Set ``duplicate_of`` (an earlier item, its likeness) on notes or corrections that repeat one on the same words.

    An item's possible duplicates are earlier items of the same kind, pending or
    published, quoting the same words of the same paragraph with near-identical
    text. One query for a page of items.
    """
    items = list(items)
    for item in items:
        item.duplicate_of = None
    if not items:
        return items
    model = type(items[0])
    same_words = Q(pk__in=[])
    for item in items:
        same_words |= Q(paragraph_id=item.paragraph_id, exact=item.exact)
    candidates = list(
        model.objects.standing().filter(same_words).order_by("-submitted_at", "-pk")
        .only("pk", "paragraph_id", "exact", "submitted_at", "status", *_compared_fields(model))[:500]
    )
    for item in items:
        earlier = [
            other for other in candidates
            if other.paragraph_id == item.paragraph_id and other.exact == item.exact
            and (other.submitted_at, other.pk) < (item.submitted_at, item.pk)
        ][:COMPARED_CANDIDATES]
        scored = [(likeness(compared_text(item), compared_text(other)), other) for other in earlier]
        best = max(scored, key=lambda pair: pair[0], default=(0, None))
        if best[0] >= DUPLICATE_LIKENESS:
            item.duplicate_of = (best[1], round(best[0] * 100))
    return items


def _compared_fields(model):
    return ("replacement", "rationale") if model is Correction else ("body",)


def has_same_words(model):
    """An expression: another pending or published item of ``model`` quotes the same words (a possible duplicate)."""
    others = model.objects.standing().filter(paragraph=OuterRef("paragraph"), exact=OuterRef("exact"))
    return Exists(others.exclude(pk=OuterRef("pk")))


def claims_mark(items, *, moderator):
    """Set ``claim`` on each item: the active claim of another moderator, or None (one query)."""
    items = list(items)
    if not items:
        return items
    claims = moderation.claims_active(type(items[0]), [item.pk for item in items])
    for item in items:
        claim = claims.get(item.pk)
        item.claim = claim if claim is not None and claim.moderator_id != moderator.pk else None
    return items


def item_marks(item):
    """What needs attention on a queue row, as (text, other item or None, text after it).

    Reads what ``claims_mark``, ``duplicates_mark`` and the queue's annotations
    (open flags, the contributor's standing) put on the item.
    """
    marks = []
    claim = getattr(item, "claim", None)
    if claim is not None:
        since = timezone.localtime(claim.claimed_at).strftime("%H:%M")
        marks.append((f"being reviewed by {claim.moderator.get_username()} since {since}", None, ""))
    if item.status == Status.PENDING and item.review_rule == Rule.FLAGS:
        marks.append(("hidden by readers’ flags", None, ""))
    flags = getattr(item, "open_flags", 0)
    if flags:
        marks.append((f"{flags} open flag{'s' if flags != 1 else ''}", None, ""))
    if item.status == Status.ACCEPTED and item.review_rule == Rule.TRUST:
        marks.append(("published on trust", None, ""))
    if item.resubmitted:
        marks.append(("resubmitted after a rejection", None, ""))
    standing = getattr(item.submitted_by, "moderation_standing", None) if item.submitted_by_id else None
    if item.status == Status.PENDING and standing is not None and standing.suspended:
        marks.append(("held: contributor suspended", None, ""))
    duplicate = getattr(item, "duplicate_of", None)
    if duplicate is not None:
        other, percent = duplicate
        marks.append(("possible duplicate of", other, f" ({percent} % alike)"))
    return marks


def queue_neighbours(item, *, moderator):
    """The previous and next items of the queue (awaiting review, oldest first) around ``item``.

    The next one skips items another moderator is reviewing: it is the one to
    open after deciding this one. Two queries.
    """
    model = type(item)
    claimed_by_others = Claim.objects.active().filter(
        content_type=ContentType.objects.get_for_model(model)
    ).exclude(moderator=moderator).values("object_id")
    queue = model.objects.awaiting_review().exclude(pk=item.pk)
    at, pk = item.submitted_at, item.pk
    after = queue.filter(Q(submitted_at__gt=at) | Q(submitted_at=at, pk__gt=pk)).exclude(pk__in=claimed_by_others)
    before = queue.filter(Q(submitted_at__lt=at) | Q(submitted_at=at, pk__lt=pk))
    following = after.order_by("submitted_at", "pk").first()
    if following is None:
        following = queue.exclude(pk__in=claimed_by_others).order_by("submitted_at", "pk").first()
    return before.order_by("-submitted_at", "-pk").first(), following


def source_links(source):
    """[(label, URL)] a moderator can follow to check a source: its web address and its DOI."""
    links = []
    if source.url.lower().startswith(("http://", "https://")):
        links.append(("web page", source.url))
    if source.doi:
        links.append((f"doi:{source.doi}", f"https://doi.org/{source.doi}"))
    return links


@dataclass
class Review:
    """The facts a review page shows around the decision form."""

    item: object
    claim: object = None
    paragraph: object = None
    quote_parts: tuple | None = None
    diff: list | None = None
    citations: list | None = None
    source_links: list = field(default_factory=list)
    conflicts: list = field(default_factory=list)
    flags: list = field(default_factory=list)
    open_flags: int = 0
    earlier_rejection: object = None
    suspended: bool = False
    decision_log: list = field(default_factory=list)
    history: list = field(default_factory=list)


def item_review(item, *, claim=None):
    """What a moderator sees about ``item`` before deciding."""
    review = Review(item=item, claim=claim)
    review.decision_log = list(item.decisions.select_related("decided_by").order_by("decided_at", "pk"))
    review.history = moderation.item_history(item)
    if item.resubmitted:
        review.earlier_rejection = next(
            (d for d in reversed(review.decision_log) if d.to_status == Status.REJECTED), None
        )
    if item.submitted_by_id:
        review.suspended = not moderation.contributor_may_contribute(item.submitted_by)
    if isinstance(item, (Annotation, Correction)):
        paragraph = review.paragraph = item.paragraph
        review.citations = [
            (citation, source_links(citation.source))
            for citation in item.citations.select_related("source").order_by("pk")
        ]
        review.flags = list(item.flags.select_related("flagged_by", "resolved_by").order_by("-flagged_at", "-pk"))
        review.open_flags = sum(flag.outcome == Flag.Outcome.OPEN for flag in review.flags)
        if not item.orphaned:
            review.quote_parts = (paragraph.text[:item.start], paragraph.text[item.start:item.end],
                                  paragraph.text[item.end:])
    if isinstance(item, Source):
        review.source_links = source_links(item)
    if isinstance(item, Correction):
        review.conflicts = moderation.correction_conflicts(item)
        if not item.orphaned:
            review.diff = diffing.correction_diff(
                item.paragraph.text, start=item.start, end=item.end, replacement=item.replacement
            )
    return review
