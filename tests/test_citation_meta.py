"""Saved in one click: the Highwire Press tags of the edition, each release and each permalink.

What the consumers require, as their own rules say (read from their sources and
guidelines, written down here; nothing is fetched at test time):

* Google Scholar's inclusion guidelines: a ``citation_title`` with the title of
  the work; at least one ``citation_author``, one tag per author, the name as
  "Smith, John" or "John Smith" without affiliations; a
  ``citation_publication_date`` as "2010/5/12" or the year alone; the online date
  of the page, if given, in ``citation_online_date``.
* Zotero's Embedded Metadata translator (zotero/translators, "Embedded
  Metadata.js"): it reads only ``<meta>`` elements that are children of
  ``/html/head`` (or body), with a non-empty ``content``, and takes the first of
  each single-valued tag. The item type comes from the tags: ``citation_book_title``
  or ``citation_inbook_title`` makes a book section, ``citation_journal_title`` a
  journal article; with only ``citation_title`` it guesses a journal article, unless
  the RDF tags say otherwise (``og:type`` "book" makes a book). It splits an author
  written with a comma at the comma (family, given), one without at the last space.
  ``citation_public_url`` becomes the item's URL, else ``<link rel="canonical">``;
  ``prism.edition`` its edition.
"""

import json
import re

import lxml.html
import pytest

from annotations import moderation, releases
from annotations.models import Essay, Status
from tests.factories import make_note, make_user

SINGLE = ("citation_title", "citation_publication_date", "citation_online_date", "citation_public_url",
          "citation_publisher", "citation_book_title", "og:type", "prism.edition")
SCHOLAR_DATE = re.compile(r"^\d{4}(/\d{1,2}/\d{1,2})?$")


def head_tags(html):
    """{name: [content]} of the meta tags Zotero reads: children of /html/head, with a content."""
    document = lxml.html.document_fromstring(html)
    tags = {}
    for meta in document.xpath("/html/head/meta"):
        name = meta.get("name") or meta.get("property")
        if name and meta.get("content"):
            tags.setdefault(name, []).append(meta.get("content"))
    canonical = document.xpath('/html/head/link[@rel="canonical"]/@href')
    return tags, canonical


def zotero_author(value):
    """Zotero's split of a citation_author (ZU.cleanAuthor): at the comma, else at the last space."""
    if "," in value:
        family, given = (part.strip() for part in value.split(",", 1))
        return family, given
    family = value.rsplit(" ", 1)[-1]
    return family, value[: -len(family)].strip()


def check_consumers(html, *, item_type):
    """The page's tags satisfy Google Scholar and Zotero; returns them."""
    tags, canonical = head_tags(html)
    for name in SINGLE:
        assert len(tags.get(name, [])) <= 1, f"{name} given twice: Zotero takes the first"
    assert tags["citation_title"][0].strip()
    assert tags["citation_author"] and all(";" not in author for author in tags["citation_author"])
    for name in ("citation_publication_date", "citation_online_date"):
        assert SCHOLAR_DATE.match(tags[name][0]), tags[name]
    assert tags["citation_public_url"][0].startswith("http://testserver/")
    assert len(canonical) == 1 and canonical[0].startswith("http://testserver/")
    assert "citation_journal_title" not in tags and "citation_inbook_title" not in tags
    if item_type == "book":
        assert tags["og:type"] == ["book"] and "citation_book_title" not in tags
    else:  # a book section: a part of the edition
        assert "citation_book_title" in tags and "og:type" not in tags
    return tags, canonical[0]


@pytest.fixture
def released(seeded_essay):
    paragraph = seeded_essay.sections.get(position=1).paragraphs.get(position=1)
    author = make_user("jsmith", first_name="Jane", last_name="van der Berg")
    note = make_note(paragraph, "Bolshevik government", submitted_by=author, body="A note.")
    release = releases.release_make(seeded_essay, editor=None, summary="First.")
    return {"note": note, "release": release, "paragraph": paragraph}


def test_the_edition_page_is_saved_as_its_latest_release_a_book(client, released):
    html = client.get("/", {"mode": "corrected"}).content.decode()
    tags, canonical = check_consumers(html, item_type="book")
    essay = Essay.objects.get()
    release = released["release"]
    assert tags["citation_title"] == [f"{essay.title}: An Annotated Edition"]
    assert tags["citation_public_url"] == ["http://testserver/v/1/"] and canonical == "http://testserver/"
    assert tags["citation_publication_date"] == [f"{release.released_at:%Y/%m/%d}"]
    assert tags["prism.edition"] == ["Version 1"] and tags["citation_publisher"] == ["The editors"]
    assert tags["citation_author"] == ["The editors"]


def test_a_release_page_is_saved_as_that_release(client, released, django_user_model):
    moderator = make_user("mod", groups=["Moderators"])
    moderation.item_approve(make_note(released["paragraph"], "autumn of 1941", status=Status.PENDING), moderator=moderator)
    releases.release_make(Essay.objects.get(), editor=None, summary="Second.")
    tags, canonical = check_consumers(client.get("/v/1/").content.decode(), item_type="book")
    assert tags["citation_public_url"] == ["http://testserver/v/1/"] == [canonical]
    assert tags["prism.edition"] == ["Version 1"]
    tags, _ = check_consumers(client.get("/").content.decode(), item_type="book")
    assert tags["prism.edition"] == ["Version 2"]


@pytest.mark.parametrize("url", ["/notes/{pk}/", "/v/1/notes/{pk}/"])
def test_a_note_is_saved_as_a_section_of_the_edition_by_its_author(client, released, url):
    note = released["note"]
    html = client.get(url.format(pk=note.pk)).content.decode()
    tags, canonical = check_consumers(html, item_type="section")
    assert zotero_author(tags["citation_author"][0]) == ("van der Berg", "Jane")
    assert tags["citation_title"] == ["Note on “Bolshevik government”"]
    assert tags["citation_book_title"] == [f"{Essay.objects.get().title}: An Annotated Edition"]
    assert tags["citation_public_url"] == [f"http://testserver/v/1/notes/{note.pk}/"]
    assert canonical == f"http://testserver{url.format(pk=note.pk)}"
    assert tags["citation_publication_date"] == [f"{note.submitted_at:%Y/%m/%d}"]
    # The page's own citation and its files say the same.
    assert re.search(
        rf"van der Berg, Jane\. {note.submitted_at.year}\. “Note on ‘Bolshevik government’\.” In <i>.*?</i>, "
        rf"version 1, {re.escape(note.paragraph.locator)}\. Published .*?\. http://testserver/v/1/notes/{note.pk}/\.",
        html,
    )
    download = re.search(r'href="([^"]+citation\.json)"', html).group(1)
    (item,) = json.loads(client.get(download).content)
    assert item["URL"] == tags["citation_public_url"][0] and item["version"] == "1"
    assert item["section"] == note.paragraph.locator and item["title"] == tags["citation_title"][0]


def test_a_note_new_since_the_latest_release_is_cited_in_the_living_edition_unnumbered(client, released):
    moderator = make_user("mod", groups=["Moderators"])
    later = moderation.item_approve(
        make_note(released["paragraph"], "autumn of 1941", status=Status.PENDING), moderator=moderator,
    )
    html = client.get(f"/notes/{later.pk}/").content.decode()
    tags, _ = check_consumers(html, item_type="section")
    assert tags["citation_public_url"] == [f"http://testserver/notes/{later.pk}/"]
    assert "prism.edition" not in tags
    (item,) = json.loads(client.get(f"/notes/{later.pk}/citation.json").content)
    assert item["URL"] == f"http://testserver/notes/{later.pk}/" and "version" not in item
    releases.release_make(Essay.objects.get(), editor=None, summary="Second.")
    (item,) = json.loads(client.get(f"/notes/{later.pk}/citation.json").content)
    assert item["URL"] == f"http://testserver/v/2/notes/{later.pk}/" and item["version"] == "2"


def test_a_pending_note_has_no_citation(client, released):
    contributor = make_user("contributor")
    note = make_note(released["paragraph"], "autumn of 1941", status=Status.PENDING, submitted_by=contributor)
    client.force_login(contributor)
    tags, canonical = head_tags(client.get(f"/notes/{note.pk}/").content.decode())
    assert "citation_title" not in tags and "Cite this note" not in client.get(f"/notes/{note.pk}/").content.decode()
