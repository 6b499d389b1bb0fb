"""Trusted contributors and suspension: the trust rule publishes at once (a Decision by the rule); moderators
revoke trust and suspend, logged and reversible, through the real admin and contribution pages."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from annotations import moderation
from annotations.models import Annotation, Correction, Decision, Rule, Standing, StandingChange, Status
from tests.factories import make_correction, make_note, make_paragraph, make_source, make_user
from tests.moderation_support import logged_in, make_role_user

pytestmark = pytest.mark.django_db

TEXT = "The Treaty of Rapallo was signed in 1922 at Genoa, and the Treaty of Berlin followed in 1926."
NOT_A_FACT = next(c for c in Correction.Category.values if not moderation.correction_must_cite(c))


@pytest.fixture(autouse=True)
def trust_after_two(settings):
    settings.TRUST_AFTER_ACCEPTED = 2


@pytest.fixture
def paragraph():
    return make_paragraph(TEXT)


def with_record(username, *, accepted=2, spam=0):
    """A contributor with ``accepted`` accepted notes and ``spam`` notes marked spam, on a paragraph of their own."""
    user = make_user(username)
    words = make_paragraph(" ".join(f"w{n}" for n in range(accepted + spam)))
    for n in range(accepted + spam):
        make_note(words, f"w{n}", submitted_by=user, status=Status.ACCEPTED if n < accepted else Status.SPAM)
    return user


def submit_note(client, paragraph, exact="Rapallo", **extra):
    data = {"exact": exact, "kind": "context", "body": "Rapallo is on the Ligurian coast.", "cite-choice": "none"}
    return client.post(f"/p/{paragraph.anchor}/note/", data | extra, follow=True)


def submit_correction(client, paragraph, category, exact="1926", **extra):
    data = {"exact": exact, "category": category, "replacement": "24 April 1926", "rationale": "The day.",
            "cite-choice": "none"}
    return client.post(f"/p/{paragraph.anchor}/correction/", data | extra, follow=True)


def test_trusted_contributors_new_note_is_published_at_once_by_the_trust_rule(paragraph):
    ada = with_record("ada")
    response = submit_note(logged_in(Client, ada), paragraph)
    assert "is published — you are a trusted contributor" in response.content.decode()
    note = Annotation.objects.get(paragraph=paragraph)
    assert note.status == Status.ACCEPTED and note.review_rule == Rule.TRUST
    decision = Decision.objects.get(object_id=note.pk, content_type__model="annotation")
    assert (decision.decided_by, decision.rule) == (None, Rule.TRUST)
    assert "2 accepted contributions and none marked spam" in decision.reason
    assert "Rapallo is on the Ligurian coast." in Client().get("/").content.decode()
    moderator = logged_in(Client, make_role_user("moderator"))
    queue = moderator.get("/admin/annotations/annotation/?needs=trust")
    assert list(queue.context["cl"].result_list) == [note]
    assert "published on trust" in queue.content.decode()


@pytest.mark.parametrize("accepted,spam", [(1, 0), (2, 1)])
def test_new_contributors_and_spammers_wait_for_a_person(paragraph, accepted, spam):
    user = with_record("someone", accepted=accepted, spam=spam)
    assert "waiting for a moderator" in submit_note(logged_in(Client, user), paragraph).content.decode()
    assert Annotation.objects.get(paragraph=paragraph).status == Status.PENDING


@pytest.mark.parametrize("category", sorted(moderation.FACT_CATEGORIES))
def test_factual_date_and_name_corrections_always_wait_for_a_person(paragraph, category):
    ada = with_record("ada")
    source = make_source()
    submit_correction(logged_in(Client, ada), paragraph, category, **{"cite-choice": "existing",
                                                                      "cite-source": source.pk})
    assert Correction.objects.get(paragraph=paragraph).status == Status.PENDING


def test_trusted_contributors_correction_outside_the_fact_categories_is_published_on_trust(paragraph):
    submit_correction(logged_in(Client, with_record("ada")), paragraph, NOT_A_FACT)
    correction = Correction.objects.get(paragraph=paragraph)
    assert (correction.status, correction.review_rule) == (Status.ACCEPTED, Rule.TRUST)


def test_moderator_keeps_an_item_published_on_trust_and_it_leaves_that_queue(paragraph):
    submit_note(logged_in(Client, with_record("ada")), paragraph)
    note = Annotation.objects.get(paragraph=paragraph)
    moderator = logged_in(Client, make_role_user("moderator"))
    page = moderator.get(f"/admin/annotations/annotation/{note.pk}/change/").content.decode()
    assert "published on trust" in page and 'value="keep"' in page
    moderator.post(f"/admin/annotations/annotation/{note.pk}/decide/",
                   {"decision": "keep", "reason": "", "version": note.version})
    note.refresh_from_db()
    assert (note.status, note.review_rule) == (Status.ACCEPTED, "")
    assert not Annotation.objects.published_on_trust().exists()


def test_revoking_trust_moves_nothing_already_decided_and_is_logged(paragraph):
    ada = with_record("ada")
    contributor = logged_in(Client, ada)
    submit_note(contributor, paragraph)
    on_trust = Annotation.objects.get(paragraph=paragraph)
    moderator = logged_in(Client, make_role_user("moderator"))
    changelist = "/admin/annotations/contributor/"
    action = {"action": "revoke_trust_selected", "_selected_action": [ada.pk]}
    assert "Reason" in moderator.post(changelist, action).content.decode()  # the confirmation page
    moderator.post(changelist, {**action, "confirm": "yes", "reason": "Careless sourcing lately."})
    assert Standing.objects.get(user=ada).trust_revoked
    change = StandingChange.objects.get(user=ada)
    assert (change.change, change.reason) == (StandingChange.Change.REVOKE_TRUST, "Careless sourcing lately.")
    on_trust.refresh_from_db()
    assert on_trust.status == Status.ACCEPTED  # nothing already decided moves
    submit_note(contributor, paragraph, exact="Genoa")
    assert Annotation.objects.get(exact="Genoa").status == Status.PENDING
    history = moderator.get(f"{changelist}{ada.pk}/change/").content.decode()
    assert "Careless sourcing lately." in history and "trust revoked" in history


def test_marking_spam_can_suspend_the_contributor_whose_pending_items_leave_the_queue(paragraph):
    spammer = make_user("spammer")
    advert = make_note(paragraph, "Rapallo", status=Status.PENDING, submitted_by=spammer)
    other = make_note(paragraph, "Genoa", status=Status.PENDING, submitted_by=spammer)
    honest = make_note(paragraph, "1922", status=Status.PENDING, submitted_by=make_user("honest"))
    moderator = logged_in(Client, make_role_user("moderator"))
    moderator.post(f"/admin/annotations/annotation/{advert.pk}/decide/",
                   {"decision": "spam", "reason": "Advert.", "suspend": "on", "version": advert.version})
    assert Standing.objects.get(user=spammer).suspended
    assert StandingChange.objects.get(user=spammer).change == StandingChange.Change.SUSPEND
    queue = moderator.get("/admin/annotations/annotation/")
    assert list(queue.context["cl"].result_list) == [honest]
    held = moderator.get("/admin/annotations/annotation/?status=held")
    assert list(held.context["cl"].result_list) == [other]
    assert Annotation.objects.get(pk=other.pk).status == Status.PENDING  # held, not decided
    assert '<td id="queue-held">1</td>' in moderator.get("/admin/").content.decode()


def test_suspended_contributor_cannot_contribute_but_can_read_and_withdraw(paragraph):
    spammer = make_user("spammer")
    pending = make_note(paragraph, "Genoa", status=Status.PENDING, submitted_by=spammer)
    Standing.objects.create(user=spammer, suspended=True)
    client = logged_in(Client, spammer)
    for url in (f"/p/{paragraph.anchor}/", f"/p/{paragraph.anchor}/note/", f"/me/notes/{pending.pk}/edit/"):
        response = client.get(url)
        assert response.status_code == 403 and "suspended from contributing" in response.content.decode()
    refused = submit_note(client, paragraph)
    assert refused.status_code == 403 and Annotation.objects.count() == 1
    published = make_note(paragraph, "1922", submitted_by=make_user("other"))
    assert "suspended" in client.post(f"/notes/{published.pk}/flag/", {"reason": "spam"}).content.decode()
    assert client.get("/me/").status_code == 200 and client.get("/").status_code == 200
    client.post(f"/me/notes/{pending.pk}/withdraw/", {"version": pending.version})
    assert Annotation.objects.get(pk=pending.pk).status == Status.WITHDRAWN


def test_reinstating_a_contributor_returns_their_pending_items_to_the_queue(paragraph):
    spammer = make_user("spammer")
    held = make_note(paragraph, "Genoa", status=Status.PENDING, submitted_by=spammer)
    moderator_user = make_role_user("moderator")
    moderation.contributors_change_standing([spammer], change=StandingChange.Change.SUSPEND,
                                            moderator=moderator_user, reason="Spam wave.")
    assert not Annotation.objects.awaiting_review().exists()
    moderator = logged_in(Client, moderator_user)
    moderator.post("/admin/annotations/contributor/", {
        "action": "reinstate_selected", "_selected_action": [spammer.pk], "confirm": "yes",
        "reason": "A classmate's account, misused; the student asked.",
    })
    assert list(Annotation.objects.awaiting_review()) == [held]
    assert [c.change for c in StandingChange.objects.filter(user=spammer)] == ["suspend", "reinstate"]
    assert "waiting for a moderator" in submit_note(logged_in(Client, spammer), paragraph).content.decode()


def test_bulk_spam_from_the_confirmation_page_suspends_each_contributor(paragraph):
    spammers = [make_user(f"bot{n}") for n in range(3)]
    notes = [make_note(paragraph, word, status=Status.PENDING, submitted_by=bot)
             for word, bot in zip(("Rapallo", "Genoa", "1922"), spammers)]
    moderator = logged_in(Client, make_role_user("moderator"))
    page = moderator.post("/admin/annotations/annotation/",
                          {"action": "spam_selected", "_selected_action": [n.pk for n in notes]})
    assert "Also suspend their contributors" in page.content.decode()
    moderator.post("/admin/annotations/annotation/", {
        "action": "spam_selected", "_selected_action": [n.pk for n in notes], "confirm": "yes", "suspend": "on",
        "reason": "", "versions": " ".join(f"{n.pk}:{n.version}" for n in notes),
    })
    assert Standing.objects.filter(user__in=spammers, suspended=True).count() == 3


def test_contributors_list_shows_who_the_trust_rule_trusts(client):
    with_record("trusted")
    with_record("newcomer", accepted=1)
    client.force_login(make_role_user("moderator"))
    html = client.get("/admin/annotations/contributor/?q=e").content.decode()
    trusted_cells = re.findall(r'<td class="field-trusted"><img src="[^"]+" alt="(\w+)"></td>', html)
    names = re.findall(r'<th class="field-username"><a href="[^"]+">([\w-]+)</a></th>', html)
    assert dict(zip(names, trusted_cells)) == {"moderator": "False", "newcomer": "False", "trusted": "True"}


def test_trusted_contributors_citation_and_new_source_follow_the_note(paragraph):
    ada = with_record("ada")
    response = submit_note(logged_in(Client, ada), paragraph, **{
        "cite-choice": "new", "source-kind": "book", "source-title": "A new history of Rapallo", "source-year": "1990",
    })
    assert response.status_code == 200
    note = Annotation.objects.get(paragraph=paragraph)
    [citation] = note.citations.all()
    assert (citation.status, citation.source.status) == (Status.ACCEPTED, Status.ACCEPTED)
    assert citation.source.review_rule == Rule.TRUST


def test_a_decision_by_a_rule_is_logged_with_the_rule_and_no_person(paragraph):
    note = make_note(paragraph, "Rapallo", status=Status.PENDING, submitted_by=with_record("ada"))
    assert moderation.item_submitted(note)
    decision = Decision.objects.get(object_id=note.pk, content_type__model="annotation")
    assert decision.decider == "the trust rule" and "the trust rule" in str(decision)
    assert timezone.now() - decision.decided_at < timedelta(minutes=1)
    assert not moderation.item_submitted(make_correction(paragraph, "1926", status=Status.PENDING, category="date",
                                                         submitted_by=note.submitted_by))
