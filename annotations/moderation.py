"""
Moderation decisions, shared by the admin and the public views.

Every change of status goes through ``item_transition``: it refuses moves the
workflow does not allow, refuses a decision made against a stale version of
the item (two moderators deciding at once: the second is told), records a
``Decision`` row (who, when, why, from what to what) and a django-reversion
revision of the item, invalidates the cached edition and, once the transaction
commits, emails the contributor. Usage::

    from annotations import moderation
    moderation.item_approve(note, moderator=request.user)
    moderation.item_reject(correction, moderator=request.user, reason="No source given.")
    moderation.item_withdraw(note, user=request.user)     # the contributor, while pending
    moderation.paragraph_repair(paragraph, editor=request.user, new_text=..., reason="OCR error")

Accepting a note or a correction accepts its pending citations with it (and
their pending sources), unless a citation was rejected separately first;
rejecting it (or marking it spam) rejects its pending citations. Sources are
otherwise decided on their own: one source may be cited by many items.
"""

from dataclasses import dataclass, field
from functools import partial

import reversion
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from reversion.models import Version

from annotations import notifications, text
from annotations.models import (
    Annotation,
    Citation,
    Correction,
    Decision,
    Essay,
    Paragraph,
    Section,
    Source,
    Status,
)

# Every change to these keeps a viewable history (django-reversion).
for _model in (Annotation, Correction, Source, Citation, Paragraph, Section, Essay):
    if not reversion.is_registered(_model):
        reversion.register(_model)


class TransitionError(Exception):
    """A decision the workflow does not allow; the message says why."""


class StaleItemError(TransitionError):
    """The item changed (someone else decided or edited it) since it was loaded."""


class ConflictError(TransitionError):
    """Accepting the item would clash with something already published."""


class RepairError(ValueError):
    """A repair of a paragraph's text that cannot be made; the message says why."""


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
# Retiring an orphaned item a repair left with no place: straight to rejected.
RETIRE_TRANSITIONS = MODERATOR_TRANSITIONS | {(Status.ACCEPTED, Status.REJECTED)}
# The contributor hears about these (spam is not answered).
NOTIFIED_STATUSES = {Status.ACCEPTED, Status.REJECTED}


def _refuse_message(item, to_status):
    current = Status(item.status).label
    if item.status == to_status:
        return f"{item} is already {current}."
    if item.status == Status.WITHDRAWN:
        return f"{item} was withdrawn by its contributor and cannot be decided."
    if to_status == Status.ACCEPTED:
        return f"{item} is {current}; reopen it before accepting it."
    return f"{item} is {current} and cannot become {Status(to_status).label}."


def _stale_message(item, current_status):
    label = Status(current_status).label if current_status else "deleted"
    return (
        f"{item} was changed by someone else while you were looking at it (it is now {label}). "
        "Reload it and decide again."
    )


def _refuse_if_stale(item, expected_version):
    """Refuse a decision made on a version the item has since left.

    Checked before the workflow's rules: a moderator who saw a pending item
    must hear that someone else decided it, not that it cannot be accepted.
    """
    if expected_version is not None and expected_version != item.version:
        raise StaleItemError(_stale_message(item, item.status))


def _refuse_stale(item):
    """Raise StaleItemError, naming the status the item has now."""
    current = type(item).objects.filter(pk=item.pk).values_list("status", flat=True).first()
    raise StaleItemError(_stale_message(item, current))


def _record_revision(*objects, user, comment):
    """Store the current state of ``objects`` as one revision of their history."""
    with reversion.create_revision():
        for obj in objects:
            reversion.add_to_revision(obj)
        reversion.set_user(user)
        reversion.set_comment(comment)


def _record_baseline(item):
    """Keep the item as first stored, before the first change we record.

    Contributions are created outside a revision; without this the history
    would start after the first decision or edit and lose the original.
    """
    if reversion.is_active() or Version.objects.get_for_object(item).exists():
        return
    _record_revision(item, user=getattr(item, "submitted_by", None), comment="As first stored.")


def item_transition(
    item, *, to_status, user, reason="", allowed=MODERATOR_TRANSITIONS, expected_version=None, notify=True
):
    """Move ``item`` to ``to_status`` atomically; returns the updated item.

    ``expected_version`` is the version the decider saw (defaults to the
    version of the instance passed in); if the row has moved on since, nothing
    is written and StaleItemError says so.
    """
    from_status = item.status
    _refuse_if_stale(item, expected_version)
    if (from_status, to_status) not in allowed:
        raise TransitionError(_refuse_message(item, to_status))
    version = item.version if expected_version is None else expected_version
    now = timezone.now()
    model = type(item)
    by_moderator = allowed is not CONTRIBUTOR_TRANSITIONS
    changes = {"status": to_status, "version": F("version") + 1, "updated_at": now}
    if by_moderator:
        # The latest review shown on the item; the full history is in Decision.
        changes.update(reviewed_by=user, reviewed_at=now, review_reason=reason)
    with transaction.atomic():
        _record_baseline(item)
        updated = model.objects.filter(pk=item.pk, version=version, status=from_status).update(**changes)
        if not updated:
            _refuse_stale(item)
        decision = Decision.objects.create(
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
        _record_revision(item, user=user, comment=_decision_comment(decision))
        if notify and by_moderator and to_status in NOTIFIED_STATUSES:
            transaction.on_commit(partial(notifications.decision_notify, item=item, decision=decision))
    return item


def _decision_comment(decision):
    comment = f"{Status(decision.from_status).label} → {Status(decision.to_status).label}"
    return f"{comment}: {decision.reason}" if decision.reason else comment


def _refuse_unless_allowed(item, to_status, allowed=MODERATOR_TRANSITIONS):
    if (item.status, to_status) not in allowed:
        raise TransitionError(_refuse_message(item, to_status))


def correction_conflicts(correction):
    """Accepted, placed corrections whose span overlaps this one's in the same paragraph."""
    others = (
        Correction.objects.published()
        .for_paragraph(correction.paragraph_id)
        .exclude(pk=correction.pk)
        .order_by("start", "pk")
    )
    return [
        other for other in others if text.spans_overlap(correction.start, correction.end, other.start, other.end)
    ]


def _refuse_conflicts(correction):
    # Lock the paragraph so two overlapping corrections accepted at once are
    # checked one after the other (a no-op lock on SQLite, which writes serially).
    Paragraph.objects.select_for_update().filter(pk=correction.paragraph_id).first()
    conflicts = correction_conflicts(correction)
    if conflicts:
        named = "; ".join(f"{other} (#{other.pk})" for other in conflicts)
        raise ConflictError(
            f"{correction} overlaps an accepted correction of the same words: {named}. "
            "Reopen or retire that one first, or reject this one."
        )


def _citations_to_accept(item):
    """Pending citations of ``item`` split into those that can follow it and those that cannot."""
    pending = list(item.citations.pending().select_related("source"))
    acceptable = [c for c in pending if c.source.status in (Status.PENDING, Status.ACCEPTED)]
    return acceptable, [c for c in pending if c not in acceptable]


def _refuse_unsourced(correction, acceptable_citations):
    if correction.category not in Correction.SOURCED_CATEGORIES:
        return
    if acceptable_citations or correction.citations.published().exists():
        return
    raise TransitionError(
        f"{correction} is a {correction.get_category_display()} correction and cites no source that can be "
        "published; it cannot be accepted without one."
    )


def _accept_source_of(citation, *, moderator):
    """A citation is only published with its source: accept a pending one, refuse a declined one."""
    source = citation.source
    source.refresh_from_db()  # another citation of the same source may just have accepted it
    if source.status == Status.PENDING:
        item_transition(source, to_status=Status.ACCEPTED, user=moderator, reason=f"Cited by {citation.item}.")
    elif source.status != Status.ACCEPTED:
        raise TransitionError(f"{citation} cites {source}, which is {Status(source.status).label}; reject it instead.")


def item_approve(item, *, moderator, reason="", expected_version=None):
    """Accept an item; a note's or correction's pending citations (and sources) come with it."""
    _refuse_if_stale(item, expected_version)
    _refuse_unless_allowed(item, Status.ACCEPTED)
    with transaction.atomic():
        acceptable, unpublishable = [], []
        if isinstance(item, (Annotation, Correction)):
            acceptable, unpublishable = _citations_to_accept(item)
        if isinstance(item, Correction):
            _refuse_conflicts(item)
            _refuse_unsourced(item, acceptable)
        if isinstance(item, Citation):
            _accept_source_of(item, moderator=moderator)
        item = item_transition(
            item, to_status=Status.ACCEPTED, user=moderator, reason=reason, expected_version=expected_version
        )
        for citation in acceptable:
            _accept_source_of(citation, moderator=moderator)
            item_transition(
                citation, to_status=Status.ACCEPTED, user=moderator, reason=f"Accepted with {item}.", notify=False
            )
        for citation in unpublishable:
            item_transition(
                citation,
                to_status=Status.REJECTED,
                user=moderator,
                reason=f"Its source, {citation.source}, is {Status(citation.source.status).label}.",
                notify=False,
            )
    return item


def _decline(item, *, to_status, moderator, reason, expected_version):
    """Reject or mark as spam; a note's or correction's pending citations go the same way."""
    _refuse_if_stale(item, expected_version)
    _refuse_unless_allowed(item, to_status)
    with transaction.atomic():
        item = item_transition(
            item, to_status=to_status, user=moderator, reason=reason, expected_version=expected_version
        )
        if isinstance(item, (Annotation, Correction)):
            for citation in item.citations.pending():
                item_transition(
                    citation, to_status=to_status, user=moderator, reason=f"Declined with {item}.", notify=False
                )
    return item


def item_reject(item, *, moderator, reason, expected_version=None):
    if not (reason or "").strip():
        raise TransitionError("A reason is required to reject an item; the contributor will see it.")
    return _decline(
        item, to_status=Status.REJECTED, moderator=moderator, reason=reason.strip(), expected_version=expected_version
    )


def item_mark_spam(item, *, moderator, reason="", expected_version=None):
    return _decline(
        item, to_status=Status.SPAM, moderator=moderator, reason=reason.strip(), expected_version=expected_version
    )


def item_reopen(item, *, moderator, reason="", expected_version=None):
    return item_transition(
        item, to_status=Status.PENDING, user=moderator, reason=reason, expected_version=expected_version
    )


# The decisions a moderator can take, by name (the admin's buttons and actions);
# retiring (item_retire, below) is only offered for orphaned items.
DECISIONS = {
    "approve": item_approve,
    "reject": item_reject,
    "spam": item_mark_spam,
    "reopen": item_reopen,
}
DECISION_TARGETS = {
    "approve": Status.ACCEPTED,
    "reject": Status.REJECTED,
    "spam": Status.SPAM,
    "reopen": Status.PENDING,
    "retire": Status.REJECTED,
}


def available_decisions(item):
    """The decisions the workflow allows on ``item`` now, in the order to offer them."""
    names = [name for name in DECISIONS if (item.status, DECISION_TARGETS[name]) in MODERATOR_TRANSITIONS]
    if getattr(item, "orphaned", False) and (item.status, Status.REJECTED) in RETIRE_TRANSITIONS:
        names.append("retire")
    return names


def item_decide(item, *, decision, moderator, reason="", expected_version=None):
    """Apply one of DECISIONS by name."""
    try:
        decide = item_retire if decision == "retire" else DECISIONS[decision]
    except KeyError:
        raise TransitionError(f"Unknown decision “{decision}”.") from None
    return decide(item, moderator=moderator, reason=reason, expected_version=expected_version)


@dataclass
class BulkOutcome:
    """What a bulk decision did: the items decided and, per refused item, why."""

    decided: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # (item, message)


def items_decide(items, *, decision, moderator, reason="", versions=None):
    """Decide many items one by one; a refusal of one never stops the others.

    ``versions`` maps pk → the version the moderator saw (the confirmation
    page); an item decided by someone else meanwhile is refused, not redone.
    """
    outcome = BulkOutcome()
    for item in items:
        expected = (versions or {}).get(item.pk)
        try:
            outcome.decided.append(
                item_decide(item, decision=decision, moderator=moderator, reason=reason, expected_version=expected)
            )
        except TransitionError as error:
            outcome.refused.append((item, str(error)))
    return outcome


def item_withdraw(item, *, user, expected_version=None):
    """The contributor takes back their own pending item.

    A note's, correction's or source's pending citations by the same
    contributor cite nothing any more, so they are withdrawn with it.
    """
    if item.submitted_by_id != user.pk:
        raise TransitionError("Only the contributor who submitted an item can withdraw it.")
    with transaction.atomic():
        item = item_transition(
            item,
            to_status=Status.WITHDRAWN,
            user=user,
            allowed=CONTRIBUTOR_TRANSITIONS,
            expected_version=expected_version,
        )
        if not isinstance(item, Citation):
            for citation in item.citations.pending().submitted_by(user):
                item_transition(citation, to_status=Status.WITHDRAWN, user=user, allowed=CONTRIBUTOR_TRANSITIONS)
    return item


def item_edit(item, *, user, fields, expected_version, comment=""):
    """Save a moderator's or editor's edit of an item's content, with its history.

    Refused (StaleItemError) when the item changed since ``expected_version``.
    """
    model = type(item)
    with transaction.atomic():
        _record_baseline(model.objects.get(pk=item.pk))
        updated = model.objects.filter(pk=item.pk, version=expected_version).update(version=F("version") + 1)
        if not updated:
            _refuse_stale(item)
        item.version = expected_version + 1
        item.save(update_fields=[*fields, "version", "updated_at"])
        Essay.revision_bump()
        _record_revision(item, user=user, comment=comment or f"Edited: {', '.join(fields)}.")
    return item


def row_edit(row, *, user, fields, comment):
    """Save a change to a row that has no version (the essay, a section), with its history."""
    with transaction.atomic():
        _record_baseline(type(row).objects.get(pk=row.pk))
        row.save(update_fields=fields)
        Essay.revision_bump()
        _record_revision(row, user=user, comment=comment)
    return row


def item_reattach(item, *, moderator, exact, prefix="", suffix="", expected_version=None):
    """Give an orphaned (or any) note or correction a new place in its paragraph.

    Raises text.QuoteError when the words are not in the paragraph once, and
    ConflictError when an accepted correction would overlap another.
    """
    anchor = text.anchor_quote(item.paragraph.text, exact, prefix, suffix)
    version = item.version if expected_version is None else expected_version
    model = type(item)
    with transaction.atomic():
        _record_baseline(item)
        placed = model(pk=item.pk, paragraph_id=item.paragraph_id, start=anchor.start, end=anchor.end)
        if isinstance(item, Correction) and item.status == Status.ACCEPTED:
            _refuse_conflicts(placed)
        updated = model.objects.filter(pk=item.pk, version=version).update(
            start=anchor.start, end=anchor.end, exact=anchor.exact, prefix=anchor.prefix, suffix=anchor.suffix,
            orphaned=False, version=F("version") + 1, updated_at=timezone.now(),
        )
        if not updated:
            _refuse_stale(item)
        Essay.revision_bump()
        item.refresh_from_db()
        _record_revision(item, user=moderator, comment=f"Re-attached to “{anchor.exact}”.")
    return item


def item_retire(item, *, moderator, reason, expected_version=None):
    """Retire an orphaned item for good: rejected, with the reason, whatever it was."""
    _refuse_if_stale(item, expected_version)
    if not getattr(item, "orphaned", False):
        raise TransitionError(f"{item} is not orphaned; reject it instead.")
    if not (reason or "").strip():
        raise TransitionError("A reason is required to retire an item; the contributor will see it.")
    return item_transition(
        item,
        to_status=Status.REJECTED,
        user=moderator,
        reason=reason.strip(),
        allowed=RETIRE_TRANSITIONS,
        expected_version=expected_version,
    )


@dataclass
class RepairOutcome:
    """What a repair of a paragraph did to the items anchored in it."""

    moved: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    orphaned: list = field(default_factory=list)

    def summary(self):
        return f"{len(self.moved)} re-anchored, {len(self.unchanged)} unchanged, {len(self.orphaned)} orphaned"


def paragraph_repair(paragraph, *, editor, new_text, reason):
    """Repair a paragraph's text (an import error) and re-anchor what hangs on it.

    Only editors may (the ``change_paragraph`` permission). Each note and
    correction of the paragraph, whatever its status, is placed again by
    ``text.reanchor``; one that cannot be is marked orphaned (hidden from
    readers, listed for moderators), never deleted. The paragraph and every
    touched item get one revision, with the reason and what happened.
    """
    if not editor.has_perm("annotations.change_paragraph"):
        raise RepairError("Only editors may repair the essay's text.")
    new_text = (new_text or "").strip()
    reason = (reason or "").strip()
    if not new_text:
        raise RepairError("The repaired text cannot be empty.")
    if not reason:
        raise RepairError("Say what the repair fixes (for example, the import error it undoes).")
    outcome = RepairOutcome()
    with transaction.atomic():
        locked = Paragraph.objects.select_for_update().get(pk=paragraph.pk)
        old_text = locked.text
        if new_text == old_text:
            raise RepairError("The text is unchanged; there is nothing to repair.")
        items = [*Annotation.objects.for_paragraph(locked), *Correction.objects.for_paragraph(locked)]
        for touched in (locked, *items):
            _record_baseline(touched)
        locked.text = new_text
        locked.save(update_fields=["text"])
        for item in items:
            anchor = text.reanchor(
                old_text, new_text, exact=item.exact, prefix=item.prefix, suffix=item.suffix,
                start=item.start, end=item.end,
            )
            if anchor is None:
                item.orphaned = True
                outcome.orphaned.append(item)
            else:
                placed_before = (item.start, item.end, item.exact, item.orphaned)
                item.start, item.end, item.exact = anchor.start, anchor.end, anchor.exact
                item.prefix, item.suffix, item.orphaned = anchor.prefix, anchor.suffix, False
                unchanged = placed_before == (anchor.start, anchor.end, anchor.exact, False)
                (outcome.unchanged if unchanged else outcome.moved).append(item)
            item.version += 1
            item.save(update_fields=["start", "end", "exact", "prefix", "suffix", "orphaned", "version", "updated_at"])
        Essay.revision_bump()
        _record_revision(locked, *items, user=editor, comment=f"Text repaired: {reason} ({outcome.summary()}).")
    paragraph.refresh_from_db()
    return outcome


# Bookkeeping fields left out of the change history.
_HISTORY_IGNORED = {"version", "updated_at", "id"}


def item_history(item):
    """Every recorded state of an item, oldest first, with what changed from the one before.

    A list of dicts: ``date``, ``user``, ``comment`` and ``changes``, a list of
    (field label, old value, new value).
    """
    labels = {f.attname: f.verbose_name for f in type(item)._meta.concrete_fields}
    entries, previous = [], None
    versions = Version.objects.get_for_object(item).select_related("revision__user").order_by("pk")
    for version in versions:
        fields = version.field_dict
        changes = [] if previous is None else [
            (labels.get(name, name), previous.get(name), value)
            for name, value in fields.items()
            if name not in _HISTORY_IGNORED and previous.get(name) != value
        ]
        entries.append({
            "date": version.revision.date_created,
            "user": version.revision.user,
            "comment": version.revision.comment,
            "changes": changes,
        })
        previous = fields
    return entries


def queue_counts():
    """How many items wait in each moderation queue (the admin index, the digest)."""
    return {
        "notes": Annotation.objects.pending().count(),
        "corrections": Correction.objects.pending().count(),
        "sources": Source.objects.pending().count(),
        "citations": Citation.objects.pending().count(),
        "orphaned": Annotation.objects.orphaned().exclude(status__in=_CLOSED).count()
        + Correction.objects.orphaned().exclude(status__in=_CLOSED).count(),
    }


# Items no one needs to look at again.
_CLOSED = (Status.REJECTED, Status.WITHDRAWN, Status.SPAM)


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
    with transaction.atomic():
        _record_baseline(item)
        updated = model.objects.filter(pk=item.pk, version=version, status=Status.PENDING).update(
            **changes, version=F("version") + 1, updated_at=timezone.now()
        )
        if not updated:
            raise StaleItemError(
                f"{item} was changed (reviewed, withdrawn or edited elsewhere) since you opened it. "
                "Reload it and edit again."
            )
        item.refresh_from_db()
        _record_revision(item, user=user, comment=f"Edited by its contributor: {', '.join(changes) or 'no change'}.")
    return item
