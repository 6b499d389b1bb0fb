"""The apparatus list (/apparatus/): every published note and correction in reading order, numbered as in the edition."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import moderation
from annotations.models import Annotation, Correction, Paragraph, Status
from bench.seed import seed_apparatus
from tests.factories import make_correction, make_note, make_paragraph, make_user

APPARATUS = reverse("annotations:apparatus")
EDITION = reverse("annotations:edition")


def page(client, url=APPARATUS, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def listed(html):
    """[(key, number)] of the items the list shows, in its order (key: "note-3", "correction-7")."""
    return [
        (f"{kind}-{pk}", int(number))
        for kind, pk, number in re.findall(
            r'<a class="listed-number" href="/#(note|correction)-(\d+)">.*?(\d+)</a>', html,
        )
    ]


def edition_numbers(html):
    """{key: number} of every entry beside the edition's text."""
    return {
        f"{kind}-{pk}": int(number)
        for kind, pk, number in re.findall(
            r'<a class="entry-number" href="#ref-(note|correction)-(\d+)">(?:<span aria-hidden="true">°</span>)?'
            r'<span class="visually-hidden">[^<]*</span>(\d+)<',
            html,
        )
    }


def test_every_published_item_is_listed_with_the_number_the_edition_gives_it(client, seeded_essay):
    # Notes that nest, overlap and end inside corrected words: the numbering rule is the rendering's.
    seed_apparatus(seeded_essay, notes=60, corrections=20, seed=11)
    items = listed(page(client))
    numbers = edition_numbers(page(client, EDITION))
    assert len(items) == len(numbers) == Annotation.objects.published().count() + Correction.objects.published().count()
    assert dict(items) == numbers


def test_the_list_is_in_reading_order_each_kind_counting_up(client, seeded_essay):
    seed_apparatus(seeded_essay, notes=30, corrections=10, seed=12)
    items = listed(page(client))
    for kind in ("note", "correction"):
        numbers = [number for key, number in items if key.startswith(kind)]
        assert numbers == list(range(1, len(numbers) + 1))
    places = {f"note-{pk}": place for pk, place in Annotation.objects.values_list("pk", "paragraph")}
    places |= {f"correction-{pk}": place for pk, place in Correction.objects.values_list("pk", "paragraph")}
    order = {pk: index for index, pk in enumerate(Paragraph.objects.filter(section__essay=seeded_essay).values_list("pk", flat=True))}
    assert [order[places[key]] for key, _ in items] == sorted(order[places[key]] for key, _ in items)


def test_only_published_items_are_listed(client, db):
    paragraph = make_paragraph()
    shown = make_note(paragraph, "Rapallo", body="Published note.")
    for status in (Status.PENDING, Status.REJECTED, Status.WITHDRAWN, Status.SPAM):
        make_note(paragraph, "Genoa", body=f"A {status} note.", status=status)
        make_correction(paragraph, "1922", replacement=f"{status} wording", status=status)
    make_correction(paragraph, "signed", replacement="Orphaned wording", orphaned=True)
    html = page(client)
    assert listed(html) == [(f"note-{shown.pk}", 1)]
    assert "Published note." in html
    assert "wording" not in html.split('class="apparatus-summary"')[1] and "A pending note" not in html


def test_a_correction_whose_category_the_edition_no_longer_has_is_shown_not_a_server_error(client, db):
    # A row older than the migration that revised the categories (or written around the form) keeps its value.
    correction = make_correction()
    Correction.objects.filter(pk=correction.pk).update(category="language")
    html = page(client)
    assert f'href="/#correction-{correction.pk}"' in html and '<span class="listed-label">language</span>' in html
    assert page(client, kind="correction").count('class="listed listed-correction"') == 1
    assert page(client, group="error").count('class="listed listed-correction"') == 0
    assert "language" in page(client, EDITION).split(f'id="correction-{correction.pk}"')[1].split("</li>")[0]


def test_each_item_links_to_its_place_in_the_edition_and_to_its_permalink(client, db):
    paragraph = make_paragraph()
    note = make_note(paragraph, "Rapallo", body="Near *Genoa*.")
    correction = make_correction(paragraph, "1922", replacement="16 April 1922")
    html = page(client)
    for item in (note, correction):
        assert f'href="{EDITION}#{item.entry_anchor}"' in html
        assert f'href="{item.get_absolute_url()}"' in html
    assert "Near Genoa." in html  # an excerpt of the note, as plain text
    assert '<ins class="lemma">16 April 1922</ins>' in html and "<del>1922</del>" in html
    assert paragraph.locator in html


def test_filters_narrow_the_list_and_every_count_stays_the_whole_apparatuss(client, db):
    paragraph = make_paragraph("The Treaty of Rapallo was signed in 1922 at Genoa by Chicherin.")
    note = make_note(paragraph, "Genoa", kind=Annotation.Kind.CONTEXT)
    question = make_note(paragraph, "Chicherin", kind=Annotation.Kind.QUESTION)
    date = make_correction(paragraph, "1922", replacement="16 April 1922", category=Correction.Category.DATE)
    spelling = make_correction(paragraph, "Rapallo", replacement="Rapallo", category=Correction.Category.SPELLING)
    everything = listed(page(client))
    cases = {
        "kind=note": [note, question],
        "kind=correction": [spelling, date],
        "group=error": [date],
        "group=regularisation": [spelling],
        "category=date": [date],
        "category=question": [question],
        "kind=correction&group=error&category=date": [date],
    }
    for query, expected in cases.items():
        html = client.get(f"{APPARATUS}?{query}").content.decode()
        shown = listed(html)
        assert [key for key, _ in shown] == [item.entry_anchor for item in expected], query
        assert all((key, number) in everything for key, number in shown), query  # numbered as in the edition
        assert 'Notes</a> <span class="filter-count">2</span>' in html
        assert 'Corrections</a> <span class="filter-count">2</span>' in html
        assert '<span class="filter-empty">Transliteration</span> <span class="filter-count">0</span>' in html
    chosen = client.get(f"{APPARATUS}?category=date").content.decode()
    assert '<a href="?category=date" aria-current="page">Date</a>' in chosen


@pytest.mark.parametrize("query, message", [
    ("kind=poem", "There is no kind of item called “poem”"),
    ("group=%3Cb%3E", "There is no group of corrections called “&lt;b&gt;”"),
    ("category=colour", "There is no category called “colour”"),
    ("group=gap&category=date", "The category “date” is not in the group “gap”"),
    ("kind=note&category=date", "“date” is not a kind of note"),
])
def test_a_filter_there_is_not_is_a_clear_400_not_an_error(client, db, query, message):
    make_note()
    response = client.get(f"{APPARATUS}?{query}")
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and f'href="{APPARATUS}"' in html


def test_the_list_costs_a_constant_number_of_queries_and_is_kept_until_the_revision_moves(client, seeded_essay):
    seed_apparatus(seeded_essay, notes=10, corrections=5, seed=13)

    def queries(url=APPARATUS):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    # The essay's state; the essay; its paragraphs (with sections), notes, corrections.
    assert queries() == 5
    assert queries() == 1  # kept: the essay's state only
    seed_apparatus(seeded_essay, notes=990, corrections=95, seed=14)  # moves the revision
    assert queries() == 5
    assert queries(f"{APPARATUS}?group=error") == 5  # each filter is kept on its own
    assert queries(f"{APPARATUS}?group=error") == 1


def test_a_decision_shows_in_the_list_at_once(client, db):
    paragraph = make_paragraph()
    make_note(paragraph, "Genoa")
    page(client)  # kept
    pending = make_note(paragraph, "Rapallo", status=Status.PENDING, body="Newly accepted.")
    moderation.item_approve(pending, moderator=make_user("mod", groups=["Moderators"]))
    html = page(client)
    assert "Newly accepted." in html
    assert [key for key, _ in listed(html)] == [f"note-{pending.pk}", f"note-{Annotation.objects.exclude(pk=pending.pk).get().pk}"]


def test_the_edition_links_the_list_from_its_lead_and_its_reading_bar(client, db):
    make_note()
    html = page(client, EDITION)
    lead = html.split('<header class="edition-head">')[1].split("</header>")[0]
    bar = html.split('<nav class="reading-bar"')[1].split("</nav>")[0]
    assert f'href="{APPARATUS}"' in lead and f'href="{APPARATUS}"' in bar
