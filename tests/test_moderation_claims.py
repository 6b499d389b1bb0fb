"""Claims: opening an item claims it for some minutes; others see who and since when, may still decide; it lapses."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from annotations.models import Annotation, Claim, Status
from tests.factories import make_note, make_paragraph
from tests.moderation_support import logged_in, make_role_user

pytestmark = pytest.mark.django_db

NOTES = "/admin/annotations/annotation/"


@pytest.fixture
def desk():
    """Two moderators at their desks and three pending notes, oldest first."""
    paragraph = make_paragraph()
    now = timezone.now()
    notes = [make_note(paragraph, word, status=Status.PENDING, submitted_at=now - timedelta(hours=3 - n))
             for n, word in enumerate(("Rapallo", "1922", "Genoa"))]
    ada, bob = make_role_user("moderator", "ada"), make_role_user("moderator", "bob")
    return notes, (ada, logged_in(Client, ada)), (bob, logged_in(Client, bob))


def test_opening_an_item_claims_it_and_others_see_who_since_when(desk):
    (first, *_), (ada, ada_client), (_, bob_client) = desk
    ada_client.get(f"{NOTES}{first.pk}/change/")
    claim = Claim.objects.get()
    assert (claim.item, claim.moderator) == (first, ada)
    since = timezone.localtime(claim.claimed_at).strftime("%H:%M")
    page = bob_client.get(f"{NOTES}{first.pk}/change/").content.decode()
    assert f"Being reviewed by <strong>ada</strong> since {since}" in page
    assert Claim.objects.get().moderator == ada  # not taken over
    assert f"being reviewed by ada since {since}" in bob_client.get(NOTES).content.decode()
    assert "being reviewed by" not in ada_client.get(NOTES).content.decode()  # one's own claim is no news


def test_another_moderator_may_still_decide_a_claimed_item(desk):
    (first, *_), (_, ada_client), (bob, bob_client) = desk
    ada_client.get(f"{NOTES}{first.pk}/change/")
    bob_client.post(f"{NOTES}{first.pk}/decide/", {"decision": "approve", "reason": "", "version": first.version})
    first.refresh_from_db()
    assert (first.status, first.reviewed_by) == (Status.ACCEPTED, bob)
    assert not Claim.objects.exists()  # deciding releases the claim
    stale = ada_client.post(f"{NOTES}{first.pk}/decide/",
                            {"decision": "reject", "reason": "No.", "version": first.version - 1}, follow=True)
    assert "changed by someone else" in stale.content.decode()


def test_a_claim_lapses_by_itself(desk, settings):
    (first, *_), (_, ada_client), (bob, bob_client) = desk
    ada_client.get(f"{NOTES}{first.pk}/change/")
    Claim.objects.update(claimed_at=timezone.now() - timedelta(minutes=settings.CLAIM_MINUTES + 1))
    assert "being reviewed by" not in bob_client.get(NOTES).content.decode()
    page = bob_client.get(f"{NOTES}{first.pk}/change/").content.decode()
    assert "Being reviewed by" not in page
    assert Claim.objects.get().moderator == bob


def test_after_deciding_the_desk_opens_the_next_item_no_one_else_is_reviewing(desk):
    (first, second, third), (_, ada_client), (_, bob_client) = desk
    bob_client.get(f"{NOTES}{second.pk}/change/")
    response = ada_client.post(f"{NOTES}{first.pk}/decide/",
                               {"decision": "approve", "reason": "", "version": first.version})
    assert response["Location"] == f"{NOTES}{third.pk}/change/"
    page = ada_client.get(f"{NOTES}{third.pk}/change/").content.decode()
    assert f'href="{NOTES}{second.pk}/change/" rel="prev"' in page  # still reachable by hand
    assert Annotation.objects.get(pk=first.pk).status == Status.ACCEPTED
