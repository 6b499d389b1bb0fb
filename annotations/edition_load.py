"""
Loading the edition from its fixtures without undoing anything (``load_edition``).

Fixture rows carry fixed primary keys. For each row, in file order, ``edition_load``:

* **adds** it when the database has no row with its key (any more);
* **skips** it, saying why, when the row was touched since it was loaded — a
  decision, a moderator's or editor's edit, a repair: the row's state no longer
  matches the fingerprint recorded when load_edition last wrote it
  (``LoadedRow``);
* **updates** it when it is untouched and its fixture data changed since,
  keeping the change in the row's history (and a ``Decision`` when its status
  changes) and moving the edition's revision on;
* otherwise leaves it as it is.

A row loaded before fingerprints were kept (by ``loaddata``) is adopted when it
still equals its fixture, updated when nothing in the site ever changed it (no
history, first version), and skipped otherwise. No cache state is written: ``Essay.revision``
is not in the fixtures and only moves forward. A fixture whose keys are held by
contributors' items is not loaded at all (its rows refer to each other by key).
Once an apparatus is loaded, the editors' published rows it no longer has are
retired (``apparatus.apparatus_retire_superseded``: rejected with a reason, kept
with their history); nothing else is removed.

Usage::

    report = edition_load()            # fixtures/essay.json, then fixtures/apparatus.json
    report.summary(), report.skipped   # what happened, and each row left alone with why
"""

import hashlib
import json
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from reversion.models import Version

from annotations import moderation
from annotations.apparatus import apparatus_retire_superseded
from annotations.models import EDITORS_CREDIT, Essay, LoadedRow, Moderated, Paragraph, Rule

FIXTURES = settings.BASE_DIR / "fixtures"
EDITION_FIXTURES = (FIXTURES / "essay.json", FIXTURES / "apparatus.json")
# Columns that move without anyone touching the content.
_BOOKKEEPING = {"updated_at"} | Essay.CACHE_STATE
# A fixture's row version is not the row's: an update from a fixture raises the row's own.
_NOT_COPIED = {"version"}


@dataclass
class LoadReport:
    """What ``edition_load`` did; rows are named "annotations.correction 12"."""

    added: list = field(default_factory=list)
    updated: list = field(default_factory=list)
    unchanged: int = 0
    retired: int = 0  # the editors' rows a newly loaded apparatus no longer has
    skipped: list = field(default_factory=list)  # (row, why)
    refused: list = field(default_factory=list)  # whole fixtures not loaded, with why

    def summary(self):
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {self.unchanged} unchanged, "
            f"{len(self.skipped)} left as they are"
        )


def _tracked_fields(model):
    return [f for f in model._meta.concrete_fields if not f.primary_key and f.name not in _BOOKKEEPING]


def row_fingerprint(row):
    """A digest of the row's tracked columns, as the serialisers write them (the same on every database).

    A column still at its default is left out, so a column a later release adds (at its default) does not
    make every loaded row look touched and shut it off from the editors' later fixtures.
    """
    values = {
        f.attname: f.value_to_string(row) for f in _tracked_fields(type(row)) if not _at_fixed_default(row, f)
    }
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()


def _at_fixed_default(row, field):
    """The column holds what a new column would (its default, or Django's empty value when it has none)."""
    if field.has_default() and callable(field.default):  # a clock's default is no fixed value
        return False
    return getattr(row, field.attname) == field.get_default()


def _label(row):
    return f"{row._meta.label_lower} {row.pk}"


def _is_editorial(row):
    if not isinstance(row, Moderated):
        return True  # the essay, its sections and paragraphs come only from the fixtures
    return row.credit == EDITORS_CREDIT and row.submitted_by_id is None


def _never_changed_here(row):
    """No decision, edit or repair ever touched the row: it has no history, and its version is the first.

    (Every change made through the site records a revision; decisions and edits also raise the version.)
    """
    return getattr(row, "version", 1) == 1 and not Version.objects.get_for_object(row).exists()


def _last_change(row):
    version = Version.objects.get_for_object(row).select_related("revision__user").first()
    if version is None:
        return "changed outside its history"
    revision = version.revision
    who = revision.user.get_username() if revision.user else "no one named"
    return f"last change “{revision.comment}” by {who} on {revision.date_created:%Y-%m-%d %H:%M}"


class _FixtureLoad:
    """One fixture file loaded into the database, row by row."""

    def __init__(self, path, report):
        self.path = path
        self.report = report
        self.rows = list(serializers.deserialize("json", path.read_text(encoding="utf-8")))
        self.models = list(dict.fromkeys(type(d.object) for d in self.rows))
        self.current = {}
        self.records = {}
        for model in self.models:
            keys = [d.object.pk for d in self.rows if type(d.object) is model]
            self.current[model] = model.objects.in_bulk(keys)
            content_type = ContentType.objects.get_for_model(model)
            self.records[model] = {
                record.object_id: record
                for record in LoadedRow.objects.filter(content_type=content_type, object_id__in=keys)
            }

    @property
    def holds_apparatus(self):
        """True for a fixture of the editorial apparatus (notes, corrections, sources), not of the essay."""
        return any(issubclass(model, Moderated) for model in self.models)

    def clashes(self):
        """Contributors' items holding keys of this fixture (never loaded over)."""
        return [
            _label(row)
            for model in self.models
            for pk, row in self.current[model].items()
            if pk not in self.records[model] and not _is_editorial(row)
        ]

    def load(self):
        self.first_records = []  # for rows with none yet, written together at the end
        for deserialized in self.rows:
            self._row_load(deserialized)
        LoadedRow.objects.bulk_create(self.first_records)
        if self.report.added:
            # Rows were inserted with their own keys: move PostgreSQL's sequences past them.
            with connection.cursor() as cursor:
                for statement in connection.ops.sequence_reset_sql(no_style(), self.models):
                    cursor.execute(statement)

    def _row_load(self, deserialized):
        wanted = deserialized.object
        model = type(wanted)
        current = self.current[model].get(wanted.pk)
        record = self.records[model].get(wanted.pk)
        fixture_print = row_fingerprint(wanted)
        if current is None:
            self._guarded(wanted, lambda: self._add(deserialized, fixture_print))
        elif record is None:  # loaded before fingerprints were kept
            if row_fingerprint(current) == fixture_print:
                self._record_first(current, fixture_print)
                self.report.unchanged += 1
            elif _never_changed_here(current):
                self._guarded(current, lambda: self._update(current, wanted, fixture_print))
            else:
                self._skip(current, f"changed here before fingerprints were kept ({_last_change(current)})")
        elif row_fingerprint(current) != record.row_fingerprint:
            self._skip(current, f"touched since it was loaded ({_last_change(current)})")
        elif record.fixture_fingerprint == fixture_print:
            self.report.unchanged += 1
        else:
            self._guarded(current, lambda: self._update(current, wanted, fixture_print))

    def _guarded(self, row, change):
        try:
            with transaction.atomic():
                change()
        except IntegrityError as error:
            self._skip(row, f"conflicts with the database: {error}")
        except moderation.StaleItemError:
            self._skip(row, "changed by someone else while the edition was loading")

    def _add(self, deserialized, fixture_print):
        deserialized.save()  # a raw save, as loaddata's: the row exactly as the fixture has it
        if deserialized.object.pk in self.records[type(deserialized.object)]:  # a row removed since (retired)
            self._record(deserialized.object, fixture_print)
        else:
            self._record_first(deserialized.object, fixture_print)
        self.report.added.append(_label(deserialized.object))

    def _update(self, current, wanted, fixture_print):
        fields = [
            f.attname for f in _tracked_fields(type(current))
            if f.name not in _NOT_COPIED and f.value_to_string(current) != f.value_to_string(wanted)
        ]
        if not fields:  # only the fixture's own version moved
            self._record(current, fixture_print)
            self.report.unchanged += 1
            return
        if isinstance(current, Paragraph) and "text" in fields:
            # Notes and corrections hang on the text: only a repair re-anchors them.
            self._skip(current, "its text changed in the fixture: repair it in the admin, which re-anchors its notes")
            return
        for name in fields:
            setattr(current, name, getattr(wanted, name))
        comment = f"Updated from {self.path.name} by load_edition: {', '.join(fields)}."
        if isinstance(current, Moderated):
            # A change of status is logged as a Decision by the edition's rule.
            moderation.item_edit(current, user=None, rule=Rule.EDITION, fields=fields,
                                 expected_version=current.version, comment=comment)
        else:
            moderation.row_edit(current, user=None, fields=fields, comment=comment)
        self._record(type(current).objects.get(pk=current.pk), fixture_print)
        self.report.updated.append(_label(current))

    def _record_first(self, row, fixture_print):
        self.first_records.append(LoadedRow(
            content_type=ContentType.objects.get_for_model(row), object_id=row.pk,
            fixture_fingerprint=fixture_print, row_fingerprint=row_fingerprint(row),
        ))

    def _record(self, row, fixture_print):
        LoadedRow.objects.update_or_create(
            content_type=ContentType.objects.get_for_model(row),
            object_id=row.pk,
            defaults={
                "fixture_fingerprint": fixture_print,
                "row_fingerprint": row_fingerprint(row),
                "loaded_at": timezone.now(),
            },
        )

    def _skip(self, row, why):
        self.report.skipped.append((_label(row), why))


def edition_load(*, fixtures=EDITION_FIXTURES):
    """Load the edition's fixtures (the essay first); a missing file is passed over. Returns a LoadReport."""
    report = LoadReport()
    with transaction.atomic():
        for path in fixtures:
            if not path.exists():
                continue
            load = _FixtureLoad(path, report)
            clashes = load.clashes()
            if clashes:
                report.refused.append(
                    f"The editorial apparatus was not loaded from {path.name}: it would overwrite contributors' items "
                    f"({', '.join(clashes[:5])}{' …' if len(clashes) > 5 else ''})."
                )
                continue
            load.load()
            if load.holds_apparatus:
                report.retired += apparatus_retire_superseded(json.loads(path.read_text(encoding="utf-8")))
        if report.added:
            Essay.revision_bump()  # updates bumped it already, through the history helpers
    return report
