"""The JSON-LD export conforms to the W3C Web Annotation test suite's "must" assertions.

The suite (schemas from w3c/web-annotation-tests, unmodified) lives beside the
repository in ../shared/w3c-annotation, or where W3C_ANNOTATION_TESTS points.
Its runner's rule: an assertion passes when the schema's validation outcome is
its ``expectedResult``.
"""

import json
import os
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from annotations import text
from annotations.models import Status
from tests.conftest import ROOT
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source

SUITE = Path(os.environ.get("W3C_ANNOTATION_TESTS", ROOT.parent / "shared" / "w3c-annotation"))


@pytest.fixture(scope="module")
def suite():
    assert SUITE.is_dir(), f"The W3C Web Annotation test suite is expected at {SUITE} (set W3C_ANNOTATION_TESTS)."
    schemas = [json.loads(path.read_text()) for path in SUITE.glob("**/*.json") if "samples" not in path.parts]
    registry = Registry().with_resources(
        (schema["id"], Resource(contents=schema, specification=DRAFT4)) for schema in schemas if "id" in schema
    )

    validators = {}

    def failures(test_file, document):
        failed = []
        for assertion in json.loads((SUITE / test_file).read_text())["assertions"]:
            if assertion not in validators:
                schema = json.loads((SUITE / assertion).read_text())
                validators[assertion] = (Draft4Validator(schema, registry=registry), schema)
            validator, schema = validators[assertion]
            if validator.is_valid(document) != (schema["expectedResult"] == "valid"):
                failed.append(f"{assertion}: {schema.get('errorMessage', '')}")
        return failed

    return failures


def test_the_runner_rejects_the_suites_own_incorrect_samples(suite):
    """A check of the check: some of the W3C's incorrect samples must fail a "must" assertion."""
    rejected = 0
    for sample in sorted((SUITE / "tools" / "samples" / "incorrect").glob("*.json")):
        try:
            document = json.loads(sample.read_text())
        except json.JSONDecodeError:
            continue  # upstream keeps unparseable samples too
        rejected += bool(suite("annotations/annotationMusts.test", document))
    assert rejected >= 5


def test_every_exported_annotation_passes_the_must_assertions(client, suite, db):
    call_command("load_edition", verbosity=0)
    collection = client.get(reverse("annotations:w3c_collection")).json()
    items = collection["first"]["items"]
    assert len(items) == collection["total"] == 82
    for item in items:
        document = {"@context": "http://www.w3.org/ns/anno.jsonld", **item}
        assert suite("annotations/annotationMusts.test", document) == [], item["id"]


def test_the_collection_passes_the_must_assertions(client, suite, db):
    call_command("load_edition", verbosity=0)
    collection = client.get(reverse("annotations:w3c_collection")).json()
    assert suite("collections/collectionMusts.test", collection) == []
    assert suite("collections/pages/pageMusts.test", collection["first"] | {"@context": collection["@context"]}) == []


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
