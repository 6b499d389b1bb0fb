"""Re-anchoring notes and corrections after an editor repairs a paragraph's text (pure functions)."""

from hypothesis import assume, given
from hypothesis import strategies as st

from annotations.text import normalise, reanchor, selectors_for

WORDS = ["the", "treaty", "was", "signed", "at", "Genoa", "in", "1922", "Moscow", "pact", "and", "Litvinov"]
phrases = st.lists(st.sampled_from(WORDS), min_size=1, max_size=10).map(" ".join)
# A quote no generated text contains, so where it went is never in doubt.
MARKER = "Chicherin protested loudly"


def reanchored(old, new, exact, occurrence=0):
    start = old.index(exact) if occurrence == 0 else old.index(exact, old.index(exact) + 1)
    selection = selectors_for(old, start, start + len(exact))
    return reanchor(
        old, new, exact=selection.exact, prefix=selection.prefix, suffix=selection.suffix,
        start=selection.start, end=selection.end,
    )


def test_note_follows_its_words_when_text_is_inserted_before_them():
    old = "The treaty was signed at Rapallo in 1922."
    anchor = reanchored(old, "In April, " + old, "Rapallo")
    assert (anchor.start, anchor.end, anchor.exact) == (35, 42, "Rapallo")


def test_typo_fixed_inside_the_quote_is_matched_fuzzily():
    old = "The treaty was sigend at Rapallo in 1922."
    new = "The treaty was signed at Rapallo in 1922."
    anchor = reanchored(old, new, "was sigend at Rapallo")
    assert anchor.exact == "was signed at Rapallo"


def test_near_duplicate_elsewhere_does_not_capture_a_note_whose_words_were_removed():
    old = "Molotov signed the pact with Germany in 1939. Later, Matsuoka signed the pact with Japan in 1941."
    new = "Later, Matsuoka signed the pact with Japan in 1941."
    assert reanchored(old, new, "signed the pact with Germany in 1939") is None


def test_exact_duplicate_elsewhere_does_not_capture_a_note_whose_words_were_removed():
    old = "At Genoa the delegates signed the protocol. At Rapallo the delegates signed the protocol."
    new = "At Rapallo the delegates signed the protocol."
    assert reanchored(old, new, "the delegates signed the protocol", occurrence=0) is None
    kept = reanchored(old, new, "the delegates signed the protocol", occurrence=1)
    assert (kept.start, kept.prefix) == (11, "At Rapallo ")


def test_rewritten_phrase_orphans_the_note():
    old = "The treaty was signed at Rapallo in 1922."
    new = "The treaty was concluded by both delegations in 1922."
    assert reanchored(old, new, "signed at Rapallo") is None


def test_quote_repeated_in_new_text_without_position_is_ambiguous():
    assert reanchor("x", "Genoa and Genoa", exact="Genoa") is None


def test_quote_in_context_is_found_without_position():
    anchor = reanchor("x", "Genoa and Genoa too", exact="Genoa", prefix="and ", suffix=" too")
    assert anchor.start == 10


@given(phrases, phrases)
def test_unchanged_text_keeps_every_span(before, after):
    old = f"{before} {MARKER} {after}"
    anchor = reanchored(old, old, MARKER)
    assert (anchor.start, anchor.end) == (len(before) + 1, len(before) + 1 + len(MARKER))


@given(phrases, phrases, phrases, phrases)
def test_edits_outside_the_quote_keep_it_on_its_own_words(before, after, new_before, new_after):
    old = f"{before}. {MARKER}. {after}"
    new = f"{new_before}. {MARKER}. {new_after}"
    anchor = reanchored(old, new, MARKER)
    assert anchor is not None
    assert new[anchor.start:anchor.end] == MARKER
    assert anchor.start == len(new_before) + 2


@given(phrases, phrases)
def test_removed_quote_is_never_placed(before, after):
    old = f"{before} {MARKER} {after}"
    new = f"{before} {after}"
    assert reanchored(old, new, MARKER) is None


@given(phrases, phrases, st.data())
def test_any_result_is_a_real_span_of_the_new_text(old, new, data):
    start = data.draw(st.integers(0, len(old) - 1))
    end = data.draw(st.integers(start + 1, len(old)))
    selection = selectors_for(old, start, end)
    assume(selection.exact.strip())
    anchor = reanchor(
        old, new, exact=selection.exact, prefix=selection.prefix, suffix=selection.suffix, start=start, end=end
    )
    if anchor is not None:
        assert 0 <= anchor.start < anchor.end <= len(new)
        assert anchor.exact == new[anchor.start:anchor.end]
        assert normalise(anchor.exact).strip()


def test_rewritten_occurrence_does_not_take_the_place_of_a_surviving_duplicate():
    # The first "cat" becomes "dog" and a new "cat" is added after the second:
    # as many "cat"s as before, but the note on the first one lost its words.
    old = "A cat. B cat."
    new = "A dog. B cat. C cat."
    assert reanchored(old, new, "cat", occurrence=0) is None
    kept = reanchored(old, new, "cat", occurrence=1)
    assert (kept.start, kept.prefix) == (9, "A dog. B ")
