"""Redeploying undoes nothing: load_edition adds and updates the editors' rows, never what people changed."""

import json

import pytest
from django.core.management import call_command
from django.urls import reverse
from reversion.models import Version

from annotations import edition_load, moderation
from annotations.edition_load import EDITION_FIXTURES
from annotations.models import (
    EDITORS_CREDIT,
    Annotation,
    Citation,
    Correction,
    Decision,
    Essay,
    LoadedRow,
    Paragraph,
    Rule,
    Section,
    Source,
    Status,
)
from tests.factories import make_note, make_user

EDITION = reverse("annotations:edition")
MODELS = (Essay, Section, Paragraph, Source, Correction, Annotation, Citation)


def load(*fixtures):
    call_command("load_edition", *map(str, fixtures), verbosity=0)


def rows():
    """Every row of the edition as stored, but the revision (cache state, checked on its own)."""
    return {
        model._meta.label: [
            {name: value for name, value in row.items() if name != "revision"}
            for row in model.objects.order_by("pk").values()
        ]
        for model in MODELS
    }


def decision_log():
    return list(Decision.objects.order_by("pk").values())


def revision():
    return Essay.objects.get().revision


def editorial(model):
    return model.objects.filter(credit=EDITORS_CREDIT, submitted_by=None).order_by("pk")


def anonymous_page(client):
    client.logout()
    response = client.get(EDITION)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def edition(db):
    load()
    return Essay.objects.get()


@pytest.fixture
def contributor(db):
    return make_user("contributor")


def first_paragraph(essay):
    return essay.sections.get(position=1).paragraphs.get(position=1)


def fixture_copy(tmp_path, change=None):
    """The edition's fixtures copied to tmp_path, the apparatus changed by ``change(rows)``."""
    essay_json, apparatus_json = tmp_path / "essay.json", tmp_path / "apparatus.json"
    essay_json.write_text(EDITION_FIXTURES[0].read_text(encoding="utf-8"), encoding="utf-8")
    apparatus = json.loads(EDITION_FIXTURES[1].read_text(encoding="utf-8"))
    if change:
        apparatus = change(apparatus)
    apparatus_json.write_text(json.dumps(apparatus), encoding="utf-8")
    return essay_json, apparatus_json


def fixture_row(rows_, model, pk):
    return next(row for row in rows_ if row["model"] == model._meta.label_lower and row["pk"] == pk)


def test_the_fixtures_carry_no_cache_state(db):
    assert '"revision"' not in EDITION_FIXTURES[0].read_text(encoding="utf-8")
    load()
    dumped = []
    call_command("dumpdata", "annotations.essay", stdout=type("Out", (), {"write": dumped.append})())
    assert '"revision"' not in "".join(dumped)  # `make fixtures` writes none either


def test_the_revision_never_goes_back_when_the_edition_is_loaded_again(edition):
    revisions = [revision()]
    for _ in range(3):
        load()
        revisions.append(revision())
    assert revisions == sorted(revisions)


def test_saving_an_essay_read_before_a_decision_keeps_the_newer_revision(edition):
    stale = Essay.objects.get()
    Essay.revision_bump()
    stale.introduction += "\n\nAn editor's addition."
    stale.save()
    assert revision() == stale.revision + 1


def test_redeploying_keeps_every_decision_and_edit(client, edition, moderator, contributor):
    paragraph = first_paragraph(edition)
    contributed = make_note(paragraph, "November 1917", status=Status.PENDING, submitted_by=contributor, body="Mine.")
    moderation.item_approve(contributed, moderator=moderator)  # accepted
    taken_down = editorial(Correction).first()
    moderation.item_reopen(taken_down, moderator=moderator, reason="Doubtful.")  # taken down …
    moderation.item_reject(Correction.objects.get(pk=taken_down.pk), moderator=moderator, reason="Wrong.")  # … rejected
    edited = editorial(Annotation).first()
    edited.body = "Wording by the moderator."
    moderation.item_edit(edited, user=moderator, fields=["body"], expected_version=edited.version)
    essay = Essay.objects.get()
    essay.introduction = "An introduction by the editor."
    essay.save()
    before, log, history = rows(), decision_log(), Version.objects.count()
    last_revision = revision()

    for _ in range(2):
        load()
        assert rows() == before
        assert decision_log() == log
        assert Version.objects.count() == history
        assert revision() >= last_revision
        last_revision = revision()
        html = anonymous_page(client)
        assert f'id="correction-{taken_down.pk}"' not in html
        assert f'id="note-{contributed.pk}"' in html and "Wording by the moderator." in html
        assert "An introduction by the editor." in html


def test_a_note_taken_down_stays_down_after_a_redeploy(client, edition, moderator, contributor):
    # The sequence: accept → load_edition → view → take down → load_edition → view.
    note = make_note(first_paragraph(edition), "November 1917", status=Status.PENDING, submitted_by=contributor)
    moderation.item_approve(note, moderator=moderator)
    load()
    assert f'id="note-{note.pk}"' in anonymous_page(client)
    moderation.item_reopen(Annotation.objects.get(pk=note.pk), moderator=moderator, reason="Taken down.")
    load()
    pages = [anonymous_page(client) for _ in range(12)]
    assert not [html for html in pages if f'id="note-{note.pk}"' in html]
    assert client.get(reverse("annotations:note", args=[note.pk])).status_code == 404


def test_an_editorial_correction_a_moderator_rejected_is_not_accepted_again(edition, moderator, capsys):
    correction = editorial(Correction).last()
    moderation.item_reopen(correction, moderator=moderator, reason="Checking.")
    moderation.item_reject(Correction.objects.get(pk=correction.pk), moderator=moderator, reason="Wrong.")
    state, log = Correction.objects.values().get(pk=correction.pk), decision_log()
    call_command("load_edition", verbosity=1)
    assert Correction.objects.values().get(pk=correction.pk) == state
    assert decision_log() == log
    out = capsys.readouterr().out
    assert f"left as it is: annotations.correction {correction.pk}: touched since it was loaded" in out
    assert "pending review → rejected: Wrong." in out and moderator.username in out


def test_a_changed_fixture_updates_an_untouched_row_and_says_so(client, edition, moderator, tmp_path, capsys):
    untouched, touched = editorial(Correction)[0], editorial(Correction)[1]
    moderation.item_reopen(touched, moderator=moderator, reason="Checking.")

    def revise(apparatus):
        for item in (untouched, touched):
            fixture_row(apparatus, Correction, item.pk)["fields"]["rationale"] += " Revised by the editors."
        return apparatus

    anonymous_page(client)  # cached at the current revision
    before, log = revision(), decision_log()
    call_command("load_edition", *map(str, fixture_copy(tmp_path, revise)), verbosity=1)

    updated = Correction.objects.get(pk=untouched.pk)
    assert updated.rationale.endswith("Revised by the editors.")
    assert updated.version == untouched.version + 1  # a moderator's open form on the old text is refused
    assert "Updated from apparatus.json by load_edition: rationale." in [
        entry["comment"] for entry in moderation.item_history(updated)
    ]
    assert revision() > before
    assert "Revised by the editors." in client.get(reverse("annotations:correction", args=[untouched.pk])).content.decode()
    assert Correction.objects.get(pk=touched.pk).rationale == touched.rationale  # reopened: left alone
    assert Correction.objects.get(pk=touched.pk).status == Status.PENDING
    assert decision_log() == log
    out = capsys.readouterr().out
    assert "1 updated" in out
    assert f"left as it is: annotations.correction {touched.pk}: touched since it was loaded" in out

    load(*fixture_copy(tmp_path, revise))  # the same fixture again: nothing more happens
    assert Correction.objects.get(pk=untouched.pk).version == untouched.version + 1


def test_a_column_added_by_a_later_release_does_not_shut_loaded_rows_off_from_the_editors_fixtures(
    edition, tmp_path, monkeypatch
):
    untouched = editorial(Correction)[0]
    # The edition as a release without the moderation columns loaded and fingerprinted it.
    LoadedRow.objects.all().delete()
    monkeypatch.setattr(edition_load, "_BOOKKEEPING", edition_load._BOOKKEEPING | {"review_rule", "resubmitted"})
    load()
    monkeypatch.undo()  # the upgrade: the columns exist, at their defaults

    def revise(apparatus):
        fixture_row(apparatus, Correction, untouched.pk)["fields"]["rationale"] += " Revised by the editors."
        return apparatus

    load(*fixture_copy(tmp_path, revise))
    assert Correction.objects.get(pk=untouched.pk).rationale.endswith("Revised by the editors.")


def test_a_fixture_that_changes_an_untouched_rows_status_records_the_decision(edition, tmp_path):
    note = editorial(Annotation).first()

    def withdraw(apparatus):
        fixture_row(apparatus, Annotation, note.pk)["fields"]["status"] = Status.REJECTED
        return apparatus

    load(*fixture_copy(tmp_path, withdraw))
    decision = Decision.objects.get(object_id=note.pk, content_type__model="annotation")
    assert (decision.from_status, decision.to_status) == (Status.ACCEPTED, Status.REJECTED)
    assert (decision.rule, decision.decided_by) == (Rule.EDITION, None)  # the edition decided, not a person
    assert Annotation.objects.get(pk=note.pk).status == Status.REJECTED


def test_rows_new_in_the_fixture_are_added(client, db, tmp_path):
    apparatus = json.loads(EDITION_FIXTURES[1].read_text(encoding="utf-8"))
    newest = max(row["pk"] for row in apparatus if row["model"] == "annotations.annotation")

    def without_newest(rows_):
        return [
            row for row in rows_
            if not (row["model"] == "annotations.annotation" and row["pk"] == newest)
            and row["fields"].get("annotation") != newest
        ]

    load(*fixture_copy(tmp_path, without_newest))
    assert not Annotation.objects.filter(pk=newest).exists()
    before = revision()
    load()
    assert Annotation.objects.filter(pk=newest, status=Status.ACCEPTED).exists()
    assert revision() > before
    assert f'id="note-{newest}"' in anonymous_page(client)


def test_an_edition_loaded_by_the_old_loader_is_upgraded_but_keeps_a_moderators_rejection(db, moderator, capsys):
    # Databases loaded before fingerprints were kept: loaddata wrote the rows, from an older fixture.
    call_command("loaddata", "essay", "apparatus", verbosity=0)
    rejected, older = editorial(Correction)[0], editorial(Correction)[1]
    moderation.item_reopen(rejected, moderator=moderator, reason="Checking.")
    moderation.item_reject(Correction.objects.get(pk=rejected.pk), moderator=moderator, reason="Wrong.")
    Correction.objects.filter(pk=older.pk).update(rationale="The older edition's rationale.")  # as loaddata left it
    log = decision_log()
    call_command("load_edition", verbosity=1)
    assert Correction.objects.get(pk=rejected.pk).status == Status.REJECTED
    assert Correction.objects.get(pk=older.pk).rationale == older.rationale  # never changed here: upgraded
    assert decision_log() == log
    out = capsys.readouterr().out
    assert f"annotations.correction {rejected.pk}: changed here before fingerprints were kept" in out
    assert "pending review → rejected: Wrong." in out
    # Every other row is adopted or upgraded: from now on its changes are told apart from the fixture's.
    fixture_rows = sum(len(json.loads(path.read_text(encoding="utf-8"))) for path in EDITION_FIXTURES)
    assert LoadedRow.objects.count() == fixture_rows - 1
