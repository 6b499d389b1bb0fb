"""Two moderators deciding the same item at the same moment: exactly one decision wins.

Each moderator runs in their own thread with their own database connection,
so the race is real: on PostgreSQL the second UPDATE waits for the first
transaction's row lock and then finds the version moved on; on SQLite the
database's single writer serialises them the same way.
"""

import threading

import pytest
from django.db import OperationalError, connection, connections

from annotations import moderation
from annotations.models import Annotation, Decision, Status
from tests.factories import make_note
from tests.moderation_support import make_role_user

pytestmark = pytest.mark.django_db(transaction=True)


def decide_at_once(decisions):
    """Run each ``(callable)`` in its own thread, released together; returns each outcome."""
    barrier = threading.Barrier(len(decisions))
    outcomes = [None] * len(decisions)

    def run(index, decide):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = ("won", decide())
        except moderation.StaleItemError as error:
            outcomes[index] = ("stale", str(error))
        except Exception as error:  # reported by the assertion below, not lost in the thread
            outcomes[index] = ("error", repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, decide)) for index, decide in enumerate(decisions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _retrying_on_locked_sqlite(decide):
    """SQLite may answer a second writer with “database is locked” before the first commits; retry then."""
    def attempt():
        for _ in range(50):
            try:
                return decide()
            except OperationalError as error:
                if connection.vendor != "sqlite" or "locked" not in str(error):
                    raise
                threading.Event().wait(0.05)
        raise AssertionError("the database stayed locked")
    return attempt


def test_two_moderators_deciding_at_once_exactly_one_wins():
    note = make_note(status=Status.PENDING)
    first, second = make_role_user("moderator", "first"), make_role_user("moderator", "second")
    seen = note.version
    # Both moderators opened the item's page before either decided.
    first_view, second_view = Annotation.objects.get(pk=note.pk), Annotation.objects.get(pk=note.pk)

    outcomes = decide_at_once([
        _retrying_on_locked_sqlite(lambda: moderation.item_approve(
            first_view, moderator=first, reason="Well sourced.", expected_version=seen)),
        _retrying_on_locked_sqlite(lambda: moderation.item_reject(
            second_view, moderator=second, reason="Off topic.", expected_version=seen)),
    ])

    assert sorted(kind for kind, _ in outcomes) == ["stale", "won"], outcomes
    loser_message = next(message for kind, message in outcomes if kind == "stale")
    assert "changed by someone else" in loser_message
    note.refresh_from_db()
    decisions = list(Decision.objects.filter(object_id=note.pk))
    assert len(decisions) == 1
    winner = decisions[0]
    assert (note.status, note.reviewed_by_id, note.version) == (winner.to_status, winner.decided_by_id, seen + 1)
    assert note.review_reason == winner.reason
