"""
Moderation: the one owner of the desk's vocabulary, shared by the admin and the public views.

What it owns, and everything else asks:

* **the rules** — which corrections must cite a source and always wait for a
  person (``correction_must_cite``, ``correction_waits_for_a_person``), who is
  trusted (``contributor_trusted``), when flags hide an item;
* **the decision table** — ``MOVES``: every change of status (a moderator's
  decision, a contributor's withdrawal or resubmission, a rule's decision), with
  the statuses it leaves from, whether it needs a reason, what happens to the
  item's citations, and the label the admin renders;
* **one versioned write** — ``_versioned_write``: a conditional ``UPDATE … WHERE
  version = seen`` for one item or a thousand, so a decision or an edit made on a
  version the item has left is refused, never overwriting;
* **one engine** — ``items_move`` decides many items of one kind in a constant
  number of queries: it locks them, refuses each stale or invalid one with its
  own message (the others go on), then writes statuses, ``Decision`` rows,
  history revisions and the citation cascade in bulk, bumps the edition's
  revision when readers' view changes, resolves flags, releases claims and,
  after commit, emails the contributors. One item is a list of one.

Usage::

    from annotations import moderation
    moderation.item_approve(note, moderator=request.user)
    moderation.item_reject(correction, moderator=request.user, reason="No source given.")
    moderation.items_decide(queryset, decision="spam", moderator=request.user, suspend=True)
    moderation.item_withdraw(note, user=request.user)          # the contributor, while pending
    moderation.item_resubmit(note, user=request.user, changes={"body": "…"})   # after a rejection
    moderation.item_submitted(note)                             # the trust rule, on a new contribution
    moderation.item_flag(note, reader=request.user, reason="wrong", text="…")
    moderation.paragraph_repair(paragraph, editor=request.user, new_text=..., reason="OCR error")

Accepting a note or a correction accepts its pending citations with it (and
their pending sources), unless a citation was rejected separately first;
declining it (reject, spam, take down) declines its pending citations. Sources
are otherwise decided on their own: one source may be cited by many items.
"""

import enum
import json
import statistics
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

import reversion
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, router, transaction
from django.db.models import Case, Count, F, IntegerField, Min, Q, Value, When
from django.utils import timezone
from reversion.models import Revision, Version

from annotations import notifications, text
from annotations.models import (
    Annotation,
    Citation,
    Claim,
    Correction,
    CrossReference,
    Decision,
    Essay,
    Flag,
    Paragraph,
    Rule,
    Section,
    Source,
    Standing,
    StandingChange,
    Status,
)

# --- The rules others ask ---------------------------------------------------------------------------

# Corrections about facts. They must cite a source, and a person always decides
# them (the trust rule never publishes them). The other categories (wording,
# regularisations, gaps) need neither.
FACT_CATEGORIES = frozenset({"factual", "date", "name"})


def correction_must_cite(category):
    """Whether a correction of ``category`` must cite at least one source (factual, date, name)."""
    return category in FACT_CATEGORIES


def correction_waits_for_a_person(category):
    """Whether a correction of ``category`` is never published by a rule, only by a moderator."""
    return category in FACT_CATEGORIES


class TransitionError(Exception):
    """A decision the workflow does not allow; the message says why."""


class StaleItemError(TransitionError):
    """The item changed (someone else decided or edited it) since it was loaded."""


class ConflictError(TransitionError):
    """Accepting the item would clash with something already published."""


class RepairError(ValueError):
    """A repair of a paragraph's text that cannot be made; the message says why."""


# --- The decision table --------------------------------------------------------------------------------


class Actor(enum.Enum):
    MODERATOR = "moderator"
    CONTRIBUTOR = "contributor"
    RULE = "rule"


class Cascade(enum.Enum):
    """What a move does to the item's own pending citations."""

    ACCEPT = "accept"        # they follow the item (and their pending sources with them)
    DECLINE = "decline"      # they go the same way as the item
    WITHDRAW = "withdraw"    # the contributor's own pending ones are withdrawn
    REVIVE = "revive"        # those declined together with the item come back to the queue


class Requires(enum.Enum):
    """A condition on the item, beyond its status, for a move to be offered and allowed."""

    ORPHANED = "orphaned"          # a repair of the text left it no place
    PLACED = "placed"              # it has its place in the text
    UNDER_REVIEW = "under_review"  # flagged by readers, or published by the trust rule


@dataclass(frozen=True)
class Move:
    """One change of status: who may make it, from where, and what it needs and does."""

    name: str
    to_status: str
    from_statuses: frozenset
    by: Actor
    done: str                      # past tense, for messages: "3 notes accepted."
    label: str = ""                # the desk's button and action (moderator moves)
    verb: str = ""                 # "reject", for "A reason is required to reject an item"
    reason_required: bool = False
    cascade: Cascade | None = None
    requires: Requires | None = None
    bulk: bool = True              # offered as an admin action on many items
    key: str = ""                  # keyboard shortcut on the review page
    help: str = ""


MOVES = {
    move.name: move
    for move in (
        Move("approve", Status.ACCEPTED, frozenset({Status.PENDING}), Actor.MODERATOR, "accepted", "Accept",
             cascade=Cascade.ACCEPT, key="a"),
        Move("reject", Status.REJECTED, frozenset({Status.PENDING}), Actor.MODERATOR, "rejected", "Reject",
             verb="reject", reason_required=True, cascade=Cascade.DECLINE, key="r"),
        Move("spam", Status.SPAM, frozenset({Status.PENDING}), Actor.MODERATOR, "marked as spam", "Mark as spam",
             cascade=Cascade.DECLINE, key="s"),
        Move("keep", Status.ACCEPTED, frozenset({Status.ACCEPTED}), Actor.MODERATOR, "kept published",
             "Keep published", requires=Requires.UNDER_REVIEW,
             help="Flags unfounded, or published on trust and fine: it stays, and leaves its review queue."),
        Move("take_down", Status.REJECTED, frozenset({Status.ACCEPTED}), Actor.MODERATOR, "taken down", "Take down",
             verb="take down", reason_required=True, cascade=Cascade.DECLINE, requires=Requires.PLACED),
        Move("reopen", Status.PENDING, frozenset({Status.REJECTED, Status.SPAM, Status.ACCEPTED}), Actor.MODERATOR,
             "reopened", "Reopen"),
        Move("retire", Status.REJECTED, frozenset({Status.PENDING, Status.ACCEPTED}), Actor.MODERATOR, "retired",
             "Retire (orphaned)", verb="retire", reason_required=True, requires=Requires.ORPHANED, bulk=False),
        Move("withdraw", Status.WITHDRAWN, frozenset({Status.PENDING}), Actor.CONTRIBUTOR, "withdrawn",
             cascade=Cascade.WITHDRAW),
        Move("resubmit", Status.PENDING, frozenset({Status.REJECTED}), Actor.CONTRIBUTOR, "resubmitted",
             cascade=Cascade.REVIVE),
        Move("publish_on_trust", Status.ACCEPTED, frozenset({Status.PENDING}), Actor.RULE, "published on trust",
             cascade=Cascade.ACCEPT),
        Move("hide_for_flags", Status.PENDING, frozenset({Status.ACCEPTED}), Actor.RULE, "hidden pending review"),
        Move("supersede", Status.REJECTED, frozenset({Status.ACCEPTED}), Actor.RULE, "superseded"),
    )
}
# The moderator's decisions, in the order the desk offers them.
DECISIONS = [name for name, move in MOVES.items() if move.by is Actor.MODERATOR]
# The contributor hears about these (spam is not answered).
NOTIFIED_STATUSES = {Status.ACCEPTED, Status.REJECTED}
# Flags are resolved by a person's decision on the item: kept, or taken down.
FLAG_OUTCOMES = {Status.ACCEPTED: Flag.Outcome.KEPT, Status.REJECTED: Flag.Outcome.TAKEN_DOWN,
                 Status.SPAM: Flag.Outcome.TAKEN_DOWN, Status.WITHDRAWN: Flag.Outcome.TAKEN_DOWN}


def _move(name):
    try:
        return MOVES[name]
    except KeyError:
        raise TransitionError(f"Unknown decision “{name}”.") from None


def _under_review(item, flagged):
    return item.review_rule == Rule.TRUST or item.pk in flagged


def _meets(move, item, flagged):
    if move.requires is Requires.ORPHANED:
        return getattr(item, "orphaned", False)
    if move.requires is Requires.PLACED:
        return not getattr(item, "orphaned", False)
    if move.requires is Requires.UNDER_REVIEW:
        return _under_review(item, flagged)
    return True


def available_decisions(item):
    """The moderator's decisions the workflow allows on ``item`` now, in the order to offer them."""
    flagged = _flagged_pks(type(item), [item.pk])
    return [
        name for name in DECISIONS
        if item.status in MOVES[name].from_statuses and _meets(MOVES[name], item, flagged)
    ]


def _refuse_message(item, move):
    current = Status(item.status).label
    if move.name == "keep":
        return f"{item} is {current}: only a published item can be kept."
    if move.name == "take_down":
        return f"{item} is {current}, not published: reject it instead."
    if move.name == "resubmit":
        return f"{item} is {current}: only a rejected item can be revised and resubmitted."
    if item.status == move.to_status:
        return f"{item} is already {current}."
    if item.status == Status.WITHDRAWN:
        return f"{item} was withdrawn by its contributor and cannot be decided."
    if move.to_status == Status.ACCEPTED:
        return f"{item} is {current}; reopen it before accepting it."
    return f"{item} is {current} and cannot become {Status(move.to_status).label}."


def _requirement_message(item, move):
    if move.requires is Requires.ORPHANED:
        return f"{item} is not orphaned; reject it instead."
    if move.requires is Requires.PLACED:
        return f"{item} is orphaned by a repair of the text; retire it instead."
    return f"{item} is neither flagged by readers nor published on trust: there is nothing to keep."


def _stale_message(item, current_status):
    label = Status(current_status).label if current_status else "deleted"
    return (
        f"{item} was changed by someone else while you were looking at it (it is now {label}). "
        "Reload it and decide again."
    )


# --- One versioned write ------------------------------------------------------------------------------------


def _versioned_write(model, seen, *, changes, statuses=None, now=None):
    """Write ``changes`` to the items of ``seen`` (pk → the version its decider or editor saw).

    The one conditional write of moderated items: only rows still at the
    version their decider saw (and, with ``statuses``, in one of them) are
    written, in one ``UPDATE`` whatever their number, and their version goes
    up. Returns how many were written; fewer than asked means someone else got
    there first and those rows were left alone.
    """
    if not seen:
        return 0
    versions = set(seen.values())
    if len(versions) == 1:
        expected = Value(versions.pop())
    else:
        expected = Case(*[When(pk=pk, then=Value(version)) for pk, version in seen.items()],
                        output_field=IntegerField())
    rows = model.objects.filter(pk__in=list(seen), version=expected)
    if statuses is not None:
        rows = rows.filter(status__in=statuses)
    return rows.update(**changes, version=F("version") + 1, updated_at=now or timezone.now())


# --- History (django-reversion), written in bulk --------------------------------------------------------------

HISTORY_FORMAT = "json"
# Releases (annotations.releases) are lists of these stored versions.
HISTORY_MODELS = (Annotation, Correction, Source, Citation, Paragraph, Section, CrossReference, Essay)


def history_register():
    """Keep a viewable history of every change to these (django-reversion); called from AppConfig.ready()."""
    for model in HISTORY_MODELS:
        if not reversion.is_registered(model):
            reversion.register(model, format=HISTORY_FORMAT, fields=_history_fields(model))


def _history_fields(model):
    """The fields a stored version keeps, for reversion and for the bulk snapshots alike."""
    # The essay's revision moves with every decision: a cache key, not part of the text.
    left_out = Essay.CACHE_STATE if model is Essay else ()
    return tuple(field.name for field in model._meta.local_fields + model._meta.local_many_to_many
                 if field.name not in left_out)


def _snapshots(objects):
    """The state of ``objects`` now, as unsaved django-reversion Versions (what ``reversion.add_to_revision`` stores).

    Serialised in one pass per model (Django's Python serialiser, then JSON per
    object): a thousand items cost one serialisation, not a thousand.
    """
    objects = list(objects)
    data = {}
    for model in {type(obj) for obj in objects}:
        of_model = [obj for obj in objects if type(obj) is model]
        for obj, entry in zip(of_model, serializers.serialize("python", of_model, fields=_history_fields(model))):
            data[id(obj)] = json.dumps([entry], cls=DjangoJSONEncoder)
    return [
        Version(
            content_type=ContentType.objects.get_for_model(type(obj)),
            object_id=str(obj.pk),
            db=router.db_for_write(type(obj)),
            format=HISTORY_FORMAT,
            serialized_data=data[id(obj)],
            object_repr=str(obj),
        )
        for obj in objects
    ]


def _snapshot(obj):
    return _snapshots([obj])[0]


def _baselines(objects):
    """Entries keeping each object as first stored, for those with no recorded state yet (one query).

    Contributions are created outside a revision; without this the history
    would start after the first decision or edit and lose the original. Call
    it before changing the objects.
    """
    if not objects:
        return []
    wanted = Q()
    for model in {type(obj) for obj in objects}:
        ids = [str(obj.pk) for obj in objects if type(obj) is model]
        wanted |= Q(content_type=ContentType.objects.get_for_model(model), object_id__in=ids)
    recorded = set(Version.objects.filter(wanted).values_list("content_type_id", "object_id"))
    unrecorded = []
    for obj in objects:
        key = (ContentType.objects.get_for_model(type(obj)).pk, str(obj.pk))
        if key not in recorded:
            recorded.add(key)
            unrecorded.append(obj)
    by_submitter = {}
    for obj, snapshot in zip(unrecorded, _snapshots(unrecorded)):
        by_submitter.setdefault(getattr(obj, "submitted_by_id", None), []).append(snapshot)
    return [(user_id, "As first stored.", snapshots) for user_id, snapshots in by_submitter.items()]


def _history_write(entries, *, date):
    """Store revisions: ``entries`` are (user id, comment, [snapshots]); two queries whatever their number."""
    entries = [entry for entry in entries if entry[2]]
    if not entries:
        return
    revisions = Revision.objects.bulk_create(
        [Revision(date_created=date, user_id=user_id, comment=comment) for user_id, comment, _ in entries]
    )
    versions = []
    for revision, (_, _, snapshots) in zip(revisions, entries):
        for version in snapshots:
            version.revision = revision
            versions.append(version)
    Version.objects.bulk_create(versions)


# --- The engine: many items, one kind, one move ---------------------------------------------------------------------

# Loaded with the locked rows: what messages, history and emails need.
_RELATED = {
    Annotation: ("submitted_by",),
    Correction: ("submitted_by",),
    Source: ("submitted_by",),
    Citation: ("submitted_by", "source", "annotation", "correction"),
}


@dataclass
class Outcome:
    """What a decision on many items did: the items decided and, per refused item, why."""

    decided: list = field(default_factory=list)
    refused: list = field(default_factory=list)  # (item, TransitionError)


@dataclass
class _Change:
    """One group of rows moving together: same model, same move, same reason."""

    model: type
    rows: list
    to_status: str
    reason: str
    notify: bool = False


def _locked(model, pks):
    """The rows, locked until the transaction ends (a no-op on SQLite, which writes one at a time)."""
    rows = model.objects.select_for_update(of=("self",)).filter(pk__in=list(pks)).select_related(*_RELATED[model])
    return {row.pk: row for row in rows}


def _noun(model):
    return model._meta.verbose_name


def _flagged_pks(model, pks):
    """Which of these notes or corrections have open flags (one query)."""
    if model not in (Annotation, Correction) or not pks:
        return set()
    owner = Flag.owner_field(model())
    return set(Flag.objects.open().filter(**{f"{owner}_id__in": list(pks)}).values_list(f"{owner}_id", flat=True))


def _comment(from_status, to_status, reason, rule=""):
    comment = f"{Status(from_status).label} → {Status(to_status).label}"
    if rule:
        comment += f" ({Rule(rule).label})"
    return f"{comment}: {reason}" if reason else comment


def items_move(items, *, move, user=None, rule="", reason="", versions=None, changes=None, suspend=False):
    """Make ``move`` (a name of MOVES) on ``items``, all of one model; returns an Outcome.

    ``versions`` maps pk → the version the decider saw (by default, the version
    of each instance passed in): an item that has left it is refused as stale,
    item by item. ``changes`` are field values written with the move (a
    resubmission's revised text). ``suspend`` (with spam) suspends the items'
    contributors. The number of queries does not depend on the number of items.
    """
    move = _move(move)
    reason = (reason or "").strip()
    items = list(items)
    outcome = Outcome()
    if not items:
        return outcome
    if move.reason_required and not reason:
        raise TransitionError(f"A reason is required to {move.verb} an item; the contributor will see it.")
    model = type(items[0])
    seen = {item.pk: (versions or {}).get(item.pk, item.version) for item in items}
    now = timezone.now()
    with transaction.atomic():
        current = _locked(model, seen)
        flagged = _flagged_pks(model, seen)
        eligible = []
        for item in items:
            error = _refusal(item, current.get(item.pk), seen[item.pk], move=move, user=user, reason=reason,
                             flagged=flagged)
            if error:
                outcome.refused.append((current.get(item.pk) or item, error))
            else:
                eligible.append(current[item.pk])
        plan = _Plan(model=model, move=move, user=user, rule=rule, reason=reason, now=now)
        eligible = plan.check(eligible, outcome)
        if eligible:
            plan.write(eligible, changes=changes or {}, flagged=flagged, suspend=suspend)
            outcome.decided = eligible
    return outcome


def _refusal(item, current, seen_version, *, move, user, reason, flagged):
    """Why ``move`` cannot be made on this item (an error to raise or report), or None."""
    if move.by is Actor.CONTRIBUTOR and (user is None or item.submitted_by_id != user.pk):
        verb = {"withdraw": "withdraw", "resubmit": "revise"}[move.name]
        return TransitionError(f"Only the contributor who submitted an item can {verb} it.")
    if current is None:
        return StaleItemError(_stale_message(item, None))
    if current.version != seen_version:
        return StaleItemError(_stale_message(item, current.status))
    if not _meets(move, current, flagged) and current.status in move.from_statuses:
        return TransitionError(_requirement_message(current, move))
    if current.status not in move.from_statuses:
        return TransitionError(_refuse_message(current, move))
    if move.by is Actor.MODERATOR and move.to_status == Status.ACCEPTED and current.pk in flagged and not reason:
        return TransitionError(
            f"{current} is flagged by readers: say why it stays published; the readers who flagged it will see it."
        )
    return None


@dataclass
class _Plan:
    """The checks and writes of one ``items_move`` call (set-based: a few queries for any number of items)."""

    model: type
    move: Move
    user: object
    rule: str
    reason: str
    now: object
    changes: list = field(default_factory=list)    # _Change groups, the items' first
    citations: list = field(default_factory=list)  # the pending citations of notes or corrections to accept

    @property
    def by_moderator(self):
        return self.move.by is Actor.MODERATOR

    # --- checks that need more than the item itself ---

    def check(self, items, outcome):
        if self.move.cascade is Cascade.ACCEPT and self.model in (Annotation, Correction):
            self.citations = _pending_citations(self.model, [item.pk for item in items])
        if self.move.cascade is Cascade.ACCEPT and self.model is Correction:
            items = self._refuse_conflicting(items, outcome)
            items = self._refuse_unsourced(items, outcome)
        if self.move.cascade is Cascade.ACCEPT and self.model is Citation:
            items = self._refuse_unpublishable_sources(items, outcome)
        return items

    def _refuse_conflicting(self, corrections, outcome):
        # Lock the paragraphs so two overlapping corrections accepted at once are
        # checked one after the other (a no-op lock on SQLite, which writes serially).
        paragraph_ids = {c.paragraph_id for c in corrections}
        list(Paragraph.objects.select_for_update().filter(pk__in=paragraph_ids).values_list("pk"))
        placed = list(Correction.objects.published().filter(paragraph_id__in=paragraph_ids).order_by("start", "pk"))
        kept = []
        for correction in corrections:
            conflicts = _overlapping(correction, placed)
            if conflicts:
                outcome.refused.append((correction, ConflictError(_conflict_message(correction, conflicts))))
            else:
                placed.append(correction)  # later items of the same batch must not overlap it either
                kept.append(correction)
        return kept

    def _refuse_unsourced(self, corrections, outcome):
        sourced = [c for c in corrections if correction_must_cite(c.category)]
        published = set(
            Citation.objects.published().filter(correction_id__in=[c.pk for c in sourced])
            .values_list("correction_id", flat=True)
        ) if sourced else set()
        acceptable = {c.correction_id for c in self.citations if c.source.status in Status.STANDING}
        kept = []
        for correction in corrections:
            if correction in sourced and correction.pk not in published | acceptable:
                outcome.refused.append((correction, TransitionError(
                    f"{correction} is a {correction.get_category_display()} correction and cites no source that can "
                    "be published; it cannot be accepted without one."
                )))
            else:
                kept.append(correction)
        return kept

    def _refuse_unpublishable_sources(self, citations, outcome):
        kept = []
        for citation in citations:
            if citation.source.status in Status.STANDING:
                kept.append(citation)
            else:
                label = Status(citation.source.status).label
                outcome.refused.append(
                    (citation, TransitionError(f"{citation} cites {citation.source}, which is {label}; reject it instead."))
                )
        return kept

    # --- the writes ---

    def write(self, items, *, changes, flagged, suspend):
        move, noun = self.move, _noun(self.model)
        self.changes.append(_Change(self.model, items, move.to_status, self.reason,
                                    notify=self.by_moderator and move.name != "keep"))
        if move.cascade is Cascade.ACCEPT:
            self._plan_acceptance(items, noun)
        elif move.cascade is Cascade.DECLINE and self.model in (Annotation, Correction):
            declined = _pending_citations(self.model, [item.pk for item in items])
            self.changes.append(_Change(Citation, declined, move.to_status, f"Declined with its {noun}."))
        elif move.cascade is Cascade.WITHDRAW:
            self._plan_withdrawal(items)
        elif move.cascade is Cascade.REVIVE:
            self._plan_revival(items)
        touched = [row for change in self.changes for row in change.rows]
        history = _baselines(touched)  # the state before this decision, for rows never recorded
        decisions = []
        for index, change in enumerate(self.changes):
            decisions += self._apply(change, extra=changes if index == 0 else {}, history=history)
        Decision.objects.bulk_create(decisions)
        _history_write(history, date=self.now)
        if any(d.to_status in Status.PUBLIC or d.from_status in Status.PUBLIC for d in decisions
               if d.to_status != d.from_status):
            Essay.revision_bump()
        self._after(items, flagged=flagged, suspend=suspend)
        emails = [
            (d.row, d) for d in decisions
            if d.notify and d.to_status in NOTIFIED_STATUSES and d.from_status != d.to_status
        ]
        if emails:
            transaction.on_commit(partial(notifications.decisions_notify, emails))

    def _plan_acceptance(self, items, noun):
        if self.model in (Annotation, Correction):
            owner, ids = Flag.owner_field(self.model()), {item.pk for item in items}
            citations = [c for c in self.citations if getattr(c, f"{owner}_id") in ids]
            acceptable = [c for c in citations if c.source.status in Status.STANDING]
            self.changes.append(_Change(Citation, acceptable, Status.ACCEPTED, f"Accepted with its {noun}."))
            for status in Status.CLOSED:
                blocked = [c for c in citations if c.source.status == status]
                self.changes.append(
                    _Change(Citation, blocked, Status.REJECTED, f"Its source is {Status(status).label}.")
                )
            sources = [c.source for c in acceptable]
        elif self.model is Citation:  # citations accepted on their own bring their sources
            sources = [c.source for c in items]
        else:
            return
        pending = {s.pk for s in sources if s.status == Status.PENDING}
        if pending:
            locked = [s for s in _locked(Source, pending).values() if s.status == Status.PENDING]
            self.changes.append(
                _Change(Source, locked, Status.ACCEPTED, f"Cited by an accepted {noun}.", notify=self.by_moderator)
            )

    def _plan_withdrawal(self, items):
        if self.model is Citation:
            return
        owner = {Annotation: "annotation", Correction: "correction", Source: "source"}[self.model]
        own = Citation.objects.pending().filter(**{f"{owner}_id__in": [i.pk for i in items]}, submitted_by=self.user)
        rows = list(own.select_for_update(of=("self",)).select_related(*_RELATED[Citation]))
        self.changes.append(_Change(Citation, rows, Status.WITHDRAWN, ""))

    def _plan_revival(self, items):
        if self.model not in (Annotation, Correction):
            return
        rows = _declined_with(self.model, items).select_for_update(of=("self",))
        rows = list(rows.select_related(*_RELATED[Citation]))
        self.changes.append(_Change(Citation, rows, Status.PENDING, "Resubmitted with its item."))

    def _apply(self, change, *, extra, history):
        """Write one group: the status UPDATE, its history snapshots and its (unsaved) Decision rows."""
        if not change.rows:
            return []
        move, user, rule, now = self.move, self.user, self.rule, self.now
        fields = {"status": change.to_status, **extra}
        if move.by is not Actor.CONTRIBUTOR:
            # The latest review shown on the item; the full history is in Decision.
            fields.update(reviewed_by=user if not rule else None, reviewed_at=now, review_reason=change.reason,
                          review_rule=rule)
        if self.by_moderator:
            fields["resubmitted"] = False
        if move.name == "resubmit":
            fields["resubmitted"] = True
        seen = {row.pk: row.version for row in change.rows}
        written = _versioned_write(change.model, seen, changes=fields, now=now)
        if written != len(seen):  # the rows are locked: only a change outside this engine gets here
            raise StaleItemError(
                f"{len(seen) - written} of these items changed while they were being decided; nothing was decided. "
                "Reload and decide again."
            )
        content_type = ContentType.objects.get_for_model(change.model)
        decisions, comments = [], []
        for row in change.rows:
            from_status = row.status
            for name, value in fields.items():
                setattr(row, name, value)
            row.version += 1
            row.updated_at = now
            decision = Decision(
                content_type=content_type, object_id=row.pk, from_status=from_status, to_status=change.to_status,
                decided_by=user if not rule else None, rule=rule, decided_at=now, reason=change.reason,
            )
            decision.row, decision.notify = row, change.notify
            decisions.append(decision)
            comment = _comment(from_status, change.to_status, change.reason, rule)
            comments.append(f"{comment} (revised: {', '.join(extra)})" if extra else comment)
        by_comment = {}
        for comment, snapshot in zip(comments, _snapshots(change.rows)):
            by_comment.setdefault(comment, []).append(snapshot)
        history += [(None if rule else getattr(user, "pk", None), comment, snapshots)
                    for comment, snapshots in by_comment.items()]
        return decisions

    def _after(self, items, *, flagged, suspend):
        model, move = self.model, self.move
        pks = [item.pk for item in items]
        if model in (Annotation, Correction) and move.by is not Actor.RULE and move.to_status in FLAG_OUTCOMES:
            owner = Flag.owner_field(model())
            resolution = "Withdrawn by its contributor." if move.name == "withdraw" else self.reason
            Flag.objects.open().filter(**{f"{owner}_id__in": pks}).update(
                outcome=FLAG_OUTCOMES[move.to_status], resolved_by=self.user, resolved_at=self.now,
                resolution=resolution or f"{Status(move.to_status).label.capitalize()} by a moderator.",
            )
        if self.by_moderator:
            Claim.objects.filter(content_type=ContentType.objects.get_for_model(model), object_id__in=pks).delete()
        if suspend and move.to_status == Status.SPAM:
            contributors = {item.submitted_by_id for item in items if item.submitted_by_id}
            _standing_change(contributors, StandingChange.Change.SUSPEND, moderator=self.user,
                             reason=self.reason or "Marked as spam.")


def _pending_citations(model, pks):
    """The pending citations of these notes or corrections, locked, with their sources."""
    owner = Flag.owner_field(model())
    rows = Citation.objects.pending().filter(**{f"{owner}_id__in": list(pks)}).order_by("pk")
    return list(rows.select_for_update(of=("self",)).select_related(*_RELATED[Citation]))


def _declined_with(model, items):
    """The citations declined in the same decision as these notes or corrections: declined because they were."""
    owner = Flag.owner_field(model())
    together = Q(pk__in=[])
    for item in items:
        together |= Q(**{f"{owner}_id": item.pk}, reviewed_at=item.reviewed_at)
    return Citation.objects.filter(together, status__in=Status.DECLINED)


def item_keeps_a_source(item):
    """Whether a note or correction cites a source that stands, or one that returns with its resubmission."""
    if item.citations.standing().exists():
        return True
    return item.status == Status.REJECTED and _declined_with(type(item), [item]).exists()


def _overlapping(correction, others):
    return [
        other for other in others
        if other.paragraph_id == correction.paragraph_id and other.pk != correction.pk
        and text.spans_overlap(correction.start, correction.end, other.start, other.end)
    ]


def _conflict_message(correction, conflicts):
    named = "; ".join(f"{other} (#{other.pk})" for other in conflicts)
    return (
        f"{correction} overlaps an accepted correction of the same words: {named}. "
        "Reopen or retire that one first, or reject this one."
    )


def correction_conflicts(correction):
    """Accepted, placed corrections whose span overlaps this one's in the same paragraph."""
    others = Correction.objects.published().for_paragraph(correction.paragraph_id).order_by("start", "pk")
    return _overlapping(correction, others)


# --- One item: the engine with a list of one ----------------------------------------------------------------------


def _one(item, *, move, user=None, rule="", reason="", expected_version=None, changes=None, suspend=False):
    """Make ``move`` on one item; raises the refusal, else updates ``item`` in place and returns it."""
    versions = None if expected_version is None else {item.pk: expected_version}
    outcome = items_move([item], move=move, user=user, rule=rule, reason=reason, versions=versions,
                         changes=changes, suspend=suspend)
    if outcome.refused:
        raise outcome.refused[0][1]
    item.refresh_from_db()
    return item


def item_decide(item, *, decision, moderator, reason="", expected_version=None, suspend=False):
    """Make one of the moderator's DECISIONS, by name, on one item."""
    if _move(decision).by is not Actor.MODERATOR:
        raise TransitionError(f"Unknown decision “{decision}”.")
    return _one(item, move=decision, user=moderator, reason=reason, expected_version=expected_version,
                suspend=suspend)


def item_approve(item, *, moderator, reason="", expected_version=None):
    """Accept an item; a note's or correction's pending citations (and sources) come with it."""
    return item_decide(item, decision="approve", moderator=moderator, reason=reason, expected_version=expected_version)


def item_reject(item, *, moderator, reason, expected_version=None):
    return item_decide(item, decision="reject", moderator=moderator, reason=reason, expected_version=expected_version)


def item_mark_spam(item, *, moderator, reason="", expected_version=None, suspend=False):
    return item_decide(item, decision="spam", moderator=moderator, reason=reason, expected_version=expected_version,
                       suspend=suspend)


def item_reopen(item, *, moderator, reason="", expected_version=None):
    return item_decide(item, decision="reopen", moderator=moderator, reason=reason, expected_version=expected_version)


def item_retire(item, *, moderator, reason, expected_version=None):
    """Retire an orphaned item for good: rejected, with the reason, whatever it was."""
    return item_decide(item, decision="retire", moderator=moderator, reason=reason, expected_version=expected_version)


def items_decide(items, *, decision, moderator, reason="", versions=None, suspend=False):
    """Make one of the moderator's DECISIONS on many items of one kind; a refusal of one never stops the others.

    ``versions`` maps pk → the version the moderator saw (the confirmation
    page); an item decided or edited by someone else meanwhile is refused, not
    redone.
    """
    if _move(decision).by is not Actor.MODERATOR:
        raise TransitionError(f"Unknown decision “{decision}”.")
    return items_move(items, move=decision, user=moderator, reason=reason, versions=versions, suspend=suspend)


def item_withdraw(item, *, user, expected_version=None):
    """The contributor takes back their own pending item.

    A note's, correction's or source's pending citations by the same
    contributor cite nothing any more, so they are withdrawn with it.
    """
    return _one(item, move="withdraw", user=user, expected_version=expected_version)


def item_resubmit(item, *, user, changes, expected_version=None):
    """The contributor revises their rejected note or correction and sends it back to the queue.

    The earlier decisions and reason stay in its log for the moderator; the
    citations rejected together with it come back with it.
    """
    if user is not None and not contributor_may_contribute(user):
        raise TransitionError(contributor_refusal(user))
    return _one(item, move="resubmit", user=user, expected_version=expected_version, changes=changes,
                reason="Revised and resubmitted by its contributor.")


# --- Edits (content, not status) -------------------------------------------------------------------------------------


def item_edit(item, *, user, fields, expected_version, comment="", rule=""):
    """Save an edit of an item's content, with its history: a moderator's or editor's (``user``), or a
    rule's (``rule``: a new edition of the apparatus loaded by ``load_edition``, ``user`` None).

    Refused (StaleItemError) when the item changed since ``expected_version``. An
    edit that changes the status (only a loaded edition's can) is logged as a Decision.
    """
    model = type(item)
    now = timezone.now()
    changes = {model._meta.get_field(name).attname: getattr(item, model._meta.get_field(name).attname)
               for name in fields}
    user_id = None if rule else user.pk
    comment = comment or f"Edited: {', '.join(fields)}."
    with transaction.atomic():
        before = model.objects.get(pk=item.pk)
        history = _baselines([before])
        if not _versioned_write(model, {item.pk: expected_version}, changes=changes, now=now):
            _refuse_stale(item)
        item.refresh_from_db()
        if item.status != before.status:
            # The decision log tells every change of status.
            Decision.objects.create(item=item, from_status=before.status, to_status=item.status,
                                    decided_by_id=user_id, rule=rule, decided_at=now, reason=comment)
        Essay.revision_bump()
        _history_write([*history, (user_id, comment, [_snapshot(item)])], date=now)
    return item


def _refuse_stale(item):
    """Raise StaleItemError, naming the status the item has now."""
    current = type(item).objects.filter(pk=item.pk).values_list("status", flat=True).first()
    raise StaleItemError(_stale_message(item, current))


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
    model, now = type(item), timezone.now()
    with transaction.atomic():
        history = _baselines([item])
        if not _versioned_write(model, {item.pk: version}, changes=changes, statuses=[Status.PENDING], now=now):
            raise StaleItemError(
                f"{item} was changed (reviewed, withdrawn or edited elsewhere) since you opened it. "
                "Reload it and edit again."
            )
        item.refresh_from_db()
        comment = f"Edited by its contributor: {', '.join(changes) or 'no change'}."
        _history_write([*history, (user.pk, comment, [_snapshot(item)])], date=now)
    return item


def row_edit(row, *, user, fields, comment):
    """Save a change to a row that has no version (the essay, a section), with its history."""
    now = timezone.now()
    with transaction.atomic():
        history = _baselines([type(row).objects.get(pk=row.pk)])
        row.save(update_fields=fields)
        Essay.revision_bump()
        _history_write([*history, (getattr(user, "pk", None), comment, [_snapshot(row)])], date=now)
    return row


def item_reattach(item, *, moderator, exact, prefix="", suffix="", expected_version=None):
    """Give an orphaned (or any) note or correction a new place in its paragraph.

    Raises text.QuoteError when the words are not in the paragraph once, and
    ConflictError when an accepted correction would overlap another.
    """
    anchor = text.anchor_quote(item.paragraph.text, exact, prefix, suffix)
    version = item.version if expected_version is None else expected_version
    model, now = type(item), timezone.now()
    with transaction.atomic():
        history = _baselines([item])
        if isinstance(item, Correction) and item.status == Status.ACCEPTED:
            Paragraph.objects.select_for_update().filter(pk=item.paragraph_id).first()
            placed = model(pk=item.pk, paragraph_id=item.paragraph_id, start=anchor.start, end=anchor.end)
            conflicts = correction_conflicts(placed)
            if conflicts:
                raise ConflictError(_conflict_message(placed, conflicts))
        changes = {"start": anchor.start, "end": anchor.end, "exact": anchor.exact, "prefix": anchor.prefix,
                   "suffix": anchor.suffix, "orphaned": False}
        if not _versioned_write(model, {item.pk: version}, changes=changes, now=now):
            _refuse_stale(item)
        Essay.revision_bump()
        item.refresh_from_db()
        _history_write([*history, (moderator.pk, f"Re-attached to “{anchor.exact}”.", [_snapshot(item)])], date=now)
    return item


# --- Repairing the essay's text ----------------------------------------------------------------------------------


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
    now = timezone.now()
    with transaction.atomic():
        locked = Paragraph.objects.select_for_update().select_related("section").get(pk=paragraph.pk)
        old_text = locked.text
        if new_text == old_text:
            raise RepairError("The text is unchanged; there is nothing to repair.")
        items = [*Annotation.objects.for_paragraph(locked), *Correction.objects.for_paragraph(locked)]
        history = _baselines([locked, *items])
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
        comment = f"Text repaired: {reason} ({outcome.summary()})."
        _history_write([*history, (editor.pk, comment, _snapshots([locked, *items]))], date=now)
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


# --- The trust rule ----------------------------------------------------------------------------------------------


def contributor_record(user):
    """How many of the contributor's notes and corrections are accepted, and how many items are spam."""
    accepted = sum(model.objects.published().submitted_by(user).count() for model in (Annotation, Correction))
    spam = sum(
        model.objects.filter(status=Status.SPAM).submitted_by(user).count()
        for model in (Annotation, Correction, Source, Citation)
    )
    return accepted, spam


def trust_earned(*, accepted, spam, standing):
    """The trust rule: ``settings.TRUST_AFTER_ACCEPTED`` accepted notes and corrections, none of one's items
    marked spam, and neither trust revoked nor suspended by a moderator (``standing``, a Standing or None)."""
    if standing is not None and (standing.trust_revoked or standing.suspended):
        return False
    return accepted >= settings.TRUST_AFTER_ACCEPTED and not spam


def contributor_trusted(user):
    """Whether the trust rule publishes this contributor's new notes at once."""
    if user is None or not user.is_authenticated:
        return False
    accepted, spam = contributor_record(user)
    return trust_earned(accepted=accepted, spam=spam, standing=Standing.objects.filter(user=user).first())


def trust_may_publish(item):
    """Whether the trust rule may publish this kind of item: notes, and corrections not about facts."""
    if isinstance(item, Annotation):
        return True
    return isinstance(item, Correction) and not correction_waits_for_a_person(item.category)


def item_submitted(item):
    """Apply the trust rule to a new note or correction; True when it was published at once.

    The publication is a Decision made by the rule (no person), and the item is
    listed as published on trust until a moderator keeps or takes it down.
    """
    if not trust_may_publish(item) or not contributor_trusted(item.submitted_by):
        return False
    accepted, _ = contributor_record(item.submitted_by)
    reason = f"Published on trust: {accepted} accepted contributions and none marked spam."
    outcome = items_move([item], move="publish_on_trust", rule=Rule.TRUST, reason=reason)
    if outcome.refused:  # e.g. it overlaps an accepted correction: a person decides
        return False
    item.refresh_from_db()
    return True


# --- A new edition of the apparatus ---------------------------------------------------------------------------


def items_supersede(items, *, reason):
    """Retire the editors' published items a newly loaded edition no longer has (all of one model).

    A Decision by the edition's rule for each, with the reason; their history is
    kept and nothing is deleted. Returns how many were retired.
    """
    return len(items_move(items, move="supersede", rule=Rule.EDITION, reason=reason).decided)


# --- Standing: suspension and revoked trust ------------------------------------------------------------------------

_STANDING_FIELDS = {
    StandingChange.Change.SUSPEND: ("suspended", True),
    StandingChange.Change.REINSTATE: ("suspended", False),
    StandingChange.Change.REVOKE_TRUST: ("trust_revoked", True),
    StandingChange.Change.RESTORE_TRUST: ("trust_revoked", False),
}


def _standing_change(user_ids, change, *, moderator, reason):
    """Change the standing of these contributors (set-based); returns the ids whose standing changed.

    Logged as StandingChange rows (who, when, why); nothing the contributors
    submitted is decided by it: suspension only holds their pending items out
    of the queue until they are reinstated.
    """
    name, value = _STANDING_FIELDS[change]
    user_ids = set(user_ids)
    if not user_ids:
        return set()
    Standing.objects.bulk_create([Standing(user_id=pk) for pk in user_ids], ignore_conflicts=True)
    changed = set(
        Standing.objects.select_for_update().filter(user_id__in=user_ids).exclude(**{name: value})
        .values_list("user_id", flat=True)
    )
    Standing.objects.filter(user_id__in=changed).update(**{name: value})
    now = timezone.now()
    StandingChange.objects.bulk_create([
        StandingChange(user_id=pk, change=change, changed_by=moderator, changed_at=now, reason=reason)
        for pk in sorted(changed)
    ])
    return changed


def contributors_change_standing(users, *, change, moderator, reason):
    """Suspend, reinstate, revoke or restore trust for many contributors; returns how many changed."""
    if not (reason or "").strip():
        raise TransitionError("A reason is required; it is kept in the contributor's record.")
    with transaction.atomic():
        return len(_standing_change([user.pk for user in users], change, moderator=moderator, reason=reason.strip()))


def contributor_may_contribute(user):
    return not Standing.objects.filter(user_id=user.pk, suspended=True).exists()


def contributor_refusal(user):
    """The message a suspended contributor reads when they try to contribute."""
    return (
        "Your account is suspended from contributing: a moderator marked some of your contributions as spam. "
        "You can still read the edition and see your contributions. If you think this is a mistake, write to "
        "the editors."
    )


# --- Flags ----------------------------------------------------------------------------------------------------------


def _established_flaggers():
    """Flags counting towards hiding an item: from active, unsuspended accounts old enough."""
    joined_before = timezone.now() - timedelta(days=settings.FLAG_ESTABLISHED_AFTER_DAYS)
    return Q(flagged_by__is_active=True, flagged_by__date_joined__lte=joined_before) & ~Q(
        flagged_by__moderation_standing__suspended=True
    )


def item_flag(item, *, reader, reason, text=""):
    """A signed-in reader flags a published note or correction (once); returns the Flag.

    With ``settings.FLAGS_TO_HIDE`` open flags from distinct established
    accounts, the flags rule hides the item pending review (a Decision by the
    rule): it leaves the edition and waits in the queue for a person.
    """
    if not item.is_public:
        raise TransitionError(f"This {_noun(type(item))} is not published, so it cannot be flagged.")
    if item.submitted_by_id == reader.pk:
        raise TransitionError(f"This is your own {_noun(type(item))}: edit it or ask a moderator instead.")
    if not contributor_may_contribute(reader):
        raise TransitionError(contributor_refusal(reader))
    owner = Flag.owner_field(item)
    earlier = Flag.objects.filter(**{owner: item}, flagged_by=reader).first()
    if earlier is not None:
        raise TransitionError(
            f"You flagged this {_noun(type(item))} on {earlier.flagged_at:%d %B %Y}; "
            "its outcome is shown on your contributions page."
        )
    try:
        with transaction.atomic():
            flag = Flag.objects.create(**{owner: item}, flagged_by=reader, reason=reason, text=text.strip())
            open_flags = Flag.objects.open().filter(**{owner: item}).filter(_established_flaggers())
            if open_flags.count() >= settings.FLAGS_TO_HIDE:
                counted = ", ".join(
                    f"{Flag.Reason(r).label} ×{n}"
                    for r, n in sorted(_count_by(open_flags.values_list("reason", flat=True)).items())
                )
                items_move([item], move="hide_for_flags", rule=Rule.FLAGS,
                           reason=f"Hidden pending review: flagged by {open_flags.count()} readers ({counted}).")
    except IntegrityError:  # the same reader flagging twice at once
        raise TransitionError(f"You have already flagged this {_noun(type(item))}.") from None
    return flag


def _count_by(values):
    counts = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


# --- Claims ---------------------------------------------------------------------------------------------------------


def item_claim(item, *, moderator):
    """Opening an item for review claims it; returns the claim that holds now.

    Someone else's claim that has not lapsed is left alone (and returned: the
    page says who is reviewing it); otherwise the claim becomes the moderator's,
    from now. Claims lapse by themselves after ``settings.CLAIM_MINUTES``.
    """
    content_type = ContentType.objects.get_for_model(type(item))
    now = timezone.now()
    with transaction.atomic():
        claim = (
            Claim.objects.select_for_update(of=("self",)).filter(content_type=content_type, object_id=item.pk)
            .select_related("moderator").first()
        )
        if claim is not None and claim.moderator_id != moderator.pk and claim.is_active:
            return claim
        if claim is None:
            try:
                with transaction.atomic():
                    return Claim.objects.create(content_type=content_type, object_id=item.pk, moderator=moderator,
                                                claimed_at=now)
            except IntegrityError:  # claimed at the same instant by someone else
                return Claim.objects.select_related("moderator").get(content_type=content_type, object_id=item.pk)
        claim.moderator, claim.claimed_at = moderator, now
        claim.save(update_fields=["moderator", "claimed_at"])
        return claim


def claims_active(model, pks):
    """pk → the active Claim of each of these items that has one (one query)."""
    content_type = ContentType.objects.get_for_model(model)
    claims = Claim.objects.active().filter(content_type=content_type, object_id__in=list(pks))
    return {claim.object_id: claim for claim in claims.select_related("moderator")}


# --- Queues -----------------------------------------------------------------------------------------------------------

QUEUE_MODELS = {"notes": Annotation, "corrections": Correction, "sources": Source, "citations": Citation}


def queue_counts():
    """How many items wait in each moderation queue (the admin index, the digest)."""
    counts = {name: model.objects.awaiting_review().count() for name, model in QUEUE_MODELS.items()}
    counts["orphaned"] = Annotation.objects.orphaned().standing().count() + Correction.objects.orphaned().standing().count()
    return counts


@dataclass
class QueueHealth:
    """How one queue is doing: what waits, for how long, and how fast it is usually decided."""

    name: str
    model: type
    pending: int
    oldest: object          # submitted_at of the oldest waiting item, or None
    median: timedelta | None  # from submission to a person's decision, decisions of the last 30 days

    @property
    def oldest_age(self):
        return timezone.now() - self.oldest if self.oldest else None


def queue_health(*, days=30):
    """Each queue's pending count, its oldest item and its median time to decision over ``days`` (3 queries each)."""
    since = timezone.now() - timedelta(days=days)
    health = []
    for name, model in QUEUE_MODELS.items():
        waiting = model.objects.awaiting_review().aggregate(pending=Count("pk"), oldest=Min("submitted_at"))
        decided = Decision.objects.by_a_person().filter(
            content_type=ContentType.objects.get_for_model(model), decided_at__gte=since,
            from_status=Status.PENDING, to_status__in=[Status.ACCEPTED, Status.REJECTED, Status.SPAM],
        )
        submitted = dict(model.objects.filter(pk__in=decided.values("object_id")).values_list("pk", "submitted_at"))
        waits = [at - submitted[pk] for pk, at in decided.values_list("object_id", "decided_at") if pk in submitted]
        median = statistics.median(waits) if waits else None
        health.append(QueueHealth(name, model, waiting["pending"], waiting["oldest"], median))
    return health
