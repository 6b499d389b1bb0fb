"""DOI, ISBN and URL checks, and the keys that spot a source entered twice (pure, no database)."""

import doctest

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations import identifiers
from annotations.identifiers import (
    IdentifierError,
    clean_doi,
    clean_isbn,
    clean_url,
    doi_key,
    isbn10_check_digit,
    isbn13_check_digit,
    isbn_key,
    title_key,
    url_key,
)

digits = st.text(alphabet="0123456789", min_size=1, max_size=1)


def test_module_examples_hold():
    assert doctest.testmod(identifiers).failed == 0


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("10.1017/CBO9780511523724", "10.1017/CBO9780511523724"),
        ("  doi:10.1080/09668139408412155 ", "10.1080/09668139408412155"),
        ("https://doi.org/10.2307/2151054", "10.2307/2151054"),
        ("http://dx.doi.org/10.1000.10/abc(1)", "10.1000.10/abc(1)"),
    ],
)
def test_doi_is_accepted_with_or_without_resolver_prefix(typed, canonical):
    assert clean_doi(typed) == canonical


@pytest.mark.parametrize("typed", ["", "10.1017", "11.1017/abc", "10.12/abc", "doi 10.1017/abc", "10.1017/ab c", "https://example.org/10.1017/x"])
def test_malformed_doi_is_refused_with_an_example(typed):
    with pytest.raises(IdentifierError, match="10.1017"):
        clean_doi(typed)


def test_doi_key_ignores_case():
    assert doi_key("10.1017/cbo9780511523724") == doi_key("https://doi.org/10.1017/CBO9780511523724")


@pytest.mark.parametrize(
    "typed, canonical",
    [
        ("0-333-30050-5", "0333300505"),
        ("ISBN 0 19 852663 6", "0198526636"),
        ("080442957x", "080442957X"),
        ("978-0-333-30050-3", "9780333300503"),
        ("ISBN-13: 978–0–19–852663–6", "9780198526636"),
    ],
)
def test_isbn_is_accepted_with_separators(typed, canonical):
    assert clean_isbn(typed) == canonical


@pytest.mark.parametrize(
    "typed, message",
    [
        ("0-333-30050-4", "check digit"),
        ("978-0-333-30050-4", "check digit"),
        ("123-0-333-30050-3", "978 or 979"),
        ("12345", "10 or 13 digits"),
        ("X333300505", "10 or 13 digits"),
        ("", "10 or 13 digits"),
    ],
)
def test_malformed_isbn_is_refused_saying_why(typed, message):
    with pytest.raises(IdentifierError, match=message):
        clean_isbn(typed)


def test_isbn_10_and_13_of_one_book_share_a_key():
    assert isbn_key("0-333-30050-5") == isbn_key("9780333300503")


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_any_isbn_10_with_its_check_digit_is_valid_and_its_13_form_too(stem):
    isbn = stem + isbn10_check_digit(stem)
    assert clean_isbn(isbn) == isbn
    assert clean_isbn(isbn_key(isbn)) == isbn_key(isbn)


@given(st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(0, 8), st.integers(1, 9))
def test_changing_one_digit_of_an_isbn_10_is_caught(stem, position, shift):
    isbn = stem + isbn10_check_digit(stem)
    changed = isbn[:position] + str((int(isbn[position]) + shift) % 10) + isbn[position + 1:]
    with pytest.raises(IdentifierError):
        clean_isbn(changed)


@given(st.sampled_from(["978", "979"]), st.text(alphabet="0123456789", min_size=9, max_size=9), st.integers(3, 11), st.integers(1, 9))
def test_changing_one_digit_of_an_isbn_13_is_caught(prefix, body, position, shift):
    stem = prefix + body
    isbn = stem + isbn13_check_digit(stem)
    assert clean_isbn(isbn) == isbn
    changed = isbn[:position] + str((int(isbn[position]) + shift) % 10) + isbn[position + 1:]
    with pytest.raises(IdentifierError):
        clean_isbn(changed)


@pytest.mark.parametrize("typed", ["https://www.marxists.org/reference/", "http://example.org", "https://archive.org/details/x?page=2#p3"])
def test_http_and_https_urls_are_accepted(typed):
    assert clean_url(typed) == typed


@pytest.mark.parametrize(
    "typed, message",
    [
        ("javascript:alert(1)", "http"),
        ("data:text/html,<script>alert(1)</script>", "http"),
        ("vbscript:msgbox(1)", "http"),
        ("ftp://example.org/file", "http"),
        ("www.example.org", "http"),
        ("https://", "site name"),
        ("https://localhost/", "site name"),
        ("https://exa mple.org/", "spaces"),
    ],
)
def test_other_schemes_and_malformed_urls_are_refused(typed, message):
    with pytest.raises(IdentifierError, match=message):
        clean_url(typed)


def test_url_key_ignores_scheme_www_host_case_trailing_slash_and_fragment():
    assert url_key("HTTPS://www.Example.org/a/b/#section") == url_key("http://example.org/a/b")
    assert url_key("https://example.org/a?page=1") != url_key("https://example.org/a?page=2")


def test_title_key_folds_case_accents_and_punctuation():
    assert title_key("Stalin’s Foreign Policy:  a Re-assessment") == title_key("stalin s foreign policy a re assessment")
    assert title_key("Mémoires") == title_key("MEMOIRES")
    assert title_key("War & Peace") == title_key("War and Peace")


@given(st.text(max_size=80))
def test_title_key_is_idempotent(title):
    assert title_key(title_key(title)) == title_key(title)


# Latin letters with and without accents (Turkish dotless ı is its own letter, not a case of i).
latin_words = st.text(alphabet=st.characters(min_codepoint=0x41, max_codepoint=0x17F, categories=["Ll", "Lu"], exclude_characters="ıİ"), min_size=1, max_size=8)


@given(st.lists(latin_words, min_size=1, max_size=6), st.sampled_from([" ", "  ", ", ", ": ", " — "]))
def test_title_key_does_not_depend_on_separators_or_case(words, separator):
    assert title_key(separator.join(words)) == title_key(" ".join(word.upper() for word in words))
