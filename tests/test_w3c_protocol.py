"""/annotations/ is a Web Annotation Protocol container: pages, preferences, conditional requests, headers.

Every container and page served here passes the project's Data Model checks
(tests/w3c_model.py); the Protocol's own requirements are asserted directly.
"""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations import moderation, w3c
from annotations.models import Annotation, Status
from annotations.views import export
from tests import w3c_model
from tests.factories import make_note, make_paragraph

CONTAINER = reverse("annotations:w3c_collection")
PREFER_IRIS = f'return=representation; include="{w3c.PREFER_CONTAINED_IRIS}"'
PREFER_DESCRIPTIONS = f'return=representation; include="{w3c.PREFER_CONTAINED_DESCRIPTIONS}"'
PREFER_MINIMAL = f'return=representation;include="{w3c.PREFER_MINIMAL_CONTAINER} {w3c.PREFER_CONTAINED_IRIS}"'


@pytest.fixture
def five_notes(db):
    paragraph = make_paragraph("One two three four five six seven eight nine ten.")
    return [make_note(paragraph, exact=word, body=f"Note on {word}.") for word in ("One", "two", "three", "four", "five")]


@pytest.fixture
def pages_of_two(monkeypatch):
    monkeypatch.setattr(export, "PAGE_SIZE", 2)


def _walk(client, first, **headers):
    """Every page from ``first`` (embedded or an IRI) by ``next``, each fetched and checked."""
    pages = []
    page = first if isinstance(first, dict) else client.get(first, **headers).json()
    while True:
        pages.append(page)
        if "next" not in page:
            return pages
        response = client.get(page["next"], **headers)
        assert response.status_code == 200
        page = response.json()
        assert w3c_model.page_failures(page) == [], page["id"]


def test_container_embeds_the_first_page_of_complete_annotations_with_the_protocols_headers(client, five_notes):
    response = client.get(CONTAINER)
    assert response.status_code == 200
    assert response["Content-Type"] == 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'
    assert '<http://www.w3.org/ns/ldp#BasicContainer>; rel="type"' in response["Link"]
    assert '<http://www.w3.org/TR/annotation-protocol/>; rel="http://www.w3.org/ns/ldp#constrainedBy"' in response["Link"]
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert {"Accept", "Prefer"} <= {value.strip() for value in response["Vary"].split(",")}
    assert response["ETag"].startswith('"')
    container = response.json()
    assert w3c_model.collection_failures(container) == []
    assert {"BasicContainer", "AnnotationCollection"} <= set(container["type"])
    assert response["Content-Location"] == container["id"] == f"http://testserver{CONTAINER}?iris=0"
    assert container["total"] == 5 and container["modified"].endswith("Z")
    assert [item["body"][0]["value"] for item in container["first"]["items"]] == [n.body for n in five_notes]


def test_pages_follow_each_other_by_next_and_prev_and_name_their_collection(client, five_notes, pages_of_two):
    container = client.get(CONTAINER).json()
    assert container["last"] == f"http://testserver{CONTAINER}?iris=0&page=2"
    pages = _walk(client, container["first"])
    assert [len(page["items"]) for page in pages] == [2, 2, 1]
    assert [page["startIndex"] for page in pages] == [0, 2, 4]
    assert [item["id"] for page in pages for item in page["items"]] == [
        f"http://testserver{reverse('annotations:w3c_note', args=[note.pk])}" for note in five_notes
    ]
    second = client.get(f"{CONTAINER}?page=1").json()
    assert w3c_model.page_failures(second) == []
    assert second["prev"].endswith("?iris=0&page=0") and second["next"].endswith("?iris=0&page=2")
    assert second["partOf"]["id"] == container["id"] and second["partOf"]["total"] == 5
    assert second["partOf"]["first"] == container["first"]["id"] and second["partOf"]["last"] == container["last"]
    last = client.get(container["last"]).json()
    assert "next" not in last and last["items"] == pages[-1]["items"]


def test_prefer_contained_iris_gives_pages_of_iris_that_dereference(client, five_notes, pages_of_two):
    response = client.get(CONTAINER, HTTP_PREFER=PREFER_IRIS)
    assert response["Preference-Applied"] == "return=representation"
    container = response.json()
    assert w3c_model.collection_failures(container) == []
    assert container["id"].endswith("?iris=1") and response["Content-Location"] == container["id"]
    pages = _walk(client, container["first"])
    iris = [iri for page in pages for iri in page["items"]]
    assert all(isinstance(iri, str) for iri in iris) and len(iris) == 5
    assert all("?iris=1&" in page["id"] for page in pages)
    for iri in iris:
        annotation = client.get(iri).json()
        assert w3c_model.annotation_failures(annotation) == [] and annotation["id"] == iri


def test_prefer_minimal_container_embeds_no_page(client, five_notes, pages_of_two):
    container = client.get(CONTAINER, HTTP_PREFER=PREFER_MINIMAL).json()
    assert w3c_model.collection_failures(container) == []
    assert container["first"] == f"http://testserver{CONTAINER}?iris=1&page=0"
    assert container["last"] == f"http://testserver{CONTAINER}?iris=1&page=2"
    assert "items" not in str(container)


def test_contained_descriptions_is_the_default(client, five_notes):
    asked = client.get(CONTAINER, HTTP_PREFER=PREFER_DESCRIPTIONS)
    assert asked.json() == client.get(CONTAINER).json()
    assert asked["Preference-Applied"] == "return=representation"


def test_asking_for_iris_and_descriptions_at_once_keeps_the_default(client, five_notes):
    both = f'return=representation; include="{w3c.PREFER_CONTAINED_IRIS} {w3c.PREFER_CONTAINED_DESCRIPTIONS}"'
    assert isinstance(client.get(CONTAINER, HTTP_PREFER=both).json()["first"]["items"][0], dict)


def test_if_none_match_answers_304_until_something_is_published(client, five_notes, moderator):
    first = client.get(CONTAINER)
    etag = first["ETag"]
    unchanged = client.get(CONTAINER, HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged["ETag"] == etag and "Link" in unchanged and "Prefer" in unchanged["Vary"]
    # Another representation (the IRIs) is another entity.
    assert client.get(CONTAINER, HTTP_IF_NONE_MATCH=etag, HTTP_PREFER=PREFER_IRIS).status_code == 200
    note = make_note(five_notes[0].paragraph, exact="six", status=Status.PENDING)
    assert client.get(CONTAINER, HTTP_IF_NONE_MATCH=etag).status_code == 304  # pending: nothing public changed
    moderation.item_approve(note, moderator=moderator)
    changed = client.get(CONTAINER, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag and changed.json()["total"] == 6


def test_pages_and_annotations_answer_if_none_match_too(client, five_notes):
    for url in (f"{CONTAINER}?page=0", reverse("annotations:w3c_note", args=[five_notes[0].pk])):
        etag = client.get(url)["ETag"]
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert client.get(url, HTTP_IF_NONE_MATCH='"something-else"').status_code == 200


@pytest.mark.parametrize("accept, served", [
    ('application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"', w3c.MEDIA_TYPE),
    ("application/ld+json", w3c.MEDIA_TYPE),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", w3c.MEDIA_TYPE),
    ("application/json", "application/json"),
])
def test_content_negotiation_serves_json_ld_or_plain_json(client, five_notes, accept, served):
    for url in (CONTAINER, f"{CONTAINER}?page=0", reverse("annotations:w3c_note", args=[five_notes[0].pk])):
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 200 and response["Content-Type"] == served
        assert "Accept" in response["Vary"]


@pytest.mark.parametrize("accept", ["text/turtle", "text/html", 'application/ld+json; profile="http://www.w3.org/ns/activitystreams"'])
def test_an_unavailable_representation_is_406(client, five_notes, accept):
    for url in (CONTAINER, reverse("annotations:w3c_note", args=[five_notes[0].pk])):
        response = client.get(url, HTTP_ACCEPT=accept)
        assert response.status_code == 406
        assert "application/ld+json" in response.content.decode()


@pytest.mark.parametrize("query, status", [
    ("page=abc", 400), ("page=-1", 400), ("page=1e3", 400), ("page=%201", 400), ("page=" + "9" * 40, 400),
    ("page=٣", 400), ("iris=2", 400), ("iris=yes&page=0", 400), ("page=3", 404), ("page=999999999", 404),
])
def test_bad_page_parameters_are_answered_with_a_4xx_and_a_message(client, five_notes, pages_of_two, query, status):
    response = client.get(f"{CONTAINER}?{query}")
    assert response.status_code == status
    assert response["Content-Type"].startswith("text/plain") and response.content.strip()


def test_options_head_and_writes(client, five_notes):
    options = client.options(CONTAINER)
    assert options.status_code == 200 and options["Allow"] == "GET, HEAD, OPTIONS" and "BasicContainer" in options["Link"]
    head = client.head(CONTAINER)
    assert head.status_code == 200 and head["ETag"] == client.get(CONTAINER)["ETag"]
    for method in (client.post, client.put, client.delete):
        refused = method(CONTAINER)
        assert refused.status_code == 405 and refused["Allow"] == "GET, HEAD, OPTIONS"


def test_one_annotation_has_the_protocols_headers(client, five_notes):
    response = client.get(reverse("annotations:w3c_note", args=[five_notes[0].pk]))
    assert '<http://www.w3.org/ns/ldp#Resource>; rel="type"' in response["Link"]
    assert '<http://www.w3.org/ns/oa#Annotation>; rel="type"' in response["Link"]
    assert response["Allow"] == "GET, HEAD, OPTIONS" and response["ETag"] and "Accept" in response["Vary"]


def test_an_empty_container_has_no_pages_to_follow(client, db):
    container = client.get(CONTAINER).json()
    assert w3c_model.collection_failures(container) == []
    assert container["total"] == 0 and "first" not in container
    empty = client.get(f"{CONTAINER}?page=0").json()
    assert w3c_model.page_failures(empty) == [] and empty["items"] == []


def test_a_page_holds_at_most_200_annotations(client, db):
    paragraph = make_paragraph("A paragraph with many notes on it.")
    template = make_note(paragraph, exact="many notes")
    Annotation.objects.bulk_create([
        Annotation(paragraph=paragraph, start=template.start, end=template.end, exact=template.exact,
                   body=f"Note {n}", status=Status.ACCEPTED)
        for n in range(export.PAGE_SIZE)
    ])
    container = client.get(CONTAINER).json()
    assert len(container["first"]["items"]) == export.PAGE_SIZE <= 200
    assert len(client.get(container["first"]["next"]).json()["items"]) == 1
    assert container["total"] == export.PAGE_SIZE + 1


def _queries(url, client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_container_and_its_pages_take_a_constant_number_of_queries(client, db):
    paragraph = make_paragraph("Alpha bravo charlie delta echo foxtrot golf hotel.")
    words = paragraph.text.rstrip(".").split()
    for word in words[:2]:
        make_note(paragraph, exact=word)
    few = [_queries(url, client) for url in (CONTAINER, f"{CONTAINER}?page=0")]
    for word in words[2:]:
        make_note(paragraph, exact=word)
    assert [_queries(url, client) for url in (CONTAINER, f"{CONTAINER}?page=0")] == few
