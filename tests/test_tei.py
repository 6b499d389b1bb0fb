"""The edition as TEI P5: /edition.tei.xml (the living text) and /v/<N>/edition.tei.xml (a release).

The documents are read with lxml and checked against TEI's own RELAX NG schema
(tei_all, TEI P5 4.3.0, kept in tests/data/ with its licence).
"""

import re
from pathlib import Path

import lxml.html
import pytest
from django.core.management import call_command
from lxml import etree

from annotations import moderation, releases
from annotations.models import Annotation, Correction, CrossReference, Essay, Paragraph, Status
from tests.factories import make_citation, make_correction, make_note, make_source, make_user

TEI = "http://www.tei-c.org/ns/1.0"
NS = {"t": TEI}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"
ORIGINAL = {"sic", "orig"}
CORRECTED = {"corr", "reg"}
SCHEMA = Path(__file__).parent / "data" / "tei_all.rng"


@pytest.fixture(scope="session")
def tei_schema():
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def local(element):
    return etree.QName(element).localname


def reading(element, choose):
    """The text of ``element`` choosing ``choose`` (ORIGINAL or CORRECTED) in every choice.

    The original reading leaves out what the editors supplied; anchors have no text.
    """
    parts = [element.text or ""]
    for child in element:
        name = local(child)
        if name == "choice":
            (picked,) = [option for option in child if local(option) in choose]
            parts.append(reading(picked, choose))
        elif name == "supplied":
            parts.append(reading(child, choose) if choose is CORRECTED else "")
        elif name != "anchor":
            parts.append(reading(child, choose))
        parts.append(child.tail or "")
    return "".join(parts)


def page_corrected(html):
    """{paragraph anchor: the corrected reading as the page shows it} (its apparatus left out)."""
    document = lxml.html.document_fromstring(html)
    readings = {}
    for span in document.xpath('//div[@class="essay"]//span[@class="paragraph-text"]'):
        readings[span.get("data-paragraph")] = "".join(_shown_text(span))
    return readings


def _shown_text(element):
    if element.text:
        yield element.text
    for child in element:
        if child.get("data-apparatus") is None or "corrected" in (child.get("class") or "").split():
            yield from _shown_text(child)
        if child.tail:
            yield child.tail


def pointers(document):
    """Every pointer of @source, @target, @targetEnd, @resp, @corresp, @who that names a place in the document."""
    found = []
    for attribute in ("source", "target", "targetEnd", "resp", "corresp", "who"):
        for element in document.iter():
            for value in (element.get(attribute) or "").split():
                found.append((local(element), attribute, value))
    return found


def tei(client, url="/edition.tei.xml"):
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/tei+xml; charset=utf-8"
    return response.content


def check_document(content, schema):
    document = etree.fromstring(content)
    assert etree.QName(document).namespace == TEI and local(document) == "TEI"
    assert schema.validate(document), schema.error_log
    ids = {element.get(XML_ID) for element in document.iter() if element.get(XML_ID)}
    for element, attribute, value in pointers(document):
        if attribute in ("source", "resp", "corresp", "who", "targetEnd") or element == "note":
            assert value.startswith("#") and value[1:] in ids, (element, attribute, value)
        elif value.startswith("#"):
            assert value[1:] in ids, (element, attribute, value)
    return document


# --- the edition as published -------------------------------------------------------------------------


@pytest.fixture
def loaded(db):
    call_command("load_edition", verbosity=0)
    return Essay.objects.get()


def test_the_tei_of_the_edition_reads_back_both_texts_exactly(client, loaded, tei_schema):
    document = check_document(tei(client), tei_schema)
    body = document.find("t:text/t:body", NS)
    corrected_page = page_corrected(client.get("/", {"mode": "corrected"}).content.decode())
    paragraphs = list(Paragraph.objects.filter(section__essay=loaded))
    for paragraph in paragraphs:
        (element,) = body.xpath(f'.//*[@xml:id="{paragraph.anchor}"]')
        assert local(element) == ("item" if paragraph.kind == "list_item" else "p")
        assert element.get("n") == paragraph.locator
        assert reading(element, ORIGINAL) == paragraph.text
        # The page shows conjectural supplied words between ⟨ ⟩; TEI encodes them as supplied, without the signs.
        assert reading(element, CORRECTED) == re.sub("[⟨⟩]", "", corrected_page[paragraph.anchor]), paragraph.locator
    assert len(body.xpath(".//t:p | .//t:item", namespaces=NS)) == len(paragraphs)


def test_every_published_note_and_correction_is_encoded_once(client, loaded, tei_schema):
    document = etree.fromstring(tei(client))
    published_corrections = list(Correction.objects.published())
    for correction in published_corrections:
        (element,) = document.xpath(f'//*[@xml:id="correction-{correction.pk}"]')
        if correction.group == Correction.Group.REGULARISATION:
            assert [local(child) for child in element] == ["orig", "reg"]
        elif correction.group == Correction.Group.ERROR:
            assert [local(child) for child in element] == ["sic", "corr"]
            assert element[1].get("type") == correction.category
        else:
            assert local(element) == "supplied" or element.xpath("t:corr/t:supplied", namespaces=NS)
        rationale = document.xpath(f'//t:note[@type="rationale"][@target="#correction-{correction.pk}"]', namespaces=NS)
        assert len(rationale) == 1
    notes = list(Annotation.objects.published())
    for note in notes:
        (element,) = document.xpath(f'//t:note[@xml:id="note-{note.pk}"]', namespaces=NS)
        assert element.get("target") == f"#note-{note.pk}-from" and element.get("targetEnd") == f"#note-{note.pk}-to"
        assert element.get("cert") == note.certainty
    sources = document.xpath("//t:back//t:listBibl/t:biblStruct", namespaces=NS)
    cited = {citation.source_id for item in notes + published_corrections for citation in item.citations.published()}
    assert {element.get(XML_ID) for element in sources} == {f"bib-{pk}" for pk in cited}


def test_the_header_describes_the_original_the_version_and_the_releases(client, loaded):
    document = etree.fromstring(tei(client, "/v/1/edition.tei.xml"))
    header = document.find("t:teiHeader", NS)
    assert header.findtext("t:fileDesc/t:titleStmt/t:title[@type='main']", namespaces=NS) == loaded.title
    assert header.find("t:fileDesc/t:editionStmt/t:edition", NS).get("n") == "1"
    source = header.find("t:fileDesc/t:sourceDesc/t:bibl", NS)
    assert source.findtext("t:publisher", namespaces=NS) == loaded.source_site
    assert source.find("t:ptr", NS).get("target") == loaded.source_url
    (change,) = header.findall("t:revisionDesc/t:change", NS)
    assert change.get("n") == "1" and releases.FIRST_SUMMARY in change.text
    assert header.findtext("t:fileDesc/t:publicationStmt/t:idno", namespaces=NS) == "http://testserver/v/1/"


# --- what the encoding must get right ---------------------------------------------------------------------


@pytest.fixture
def crafted(seeded_essay):
    """Items whose encoding is delicate: a note inside a correction and one sharing its edges, a regularisation,
    a pure insertion and a gap with conjectures, a cross-reference, a source with a locator."""
    paragraph = seeded_essay.sections.get(position=1).paragraphs.get(position=1)
    text = paragraph.text
    assert "did not seem to survive in November 1917" in text
    error = make_correction(paragraph, "seem to survive", replacement="appear likely to survive",
                            category="wording", certainty="low", proposed_by="The editors (first edition)")
    inside = make_note(paragraph, "to survive", body="Inside a correction.")
    edge = make_note(paragraph, "did not seem to survive", body="Around a correction, sharing its end.")
    spelling = make_correction(paragraph, "Bolshevik", replacement="Bolshevist", category="spelling")
    insertion = make_correction(paragraph, "November 1917", replacement="November 1917 (New Style)", category="gap")
    conjecture = make_correction(paragraph, "After 24 years", replacement="⟨Only⟩ after 24 years", category="gap")
    make_citation(error, make_source(), locator="p. 212")
    CrossReference.objects.create(from_note=inside, to_correction=error)
    return {"paragraph": paragraph, "error": error, "inside": inside, "edge": edge, "spelling": spelling,
            "insertion": insertion, "conjecture": conjecture}


def test_delicate_encodings_keep_both_readings_exact_and_valid(client, crafted, tei_schema):
    document = check_document(tei(client), tei_schema)
    paragraph = crafted["paragraph"]
    (element,) = document.xpath(f'//*[@xml:id="{paragraph.anchor}"]')
    assert reading(element, ORIGINAL) == paragraph.text
    corrected = page_corrected(client.get("/", {"mode": "corrected"}).content.decode())[paragraph.anchor]
    assert reading(element, CORRECTED) == corrected.replace("⟨", "").replace("⟩", "")
    assert "Bolshevist" in reading(element, CORRECTED) and "(New Style)" in reading(element, CORRECTED)

    error = document.xpath(f'//*[@xml:id="correction-{crafted["error"].pk}"]')[0]
    assert error.xpath("t:sic/t:anchor/@xml:id", namespaces=NS) == [f"note-{crafted['inside'].pk}-from"]
    corr = error.find("t:corr", NS)
    assert corr.get("cert") == "low" and corr.get("source") == f"#bib-{crafted['error'].citations.get().source_id}"
    assert corr.get("resp").split()[0].startswith("#resp-")
    spelling = document.xpath(f'//*[@xml:id="correction-{crafted["spelling"].pk}"]')[0]
    assert [local(child) for child in spelling] == ["orig", "reg"]
    insertion = document.xpath(f'//*[@xml:id="correction-{crafted["insertion"].pk}"]')[0]
    assert local(insertion) == "supplied" and insertion.get("reason") == "omitted" and insertion.text == " (New Style)"
    conjecture = document.xpath(f'//*[@xml:id="correction-{crafted["conjecture"].pk}"]')[0]
    assert conjecture.xpath("t:corr/t:supplied/text()", namespaces=NS) == ["Only"]
    note = document.xpath(f'//t:note[@xml:id="note-{crafted["inside"].pk}"]', namespaces=NS)[0]
    assert note.get("corresp") == f"#correction-{crafted['error'].pk}"
    rationale = document.xpath(f'//t:note[@target="#correction-{crafted["error"].pk}"]', namespaces=NS)[0]
    assert rationale.xpath("t:bibl/t:citedRange/text()", namespaces=NS) == ["p. 212"]


def test_a_release_keeps_its_tei_whatever_changes_after_it(client, crafted, tei_schema):
    editor = make_user("eddie", groups=["Editors"], is_staff=True)
    moderator = make_user("mod", groups=["Moderators"])
    releases.release_make(Essay.objects.get(), editor=editor, summary="First.")
    before = tei(client, "/v/1/edition.tei.xml")
    paragraph = crafted["paragraph"]
    old_text = paragraph.text
    moderation.paragraph_repair(paragraph, editor=editor, new_text=old_text + " Added by a repair.", reason="Import slip.")
    moderation.item_approve(make_note(paragraph, "Added by a repair", status=Status.PENDING), moderator=moderator)
    releases.release_make(Essay.objects.get(), editor=editor, summary="Second.")
    from django.core.cache import caches

    from annotations import edition

    for store in caches.all():
        store.clear()
    edition.recent_forget()
    assert tei(client, "/v/1/edition.tei.xml") == before
    old = etree.fromstring(before).xpath(f'//*[@xml:id="{paragraph.anchor}"]')[0]
    assert reading(old, ORIGINAL) == old_text
    living = check_document(tei(client), tei_schema)
    assert reading(living.xpath(f'//*[@xml:id="{paragraph.anchor}"]')[0], ORIGINAL) == old_text + " Added by a repair."
    assert [change.get("n") for change in living.findall("t:teiHeader/t:revisionDesc/t:change", NS)] == ["1", "2"]
