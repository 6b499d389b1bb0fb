"""The rendering core: a paragraph with overlapping notes and corrections, in each reading mode."""

import re
from dataclasses import replace
from html.parser import HTMLParser

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotations.rendering import (
    APPARATUS, CORRECTED, CORRECTION, MODES, NOTE, ORIGINAL, PENDING_MARK, Span, render_paragraph,
)

VOID = {"br", "img", "hr"}
MARKER_CLASSES = {"note-marker": NOTE, "correction-marker": CORRECTION}


class Walk(HTMLParser):
    """Reads rendered HTML back: the original text, the visible text, markers and which notes cover what."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.stack = []  # (tag, attrs)
        self.original = []  # (character, frozenset of note keys over it)
        self.visible = []
        self.markers = []  # (kind, visible text) of each note or correction marker, in order
        self.tags = []
        self.feed(html)
        self.close()
        assert not self.stack, f"unclosed elements: {self.stack}"

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append(tag)
        if tag not in VOID:
            self.stack.append((tag, attrs))
        kind = next((MARKER_CLASSES[c] for c in attrs.get("class", "").split() if c in MARKER_CLASSES), None)
        if kind is not None:
            self.markers.append([kind, ""])
        if "data-replaces" in attrs:
            self.original.extend((char, self._notes()) for char in attrs["data-replaces"])

    def handle_endtag(self, tag):
        opened, _ = self.stack.pop()
        assert opened == tag, f"</{tag}> closes <{opened}>"

    def _notes(self):
        return frozenset(attrs["data-note"] for tag, attrs in self.stack if tag == "mark")

    def _in(self, predicate):
        return any(predicate(tag, attrs) for tag, attrs in self.stack)

    def handle_data(self, data):
        hidden = self._in(lambda tag, attrs: "visually-hidden" in attrs.get("class", ""))
        if self._in(lambda tag, attrs: set(attrs.get("class", "").split()) & MARKER_CLASSES.keys()):
            if not hidden:
                self.markers[-1][1] += data
            if self._in(lambda tag, attrs: "note-marker" in attrs.get("class", "")):
                return
        if not hidden and not self._in(lambda tag, attrs: tag == "a"):
            self.visible.append(data)
        if not self._in(lambda tag, attrs: "data-apparatus" in attrs):
            self.original.extend((char, self._notes()) for char in data)

    def marker_labels(self, kind):
        """The number (or pending mark) each marker of ``kind`` shows, in reading order."""
        labels = [re.search(rf"\d+|{re.escape(PENDING_MARK)}", text).group() for k, text in self.markers if k == kind]
        return [label if label == PENDING_MARK else int(label) for label in labels]

    @property
    def marker_numbers(self):
        return self.marker_labels(NOTE)

    @property
    def original_text(self):
        return "".join(char for char, _ in self.original)

    @property
    def visible_text(self):
        return "".join(self.visible)


def note(key, start, end):
    return Span(kind=NOTE, key=key, start=start, end=end)


def correction(key, start, end, replacement="X", label="date"):
    return Span(kind=CORRECTION, key=key, start=start, end=end, replacement=replacement, label=label)


TEXT = "The Treaty of Rapallo was signed in 1922 at Genoa."


# --- examples -----------------------------------------------------------------------------------


def test_plain_paragraph_is_its_escaped_text():
    html, numbers = render_paragraph('Stalin said "<b>no</b>" & left.', [], mode=APPARATUS)
    assert html == "Stalin said &quot;&lt;b&gt;no&lt;/b&gt;&quot; &amp; left."
    assert numbers == {}


def test_note_is_highlighted_and_followed_by_its_numbered_marker():
    html, numbers = render_paragraph(TEXT, [note("note-7", 14, 21)], mode=APPARATUS, first_number=3)
    assert '<mark class="note-span" data-note="note-7">Rapallo</mark><sup class="note-marker"' in html
    assert 'href="#note-7" id="ref-note-7"' in html
    assert numbers == {"note-7": 3}
    assert Walk(html).marker_numbers == [3]


@pytest.mark.parametrize("mode", [APPARATUS, ORIGINAL])
def test_corrections_are_numbered_in_reading_order_at_their_marker(mode):
    spans = [correction("correction-8", 36, 40, "16 April 1922"), correction("correction-9", 14, 21, "Rapallo (Italy)")]
    html, numbers = render_paragraph(TEXT, spans, mode=mode, first_correction_number=12)
    assert numbers == {"correction-9": 12, "correction-8": 13}
    assert Walk(html).marker_labels(CORRECTION) == [12, 13]
    assert "<span class=\"visually-hidden\">correction </span>12" in html  # read out as "correction 12"


def test_a_readers_pending_items_take_no_number_and_show_the_pending_mark():
    spans = [
        Span(kind=NOTE, key="note-1", start=0, end=3, pending=True),
        note("note-2", 14, 21),
        Span(kind=CORRECTION, key="correction-3", start=4, end=10, replacement="Pact", pending=True),
        correction("correction-4", 36, 40, "16 April 1922"),
    ]
    html, numbers = render_paragraph(TEXT, spans, mode=APPARATUS)
    assert numbers == {"note-1": None, "note-2": 1, "correction-3": None, "correction-4": 1}
    walk = Walk(html)
    assert walk.marker_numbers == [PENDING_MARK, 1]
    assert walk.marker_labels(CORRECTION) == [PENDING_MARK, 1]
    assert "your pending note" in html and "your pending correction" in html


def test_numbers_are_written_by_the_callers_function():
    spans = [note("note-1", 14, 21), correction("correction-2", 36, 40, "16 April 1922")]
    html, numbers = render_paragraph(TEXT, spans, mode=APPARATUS, number=lambda kind, n: f"[{kind} {n}]")
    assert "[note 1]" in html and "[correction 1]" in html
    assert numbers == {"note-1": 1, "correction-2": 1}


def test_apparatus_carries_the_correction_in_the_text_with_its_marker_and_keeps_the_original_beside_it():
    html, _ = render_paragraph(TEXT, [correction("correction-2", 36, 40, "16 April 1922")], mode=APPARATUS)
    # The original stays in the text (a <del>, shown on hover or focus), so a selection maps back to it.
    assert "<del>1922</del><ins data-apparatus>16 April 1922</ins>" in html
    assert 'class="correction-marker" href="#correction-2" id="ref-correction-2" data-apparatus title="date correction"' in html
    assert Walk(html).visible_text == TEXT.replace("1922", "192216 April 1922")


def test_corrected_mode_shows_only_the_corrected_wording():
    html, _ = render_paragraph(TEXT, [correction("correction-2", 36, 40, "16 April 1922")], mode=CORRECTED)
    assert "<del>" not in html and "<ins" not in html
    assert Walk(html).visible_text == TEXT.replace("1922", "16 April 1922")
    assert 'data-replaces="1922"' in html


def test_original_mode_keeps_the_text_as_published_with_an_unobtrusive_marker():
    html, _ = render_paragraph(TEXT, [correction("correction-2", 36, 40, "16 April 1922")], mode=ORIGINAL)
    assert "<ins" not in html and "<del>" not in html and "16 April" not in html
    assert Walk(html).visible_text == TEXT
    assert 'class="correction-marker" href="#correction-2"' in html


def test_two_notes_on_the_same_phrase_get_two_markers_in_order():
    html, numbers = render_paragraph(TEXT, [note("note-1", 14, 21), note("note-2", 14, 21)], mode=APPARATUS)
    assert numbers == {"note-1": 1, "note-2": 2}
    walk = Walk(html)
    assert walk.marker_numbers == [1, 2]
    assert all(notes == {"note-1", "note-2"} for char, notes in walk.original[14:21])


def test_overlapping_notes_split_into_marks_that_cover_exactly_their_spans():
    html, numbers = render_paragraph(TEXT, [note("note-a", 4, 21), note("note-b", 14, 30)], mode=APPARATUS)
    walk = Walk(html)
    assert walk.original_text == TEXT
    assert walk.original[10][1] == {"note-a"}
    assert walk.original[16][1] == {"note-a", "note-b"}
    assert walk.original[25][1] == {"note-b"}
    assert html.count('data-note="note-b"') == 2  # split where it crosses the end of note-a
    assert numbers == {"note-a": 1, "note-b": 2}


def test_note_ending_inside_a_corrected_word_puts_its_marker_after_the_correction():
    spans = [note("note-1", 26, 38), correction("correction-9", 36, 40, "16 April 1922")]
    html, _ = render_paragraph(TEXT, spans, mode=APPARATUS)
    assert html.index("</ins>") < html.index('id="ref-note-1"')
    assert html.count("<del>") == 1  # the correction is never split
    walk = Walk(html)
    assert walk.original_text == TEXT
    assert walk.original[37][1] == {"note-1"} and walk.original[39][1] == frozenset()


def test_overlapping_corrections_apply_the_first_only():
    spans = [correction("correction-1", 36, 40, "1923"), correction("correction-2", 38, 43, "99 at")]
    html, _ = render_paragraph(TEXT, spans, mode=CORRECTED)
    assert Walk(html).visible_text == TEXT.replace("1922", "1923")
    assert "correction-2" not in html


def test_unknown_mode_and_spans_outside_the_text_are_refused():
    with pytest.raises(ValueError, match="reading mode"):
        render_paragraph(TEXT, [], mode="clean")
    with pytest.raises(ValueError, match="outside the text"):
        render_paragraph(TEXT, [note("note-1", 40, len(TEXT) + 1)], mode=APPARATUS)


def test_pending_items_are_marked_as_such():
    html, _ = render_paragraph(TEXT, [Span(kind=NOTE, key="note-1", start=0, end=3, pending=True)])
    assert 'class="note-span pending"' in html and 'class="note-marker pending"' in html


# --- properties -----------------------------------------------------------------------------------

ALPHABET = st.sampled_from(list("ab <>&\"'é—\n"))


@st.composite
def paragraphs(draw):
    text = draw(st.text(ALPHABET, min_size=1, max_size=40))
    length = len(text)
    bounds = st.tuples(st.integers(0, length - 1), st.integers(1, length)).filter(lambda b: b[0] < b[1])
    note_spans = [note(f"note-{i}", start, end) for i, (start, end) in enumerate(draw(st.lists(bounds, max_size=6)))]
    correction_spans = [
        correction(f"correction-{i}", start, end, draw(st.text(ALPHABET, max_size=6)))
        for i, (start, end) in enumerate(draw(st.lists(bounds, max_size=3)))
    ]
    pending = draw(st.lists(st.booleans(), min_size=len(note_spans) + len(correction_spans),
                            max_size=len(note_spans) + len(correction_spans)))
    spans = [replace(span, pending=flag) for span, flag in zip(note_spans + correction_spans, pending)]
    return text, draw(st.permutations(spans))


def applied(spans):
    """Corrections the text uses: first by start, skipping any that overlap one already taken."""
    taken = []
    for span in sorted((s for s in spans if s.kind == CORRECTION), key=lambda s: (s.start, s.end)):
        if not taken or span.start >= taken[-1].end:
            taken.append(span)
    return taken


def corrected_text(text, spans):
    out, position = [], 0
    for span in applied(spans):
        out.append(text[position:span.start] + span.replacement)
        position = span.end
    return "".join(out) + text[position:]


@settings(max_examples=300, deadline=None)
@given(paragraphs(), st.sampled_from([APPARATUS, ORIGINAL]))
def test_every_original_character_appears_once_under_exactly_its_notes(paragraph, mode):
    text, spans = paragraph
    html, _ = render_paragraph(text, spans, mode=mode)
    walk = Walk(html)
    assert walk.original_text == text
    for position, (_, notes) in enumerate(walk.original):
        assert notes == {s.key for s in spans if s.kind == NOTE and s.start <= position < s.end}


@settings(max_examples=300, deadline=None)
@given(paragraphs())
def test_corrected_mode_reads_as_the_text_with_every_applied_correction(paragraph):
    text, spans = paragraph
    html, _ = render_paragraph(text, spans, mode=CORRECTED)
    walk = Walk(html)
    assert walk.visible_text == corrected_text(text, spans)
    assert walk.original_text == text  # data-replaces keeps the offsets mappable
    assert "del" not in walk.tags


@settings(max_examples=300, deadline=None)
@given(paragraphs(), st.sampled_from(MODES), st.integers(1, 500))
def test_note_markers_are_numbered_consecutively_in_reading_order_skipping_pending_ones(paragraph, mode, first_number):
    text, spans = paragraph
    html, numbers = render_paragraph(text, spans, mode=mode, first_number=first_number)
    public = [s.key for s in spans if s.kind == NOTE and not s.pending]
    expected = list(range(first_number, first_number + len(public)))
    labels = Walk(html).marker_numbers
    assert [label for label in labels if label != PENDING_MARK] == expected
    assert labels.count(PENDING_MARK) == sum(1 for s in spans if s.kind == NOTE and s.pending)
    note_numbers = {key: number for key, number in numbers.items() if key.startswith("note-")}
    assert sorted(number for number in note_numbers.values() if number is not None) == expected
    assert all(note_numbers[key] is not None for key in public)
    assert list(note_numbers.values()) == [label if label != PENDING_MARK else None for label in labels]


@settings(max_examples=300, deadline=None)
@given(paragraphs(), st.sampled_from([APPARATUS, ORIGINAL]), st.integers(1, 500))
def test_corrections_are_numbered_by_start_from_the_first_number_and_shown_at_their_marker(paragraph, mode, first):
    text, spans = paragraph
    html, numbers = render_paragraph(text, spans, mode=mode, first_correction_number=first)
    corrections = sorted((s for s in spans if s.kind == CORRECTION), key=lambda s: (s.start, s.end))
    public = [s for s in corrections if not s.pending]
    assert sorted(numbers[s.key] for s in public) == list(range(first, first + len(public)))
    assert all(numbers[s.key] is None for s in corrections if s.pending)
    in_text = [PENDING_MARK if numbers[s.key] is None else numbers[s.key] for s in applied(spans)]
    assert Walk(html).marker_labels(CORRECTION) == in_text


@settings(max_examples=200, deadline=None)
@given(paragraphs())
def test_original_mode_never_inserts_and_apparatus_strikes_every_applied_correction(paragraph):
    text, spans = paragraph
    original = Walk(render_paragraph(text, spans, mode=ORIGINAL)[0])
    assert "ins" not in original.tags and "del" not in original.tags
    apparatus_html = render_paragraph(text, spans, mode=APPARATUS)[0]
    assert apparatus_html.count("<del>") == len(applied(spans))
    assert apparatus_html.count("<ins data-apparatus>") == len(applied(spans))
