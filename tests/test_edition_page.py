"""The public page lists the essay's title and its sections in order."""

from django.urls import reverse

from tests.test_import import SEED_OUTLINE


def test_edition_page_shows_title_and_sections_in_order(client, seeded_essay):
    response = client.get(reverse("annotations:edition"))
    assert response.status_code == 200
    html = response.content.decode()
    assert '<h1 id="edition-title">The Evaluation of Soviet Foreign Policy in the Interwar Period</h1>' in html
    essay = html.split('<div class="essay" id="essay">')[1]
    positions = [essay.index(f"</a> {heading}</h") for _, heading in SEED_OUTLINE]
    assert positions == sorted(positions)


def test_edition_page_without_an_essay_says_how_to_load_one(client, db):
    response = client.get(reverse("annotations:edition"))
    assert response.status_code == 200
    assert "make run" in response.content.decode()
