"""
The apparatus list (``/apparatus/``): every published note and correction in reading order, numbered as in the edition.

    chosen = choice_from(request.GET)                  # raises UnknownFilter for a filter there is not
    html = listing_html(essay_state(), chosen=chosen)  # the list and its filters, kept per revision

A filter narrows the list to notes or corrections, to a group of corrections
(``Correction.Group``), or to one correction category or note kind; the counts
beside the filters are always those of the whole apparatus. The numbers are
the edition's (``edition.published_numbered``), so "correction 12" here is
correction 12 there.

Cost: listing the apparatus reads three tables and renders every item, so the
list is kept in the edition's cache under the essay's revision (which every
decision readers can see moves), the filter and the deployment's build, as the
edition's body is: a request reads the essay's state (one small query) and
one cache entry.
"""

from collections import Counter
from dataclasses import dataclass

from django.core.cache import caches
from django.template.loader import render_to_string
from django.utils.http import urlencode
from django.utils.safestring import mark_safe

from annotations import edition
from annotations.markdown import markdown_excerpt
from annotations.models import Annotation, Correction, Essay

NOTE, CORRECTION = "note", "correction"
EXCERPT_WORDS = 30


class UnknownFilter(ValueError):
    pass


@dataclass(frozen=True)
class Choice:
    """What the list shows: everything, or one kind, one group of corrections, one category or note kind."""

    kind: str = ""  # NOTE, CORRECTION or "" (both)
    group: str = ""  # a Correction.Group value (corrections only)
    category: str = ""  # a Correction.Category value, or an Annotation.Kind value for notes

    def matches(self, item):
        if self.kind and _kind(item) != self.kind:
            return False
        if self.group and item.group != self.group:
            return False
        return not self.category or _category(item) == self.category

    @property
    def query(self):
        """The query string that chooses it (the narrowest parameter alone: it implies the others)."""
        if self.category:
            return "?" + urlencode({"category": self.category})
        if self.group:
            return "?" + urlencode({"group": self.group})
        return "?" + urlencode({"kind": self.kind}) if self.kind else "?"


def _kind(item):
    return NOTE if isinstance(item, Annotation) else CORRECTION


def _category(item):
    return item.kind if isinstance(item, Annotation) else item.category


def choice_from(query):
    """The choice named by ``kind``, ``group`` and ``category`` in ``query`` (a QueryDict or dict); other keys are ignored.

    A narrower parameter implies the wider ones; parameters that contradict
    each other, or a value there is not, raise UnknownFilter with a message
    for the reader.
    """
    kind, group, category = (query.get(name, "").strip() for name in ("kind", "group", "category"))
    implied_kind, implied_group = "", ""
    if category in Correction.Category.values:
        implied_kind, implied_group = CORRECTION, Correction.CATEGORIES[category][0].value
    elif category in Annotation.Kind.values:
        implied_kind = NOTE
    elif category:
        raise UnknownFilter(f"There is no category called “{category}”.")
    if group:
        if group not in Correction.Group.values:
            raise UnknownFilter(f"There is no group of corrections called “{group}”.")
        if implied_group and group != implied_group:
            raise UnknownFilter(f"The category “{category}” is not in the group “{group}”.")
        implied_kind = CORRECTION
    if kind:
        if kind not in (NOTE, CORRECTION):
            raise UnknownFilter(f"There is no kind of item called “{kind}”: the list has notes and corrections.")
        if implied_kind and kind != implied_kind:
            raise UnknownFilter(f"“{category or group}” is not a kind of {kind}.")
    return Choice(kind=kind or implied_kind, group=group or implied_group, category=category)


@dataclass(frozen=True)
class Filter:
    """One filter as the page offers it: what it chooses, its label, how many items it has, its narrower filters."""

    choice: Choice
    label: str
    count: int
    narrower: tuple = ()


def filters(items):
    """The filters of the whole apparatus with their counts: all; notes by kind; corrections by group and category."""
    counts = Counter()
    for item in items:
        counts[(_kind(item), "", "")] += 1
        if isinstance(item, Correction):
            counts[(CORRECTION, item.group, "")] += 1
        counts[(_kind(item), getattr(item, "group", ""), _category(item))] += 1

    def made(kind, group="", category="", label=""):
        return Choice(kind=kind, group=group, category=category), label, counts[(kind, group, category)]

    notes = Filter(*made(NOTE, label="notes"), narrower=tuple(
        Filter(*made(NOTE, category=kind.value, label=kind.label)) for kind in Annotation.Kind
    ))
    groups = []
    for group in Correction.Group:
        categories = [category for category, (in_group, _) in Correction.CATEGORIES.items() if in_group == group]
        narrower = tuple(
            Filter(*made(CORRECTION, group.value, category.value, category.label))
            for category in categories if category.value != group.value  # a gap is its own group
        )
        groups.append(Filter(*made(CORRECTION, group.value, label=group.label), narrower=narrower))
    corrections = Filter(*made(CORRECTION, label="corrections"), narrower=tuple(groups))
    return Filter(Choice(), "all", len(items), narrower=(notes, corrections))


def _listed(item):
    """What the list shows of an item besides its number and place: its category's label and an excerpt."""
    item.is_note = isinstance(item, Annotation)
    text = item.body if item.is_note else item.rationale
    item.excerpt = markdown_excerpt(text, words=EXCERPT_WORDS)
    item.label = f"{item.get_kind_display()} note" if item.is_note else item.category_label
    return item


def _key(state, chosen):
    return f"apparatus-list:{state.pk}:{state.revision}:{state.revised_at.timestamp()}:{edition.build().digest}:{chosen.query}"


def listing_html(state, *, chosen):
    """The list and its filters for ``chosen``, as HTML: from the cache, or made (three queries and the essay)."""
    store = caches[edition.CACHE_ALIAS]
    key = _key(state, chosen)
    html = store.get(key)
    if html is None:
        essay = Essay.objects.get(pk=state.pk)
        items = edition.published_numbered(essay)
        shown = [_listed(item) for item in items if chosen.matches(item)]
        html = render_to_string("annotations/_apparatus_list.html", {
            "essay": essay, "chosen": chosen, "filters": filters(items), "items": shown, "total": len(items),
        })
        store.set(key, html, edition.CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 - a rendered template
