"""Emails: the contributor hears about a decision; moderators get a digest of pending items."""

import pytest
from django.core import mail
from django.core.management import call_command

from annotations import moderation
from annotations.models import Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user
from tests.moderation_support import make_pending_queue, make_role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def contributor():
    return make_user("ada", email="ada@example.org", first_name="Ada")


def test_contributor_is_emailed_the_rejection_reason_with_a_link_to_their_page(
    moderator, contributor, django_capture_on_commit_callbacks
):
    note = make_note(status=Status.PENDING, submitted_by=contributor)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.item_reject(note, moderator=moderator, reason="The cited page says the opposite.")
    [email] = mail.outbox
    assert email.to == ["ada@example.org"]
    assert email.subject == "Not published: your note on “Rapallo”"
    assert "The cited page says the opposite." in email.body
    assert "http://127.0.0.1:8000/me/" in email.body
    assert email.content_subtype == "plain"


def test_contributor_is_emailed_when_their_correction_is_published(
    moderator, contributor, django_capture_on_commit_callbacks
):
    correction = make_correction(status=Status.PENDING, submitted_by=contributor)
    make_citation(correction, make_source(status=Status.PENDING, submitted_by=contributor), status=Status.PENDING)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.item_approve(correction, moderator=moderator)
    subjects = sorted(email.subject for email in mail.outbox)
    assert subjects == [
        "Published: your correction on “1922”",
        "Published: your source “The Soviet Union and the Struggle for Collective…”",
    ]
    body = next(email.body for email in mail.outbox if "correction" in email.subject)
    assert f"http://127.0.0.1:8000/corrections/{correction.pk}/" in body


def test_setting_site_url_changes_the_links(moderator, contributor, settings, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://edition.example.org/"
    note = make_note(status=Status.PENDING, submitted_by=contributor)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.item_reject(note, moderator=moderator, reason="Duplicate.")
    assert "https://edition.example.org/me/" in mail.outbox[0].body


def test_no_email_for_spam_for_reopening_or_without_an_address(moderator, django_capture_on_commit_callbacks):
    spammer = make_user("spammer", email="spam@example.org")
    silent = make_user("silent")
    paragraph = make_paragraph()
    spam = make_note(paragraph, status=Status.PENDING, submitted_by=spammer)
    quiet = make_note(paragraph, status=Status.PENDING, submitted_by=silent)
    with django_capture_on_commit_callbacks(execute=True):
        moderation.item_mark_spam(spam, moderator=moderator)
        moderation.item_reopen(spam, moderator=moderator)
        moderation.item_approve(quiet, moderator=moderator)
    assert mail.outbox == []


def test_no_email_when_the_decision_is_rolled_back(moderator, contributor, django_capture_on_commit_callbacks):
    paragraph = make_paragraph()
    make_correction(paragraph, "1922", status=Status.ACCEPTED)
    clashing = make_correction(paragraph, "1922", replacement="1923", status=Status.PENDING, submitted_by=contributor)
    make_citation(clashing)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(moderation.ConflictError):
        moderation.item_approve(clashing, moderator=moderator)
    assert mail.outbox == []


def test_digest_goes_to_each_moderator_with_an_email(moderator, capsys):
    make_role_user("moderator", "second")
    make_user("no-email-moderator", groups=["Moderators"], is_staff=True)
    make_role_user("editor")  # editors are not in the Moderators group
    oldest_note = make_pending_queue(5)[0]
    call_command("moderation_digest")
    assert sorted(email.to[0] for email in mail.outbox) == ["moderator@example.org", "second@example.org"]
    email = mail.outbox[0]
    assert email.subject == "5 items waiting for review"
    assert "Notes:        2" in email.body and "Corrections:  2" in email.body and "Sources:      1" in email.body
    assert "Oldest notes:" in email.body and f"- {oldest_note} (submitted" in email.body
    assert "http://127.0.0.1:8000/admin/" in email.body
    assert "Digest sent to 2 moderators." in capsys.readouterr().out


def test_digest_is_sent_for_items_orphaned_by_a_repair_alone(moderator, capsys):
    make_note(status=Status.ACCEPTED, orphaned=True)
    call_command("moderation_digest")
    assert len(mail.outbox) == 1
    assert "Orphaned by a text repair (to re-attach or retire): 1" in mail.outbox[0].body


def test_no_digest_when_nothing_waits(moderator, capsys):
    make_note(status=Status.ACCEPTED)
    call_command("moderation_digest")
    assert mail.outbox == []
    assert "Nothing is waiting for review" in capsys.readouterr().out
