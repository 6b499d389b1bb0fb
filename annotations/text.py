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
