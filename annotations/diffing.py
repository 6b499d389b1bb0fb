"""
Word diffs for reviewing a correction: pure functions, strings in, tuples out.

    >>> word_diff("signed in 1922 at Genoa", "signed in April 1922 at Rapallo")
    [('equal', 'signed in'), ('insert', ' April'), ('equal', ' 1922 at '), ('delete', 'Genoa'), ('insert', 'Rapallo')]
    >>> word_diff("the beginning of the text", "the corrected words here text")
    [('equal', 'the '), ('delete', 'beginning of the'), ('insert', 'corrected words here'), ('equal', ' text')]

Joining the ``equal`` and ``delete`` pieces gives the old text back; joining the
``equal`` and ``insert`` pieces gives the new text.
"""

import re
from difflib import SequenceMatcher

EQUAL, DELETE, INSERT = "equal", "delete", "insert"

# Words, runs of white space and single punctuation marks; joined they give
# the text back, so nothing is lost in the diff.
_TOKENS = re.compile(r"\w+|\s+|[^\w\s]")


def tokens(value):
    return _TOKENS.findall(value)


def word_diff(old, new):
    """The word-level difference of two strings as (operation, text) pieces.

    A changed word is shown as the whole old word deleted and the whole new
    word inserted, never as changed letters. Adjacent pieces of the same kind
    are merged.
    """
    old_tokens, new_tokens = tokens(old), tokens(new)
    pieces = []
    matcher = SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pieces.append((EQUAL, "".join(old_tokens[i1:i2])))
            continue
        if tag in ("delete", "replace"):
            pieces.append((DELETE, "".join(old_tokens[i1:i2])))
        if tag in ("insert", "replace"):
            pieces.append((INSERT, "".join(new_tokens[j1:j2])))
    return _merged(_replacements_grouped(pieces))


def _replacements_grouped(pieces):
    """Read a replaced phrase as one deletion followed by one insertion.

    The matcher pairs the spaces between replaced words, which interleaves them
    (“~~beginning~~ corrected ~~of~~ words”). A run of changes separated only by
    white space that both deletes and inserts is shown as the old words struck,
    then the new ones; the spaces go with both sides, so each side still gives
    its text back.
    """
    grouped, run = [], []

    def flush():
        if any(kind == DELETE for kind, _ in run) and any(kind == INSERT for kind, _ in run):
            grouped.append((DELETE, "".join(text for kind, text in run if kind in (DELETE, EQUAL))))
            grouped.append((INSERT, "".join(text for kind, text in run if kind in (INSERT, EQUAL))))
        else:
            grouped.extend(run)
        run.clear()

    for index, (kind, text) in enumerate(pieces):
        between_changes = 0 < index < len(pieces) - 1 and pieces[index + 1][0] != EQUAL and run
        if kind != EQUAL or (text.isspace() and between_changes):
            run.append((kind, text))
        else:
            flush()
            grouped.append((kind, text))
    flush()
    return grouped


def _merged(pieces):
    merged = []
    for operation, text in pieces:
        if not text:
            continue
        if merged and merged[-1][0] == operation:
            merged[-1] = (operation, merged[-1][1] + text)
        else:
            merged.append((operation, text))
    return merged


def apply_correction(text, *, start, end, replacement):
    """The paragraph's text with ``text[start:end]`` replaced."""
    if not 0 <= start <= end <= len(text):
        raise ValueError("The correction's span is outside the paragraph.")
    return text[:start] + replacement + text[end:]


def correction_diff(text, *, start, end, replacement):
    """The word diff of a paragraph before and after a correction is applied."""
    return word_diff(text, apply_correction(text, start=start, end=end, replacement=replacement))


def side(pieces, operation):
    """One side of a diff: the old text (``DELETE``) or the new one (``INSERT``)."""
    return "".join(text for kind, text in pieces if kind in (EQUAL, operation))
