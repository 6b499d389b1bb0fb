"""Bulk decisions are set-based: deciding 1,000 items takes as many queries as deciding 10.

Each size is decided once in the same test and the queries counted
(CaptureQueriesContext), directly through ``moderation.items_decide`` and through
the admin's confirmation page; stale versions are still refused item by item.
Run on SQLite and on PostgreSQL (DATABASE_URL) like the rest of the suite.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Version

from annotations import moderation
from annotations.models import Annotation, Citation, Correction, Decision, Source, Standing, Status
from tests.factories import make_user
from tests.moderation_support import client_as, make_many_pending

pytestmark = pytest.mark.django_db

SIZES = (10, 1000)
# A bound that would be passed by a few items decided one by one, never by a thousand.
MAX_QUERIES = 30


@pytest.fixture(autouse=True)
def content_types_known():
    """A server process knows its content types after its first request; so do these counts."""
    ContentType.objects.get_for_models(Annotation, Correction, Source, Citation)


def decide_counting(items, decision, moderator, **options):
    with CaptureQueriesContext(connection) as captured:
        outcome = moderation.items_decide(
            items, decision=decision, moderator=moderator, versions={item.pk: item.version for item in items},
            **options,
        )
    assert not outcome.refused, outcome.refused[:3]
    assert len(outcome.decided) == len(items)
    return len(captured)


@pytest.mark.parametrize("model,decision,reason,status", [
    (Annotation, "approve", "", Status.ACCEPTED),
    (Correction, "approve", "", Status.ACCEPTED),
    (Correction, "reject", "Not what the treaty says.", Status.REJECTED),
    (Annotation, "spam", "", Status.SPAM),
])
def test_deciding_a_thousand_items_takes_as_many_queries_as_ten(moderator, model, decision, reason, status):
    counts = {}
    for size in SIZES:
        items = make_many_pending(model, size, contributor=make_user(f"class-{size}"))
        counts[size] = decide_counting(items, decision, moderator, reason=reason)
        assert model.objects.filter(pk__in=[i.pk for i in items], status=status).count() == size
        # Their citations followed them, each with its own Decision row and history.
        citations = Citation.objects.filter(**{f"{'annotation' if model is Annotation else 'correction'}__in": items})
        assert set(citations.values_list("status", flat=True)) == {status}
        assert Decision.objects.filter(object_id__in=[i.pk for i in items], to_status=status).count() >= size
    assert counts[10] == counts[1000] <= MAX_QUERIES, counts


def test_accepting_a_thousand_items_accepts_their_sources_and_records_every_decision(moderator):
    items = make_many_pending(Annotation, 1000, contributor=make_user("ada"))
    decide_counting(items, "approve", moderator)
    sources = Source.objects.filter(citations__annotation__in=items)
    assert set(sources.values_list("status", flat=True)) == {Status.ACCEPTED}
    note = items[500]
    history = moderation.item_history(Annotation.objects.get(pk=note.pk))
    assert [entry["comment"] for entry in history] == ["As first stored.", "pending review → accepted"]
    assert history[1]["user"] == moderator
    assert Version.objects.get_for_model(Source).count() == 2000  # each source: as first stored, then accepted


def test_spam_with_suspension_suspends_every_contributor_once_at_any_size(moderator):
    counts = {}
    for size in SIZES:
        spammer = make_user(f"spammer-{size}")
        items = make_many_pending(Annotation, size, contributor=spammer, cited=False)
        counts[size] = decide_counting(items, "spam", moderator, reason="Advert.", suspend=True)
        assert Standing.objects.get(user=spammer).suspended
        assert spammer.standing_changes.count() == 1
    assert counts[10] == counts[1000], counts


def test_bulk_decision_refuses_stale_items_one_by_one_and_decides_the_others(moderator):
    items = make_many_pending(Annotation, 10, cited=False)
    versions = {item.pk: item.version for item in items}
    stale = items[2:5]
    Annotation.objects.filter(pk__in=[item.pk for item in stale]).update(version=7, body="Edited meanwhile.")
    outcome = moderation.items_decide(items, decision="approve", moderator=moderator, versions=versions)
    assert {item.pk for item, _ in outcome.refused} == {item.pk for item in stale}
    assert all(isinstance(error, moderation.StaleItemError) and "changed by someone else" in str(error)
               for _, error in outcome.refused)
    assert Annotation.objects.published().count() == 7
    assert not Decision.objects.filter(object_id__in=[item.pk for item in stale]).exists()


def test_overlapping_corrections_in_one_bulk_acceptance_are_refused_after_the_first(moderator):
    first, second = make_many_pending(Correction, 2)
    Correction.objects.filter(pk=second.pk).update(start=first.start, end=first.end, exact=first.exact)
    second.refresh_from_db()
    outcome = moderation.items_decide([first, second], decision="approve", moderator=moderator)
    assert outcome.decided == [first]
    [(refused, error)] = outcome.refused
    assert refused.pk == second.pk and isinstance(error, moderation.ConflictError) and f"#{first.pk}" in str(error)


def test_admin_bulk_confirmation_takes_as_many_queries_for_a_thousand_notes_as_for_ten(client):
    client, _ = client_as(client, "moderator")
    counts = {}
    for size in SIZES:
        items = make_many_pending(Annotation, size, contributor=make_user(f"class-{size}"))
        # The whole filtered list was selected ("select all"), as the confirmation page then posts it.
        queue = f"/admin/annotations/annotation/?submitted_by__id__exact={items[0].submitted_by_id}"
        selected = {"action": "approve_selected", "_selected_action": [items[0].pk], "select_across": "1"}
        confirmation = client.post(queue, selected)
        assert confirmation.status_code == 200 and confirmation.content.decode().count("<mark>") == size
        data = {**selected, "confirm": "yes", "reason": "",
                "versions": " ".join(f"{item.pk}:{item.version}" for item in items)}
        with CaptureQueriesContext(connection) as captured:
            response = client.post(queue, data)
        assert response.status_code == 302
        counts[size] = len(captured)
        assert Annotation.objects.filter(pk__in=[i.pk for i in items], status=Status.ACCEPTED).count() == size
    assert counts[10] == counts[1000], counts
