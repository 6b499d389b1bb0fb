"""export_annotations and import_annotations: a lossless round trip; each bad annotation refused with its reason."""

import copy
import io
import json

import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.urls import reverse
from reversion.models import Version

from annotations import exchange, moderation
from annotations.models import Annotation, Citation, Correction, Source, Status
from tests import w3c_model
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user

BASE = "https://edition.example"


def _export(tmp_path, name, *options):
    path = tmp_path / name
    call_command("export_annotations", str(path), "--base-url", BASE, *options, stdout=io.StringIO())
    return path


def _apparatus_removed():
    """The same database with the same essay and no apparatus at all."""
    Citation.objects.all().delete()
    Annotation.objects.all().delete()
    Correction.objects.all().delete()
    Source.objects.all().delete()


def test_export_import_export_is_identical(tmp_path, db):
    call_command("load_edition", verbosity=0)
    # Beside the editors' apparatus: a contributor's note citing a chapter with every field filled.
    contributor = make_user("jsmith", first_name="Jane", last_name="Smith")
    paragraph = Correction.objects.first().paragraph
    note = make_note(paragraph, exact=" ".join(paragraph.text.split()[:6]), body="A *contributor's* note.", submitted_by=contributor)
    chapter = make_source(kind=Source.Kind.CHAPTER, authors="Roberts, Geoffrey; Plato", title="The Fall of Litvinov",
                          container="Soviet Foreign Policy", publisher="Cass", place="London", year=1992,
                          volume="2", pages="11–28", doi="10.1080/09668139208411999", isbn="9780714634142")
    make_citation(note, chapter, locator="p. 12")
    first = _export(tmp_path, "first.json")
    document = json.loads(first.read_text())
    assert w3c_model.collection_failures(document) == []

    _apparatus_removed()
    contributor.delete()
    call_command("import_annotations", str(first), "--base-url", BASE, stdout=io.StringIO())
    assert not Annotation.objects.published().exists() and not Correction.objects.published().exists()
    second = _export(tmp_path, "second.json", "--include-pending")
    assert second.read_bytes() == first.read_bytes()


def _document(*annotations):
    return {"@context": "http://www.w3.org/ns/anno.jsonld", "type": "AnnotationCollection", "total": len(annotations),
            "first": {"type": "AnnotationPage", "items": list(annotations)}}


def _note_json(paragraph, exact, text="Imported words.", **changes):
    data = {
        "id": "https://elsewhere.example/anno/1",
        "type": "Annotation",
        "motivation": "commenting",
        "created": "2020-05-01T10:00:00Z",
        "modified": "2021-06-02T11:00:00Z",
        "creator": {"type": "Person", "nickname": "a reader elsewhere"},
        "body": [{"type": "TextualBody", "value": text, "format": "text/markdown"}],
        "target": {"source": f"https://elsewhere.example/#{paragraph.anchor}",
                   "selector": [{"type": "TextQuoteSelector", "exact": exact}]},
    }
    data.update(changes)
    return data


def _csl(**fields):
    return {"id": "x", "type": "book", "title": "A Book", "issued": {"date-parts": [[1990]]}, **fields}


def test_imported_items_are_pending_credited_to_the_files_creator_and_submitted_by_the_importer(client, db):
    paragraph = make_paragraph("The pact was signed in Moscow in August 1939.")
    importer = make_user("editor-on-duty")
    outcome = exchange.annotations_import(_document(_note_json(paragraph, "in Moscow")), submitted_by=importer, origin="x.json")
    (note,) = outcome.imported
    note.refresh_from_db()
    assert note.status == Status.PENDING and note.submitted_by == importer
    assert note.credited_to == "a reader elsewhere"
    assert note.submitted_at.isoformat() == "2020-05-01T10:00:00+00:00"
    assert note.updated_at.isoformat() == "2021-06-02T11:00:00+00:00"
    assert (note.start, note.end) == (paragraph.text.index("in Moscow"), paragraph.text.index("in Moscow") + 9)
    assert "Imported from x.json (was https://elsewhere.example/anno/1)." in Version.objects.get_for_object(note)[0].revision.comment
    # Not public: not on the edition, not in the container, not on its permalink.
    assert "Imported words" not in client.get(reverse("annotations:edition")).content.decode()
    assert client.get(reverse("annotations:w3c_collection")).json()["total"] == 0
    assert client.get(note.get_absolute_url()).status_code == 404


def test_each_bad_annotation_is_refused_with_its_reason_and_the_rest_imported(db):
    paragraph = make_paragraph("The treaty of Rapallo was signed in 1922; the treaty was a surprise.")
    sourced = sorted(moderation.FACT_CATEGORIES)[0]
    good = _note_json(paragraph, "Rapallo")
    correction = {
        **_note_json(paragraph, "1922"), "motivation": "editing",
        "body": [{"type": "TextualBody", "purpose": "editing", "value": "16 April 1922"},
                 {"type": "TextualBody", "purpose": "describing", "value": "Signed on 16 April."},
                 {"type": "TextualBody", "purpose": "classifying", "value": sourced}],
    }
    bad = {
        "words not in the paragraph": _note_json(paragraph, "Locarno"),
        "words twice in the paragraph": _note_json(paragraph, "treaty"),
        "another text": _note_json(paragraph, "Rapallo", target={"source": "https://elsewhere.example/#p-000000",
                                                                "selector": [{"type": "TextQuoteSelector", "exact": "Rapallo"}]}),
        "a motivation of neither": _note_json(paragraph, "Rapallo", motivation="bookmarking"),
        "too long a note": _note_json(paragraph, "Rapallo", text="x" * 10_001),
        "a correction that changes nothing": {**correction, "body": [
            {"type": "TextualBody", "purpose": "editing", "value": "1922"}, *correction["body"][1:]]},
        "a sourced correction without a source": correction,
        "an unknown category": {**correction, "cites": [{"locator": "", "itemData": _csl()}], "body": [
            *correction["body"][:2], {"type": "TextualBody", "purpose": "classifying", "value": "no-such-category"}]},
        "a link without its record": _note_json(paragraph, "Rapallo", body=[
            {"type": "TextualBody", "value": "Linked."},
            {"type": "SpecificResource", "purpose": "linking", "source": "https://doi.org/10.1/unknown"}]),
        "a source with a bad DOI, after a good one": _note_json(paragraph, "was signed", cites=[
            {"locator": "p. 1", "itemData": _csl(title="Fine")},
            {"locator": "", "itemData": _csl(title="Broken", DOI="not a doi")}]),
        "a date that is not one": _note_json(paragraph, "Rapallo", created="yesterday"),
        "only an address": "https://elsewhere.example/anno/2",
    }
    sources_before = Source.objects.count()
    outcome = exchange.annotations_import(_document(good, *bad.values()))
    assert [item.body for item in outcome.imported] == ["Imported words."]
    reasons = [reason for _, reason in outcome.refused]
    assert len(reasons) == len(bad)
    expected = [
        "not in the paragraph", "occur 2 times", "not a paragraph of this edition", "neither a note's nor a correction's",
        "at most 10000 characters", "the same as the original", "must cite at least one source",
        "Select a valid choice", "without a bibliographic record", "DOI", "not a date and time", "only its address",
    ]
    for reason, words in zip(reasons, expected):
        assert words in reason, (words, reason)
    # Never half of one: the good source of the refused annotation was not created either.
    assert Source.objects.count() == sources_before
    assert Citation.objects.count() == 0


def test_an_existing_source_is_cited_rather_than_copied(db):
    paragraph = make_paragraph("Litvinov was dismissed in May 1939.")
    existing = make_source(doi="10.2307/152602", title="The Fall of Litvinov", year=1992)
    data = _note_json(paragraph, "dismissed", cites=[{"locator": "p. 5", "itemData": _csl(
        title="The fall of Litvinov", DOI="10.2307/152602")}])
    (note,) = exchange.annotations_import(_document(data)).imported
    citation = note.citations.get()
    assert citation.source == existing and citation.locator == "p. 5" and citation.status == Status.PENDING
    assert Source.objects.count() == 1


def test_importing_the_same_file_twice_refuses_the_copies(db):
    paragraph = make_paragraph("Stalin signed the pact.")
    document = _document(_note_json(paragraph, "Stalin"))
    assert len(exchange.annotations_import(document).imported) == 1
    again = exchange.annotations_import(copy.deepcopy(document))
    assert again.imported == [] and "already in the edition" in again.refused[0][1]


def test_an_annotation_from_this_site_keeps_its_number_only_when_free(tmp_path, db):
    note = make_note(body="Keep my number.")
    number = note.pk
    path = _export(tmp_path, "one.json")
    Annotation.objects.all().delete()
    document = json.loads(path.read_text())
    (imported,) = exchange.annotations_import(document, base_url=BASE).imported
    assert imported.pk == number
    # The next contribution still gets a number of its own (the sequence moved past it on PostgreSQL).
    assert make_note(imported.paragraph, exact="Treaty", body="After the import.").pk > number
    document["first"]["items"][0]["body"][0]["value"] = "A second copy."
    (second,) = exchange.annotations_import(document, base_url=BASE).imported
    assert second.pk != number


def test_the_command_reports_each_refusal_and_fails_after_importing_the_rest(tmp_path, db, capsys):
    paragraph = make_paragraph("The Anti-Comintern Pact of 1936.")
    path = tmp_path / "mixed.json"
    path.write_text(json.dumps(_document(_note_json(paragraph, "1936"), _note_json(paragraph, "1937"))))
    with pytest.raises(CommandError, match="1 of 2 annotations were refused"):
        call_command("import_annotations", str(path))
    captured = capsys.readouterr()
    assert "Refused annotation 2 (https://elsewhere.example/anno/1): The exact words: These words are not in the paragraph" in captured.err
    assert "Imported 1 annotations as pending review" in captured.out
    assert Annotation.objects.pending().count() == 1


@pytest.mark.parametrize("content, message", [
    (None, "no such file"),
    (b"\xff\xfe not text", "not a UTF-8 text file"),
    (b"{not json", "not JSON"),
    (b'{"type": "Something"}', "neither W3C Web Annotations"),
    (b'{"type": "AnnotationCollection", "total": 5, "first": "https://x.example/?page=0"}', "pages are not in the file"),
])
def test_a_file_it_cannot_read_changes_nothing(tmp_path, db, content, message):
    path = tmp_path / "bad.json"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_annotations", str(path))
    assert not Annotation.objects.exists()


def test_an_unknown_submitter_is_refused_before_anything_is_read(tmp_path, db):
    with pytest.raises(CommandError, match="no account called"):
        call_command("import_annotations", str(tmp_path / "any.json"), "--submitted-by", "nobody")


def test_the_export_file_holds_only_published_items_unless_asked(tmp_path, db):
    make_note(body="Published words.")
    make_note(body="Pending words.", status=Status.PENDING)
    make_note(body="Rejected words.", status=Status.REJECTED)
    public = _export(tmp_path, "public.json").read_text()
    assert "Published words." in public and "Pending words." not in public and "Rejected words." not in public
    moderators = _export(tmp_path, "all.json", "--include-pending").read_text()
    assert "Pending words." in moderators and "Rejected words." not in moderators


def test_the_export_carries_every_cited_source_in_full(client, db):
    correction = make_correction()
    make_citation(correction, make_source(place="London", pages="1–10"), locator="p. 212")
    data = client.get(reverse("annotations:w3c_correction", args=[correction.pk])).json()
    (cited,) = data["cites"]
    assert cited["locator"] == "p. 212"
    assert cited["itemData"]["publisher-place"] == "London" and cited["itemData"]["page"] == "1–10"
    assert cited["itemData"]["author"] == [{"family": "Haslam", "given": "Jonathan"}]
    assert User.objects.count() == 0  # nothing about accounts leaks into the export


def test_odd_shapes_are_refused_one_by_one_never_crash_the_import(db):
    paragraph = make_paragraph("The Soviet–German credit agreement of 19 August 1939.")
    huge = f"{BASE}/annotations/note-{10**30}/"
    odd = [
        _note_json(paragraph, "credit agreement", id=huge, text="A huge number in my id."),
        _note_json(paragraph, "19 August", target={"source": f"{BASE}/#{paragraph.anchor}", "selector": [
            {"type": "TextQuoteSelector", "exact": "19 August"}, {"type": "TextPositionSelector", "start": 10**30, "end": "x"}]},
            text="Odd positions."),
        _note_json(paragraph, "1939", target=[], text="No target."),
        _note_json(paragraph, "Soviet", body=[{"type": "TextualBody", "value": ["not", "text"]}]),
        _note_json(paragraph, "1939", cites=[{"locator": "", "itemData": _csl(issued={"date-parts": [["1984"]]})}]),
    ]
    outcome = exchange.annotations_import(_document(*odd), base_url=BASE)
    assert [item.body for item in outcome.imported] == ["A huge number in my id.", "Odd positions.", "Imported words."]
    assert outcome.imported[0].pk < 10**30  # a new number, not the one in the id
    assert outcome.imported[2].citations.get().source.year == 1984
    assert [reason for _, reason in outcome.refused] == [
        "it must have exactly one target: a passage of one paragraph, with its selectors",
        "it has a body with no text",
    ]


def test_a_work_cited_twice_in_one_file_becomes_one_pending_source(db):
    paragraph = make_paragraph("Chamberlain flew to Munich in September 1938.")
    book = _csl(title="Munich 1938", ISBN="9780140291322")
    outcome = exchange.annotations_import(_document(
        _note_json(paragraph, "Chamberlain", cites=[{"locator": "p. 1", "itemData": book}, {"locator": "p. 9", "itemData": book}]),
        _note_json(paragraph, "Munich", cites=[{"locator": "ch. 2", "itemData": book}]),
    ))
    assert outcome.sources_created == 1 and Source.objects.get().status == Status.PENDING
    assert sorted(Citation.objects.values_list("locator", flat=True)) == ["ch. 2", "p. 1", "p. 9"]
