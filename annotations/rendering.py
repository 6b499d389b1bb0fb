"""
The rendering core: one paragraph's text and its spans → HTML.

Pure: strings and plain values in, a string out; no ORM, no request. The
reading views turn notes and corrections into ``Span`` values and call
``render_paragraph`` once per paragraph.

    >>> html, numbers = render_paragraph(
    ...     "Signed in 1922 at Genoa.",
    ...     [Span(kind=NOTE, key="note-1", start=10, end=14),
    ...      Span(kind=CORRECTION, key="correction-2", start=18, end=23, replacement="Rapallo",
    ...           label="name")],
    ...     mode=APPARATUS,
    ... )
    >>> numbers
    {'note-1': 1, 'correction-2': 1}

What the output guarantees
--------------------------
* Every character of the text appears exactly once, escaped. In ``corrected``
  mode a corrected span's characters are replaced by its replacement; in the
  other modes the original characters all stay (``apparatus`` keeps them in a
  ``<del>``, which the stylesheet shows on hover or focus, and reads the
  ``<ins>`` beside it; ``original`` adds only a small marker). Both readings
  that mark corrections mark them alike: a degree sign and the number (``°12``).
* Spans may nest or overlap. A note is a ``<mark>`` (split into several
  ``<mark>`` elements with the same ``data-note`` where spans cross); a
  correction is never split: a note that only partly covers it is split at its
  edges instead. Of two corrections that overlap, the first (by start, then
  input order) is applied and the other is left out of the text (the caller
  still lists it in the apparatus).
* Note markers are numbered in reading order, from ``first_number``: a marker
  follows the end of its note's span, or the end of the correction that span
  ends inside; markers at the same point are ordered by the start of their span.
  Corrections are numbered in reading order too (by start), from
  ``first_correction_number``, in a sequence of their own. A reader's own
  pending item (``pending``) takes no number: its marker shows ``PENDING_MARK``,
  so the public numbering is the same for every reader.
* ``number(kind, n)`` writes a number into the HTML (default: its digits). The
  edition passes placeholders there and fills them when it assembles the page,
  so a paragraph's HTML does not depend on how many notes come before it.

The contract with the contributor's selection script (_contribute_tools.html)
-----------------------------------------------------------------------------
The page wraps this HTML in ``<span class="paragraph-text" data-paragraph="p-…">``.
Walking the text nodes inside it in document order and skipping every element
that has a ``data-apparatus`` attribute (note markers, ``<ins>``, correction
markers) yields the paragraph's original text exactly, so a
DOM selection maps back to character offsets in ``Paragraph.text``. In
``corrected`` mode a replaced span is an element with ``data-apparatus`` and
``data-replaces="<the original characters>"``: count it as
``len(data-replaces)`` characters (or refuse selections that touch it).
"""

import html
from dataclasses import dataclass

APPARATUS = "apparatus"
CORRECTED = "corrected"
ORIGINAL = "original"
MODES = (APPARATUS, CORRECTED, ORIGINAL)

NOTE = "note"
CORRECTION = "correction"
# What a reader's own pending item shows instead of a number.
PENDING_MARK = "*"


@dataclass(frozen=True)
class Span:
    """One note or correction over ``text[start:end]``.

    ``key`` is the fragment id of the item's entry in the apparatus (e.g.
    "note-12"); its marker gets the id "ref-<key>". ``label`` is the category
    of a correction (its category, named by its marker). ``pending`` marks the reader's own item
    awaiting review.
    """

    kind: str
    key: str
    start: int
    end: int
    replacement: str = ""
    label: str = ""
    pending: bool = False


def _escape(value):
    return html.escape(value, quote=True)


def corrections_applied(spans):
    """The corrections that go into the text: no two of them overlap (the TEI export applies the same ones)."""
    applied, last_end = [], -1
    for span in sorted((s for s in spans if s.kind == CORRECTION), key=lambda s: (s.start, s.end)):
        if span.start >= last_end:
            applied.append(span)
            last_end = span.end
    return applied


def _validate(text, spans, mode):
    if mode not in MODES:
        raise ValueError(f"Unknown reading mode {mode!r}; expected one of {', '.join(MODES)}.")
    for span in spans:
        if span.kind not in (NOTE, CORRECTION):
            raise ValueError(f"Unknown span kind {span.kind!r}.")
        if not 0 <= span.start < span.end <= len(text):
            raise ValueError(f"Span {span.key} ({span.start}–{span.end}) is outside the text.")


def _open_tag(span, mode):
    pending = " pending" if span.pending else ""
    if span.kind == NOTE:
        return f'<mark class="note-span{pending}" data-note="{_escape(span.key)}">'
    if mode == APPARATUS:
        return f'<span class="correction{pending}" data-correction="{_escape(span.key)}"><del>'
    if mode == ORIGINAL:
        return f'<span class="correction-original{pending}" data-correction="{_escape(span.key)}">'
    return ""  # corrected: the original characters are not shown at all


def number_html(span, number):
    """What a marker shows: its number (with what it counts, for screen readers), or the pending mark."""
    if span.pending:
        whose = "your pending note" if span.kind == NOTE else "your pending correction"
        return f'<span class="visually-hidden">{whose}</span><span aria-hidden="true">{PENDING_MARK}</span>'
    what = "Note " if span.kind == NOTE else "correction "
    return f'<span class="visually-hidden">{what}</span>{number}'


def _correction_close_tag(span, mode, original, number):
    """Close a correction; ``original`` is the text it covers (kept by corrected mode)."""
    key, label = _escape(span.key), _escape(span.label or "correction")
    link = f'href="#{key}" id="ref-{key}" data-apparatus'
    number = number_html(span, number)
    # The same discreet marker in both readings that show one: a degree sign and the number, linking to the entry.
    marker = (
        f'<a class="correction-marker" {link} title="{label} correction">'
        f'<span aria-hidden="true">°</span><span class="visually-hidden">(</span>{number}'
        f'<span class="visually-hidden">, {label})</span></a>'
    )
    if mode == APPARATUS:
        # The corrected wording is read in the text; the original (the <del>) is shown on hover or focus.
        return f"</del><ins data-apparatus>{_escape(span.replacement)}</ins>{marker}</span>"
    if mode == ORIGINAL:
        return f"</span>{marker}"
    pending = " pending" if span.pending else ""
    return (
        f'<span class="corrected{pending}" id="ref-{key}" data-correction="{key}" data-apparatus '
        f'data-replaces="{_escape(original)}">{_escape(span.replacement)}</span>'
    )


def _marker(span, number):
    key = _escape(span.key)
    pending = " pending" if span.pending else ""
    return (
        f'<sup class="note-marker{pending}" data-apparatus><a href="#{key}" id="ref-{key}">'
        f"{number_html(span, number)}</a></sup>"
    )


def digits(kind, number):
    return str(number)


def _marker_point(note, corrections):
    """Where a note's marker goes: after its words, or after the whole of the correction its words end inside."""
    inside = next((c for c in corrections if c.start <= note.end < c.end), None)
    return inside.end if inside is not None and inside.start < note.end else note.end


def reading_positions(spans):
    """Where a reader meets each span: a note at its marker, a correction where its words start ({key: offset})."""
    corrections = corrections_applied(spans)
    return {
        span.key: _marker_point(span, corrections) if span.kind == NOTE else span.start
        for span in spans
    }


def span_numbers(spans, *, first_number=1, first_correction_number=1):
    """Each span's number in reading order, as ``render_paragraph`` shows them: {key: number or None}.

    Notes in the order of their markers (by where the marker goes, then by the
    start of the note, then input order), then corrections by start (then end,
    then input order), each sequence of its own; a pending item gets None and
    takes no number. The apparatus list numbers items with this, without
    rendering them.
    """
    spans = list(spans)
    input_order = {id(span): index for index, span in enumerate(spans)}
    corrections = corrections_applied(spans)
    notes = sorted(
        (span for span in spans if span.kind == NOTE),
        key=lambda n: (_marker_point(n, corrections), n.start, input_order[id(n)]),
    )
    numbers = {}
    for first, ordered in (
        (first_number, notes),
        (first_correction_number, sorted(
            (s for s in spans if s.kind == CORRECTION), key=lambda s: (s.start, s.end, input_order[id(s)]),
        )),
    ):
        following = first
        for span in ordered:
            numbers[span.key] = None if span.pending else following
            following += 0 if span.pending else 1
    return numbers


def render_paragraph(text, spans, *, mode=APPARATUS, first_number=1, first_correction_number=1, number=digits):
    """Render ``text`` with ``spans``; returns (html, numbers).

    ``numbers`` maps each span's key to its number (None for a pending item),
    notes in the order of their markers, then corrections by start
    (``span_numbers``). Raises ValueError for an unknown mode or a span outside
    the text (callers pass only spans they have checked against the paragraph).
    """
    spans = list(spans)
    _validate(text, spans, mode)
    notes = [span for span in spans if span.kind == NOTE]
    corrections = corrections_applied(spans)
    numbers = span_numbers(spans, first_number=first_number, first_correction_number=first_correction_number)
    input_order = {id(span): index for index, span in enumerate(spans)}

    def by_start(span):
        return (span.start, -span.end, input_order[id(span)])

    def correction_over(position):
        """The applied correction covering the character at ``position``, if any."""
        return next((c for c in corrections if c.start <= position < c.end), None)

    def stack_for(position):
        """The elements open over the character at ``position``, outermost first."""
        active = sorted((n for n in notes if n.start <= position < n.end), key=by_start)
        correction = correction_over(position)
        if correction is None:
            return active
        # A correction is never split: notes covering all of it wrap it, the others go inside it.
        outer = [n for n in active if n.start <= correction.start and n.end >= correction.end]
        return outer + [correction] + [n for n in active if n not in outer]

    markers_at = {}
    for note in notes:
        # A marker never lands inside a correction: it follows the whole of it.
        markers_at.setdefault(_marker_point(note, corrections), []).append(note)

    boundaries = sorted({0, len(text)} | {s.start for s in notes + corrections} | {s.end for s in notes + corrections})
    out, stack = [], []
    suppressed = 0  # > 0 while inside a correction in corrected mode: its characters are replaced

    def emit(fragment):
        if not suppressed:
            out.append(fragment)

    def shown_number(span):
        return None if numbers[span.key] is None else number(span.kind, numbers[span.key])

    def open_(span):
        nonlocal suppressed
        emit(_open_tag(span, mode))
        if span.kind == CORRECTION and mode == CORRECTED:
            suppressed += 1

    def close(span):
        nonlocal suppressed
        if span.kind == CORRECTION and mode == CORRECTED:
            suppressed -= 1
        if span.kind == NOTE:
            emit("</mark>")
            return
        emit(_correction_close_tag(span, mode, text[span.start:span.end], shown_number(span)))

    def place_markers(position):
        for note in sorted(markers_at.get(position, ()), key=lambda n: (n.start, input_order[id(n)])):
            emit(_marker(note, shown_number(note)))

    for segment_start, segment_end in zip(boundaries, boundaries[1:]):
        wanted = stack_for(segment_start)
        common = 0
        while common < min(len(stack), len(wanted)) and stack[common] is wanted[common]:
            common += 1
        while len(stack) > common:
            close(stack.pop())
        place_markers(segment_start)
        for span in wanted[common:]:
            open_(span)
            stack.append(span)
        emit(_escape(text[segment_start:segment_end]))
    while stack:
        close(stack.pop())
    place_markers(len(text))
    return "".join(out), numbers
