"""
Pure text work: finding and describing quoted spans of a paragraph.

No ORM, no request: strings and offsets in, plain values out. The selectors
follow the W3C Web Annotation Data Model: a TextQuoteSelector (``exact`` with
``prefix``/``suffix`` context) and a TextPositionSelector (``start``/``end``,
character offsets into the paragraph's text, end exclusive).

    >>> anchor = anchor_quote("The cat sat on the mat.", "the mat")
    >>> (anchor.start, anchor.end, anchor.prefix, anchor.suffix)
    (15, 22, 'The cat sat on ', '.')
"""

import re
from dataclasses import dataclass

# How much context a prefix or suffix keeps (characters).
CONTEXT_LENGTH = 32

# Typed or pasted quotes may differ from the text in spacing and in the style
# of quotation marks and dashes; neither changes which words are meant.
_EQUIVALENT_CHARACTERS = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u2033": '"',
        "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\u00a0": " ",
    }
)
_SPACES = re.compile(r"\s+")


class QuoteError(ValueError):
    """The quote cannot be placed in the text; the message says why."""


class QuoteNotFound(QuoteError):
    pass


class QuoteAmbiguous(QuoteError):
    def __init__(self, message, count):
        super().__init__(message)
        self.count = count


@dataclass(frozen=True)
class Anchor:
    """A span of a text with both W3C selectors."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str


def selectors_for(text, start, end, context=CONTEXT_LENGTH):
    """Describe ``text[start:end]`` with its quote, prefix and suffix."""
    if not 0 <= start < end <= len(text):
        raise QuoteError("The selected span is outside the paragraph.")
    return Anchor(
        start=start,
        end=end,
        exact=text[start:end],
        prefix=text[max(0, start - context):start],
        suffix=text[end:end + context],
    )


def normalise(value):
    """Fold quotation-mark style, dashes and runs of white space."""
    return _SPACES.sub(" ", value.translate(_EQUIVALENT_CHARACTERS))


def _normalised_with_map(text):
    """``normalise(text)`` plus, for each of its characters, the original offset."""
    out, offsets = [], []
    previous_space = False
    for index, char in enumerate(text.translate(_EQUIVALENT_CHARACTERS)):
        if char.isspace():
            if previous_space:
                continue
            char, previous_space = " ", True
        else:
            previous_space = False
        out.append(char)
        offsets.append(index)
    return "".join(out), offsets


def find_quote(text, exact):
    """Every (start, end) where ``exact`` occurs in ``text``, spacing and quote style folded."""
    needle = normalise(exact).strip()
    if not needle:
        return []
    haystack, offsets = _normalised_with_map(text)
    spans = []
    position = haystack.find(needle)
    while position != -1:
        last = position + len(needle) - 1
        spans.append((offsets[position], offsets[last] + 1))
        position = haystack.find(needle, position + 1)
    return spans


def _context_agrees(text, span, prefix, suffix):
    start, end = span
    before = normalise(text[:start])
    after = normalise(text[end:])
    return before.endswith(normalise(prefix)) and after.startswith(normalise(suffix))


def anchor_quote(text, exact, prefix="", suffix=""):
    """Place a quote in ``text``, using prefix/suffix to choose among repeats.

    Raises QuoteNotFound when the words are not in the text, QuoteAmbiguous when
    they occur more than once and the context given does not single one out.
    """
    spans = find_quote(text, exact)
    if not spans:
        raise QuoteNotFound("These words are not in the paragraph. Copy them exactly as they appear.")
    if len(spans) > 1 and (prefix or suffix):
        spans = [span for span in spans if _context_agrees(text, span, prefix, suffix)] or spans
    if len(spans) > 1:
        raise QuoteAmbiguous(
            f"These words occur {len(spans)} times in the paragraph. "
            "Add a few words before or after them so that only one place matches.",
            count=len(spans),
        )
    start, end = spans[0]
    return selectors_for(text, start, end)


def verify_selection(text, *, exact, start, end, prefix="", suffix=""):
    """Check a browser's selectors against the paragraph's current text.

    The positions are only trusted when the text at them is the quote; otherwise
    the quote is placed again from its words and context. Raises QuoteError
    (a stale or forged selection) when neither works.
    """
    if 0 <= start < end <= len(text) and normalise(text[start:end]) == normalise(exact):
        return selectors_for(text, start, end)
    return anchor_quote(text, exact, prefix, suffix)


def spans_overlap(a_start, a_end, b_start, b_end):
    """Whether two half-open spans share at least one character."""
    return a_start < b_end and b_start < a_end


# --- Re-anchoring after an editor repairs a paragraph's text -----------------

# How alike the old quote and the words now at its place must be for a fuzzy
# match (difflib's ratio, 0–1): a fixed typo passes, a rewritten phrase does not.
FUZZY_THRESHOLD = 0.8


def _offset_mapper(old_text, new_text):
    """Functions mapping a start / an end offset of ``old_text`` into ``new_text``.

    Both follow difflib's alignment of the two texts: an offset in an unchanged
    stretch moves with it; one inside a replaced stretch takes the whole
    replacement; one inside a deleted stretch collapses to where it was.
    """
    from difflib import SequenceMatcher

    blocks = [
        block
        for block in SequenceMatcher(None, old_text, new_text, autojunk=False).get_opcodes()
        if block[2] > block[1]  # insertions hold no old offset
    ]

    def map_start(offset):
        for tag, i1, i2, j1, j2 in blocks:
            if i1 <= offset < i2:
                return j1 + (offset - i1) if tag == "equal" else j1
        return len(new_text)

    def map_end(offset):
        for tag, i1, i2, j1, j2 in blocks:
            if i1 < offset <= i2:
                return j1 + (offset - i1) if tag == "equal" else j2 if tag == "replace" else j1
        return 0

    def untouched(start, end):
        """Whether old_text[start:end] lies inside one unchanged stretch."""
        return any(tag == "equal" and i1 <= start and end <= i2 for tag, i1, i2, _, _ in blocks)

    return map_start, map_end, untouched


def _similarity(a, b):
    from difflib import SequenceMatcher

    return SequenceMatcher(None, normalise(a).strip(), normalise(b).strip(), autojunk=False).ratio()


def reanchor(old_text, new_text, *, exact, prefix="", suffix="", start=None, end=None):
    """Place a span of ``old_text`` in the repaired ``new_text``; an Anchor or None.

    In order: (1) the span's own characters survived the repair unchanged:
    follow them; (2) exact: the quote occurs as often as before (keep its rank
    among the occurrences), or exactly once with its prefix and suffix, or
    exactly once where the old span now lies; (3) a fuzzy
    match at the place the old span maps to, alike enough to the quote. Else
    None: the item is orphaned. The search is tied to where the old words went,
    so a near-duplicate phrase elsewhere never captures an item whose own words
    were removed.
    """
    has_position = start is not None and end is not None and 0 <= start < end <= len(old_text)
    if has_position and normalise(old_text[start:end]) != normalise(exact):
        has_position = False  # stale offsets: trust only the quote
    map_start, map_end, untouched = _offset_mapper(old_text, new_text)
    new_start = new_end = None
    if has_position:
        if untouched(start, end):
            new_start = map_start(start)
            return selectors_for(new_text, new_start, new_start + (end - start))
        new_start, new_end = map_start(start), map_end(end)

    occurrences = find_quote(new_text, exact)
    if has_position:
        # As many occurrences as before: none was removed, so the item keeps
        # its place among them (the second "Genoa" stays the second).
        # Unless an occurrence that survived untouched now holds another rank:
        # then one was rewritten and another added, and the rank proves nothing.
        old_occurrences = find_quote(old_text, exact)
        ranks_kept = all(
            map_start(old_start) == occurrences[rank][0]
            for rank, (old_start, old_end) in enumerate(old_occurrences)
            if rank < len(occurrences) and untouched(old_start, old_end)
        )
        if len(old_occurrences) == len(occurrences) and (start, end) in old_occurrences and ranks_kept:
            return selectors_for(new_text, *occurrences[old_occurrences.index((start, end))])
    in_context = [span for span in occurrences if _context_agrees(new_text, span, prefix, suffix)]
    if len(in_context) == 1:
        return selectors_for(new_text, *in_context[0])
    if not has_position:
        # Without a position the quote alone must be unambiguous.
        return selectors_for(new_text, *occurrences[0]) if len(occurrences) == 1 else None
    at_old_place = [span for span in occurrences if spans_overlap(*span, new_start, new_end)]
    if len(at_old_place) == 1:
        return selectors_for(new_text, *at_old_place[0])
    if new_end <= new_start:
        return None  # the words were removed
    # Trim the white space a replacement may have brought in at either end.
    candidate = new_text[new_start:new_end]
    new_start += len(candidate) - len(candidate.lstrip())
    new_end -= len(candidate) - len(candidate.rstrip())
    if new_end <= new_start or _similarity(exact, new_text[new_start:new_end]) < FUZZY_THRESHOLD:
        return None
    return selectors_for(new_text, new_start, new_end)
