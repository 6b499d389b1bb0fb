"""Contributing notes and corrections: from a selection or typed words, with sources; bad input is refused kindly."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from annotations.models import Annotation, Citation, Correction, Source, Status
from tests.factories import make_paragraph, make_source, make_user

TEXT = "The Treaty of Rapallo was signed in 1922 at Genoa, and the Treaty of Berlin followed in 1926."


@pytest.fixture
def paragraph(db):
    return make_paragraph(TEXT)


@pytest.fixture
def contributor(client, db):
    user = make_user("ada")
    client.force_login(user)
    return user


def counts():
    return [model.objects.count() for model in (Annotation, Correction, Source, Citation)]


def note_url(paragraph):
    return reverse("annotations:note_add", args=[paragraph.anchor])


def correction_url(paragraph):
    return reverse("annotations:correction_add", args=[paragraph.anchor])


def selection(exact, text=TEXT):
    start = text.index(exact)
    end = start + len(exact)
    return {"exact": exact, "prefix": text[max(0, start - 32):start], "suffix": text[end:end + 32], "start": start, "end": end}


def note_data(exact="Rapallo", body="Rapallo is on the Ligurian coast.", **extra):
    return {"exact": exact, "kind": "context", "body": body, "cite-choice": "none"} | extra


def correction_data(exact="1926", replacement="24 April 1926", **extra):
    data = {
        "exact": exact,
        "category": "wording",
        "replacement": replacement,
        "rationale": "The exact date is clearer.",
        "cite-choice": "none",
    }
    data.update(extra)
    return data


def assert_refused_and_kept(response, *typed):
    """A 4xx, the form again, everything typed in it."""
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nothing was saved" in html
    for value in typed:
        assert str(value) in html, value


# Entry points and the forms


@pytest.mark.parametrize(
    "name, args, query",
    [
        ("annotations:paragraph_contribute", ["ANCHOR"], ""),
        ("annotations:note_add", ["ANCHOR"], "?exact=Rapallo&start=14&end=21"),
        ("annotations:correction_add", ["ANCHOR"], "?exact=1922"),
        ("annotations:me", [], ""),
        ("annotations:item_edit", ["notes", 1], ""),
        ("annotations:item_withdraw", ["corrections", 1], ""),
        ("annotations:citation_add", ["notes", 1], ""),
    ],
)
def test_anonymous_reader_is_sent_to_log_in_and_back_from_every_entry_point(client, paragraph, name, args, query):
    url = reverse(name, args=[paragraph.anchor if arg == "ANCHOR" else arg for arg in args]) + query
    for method in (client.get, client.post):
        response = method(url)
        assert response.status_code == 302
        location = urlsplit(response["Location"])
        assert location.path == reverse("login")
        assert parse_qs(location.query)["next"] == [url]
    assert counts() == [0, 0, 0, 0]


def test_paragraph_page_shows_the_paragraph_and_links_to_both_forms(client, contributor, paragraph):
    response = client.get(reverse("annotations:paragraph_contribute", args=[paragraph.anchor]))
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<span class="paragraph-text" data-paragraph="{paragraph.anchor}">{TEXT}</span>' in html
    assert f'href="{note_url(paragraph)}"' in html
    assert f'href="{correction_url(paragraph)}"' in html


def test_unknown_paragraph_is_a_404(client, contributor, db):
    assert client.get(reverse("annotations:note_add", args=["p-nothere"])).status_code == 404


def test_note_form_opens_with_the_selection_filled_in_and_the_markdown_editor(client, contributor, paragraph):
    response = client.get(note_url(paragraph), selection("Rapallo"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Rapallo</textarea>" in html
    assert 'name="start" value="14"' in html and 'name="end" value="21"' in html
    assert "markdownx-editor" in html and "markdownx/js/markdownx" in html
    assert 'name="csrfmiddlewaretoken"' in html


# Notes


def test_note_from_a_browser_selection_is_saved_pending_with_checked_selectors(client, contributor, paragraph):
    response = client.post(note_url(paragraph), note_data(**selection("Treaty of Berlin")))
    note = Annotation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('annotations:me')}#landed-note-{note.pk}"
    assert (note.status, note.submitted_by, note.kind) == (Status.PENDING, contributor, "context")
    assert TEXT[note.start:note.end] == note.exact == "Treaty of Berlin"
    assert note.prefix.endswith("Genoa, and the ") and note.suffix.startswith(" followed")
    assert not Annotation.objects.published().exists()


def test_forged_offsets_are_ignored_and_the_quote_placed_by_the_server(client, contributor, paragraph):
    forged = {**selection("Genoa"), "start": 0, "end": 5, "prefix": "", "suffix": ""}
    client.post(note_url(paragraph), note_data(**forged))
    note = Annotation.objects.get()
    assert (note.start, note.end) == (TEXT.index("Genoa"), TEXT.index("Genoa") + 5)


def test_words_typed_without_javascript_are_found_despite_spacing(client, contributor, paragraph):
    response = client.post(note_url(paragraph), note_data(exact="  signed   in\n1922 "))
    assert response.status_code == 302
    note = Annotation.objects.get()
    assert note.exact == "signed in 1922"
    assert TEXT[note.start:note.end] == "signed in 1922"


def test_ambiguous_words_ask_for_more_words_around_them(client, contributor, paragraph):
    response = client.post(note_url(paragraph), note_data(exact="Treaty of"))
    assert_refused_and_kept(response, "Treaty of", "Rapallo is on the Ligurian coast.")
    assert "occur 2 times" in response.content.decode()
    assert counts() == [0, 0, 0, 0]
    response = client.post(note_url(paragraph), note_data(exact="and the Treaty of"))
    assert response.status_code == 302
    assert Annotation.objects.get().start == TEXT.index("and the Treaty of")


def test_words_not_in_the_paragraph_are_refused(client, contributor, paragraph):
    response = client.post(note_url(paragraph), note_data(exact="the Treaty of Versailles"))
    assert_refused_and_kept(response, "the Treaty of Versailles")
    assert "not in the paragraph" in response.content.decode()
    assert counts() == [0, 0, 0, 0]


def test_a_selection_crossing_into_the_next_paragraph_is_refused(client, contributor, paragraph):
    make_paragraph("Litvinov became Commissar in 1930.", section=paragraph.section)
    crossing = "the Treaty of Berlin followed in 1926.\n\nLitvinov became"
    response = client.post(note_url(paragraph), note_data(exact=crossing))
    assert_refused_and_kept(response, "Litvinov became")
    assert "more than one paragraph" in response.content.decode()
    assert counts() == [0, 0, 0, 0]


def test_a_stale_selection_is_refused_when_the_text_changed_since_the_page_loaded(client, contributor, paragraph):
    stale = selection("Rapallo")
    paragraph.text = TEXT.replace("Rapallo", "Rapalo")
    paragraph.save()
    response = client.post(note_url(paragraph), note_data(**stale))
    assert_refused_and_kept(response, "Rapallo is on the Ligurian coast.")
    assert "has changed since you selected" in response.content.decode()
    assert counts() == [0, 0, 0, 0]


@pytest.mark.parametrize("body, message", [("   ", "This field is required"), ("x" * 10_001, "at most 10000 characters")])
def test_empty_or_over_long_note_body_is_refused(client, contributor, paragraph, body, message):
    response = client.post(note_url(paragraph), note_data(body=body))
    assert_refused_and_kept(response, "Rapallo")
    assert message in response.content.decode()
    if body.strip():
        assert body in response.content.decode()
    assert counts() == [0, 0, 0, 0]


def test_note_body_of_exactly_the_limit_is_accepted(client, contributor, paragraph):
    assert client.post(note_url(paragraph), note_data(body="y" * 10_000)).status_code == 302


# Sources with a note


def test_note_citing_an_existing_source_with_a_page(client, contributor, paragraph):
    source = make_source()
    data = note_data(**{"cite-choice": "existing", "cite-source": source.pk, "cite-locator": "p. 212"})
    assert client.post(note_url(paragraph), data).status_code == 302
    citation = Citation.objects.get()
    assert (citation.source, citation.annotation, citation.locator) == (source, Annotation.objects.get(), "p. 212")
    assert (citation.status, citation.submitted_by) == (Status.PENDING, contributor)


def new_source(**fields):
    data = {
        "cite-choice": "new",
        "cite-locator": "ch. 3",
        "source-kind": "book",
        "source-authors": "Kennan, George F.",
        "source-title": "Russia and the West under Lenin and Stalin",
        "source-publisher": "Little, Brown",
        "source-year": "1961",
        "source-url": "",
        "source-doi": "",
        "source-isbn": "",
    }
    data.update({f"source-{name}": value for name, value in fields.items()})
    return data


def test_note_with_a_new_source_creates_it_pending(client, contributor, paragraph):
    data = note_data(**new_source(isbn="0-333-30050-5", doi="https://doi.org/10.2307/2151054", url="https://example.org/kennan"))
    assert client.post(note_url(paragraph), data).status_code == 302
    source = Source.objects.get()
    assert (source.status, source.submitted_by, source.year) == (Status.PENDING, contributor, 1961)
    assert (source.isbn, source.doi) == ("0333300505", "10.2307/2151054")
    assert Citation.objects.get().source == source


def test_a_new_source_without_its_type_is_refused_and_what_was_typed_kept(client, contributor, paragraph):
    data = note_data(**new_source())
    del data["source-kind"]
    response = client.post(note_url(paragraph), data)
    assert_refused_and_kept(response, "Rapallo is on the Ligurian coast.", "Russia and the West under Lenin and Stalin", "Little, Brown")
    assert "Choose what the new source is first" in response.content.decode()
    assert counts() == [0, 0, 0, 0]


def test_the_type_of_a_new_source_is_asked_for_not_assumed(client, contributor, paragraph):
    html = client.get(note_url(paragraph)).content.decode()
    kinds = re.findall(r'<input type="radio" name="source-kind"[^>]*>', html)
    assert len(kinds) == len(Source.Kind.choices)
    assert not any("checked" in kind for kind in kinds)


@pytest.mark.parametrize(
    "field, value, message",
    [
        ("url", "javascript:alert(1)", "http:// or https://"),
        ("url", "https://", "no valid site name"),
        ("doi", "10.12/abc", "This is not a DOI"),
        ("isbn", "0-333-30050-4", "wrong check digit"),
        ("isbn", "12345", "10 or 13 digits"),
    ],
)
def test_malformed_url_doi_or_isbn_is_refused_and_nothing_saved(client, contributor, paragraph, field, value, message):
    response = client.post(note_url(paragraph), note_data(**new_source(**{field: value})))
    assert_refused_and_kept(response, "Rapallo is on the Ligurian coast.", "Russia and the West under Lenin and Stalin", value.replace("&", "&amp;"))
    assert message in response.content.decode()
    assert counts() == [0, 0, 0, 0]


@pytest.mark.parametrize(
    "existing, typed",
    [
        ({"doi": "10.2307/2151054"}, {"doi": "https://doi.org/10.2307/2151054", "title": "Another title"}),
        ({"isbn": "0333300505"}, {"isbn": "978-0-333-30050-3", "title": "Another title"}),
        ({"url": "https://www.example.org/kennan/"}, {"url": "http://example.org/kennan", "title": "Another title"}),
        ({"title": "Russia and the West under Lenin & Stalin", "year": 1961}, {}),
    ],
)
def test_a_source_already_in_the_bibliography_is_offered_instead_of_a_duplicate(client, contributor, paragraph, existing, typed):
    source = make_source(**existing)
    response = client.post(note_url(paragraph), note_data(**new_source(**typed)))
    html = response.content.decode()
    assert_refused_and_kept(response, "Rapallo is on the Ligurian coast.")
    assert "already in the bibliography" in html
    assert f'<option value="{source.pk}" selected>' in html
    assert 'value="existing" ' in html and 'id="id_cite-choice_1" checked' in html
    assert counts() == [0, 0, 1, 0]
    # Submitting again as re-shown cites the existing record.
    data = note_data(**(new_source(**typed) | {"cite-choice": "existing", "cite-source": source.pk}))
    assert client.post(note_url(paragraph), data).status_code == 302
    assert Citation.objects.get().source == source
    assert Source.objects.count() == 1


def test_someone_elses_pending_source_is_neither_offered_nor_revealed(client, contributor, paragraph):
    hidden = make_source(title="A secret draft", status=Status.PENDING, submitted_by=make_user("bea"))
    response = client.get(note_url(paragraph))
    assert "A secret draft" not in response.content.decode()
    data = note_data(**{"cite-choice": "existing", "cite-source": hidden.pk})
    assert client.post(note_url(paragraph), data).status_code == 400
    assert counts() == [0, 0, 1, 0]


# Corrections


def test_correction_with_a_new_source_is_saved_pending(client, contributor, paragraph):
    data = correction_data(exact="1922", replacement="16 April 1922", category="date", **new_source())
    response = client.post(correction_url(paragraph), {**data, "category": "date"})
    correction = Correction.objects.get()
    assert response["Location"] == f"{reverse('annotations:me')}#landed-correction-{correction.pk}"
    assert (correction.status, correction.exact, correction.replacement) == (Status.PENDING, "1922", "16 April 1922")
    assert Citation.objects.get().correction == correction
    assert Source.objects.get().status == Status.PENDING


@pytest.mark.parametrize("category", ["factual", "date", "name"])
def test_factual_date_and_name_corrections_need_a_source(client, contributor, paragraph, category):
    response = client.post(correction_url(paragraph), correction_data(category=category))
    assert_refused_and_kept(response, "24 April 1926", "The exact date is clearer.")
    assert "needs at least one source" in response.content.decode()
    assert counts() == [0, 0, 0, 0]


@pytest.mark.parametrize("category", ["wording", "spelling", "transliteration", "title", "gap"])
def test_wording_regularisation_and_gap_corrections_need_no_source(client, contributor, paragraph, category):
    assert client.post(correction_url(paragraph), correction_data(category=category)).status_code == 302


@pytest.mark.parametrize("replacement", ["1926", " 1926 "])
def test_replacement_equal_to_the_original_is_refused(client, contributor, paragraph, replacement):
    response = client.post(correction_url(paragraph), correction_data(replacement=replacement))
    assert_refused_and_kept(response, "The exact date is clearer.")
    assert "same as the original" in response.content.decode()
    assert counts() == [0, 0, 0, 0]


def test_over_long_replacement_is_refused(client, contributor, paragraph):
    response = client.post(correction_url(paragraph), correction_data(replacement="z" * 501))
    assert_refused_and_kept(response, "z" * 501)
    assert "at most 500 characters" in response.content.decode()
    assert counts() == [0, 0, 0, 0]


def test_the_error_summary_takes_the_focus_and_links_each_error_to_its_field(client, contributor, paragraph):
    data = correction_data(replacement="1926", category="", **new_source(doi="10.12/abc"))
    response = client.post(correction_url(paragraph), data)
    assert_refused_and_kept(response, "The exact date is clearer.")
    alert = re.search(r'<div class="form-alert"[^>]*>(.*?)</div>', response.content.decode(), re.S)
    assert "autofocus" in alert.group(0) and 'tabindex="-1"' in alert.group(0)
    links = dict(re.findall(r'<a href="#([^"]+)">([^<]+)</a>', alert.group(1)))
    assert links["id_replacement"].startswith("Proposed wording: The proposed wording is the same")
    assert links["id_category_0"].startswith("Category: This field is required")
    assert links["id_source-doi"].startswith("DOI: This is not a DOI")
    assert "The new source has errors" in alert.group(1)


def test_the_correction_categories_offer_no_blank_choice_and_come_group_by_group(client, contributor, paragraph):
    html = client.get(correction_url(paragraph)).content.decode()
    assert re.findall(r'name="category" value="([^"]*)"', html) == [
        "factual", "date", "name", "wording", "spelling", "transliteration", "title", "gap",
    ]
    assert "wording (error) — a wrong word" in html and "transliteration (regularisation)" in html
    assert "Factual, date and name corrections need at least one source." in html


def test_the_retired_language_category_is_refused(client, contributor, paragraph):
    response = client.post(correction_url(paragraph), correction_data(category="language"))
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert counts() == [0, 0, 0, 0]


def test_sources_in_the_bibliography_are_listed_by_full_title_type_author_and_year(client, contributor, paragraph):
    make_source(title="Russia and the West under Lenin and Stalin", authors="Kennan, George F.; Other, A.", year=1961)
    make_source(title="fail", kind="web", authors="", year=None)
    html = client.get(note_url(paragraph)).content.decode()
    assert ">Russia and the West under Lenin and Stalin (book, Kennan, George F., 1961)</option>" in html
    assert ">fail (web page)</option>" in html
