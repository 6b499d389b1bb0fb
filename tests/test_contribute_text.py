"""The pure check behind “these words run across more than one paragraph” (no database)."""

from hypothesis import assume, given
from hypothesis import strategies as st

from annotations import text
from annotations.forms import runs_across_paragraphs

words = st.text(alphabet="abcdefghij ,.", min_size=1, max_size=40).filter(lambda value: value.strip())


@given(words, words, st.data())
def test_a_quote_spilling_from_one_paragraph_into_the_next_is_recognised(first, second, data):
    tail = first[data.draw(st.integers(0, len(first) - 1)):]
    head = second[:data.draw(st.integers(1, len(second)))]
    assume(tail.strip() and head.strip())
    quote = f"{tail}\n\n{head}"
    assume(not text.find_quote(first, quote))
    assert runs_across_paragraphs(first, quote)


@given(words, words)
def test_a_quote_on_one_line_never_counts_as_crossing(paragraph, quote):
    assert not runs_across_paragraphs(paragraph, quote.replace("\n", " "))


@given(words, st.data())
def test_words_that_are_in_the_paragraph_never_count_as_crossing(paragraph, data):
    start = data.draw(st.integers(0, len(paragraph) - 1))
    quote = paragraph[start:data.draw(st.integers(start + 1, len(paragraph)))]
    assert not runs_across_paragraphs(paragraph, quote.replace(" ", "\n"))


def test_lines_from_elsewhere_are_just_not_in_the_paragraph():
    assert not runs_across_paragraphs("The cat sat.", "The dog\nran away")
