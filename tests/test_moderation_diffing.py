"""The word diff a moderator reads before deciding on a correction."""

from hypothesis import given
from hypothesis import strategies as st

from annotations import diffing
from annotations.diffing import DELETE, EQUAL, INSERT

words = st.lists(st.sampled_from(["the", "treaty", "1922", "Genoa", "Rapallo", ",", ".", "signed", "in"]), max_size=12)
texts = words.map(" ".join)


def test_changed_word_is_shown_deleted_and_inserted_whole():
    pieces = diffing.word_diff("signed at Genoa in 1922", "signed at Rapallo in 1922")
    assert (DELETE, "Genoa") in pieces
    assert (INSERT, "Rapallo") in pieces
    assert (EQUAL, "signed at ") in pieces


def test_correction_diff_applies_the_replacement_to_the_paragraph():
    text = "The Treaty of Rapallo was signed in 1922 at Genoa."
    start = text.index("1922")
    pieces = diffing.correction_diff(text, start=start, end=start + 4, replacement="April 1922")
    assert diffing.side(pieces, INSERT) == "The Treaty of Rapallo was signed in April 1922 at Genoa."
    assert [text for kind, text in pieces if kind == INSERT] == ["April "]
    assert not [text for kind, text in pieces if kind == DELETE]


def test_identical_texts_have_no_changes():
    assert diffing.word_diff("no change here", "no change here") == [(EQUAL, "no change here")]


@given(texts, texts)
def test_each_side_of_the_diff_gives_its_text_back(old, new):
    pieces = diffing.word_diff(old, new)
    assert diffing.side(pieces, DELETE) == old
    assert diffing.side(pieces, INSERT) == new


@given(texts, texts)
def test_pieces_are_never_empty_and_never_repeat_a_kind(old, new):
    pieces = diffing.word_diff(old, new)
    assert all(text for _, text in pieces)
    assert all(a[0] != b[0] for a, b in zip(pieces, pieces[1:]))


@given(texts, st.data())
def test_correction_diff_new_side_is_the_corrected_paragraph(text, data):
    text = text or "x"
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    replacement = data.draw(texts)
    pieces = diffing.correction_diff(text, start=start, end=end, replacement=replacement)
    assert diffing.side(pieces, INSERT) == text[:start] + replacement + text[end:]
    assert diffing.side(pieces, DELETE) == text


def test_replaced_phrase_reads_as_one_deletion_then_one_insertion():
    # Not "~~beginning~~ corrected ~~of~~ words ~~the~~ here": the matcher pairs the spaces between words.
    pieces = diffing.word_diff("At the beginning of the treaty.", "At the corrected words here treaty.")
    assert pieces == [
        (EQUAL, "At the "), (DELETE, "beginning of the"), (INSERT, "corrected words here"), (EQUAL, " treaty."),
    ]


def test_words_inserted_apart_are_not_grouped_into_a_replacement():
    pieces = diffing.word_diff("signed in 1922 at Genoa", "signed in April 1922 at Genoa")
    assert pieces == [(EQUAL, "signed in"), (INSERT, " April"), (EQUAL, " 1922 at Genoa")]


@given(texts, texts)
def test_no_deleted_word_follows_an_inserted_one_across_a_space(old, new):
    pieces = diffing.word_diff(old, new)
    for first, space, second in zip(pieces, pieces[1:], pieces[2:]):
        assert not (first[0] != EQUAL and space[0] == EQUAL and space[1].isspace() and second[0] != EQUAL
                    and {first[0], second[0]} == {DELETE, INSERT})
