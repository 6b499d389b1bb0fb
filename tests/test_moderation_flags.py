"""Readers' flags: a signed-in reader flags a published item once; enough flags hide it; a moderator resolves them."""

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from annotations.models import Annotation, Decision, Essay, Flag, Rule, Standing, Status
from tests.factories import make_correction, make_note, make_paragraph, make_user
from tests.moderation_support import logged_in, make_established, make_role_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def note():
    return make_note(make_paragraph(), "Rapallo", status=Status.ACCEPTED, submitted_by=make_user("author"),
                     body="Rapallo was signed in **1923**.")


def flag(client, item, reason="wrong", text="The treaty was signed in 1922."):
    noun = "notes" if isinstance(item, Annotation) else "corrections"
    return client.post(f"/{noun}/{item.pk}/flag/", {"reason": reason, "text": text})


def test_signed_in_reader_flags_a_published_note_and_sees_it_open_on_their_page(client, note):
    reader = make_user("reader")
    client.force_login(reader)
    page = client.get(f"/notes/{note.pk}/flag/")
    assert page.status_code == 200 and "<strong>1923</strong>" in page.content.decode()
    response = flag(client, note)
    created = Flag.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/me/#flag-{created.pk}"
    assert (created.item, created.flagged_by, created.reason) == (note, reader, Flag.Reason.WRONG)
    mine = client.get("/me/").content.decode()
    assert f'id="flag-{created.pk}"' in mine and "Open" in mine and "The treaty was signed in 1922." in mine


def test_anonymous_reader_is_sent_to_log_in_before_flagging(client, note):
    response = client.get(f"/notes/{note.pk}/flag/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=")
    assert flag(client, note).status_code == 302 and not Flag.objects.exists()


def test_a_flag_posted_after_the_session_expired_waits_for_the_log_in(client, note):
    make_user("reader")
    client.login(username="reader", password="a-long-test-password")
    Session.objects.all().delete()
    response = flag(client, note, reason="other", text="Rapallo was 1922, not 1923.")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.login(username="reader", password="a-long-test-password")
    form = client.get(f"/notes/{note.pk}/flag/").content.decode()
    assert "Rapallo was 1922, not 1923." in form and 'value="other" required id="id_reason_4" checked' in form
    assert not Flag.objects.exists()


def test_a_reader_flags_an_item_only_once(client, note):
    client.force_login(make_user("reader"))
    flag(client, note)
    again = flag(client, note, reason="spam")
    assert again.status_code == 409 and "You flagged this note on" in again.content.decode()
    assert "You flagged this note on" in client.get(f"/notes/{note.pk}/flag/").content.decode()
    assert Flag.objects.count() == 1


def test_pending_items_cannot_be_flagged(client):
    pending = make_note(status=Status.PENDING)
    client.force_login(make_user("reader"))
    assert client.get(f"/notes/{pending.pk}/flag/").status_code == 404
    assert flag(client, pending).status_code == 404


def test_contributor_cannot_flag_their_own_note(client, note):
    client.force_login(note.submitted_by)
    assert "This is your own note" in client.get(f"/notes/{note.pk}/flag/").content.decode()
    assert flag(client, note).status_code == 409 and not Flag.objects.exists()


def test_other_needs_a_few_words_and_keeps_what_was_chosen(client, note):
    client.force_login(make_user("reader"))
    response = flag(client, note, reason="other", text="  ")
    html = response.content.decode()
    assert response.status_code == 400 and "“other” needs a few words" in html
    assert 'value="other" required id="id_reason_4" checked' in html
    assert not Flag.objects.exists()


def test_flags_are_rate_limited_per_account(client, settings):
    settings.FLAG_RATE_PER_ACCOUNT = "2/h"
    paragraph = make_paragraph()
    notes = [make_note(paragraph, word) for word in ("Rapallo", "1922", "Genoa")]
    client.force_login(make_user("eager"))
    assert [flag(client, n).status_code for n in notes] == [302, 302, 429]
    assert Flag.objects.count() == 2


def test_enough_flags_from_established_readers_hide_the_item_pending_review(settings, note):
    settings.FLAGS_TO_HIDE = 2
    revision = Essay.objects.get().revision
    for name in ("first", "second"):
        flag(logged_in(Client, make_established(name)), note, reason="wrong")
    note.refresh_from_db()
    assert (note.status, note.review_rule) == (Status.PENDING, Rule.FLAGS)
    assert not Annotation.objects.published().filter(pk=note.pk).exists()
    decision = Decision.objects.get(object_id=note.pk)
    assert (decision.rule, decision.decided_by, decision.from_status) == (Rule.FLAGS, None, Status.ACCEPTED)
    assert "flagged by 2 readers (wrong ×2)" in decision.reason
    assert Essay.objects.get().revision > revision
    assert Client().get(f"/notes/{note.pk}/").status_code == 404


def test_flags_from_new_or_suspended_accounts_do_not_hide_an_item(settings, note):
    settings.FLAGS_TO_HIDE = 2
    suspended = make_established("suspended-since")
    Flag.objects.create(annotation=note, flagged_by=suspended, reason="wrong")  # flagged before the suspension
    Standing.objects.create(user=suspended, suspended=True)
    flag(logged_in(Client, make_user("brand-new")), note)
    flag(logged_in(Client, make_established("established")), note)
    note.refresh_from_db()
    assert note.status == Status.ACCEPTED and Flag.objects.count() == 3


def test_moderator_keeps_a_hidden_item_with_a_reason_the_flaggers_read(settings, note):
    settings.FLAGS_TO_HIDE = 1
    reader = make_established("reader")
    flag(logged_in(Client, reader), note)
    moderator = logged_in(Client, make_role_user("moderator"))
    note.refresh_from_db()
    url = f"/admin/annotations/annotation/{note.pk}/decide/"
    refused = moderator.post(url, {"decision": "approve", "reason": "", "version": note.version}, follow=True)
    assert "flagged by readers: say why it stays published" in refused.content.decode()
    moderator.post(url, {"decision": "approve", "reason": "1923 is the ratification.", "version": note.version})
    note.refresh_from_db()
    assert (note.status, note.review_rule) == (Status.ACCEPTED, "")
    resolved = Flag.objects.get()
    assert (resolved.outcome, resolved.resolution) == (Flag.Outcome.KEPT, "1923 is the ratification.")
    mine = logged_in(Client, reader).get("/me/").content.decode()
    assert "Kept: the item stays" in mine and "1923 is the ratification." in mine


def test_moderator_takes_a_flagged_item_down_through_the_usual_decision(note):
    reader = make_established("reader")
    flag(logged_in(Client, reader), note, reason="offensive", text="Insulting.")
    moderator = logged_in(Client, make_role_user("moderator"))
    page = moderator.get(f"/admin/annotations/annotation/{note.pk}/change/").content.decode()
    assert "Readers’ flags (1 open)" in page and "Insulting." in page and 'value="take_down"' in page
    moderator.post(f"/admin/annotations/annotation/{note.pk}/decide/",
                   {"decision": "take_down", "reason": "Not a note on the text.", "version": note.version})
    note.refresh_from_db()
    assert note.status == Status.REJECTED
    assert Flag.objects.get().outcome == Flag.Outcome.TAKEN_DOWN
    assert "Taken down" in logged_in(Client, reader).get("/me/").content.decode()


def test_flags_queue_lists_open_flags_most_flagged_items_first(client):
    paragraph = make_paragraph()
    once = make_note(paragraph, "Rapallo")
    thrice = make_correction(paragraph, "1922")
    readers = [make_user(f"reader{n}") for n in range(3)]
    Flag.objects.create(annotation=once, flagged_by=readers[0], reason="spam")
    for reader in readers:
        Flag.objects.create(correction=thrice, flagged_by=reader, reason="wrong")
    Flag.objects.create(correction=make_correction(paragraph, "Genoa"), flagged_by=readers[0], reason="wrong",
                        outcome=Flag.Outcome.KEPT)
    client.force_login(make_role_user("moderator"))
    response = client.get("/admin/annotations/flag/")
    rows = list(response.context["cl"].result_list)
    assert [row.item for row in rows] == [thrice, thrice, thrice, once]
    assert '<td class="field-on_item">3</td>' in response.content.decode()


def test_published_items_link_to_their_flag_page_and_pending_ones_do_not(client):
    paragraph = make_paragraph()
    published = make_note(paragraph, "Rapallo", status=Status.ACCEPTED)
    correction = make_correction(paragraph, "1922", status=Status.ACCEPTED)
    edition = client.get("/").content.decode()
    assert f'href="/notes/{published.pk}/flag/"' in edition
    assert f'href="/corrections/{correction.pk}/flag/"' in edition
    assert f'href="/notes/{published.pk}/flag/"' in client.get(f"/notes/{published.pk}/").content.decode()
    assert f'href="/corrections/{correction.pk}/flag/"' in client.get(f"/corrections/{correction.pk}/").content.decode()
    owner = make_user("owner")
    own_pending = make_note(paragraph, "Genoa", status=Status.PENDING, submitted_by=owner)
    client.force_login(owner)
    assert f"/notes/{own_pending.pk}/flag/" not in client.get(f"/notes/{own_pending.pk}/").content.decode()
    assert f"/notes/{own_pending.pk}/flag/" not in client.get("/").content.decode()


def test_flagged_correction_is_hidden_then_taken_down_and_its_flaggers_see_the_outcome(settings):
    settings.FLAGS_TO_HIDE = 2
    correction = make_correction(make_paragraph(), "1922", replacement="1923", status=Status.ACCEPTED,
                                 submitted_by=make_user("author"))
    readers = [make_established(name) for name in ("first", "second")]
    for reader in readers:
        assert flag(logged_in(Client, reader), correction, reason="wrong").status_code == 302
    correction.refresh_from_db()
    assert (correction.status, correction.review_rule) == (Status.PENDING, Rule.FLAGS)
    assert Client().get(f"/corrections/{correction.pk}/").status_code == 404
    moderator = logged_in(Client, make_role_user("moderator"))
    moderator.post(f"/admin/annotations/correction/{correction.pk}/decide/",
                   {"decision": "reject", "reason": "1922 is right.", "version": correction.version})
    correction.refresh_from_db()
    assert correction.status == Status.REJECTED
    assert set(Flag.objects.values_list("outcome", flat=True)) == {Flag.Outcome.TAKEN_DOWN}
    for reader in readers:
        mine = logged_in(Client, reader).get("/me/").content.decode()
        assert "Taken down" in mine and "1922 is right." in mine
