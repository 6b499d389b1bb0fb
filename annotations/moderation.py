"""
Moderation decisions, shared by the admin and the public views.

Every change of status goes through ``item_transition``: it refuses moves the
workflow does not allow, refuses a decision made against a stale version of
the item (two moderators deciding at once: the second is told), records a
``Decision`` row (who, when, why, from what to what), and invalidates the
cached edition. Usage::

    from annotations import moderation
    moderation.item_approve(note, moderator=request.user)
    moderation.item_reject(correction, moderator=request.user, reason="No source given.")
    moderation.item_withdraw(note, user=request.user)     # the contributor, while pending
"""

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from annotations.models import Decision, Essay, Status


class TransitionError(Exception):
    """A decision the workflow does not allow; the message says why."""


class StaleItemError(TransitionError):
    """The item changed (someone else decided or edited it) since it was loaded."""


# (from, to) moves a moderator may make. Withdrawing is the contributor's own
# move; reopening puts a decided item back in the queue.
MODERATOR_TRANSITIONS = {
    (Status.PENDING, Status.ACCEPTED),
    (Status.PENDING, Status.REJECTED),
    (Status.PENDING, Status.SPAM),
    (Status.REJECTED, Status.PENDING),
    (Status.SPAM, Status.PENDING),
    (Status.ACCEPTED, Status.PENDING),
}
CONTRIBUTOR_TRANSITIONS = {(Status.PENDING, Status.WITHDRAWN)}


def _refuse_message(item, to_status):
    current = Status(item.status).label
    if item.status == to_status:
        return f"{item} is already {current}."
    if item.status == Status.WITHDRAWN:
        return f"{item} was withdrawn by its contributor and cannot be decided."
    if to_status == Status.ACCEPTED:
        return f"{item} is {current}; reopen it before accepting it."
    return f"{item} is {current} and cannot become {Status(to_status).label}."


def item_transition(item, *, to_status, user, reason="", allowed=MODERATOR_TRANSITIONS, expected_version=None):
    """Move ``item`` to ``to_status`` atomically; returns the updated item.

    ``expected_version`` is the version the decider saw (defaults to the
    version of the instance passed in); if the row has moved on since, nothing
    is written and StaleItemError says so.
    """
    from_status = item.status
    if (from_status, to_status) not in allowed:
        raise TransitionError(_refuse_message(item, to_status))
    version = item.version if expected_version is None else expected_version
    now = timezone.now()
    model = type(item)
    changes = {"status": to_status, "version": F("version") + 1, "updated_at": now}
    if allowed is MODERATOR_TRANSITIONS:
        # The latest review shown on the item; the full history is in Decision.
        changes.update(reviewed_by=user, reviewed_at=now, review_reason=reason)
    with transaction.atomic():
        updated = model.objects.filter(pk=item.pk, version=version, status=from_status).update(**changes)
        if not updated:
            current = model.objects.filter(pk=item.pk).values_list("status", flat=True).first()
            label = Status(current).label if current else "deleted"
            raise StaleItemError(
                f"{item} was changed by someone else while you were looking at it (it is now {label}). "
                "Reload it and decide again."
            )
        Decision.objects.create(
            content_type=ContentType.objects.get_for_model(model),
            object_id=item.pk,
            from_status=from_status,
            to_status=to_status,
            decided_by=user,
            decided_at=now,
            reason=reason,
        )
        Essay.revision_bump()
    item.refresh_from_db()
    return item


def item_approve(item, *, moderator, reason="", expected_version=None):
    return item_transition(
        item, to_status=Status.ACCEPTED, user=moderator, reason=reason, expected_version=expected_version
    )


def item_reject(item, *, moderator, reason, expected_version=None):
    if not (reason or "").strip():
        raise TransitionError("A reason is required to reject an item; the contributor will see it.")
    return item_transition(
        item, to_status=Status.REJECTED, user=moderator, reason=reason.strip(), expected_version=expected_version
    )


def item_mark_spam(item, *, moderator, reason="", expected_version=None):
    return item_transition(
        item, to_status=Status.SPAM, user=moderator, reason=reason, expected_version=expected_version
    )


def item_reopen(item, *, moderator, reason="", expected_version=None):
    return item_transition(
        item, to_status=Status.PENDING, user=moderator, reason=reason, expected_version=expected_version
    )


def item_withdraw(item, *, user, expected_version=None):
    """The contributor takes back their own pending item."""
    if item.submitted_by_id != user.pk:
        raise TransitionError("Only the contributor who submitted an item can withdraw it.")
    return item_transition(
        item,
        to_status=Status.WITHDRAWN,
        user=user,
        allowed=CONTRIBUTOR_TRANSITIONS,
        expected_version=expected_version,
    )


def item_revise(item, *, user, changes, expected_version=None):
    """The contributor edits their own pending item (``changes``: field → new value).

    The version goes up, so a moderator deciding the version they saw before
    the edit is refused (StaleItemError) and sees the new wording first.
    """
    if item.submitted_by_id != user.pk:
        raise TransitionError("Only the contributor who submitted an item can edit it.")
    if item.status != Status.PENDING:
        raise TransitionError(f"{item} is {Status(item.status).label} and can no longer be edited.")
    version = item.version if expected_version is None else expected_version
    model = type(item)
    updated = model.objects.filter(pk=item.pk, version=version, status=Status.PENDING).update(
        **changes, version=F("version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise StaleItemError(
            f"{item} was changed (reviewed, withdrawn or edited elsewhere) since you opened it. "
            "Reload it and edit again."
        )
    item.refresh_from_db()
    return item
