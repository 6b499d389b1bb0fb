"""Revise and resubmit: a rejected note or correction goes back to the queue from /me/, with its history."""

import pytest
from django.test import Client

from annotations import moderation
from annotations.models import Annotation, Citation, Correction, Decision, Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user
from tests.moderation_support import logged_in, make_role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def rejected_note(moderator):
    ada = make_user("ada")
    note = make_note(make_paragraph(), "Rapallo", status=Status.PENDING, submitted_by=ada, body="Signed in 1923.")
    moderation.item_reject(note, moderator=moderator, reason="The treaty was signed in 1922; give a source.")
    return note


def resubmit(client, note, body="Signed on 16 April 1922 (Haslam, p. 12).", **extra):
    data = {"exact": note.exact, "kind": note.kind, "body": body, "version": note.version, **extra}
    return client.post(f"/me/notes/{note.pk}/resubmit/", data)


def test_contributor_revises_a_rejected_note_and_it_returns_to_the_queue_with_its_history(rejected_note):
    note = rejected_note
    contributor = logged_in(Client, note.submitted_by)
    assert f'href="/me/notes/{note.pk}/resubmit/"' in contributor.get("/me/").content.decode()
    form = contributor.get(f"/me/notes/{note.pk}/resubmit/").content.decode()
    assert "The treaty was signed in 1922; give a source." in form and "Signed in 1923." in form
    response = resubmit(contributor, note)
    assert response.status_code == 302 and response["Location"] == f"/me/#landed-note-{note.pk}"
    note.refresh_from_db()
    assert (note.status, note.resubmitted, note.body) == (
        Status.PENDING, True, "Signed on 16 April 1922 (Haslam, p. 12).")
    last = Decision.objects.filter(object_id=note.pk).last()
    assert (last.from_status, last.to_status, last.decided_by) == (Status.REJECTED, Status.PENDING, note.submitted_by)
    moderator = logged_in(Client, make_role_user("moderator", "second"))
    queue = moderator.get("/admin/annotations/annotation/")
    assert list(queue.context["cl"].result_list) == [note]
    assert "resubmitted after a rejection" in queue.content.decode()
    page = moderator.get(f"/admin/annotations/annotation/{note.pk}/change/").content.decode()
    assert "Resubmitted after a rejection" in page
    assert "The treaty was signed in 1922; give a source." in page
    assert "<del>in 1923</del><ins>on 16 April 1922 (Haslam, p</ins>" in page  # its changes, as a word diff


@pytest.mark.parametrize("status", [Status.PENDING, Status.ACCEPTED, Status.SPAM, Status.WITHDRAWN])
def test_only_a_rejected_item_can_be_resubmitted(status):
    ada = make_user("ada")
    note = make_note(status=status, submitted_by=ada, body="As it was.")
    response = resubmit(logged_in(Client, ada), note)
    assert response.status_code == 409
    assert Annotation.objects.get(pk=note.pk).body == "As it was."


def test_someone_elses_rejected_note_cannot_be_resubmitted(rejected_note):
    response = resubmit(logged_in(Client, make_user("mallory")), rejected_note, body="Hijacked.")
    assert response.status_code in (403, 404)
    assert Annotation.objects.get(pk=rejected_note.pk).body == "Signed in 1923."


def test_invalid_revision_keeps_what_was_typed_and_changes_nothing(rejected_note):
    response = resubmit(logged_in(Client, rejected_note.submitted_by), rejected_note, body="")
    assert response.status_code == 400
    assert Annotation.objects.get(pk=rejected_note.pk).status == Status.REJECTED


def test_resubmitted_correction_brings_back_the_citations_rejected_with_it(moderator):
    ada = make_user("ada")
    correction = make_correction(status=Status.PENDING, submitted_by=ada)  # a date correction: it must cite
    citation = make_citation(correction, make_source(status=Status.PENDING), status=Status.PENDING, submitted_by=ada)
    moderation.item_reject(correction, moderator=moderator, reason="Say which day.")
    assert Citation.objects.get(pk=citation.pk).status == Status.REJECTED
    response = logged_in(Client, ada).post(f"/me/corrections/{correction.pk}/resubmit/", {
        "exact": correction.exact, "category": correction.category, "replacement": "16 April 1922",
        "rationale": "Signed on 16 April.", "version": correction.version,
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Citation.objects.get(pk=citation.pk).status == Status.PENDING
    moderation.item_approve(Correction.objects.get(pk=correction.pk), moderator=moderator)
    assert Correction.objects.published().filter(pk=correction.pk).exists()


def test_suspended_contributor_cannot_resubmit(rejected_note):
    from annotations.models import Standing

    Standing.objects.create(user=rejected_note.submitted_by, suspended=True)
    response = resubmit(logged_in(Client, rejected_note.submitted_by), rejected_note)
    assert response.status_code == 403
    assert Annotation.objects.get(pk=rejected_note.pk).status == Status.REJECTED
