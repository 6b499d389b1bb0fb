"""House style for sources, and the four citation styles of the edition (pure functions)."""

import datetime
from types import SimpleNamespace

from annotations import bibliography


def source(**fields):
    blank = dict(kind="book", authors="", title="", container="", publisher="", place="", year=None,
                 volume="", pages="", url="", doi="", isbn="")
    return SimpleNamespace(**{**blank, **fields})


EDITION = bibliography.Edition(
    title="The Evaluation of Soviet Foreign Policy", version=7,
    date=datetime.date(2024, 4, 26), url="https://edition.example/", key="soviet-policy",
)


def test_book_with_two_authors_place_publisher_and_isbn():
    book = source(authors="Carr, E. H.; Davies, R. W.", title="Foundations of a Planned Economy", year=1969,
                  place="London", publisher="Macmillan", isbn="9780333104330")
    assert str(bibliography.source_reference(book)) == (
        "Carr, E. H., and R. W. Davies. 1969. <i>Foundations of a Planned Economy</i>. London: Macmillan. ISBN 9780333104330."
    )
    assert bibliography.source_short(book, "p. 12") == "Carr and Davies 1969, p. 12"


def test_chapter_and_article_quote_the_title_and_italicise_the_container():
    chapter = source(kind="chapter", authors="Roberts, Geoffrey", title="The Fall of Litvinov", year=1992,
                     container="Soviet Foreign Policy, 1917–1991", pages="11–28", publisher="Cass")
    assert "“The Fall of Litvinov.” In <i>Soviet Foreign Policy, 1917–1991</i>, 11–28. Cass." in str(
        bibliography.source_reference(chapter)
    )
    article = source(kind="article", authors="A, B; C, D; E, F", title="Why?", container="J", volume="3",
                     pages="1–2", year=2000, doi="https://doi.org/10.1/x")
    text = str(bibliography.source_reference(article))
    assert "A, B, D C, and F E. 2000. “Why?” <i>J</i> 3: 1–2." in text
    assert '<a class="url" href="https://doi.org/10.1/x">https://doi.org/10.1/x</a>.' in text
    assert bibliography.source_short(article) == "A et al. 2000"


def test_anonymous_undated_web_page_leads_with_its_title_then_the_date_and_escapes_everything():
    page = source(kind="web", title="<Treaty> & Protocol", container="Avalon", url="https://avalon.example/t?a=1&b=2")
    text = str(bibliography.source_reference(page))
    assert text.startswith("“&lt;Treaty&gt; &amp; Protocol.” n.d. <i>Avalon</i>. ")
    assert 'href="https://avalon.example/t?a=1&amp;b=2"' in text
    assert bibliography.source_short(page) == "“<Treaty> & Protocol” n.d."


def test_no_entry_doubles_a_full_stop_after_an_abbreviation():
    entry = source(kind="web", authors="Ball, Terence; Dagger, Richard", title="Communism", container="Britannica",
                   publisher="Encyclopaedia Britannica, Inc.")
    text = str(bibliography.source_reference(entry))
    assert text == "Ball, Terence, and Richard Dagger. n.d. “Communism.” <i>Britannica</i>. Encyclopaedia Britannica, Inc."
    assert ".." not in text


def test_single_name_author_takes_no_comma_before_and():
    book = source(authors="Plato; Jowett, Benjamin", title="Republic", year=1871)
    assert str(bibliography.source_reference(book)).startswith("Plato and Benjamin Jowett. 1871. <i>Republic</i>.")


def test_a_books_volume_is_listed_after_its_title():
    book = source(authors="Carr, E. H.", title="The Bolshevik Revolution, 1917–1923", volume="3", year=1953,
                  place="London", publisher="Macmillan")
    assert str(bibliography.source_reference(book)) == (
        "Carr, E. H. 1953. <i>The Bolshevik Revolution, 1917–1923</i>. Vol. 3. London: Macmillan."
    )


def test_bibliography_files_entries_without_authors_under_their_title_less_any_leading_article():
    entries = [
        source(title="The Ambassador to the Secretary of State", year=1939),
        source(authors="Carr, E. H.", title="German–Soviet Relations", year=1951),
        source(title="Anti-Comintern Pact", year=1937),
        source(authors="Carr, E. H.", title="The Bolshevik Revolution", year=1950),
        source(title="A Treaty", year=1928),
    ]
    ordered = [entry.title for entry in sorted(entries, key=bibliography.sort_key)]
    assert ordered == [
        "The Ambassador to the Secretary of State", "Anti-Comintern Pact", "The Bolshevik Revolution",
        "German–Soviet Relations", "A Treaty",
    ]


def test_edition_citations_carry_the_version_date_and_address():
    styles = {name: str(text) for name, text, _ in bibliography.edition_citations(EDITION)}
    assert styles["APA"] == (
        "<i>The Evaluation of Soviet Foreign Policy: An Annotated Edition</i> (Version 7). (2024, April 26). "
        "https://edition.example/"
    )
    assert styles["MLA"] == (
        "<i>The Evaluation of Soviet Foreign Policy: An Annotated Edition</i>. Version 7, 26 Apr. 2024, "
        "edition.example/."
    )
    assert styles["Chicago"].endswith("Version 7, 26 April 2024. https://edition.example/.")
    assert styles["BibTeX"].startswith("@misc{soviet-policy,\n  title = {{The Evaluation")
    assert "  version = {7}," in styles["BibTeX"] and "  url = {https://edition.example/}" in styles["BibTeX"]


def test_mla_abbreviates_long_months_only():
    for month, written in ((5, "3 May 2024"), (6, "3 June 2024"), (9, "3 Sept. 2024"), (12, "3 Dec. 2024")):
        edition = bibliography.Edition(title="T", version=1, date=datetime.date(2024, month, 3), url="https://e/")
        assert f", {written}, e/." in str(bibliography.cite_mla(edition))


def test_bibtex_month_is_the_unbraced_month_macro():
    assert "\n  month = apr,\n" in bibliography.cite_bibtex(EDITION)


def test_passage_citation_adds_the_locator_and_the_paragraph_anchor():
    text = str(bibliography.cite_chicago(EDITION, locator="§ 3 ¶ 2", anchor="p-abc123"))
    assert text.endswith("26 April 2024, § 3 ¶ 2. https://edition.example/#p-abc123.")


def test_bibtex_escapes_its_special_characters():
    edition = bibliography.Edition(title="Rates & 50% of {x}_y", version=1,
                                   date=datetime.date(2024, 1, 2), url="u")
    bibtex = bibliography.cite_bibtex(edition)
    assert r"Rates \& 50\% of \{x\}\_y" in bibtex
