"""The JSON-LD export conforms to the W3C Web Annotation Data Model.

The checks are the project's own (tests/w3c_model.py), written from the MUST
statements of the Recommendation; the first tests check the checker: a document
breaking each MUST is refused.
"""

import copy
import json

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse

from annotations import moderation, text
from annotations.models import Status
from tests import w3c_model
from tests.conftest import ROOT
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user

GOOD_ANNOTATION = {
    "@context": "http://www.w3.org/ns/anno.jsonld",
    "id": "http://example.org/anno1",
    "type": "Annotation",
    "motivation": "editing",
    "created": "2026-11-30T10:00:00Z",
    "creator": {"type": "Organization", "name": "The editors"},
    "body": [
        {"type": "TextualBody", "purpose": "editing", "value": "16 April 1922", "format": "text/plain"},
        {"type": "SpecificResource", "source": "https://doi.org/10.2307/2697571", "purpose": "linking"},
    ],
    "target": {
        "source": "http://example.org/#p-abc123",
        "selector": [
            {"type": "TextQuoteSelector", "exact": "in 1922", "prefix": "signed ", "suffix": " at"},
            {"type": "TextPositionSelector", "start": 10, "end": 17},
        ],
    },
}


def apparatus_items():
    """The notes and corrections of the shipped apparatus (figures derive from the fixture, which is rewritten often)."""
    rows = json.loads((ROOT / "fixtures" / "apparatus.json").read_text(encoding="utf-8"))
    return [row for row in rows if row["model"] in ("annotations.annotation", "annotations.correction")]


def _broken(change):
    document = copy.deepcopy(GOOD_ANNOTATION)
    change(document)
    return document


BROKEN_ANNOTATIONS = {
    "no @context": lambda d: d.pop("@context"),
    "@context without the anno context": lambda d: d.update({"@context": "http://schema.org/"}),
    "a single @context in a list": lambda d: d.update({"@context": ["http://www.w3.org/ns/anno.jsonld"]}),
    "no id": lambda d: d.pop("id"),
    "two ids": lambda d: d.update({"id": ["http://example.org/a", "http://example.org/b"]}),
    "an id that is not an IRI": lambda d: d.update({"id": "anno 1"}),
    "no Annotation type": lambda d: d.update({"type": "Note"}),
    "no target": lambda d: d.pop("target"),
    "body and bodyValue": lambda d: d.update({"bodyValue": "text"}),
    "a created date that is not xsd:dateTime": lambda d: d.update({"created": "30 November 2026"}),
    "an unknown motivation": lambda d: d.update({"motivation": "correcting"}),
    "a textual body without a value": lambda d: d["body"][0].pop("value"),
    "a textual body with a source": lambda d: d["body"][0].update({"source": "http://example.org/x"}),
    "a specific resource with a value": lambda d: d["body"][1].update({"value": "x"}),
    "a quote selector without exact": lambda d: d["target"]["selector"][0].pop("exact"),
    "a position selector with a negative start": lambda d: d["target"]["selector"][1].update({"start": -1}),
    "a position selector without end": lambda d: d["target"]["selector"][1].pop("end"),
    "an external resource with a purpose": lambda d: d["body"].append({"id": "http://example.org/r", "purpose": "linking"}),
    "an agent with two nicknames": lambda d: d.update({"creator": {"nickname": ["a", "b"]}}),
    "a non-choice body with items": lambda d: d["body"][0].update({"items": []}),
    "a bad textDirection": lambda d: d["body"][0].update({"textDirection": "up"}),
}


def test_the_checker_accepts_a_conforming_annotation():
    assert w3c_model.annotation_failures(GOOD_ANNOTATION) == []


@pytest.mark.parametrize("breakage", sorted(BROKEN_ANNOTATIONS))
def test_the_checker_refuses_an_annotation_breaking_a_must(breakage):
    assert w3c_model.annotation_failures(_broken(BROKEN_ANNOTATIONS[breakage])) != []


def test_the_checker_refuses_collections_and_pages_breaking_a_must():
    page = {"id": "http://example.org/c?page=0", "type": "AnnotationPage", "items": [GOOD_ANNOTATION]}
    collection = {
        "@context": "http://www.w3.org/ns/anno.jsonld", "id": "http://example.org/c",
        "type": "AnnotationCollection", "total": 1, "first": page,
    }
    assert w3c_model.collection_failures(collection) == []
    assert w3c_model.collection_failures({**collection, "type": "Collection"}) != []
    assert w3c_model.collection_failures({**collection, "total": -1}) != []
    assert w3c_model.collection_failures({key: v for key, v in collection.items() if key != "first"}) != []
    assert w3c_model.page_failures({**page, "@context": w3c_model.ANNO_CONTEXT, "items": "none"}) != []
    assert w3c_model.page_failures({**page, "@context": w3c_model.ANNO_CONTEXT, "type": "Page"}) != []
    assert w3c_model.page_failures({**page, "@context": w3c_model.ANNO_CONTEXT, "next": "not an iri"}) != []
    # The Protocol's pages of IRIs (PreferContainedIRIs): an item may be an annotation's IRI, not any string.
    assert w3c_model.page_failures({**page, "@context": w3c_model.ANNO_CONTEXT, "items": ["http://example.org/anno1"]}) == []
    assert w3c_model.page_failures({**page, "@context": w3c_model.ANNO_CONTEXT, "items": ["anno 1"]}) != []


def _fixture_count(*models):
    rows = json.loads((settings.BASE_DIR / "fixtures" / "apparatus.json").read_text(encoding="utf-8"))
    return sum(1 for row in rows if row["model"] in models and row["fields"]["status"] == Status.ACCEPTED)


def _all_items(client, collection):
    """Every annotation of the container, following its pages."""
    page, items = collection["first"], []
    while True:
        items += page["items"]
        if "next" not in page:
            return items
        page = client.get(page["next"]).json()


def test_every_exported_annotation_conforms_to_the_data_model(client, db):
    call_command("load_edition", verbosity=0)
    collection = client.get(reverse("annotations:w3c_collection")).json()
    items = _all_items(client, collection)
    assert len(items) == collection["total"] == len(apparatus_items())
    for item in items:
        assert w3c_model.annotation_failures(item, embedded=True) == [], item["id"]
    for item in items[:5]:
        single = client.get(item["id"]).json()
        assert w3c_model.annotation_failures(single) == [], item["id"]


def test_the_collection_and_its_page_conform_to_the_data_model(client, db):
    call_command("load_edition", verbosity=0)
    collection = client.get(reverse("annotations:w3c_collection")).json()
    assert w3c_model.collection_failures(collection) == []


def test_selectors_in_the_export_find_the_passage_again(client, db):
    paragraph = make_paragraph("Stalin moved westward in 1935, when the USSR signed pacts.")
    note = make_note(paragraph, exact="moved westward")
    data = client.get(reverse("annotations:w3c_note", args=[note.pk])).json()
    quote, position = data["target"]["selector"]
    assert paragraph.text[position["start"]:position["end"]] == quote["exact"] == "moved westward"
    assert text.anchor_quote(paragraph.text, quote["exact"], quote["prefix"], quote["suffix"]).start == position["start"]
    assert data["target"]["source"].endswith(f"/#{paragraph.anchor}")


def test_a_correction_exports_its_wording_rationale_and_linked_sources(client, db):
    correction = make_correction()
    make_citation(correction, make_source(doi="10.2307/2697571"))
    make_citation(correction, make_source(url="https://example.org/pending", title="Pending"), status=Status.PENDING)
    data = client.get(reverse("annotations:w3c_correction", args=[correction.pk])).json()
    assert data["motivation"] == "editing"
    purposes = {body.get("purpose"): body for body in data["body"]}
    assert purposes["editing"]["value"] == "16 April 1922"
    assert purposes["linking"]["source"] == "https://doi.org/10.2307/2697571"
    assert "https://example.org/pending" not in json.dumps(data)


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED, Status.WITHDRAWN, Status.SPAM])
def test_unpublished_items_are_not_exported(client, db, status):
    note = make_note(status=status, body="Unpublished words")
    assert client.get(reverse("annotations:w3c_note", args=[note.pk])).status_code == 404
    assert "Unpublished words" not in client.get(reverse("annotations:w3c_collection")).content.decode()


def test_every_page_links_to_the_export_and_the_feed(client, seeded_essay):
    html = client.get(reverse("annotations:edition")).content.decode()
    assert f'<link rel="alternate" type="application/ld+json" title="Notes and corrections as W3C Web Annotations" href="{reverse("annotations:w3c_collection")}">' in html
    assert f'href="{reverse("annotations:feed")}"' in html


def test_orphaned_items_are_not_exported(client, db):
    correction = make_correction(orphaned=True)
    assert client.get(reverse("annotations:w3c_correction", args=[correction.pk])).status_code == 404


def test_the_export_names_who_proposed_an_item_and_who_checked_it_with_its_certainty(client, moderator):
    contributor = make_user("alice")
    note = make_note(status=Status.PENDING, submitted_by=contributor)
    moderation.item_approve(note, moderator=moderator)
    editorial = make_correction(credit="The editors", proposed_by="The editors (first edition)", checked_by="The editors (second-edition check)", certainty="high")
    contributed = client.get(reverse("annotations:w3c_note", args=[note.pk])).json()
    assert contributed["creator"] == {"type": "Person", "nickname": "alice"}
    assessing = [body for body in contributed["body"] if body.get("purpose") == "assessing"]
    assert assessing == [{
        "type": "TextualBody", "purpose": "assessing", "value": f"Certainty: medium. Checked by {moderator.username}.",
        "format": "text/plain", "language": "en", "creator": {"type": "Person", "name": moderator.username},
    }]
    edited = client.get(reverse("annotations:w3c_correction", args=[editorial.pk])).json()
    assert edited["creator"] == {"type": "Organization", "name": "The editors (first edition)"}
    assert {"value": "Certainty: high. Checked by The editors (second-edition check).", "creator": {"type": "Organization", "name": "The editors (second-edition check)"}}.items() <= next(
        body for body in edited["body"] if body.get("purpose") == "assessing"
    ).items()
    for data in (contributed, edited):
        assert w3c_model.annotation_failures(data) == []
