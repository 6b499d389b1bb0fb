"""The Atom feeds of newly published notes and accepted corrections."""

from datetime import timedelta
from urllib.parse import urlsplit
from xml.etree import ElementTree

import pytest
from django.utils import timezone

from annotations import moderation
from annotations.models import Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph
from tests.moderation_support import make_role_user

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    feed = ElementTree.fromstring(response.content)
    return [
        {
            "title": entry.findtext(f"{ATOM}title"),
            "link": entry.find(f"{ATOM}link").get("href"),
            "summary": entry.findtext(f"{ATOM}summary"),
            "author": entry.findtext(f"{ATOM}author/{ATOM}name"),
        }
        for entry in feed.findall(f"{ATOM}entry")
    ]


@pytest.fixture
def published():
    """A note and a correction decided a day apart, and items readers must not see."""
    moderator = make_role_user("moderator")
    paragraph = make_paragraph()
    note = make_note(paragraph, "Rapallo", status=Status.PENDING, body="The *villa* at Rapallo.")
    correction = make_correction(paragraph, "1922", replacement="16 April 1922", status=Status.PENDING)
    make_citation(correction)
    moderation.item_approve(correction, moderator=moderator)
    moderation.item_approve(note, moderator=moderator)
    type(correction).objects.filter(pk=correction.pk).update(reviewed_at=timezone.now() - timedelta(days=1))
    make_note(paragraph, "Genoa", status=Status.PENDING, body="Pending, unseen.")
    make_note(paragraph, "Treaty", status=Status.ACCEPTED, orphaned=True, body="Orphaned, unseen.")
    make_correction(paragraph, "Genoa", replacement="Rapallo", status=Status.REJECTED)
    return note, correction


def test_feed_lists_newly_published_notes_and_corrections_newest_decision_first(client, published):
    note, correction = published
    found = entries(client, "/feed/")
    assert [entry["link"] for entry in found] == [
        f"http://testserver/notes/{note.pk}/", f"http://testserver/corrections/{correction.pk}/",
    ]
    assert found[0]["title"] == "Note (§ 1 ¶ 1) on “Rapallo”"
    assert found[1]["title"] == "Correction (§ 1 ¶ 1): “1922” → “16 April 1922”"


def test_feed_entry_links_to_a_page_showing_the_passage(client, published):
    note, _ = published
    link = entries(client, "/feed/notes/")[0]["link"]
    page = client.get(link.removeprefix("http://testserver"))
    assert page.status_code == 200
    assert "Rapallo" in page.content.decode()


def test_notes_and_corrections_feeds_narrow_it(client, published):
    note, correction = published
    assert [e["link"] for e in entries(client, "/feed/notes/")] == [f"http://testserver/notes/{note.pk}/"]
    assert [e["link"] for e in entries(client, "/feed/corrections/")] == [
        f"http://testserver/corrections/{correction.pk}/"
    ]


def test_pending_rejected_and_orphaned_items_stay_out_of_the_feed(client, published):
    text = client.get("/feed/").content.decode()
    assert "unseen" not in text and "“Genoa”" not in text


def test_feed_content_is_sanitised_markdown(client):
    make_note(body="**Bold** <script>alert(1)</script> [x](javascript:alert(2))")
    summary = entries(client, "/feed/")[0]["summary"]
    assert "<strong>Bold</strong>" in summary
    assert "<script" not in summary and "javascript:" not in summary


def test_feed_credits_the_contributor(client):
    make_note(submitted_by=make_role_user("contributor", "ada"))
    make_note(credit="The editors", exact="1922")
    assert {entry["author"] for entry in entries(client, "/feed/")} == {"ada", "The editors"}


def test_empty_feed_is_valid(client, db):
    assert entries(client, "/feed/") == []


@pytest.mark.parametrize("url", ["/feed/", "/feed/notes/", "/feed/corrections/"])
def test_every_atom_id_is_an_absolute_iri_unique_to_its_entry(client, published, url):
    # RFC 4287 §4.2.6: atom:id is an IRI; feed readers use it to tell entries apart.
    feed = ElementTree.fromstring(client.get(url).content)
    ids = [feed.findtext(f"{ATOM}id")] + [entry.findtext(f"{ATOM}id") for entry in feed.findall(f"{ATOM}entry")]
    assert all(urlsplit(value).scheme == "http" and urlsplit(value).netloc for value in ids), ids
    assert len(set(ids)) == len(ids)
