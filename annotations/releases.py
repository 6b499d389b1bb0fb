"""
Releases: the citable versions of the edition.

An editor releases a version from the admin ("Release version N", with a short
summary). A release freezes exactly what readers saw at that moment — the essay
(its attribution and introduction), its sections and paragraphs as they read
then, the published notes and corrections with their texts, certainty and
responsibility, their public citations and cited sources, and the
cross-references between them — as a list of stored item versions
(django-reversion ``Version`` rows, one ``ReleaseItem`` each), not a copy of the
page. An item unchanged since the last release shares its stored version with
it; one that has none yet, or whose row moved on without a revision (fixtures
loaded, an unrecorded edit), gets one in a revision "Frozen for version N"::

    from annotations import releases
    release = releases.release_make(essay, editor=request.user, summary="Twelve new corrections in § 4.")
    releases.release_first_ensure(essay)         # load_edition: version 1, once
    snapshot = releases.snapshot_load(release)    # the frozen essay, paragraphs, items, citations, sources…
    changes = releases.changes_between(older_snapshot, snapshot)

A snapshot's instances are unsaved model instances built from the stored
versions, wired together as the reading pages expect (``item.paragraph.section``,
``item.shown_citations``, ``item.related_items``) and marked ``released_in``, so
their addresses are the release's own (``/v/<N>/notes/<id>/``). The people they
credit are kept as they were named at release time (``Release.people``).
"""

import json
from collections import defaultdict
from dataclasses import dataclass, field

import reversion
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.exceptions import FieldDoesNotExist
from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from reversion.models import Version

from annotations import moderation  # noqa: F401 - registers the frozen models with django-reversion
from annotations.models import (
    Annotation, Citation, Correction, CrossReference, Essay, Paragraph, Release, ReleaseItem, Section, Source,
)

# What a release freezes, in the order a snapshot wires them together.
FROZEN = (Essay, Section, Paragraph, Annotation, Correction, Citation, Source, CrossReference)
FIRST_SUMMARY = "The edition as first published: the essay and the editorial apparatus."


class ReleaseError(ValueError):
    """A release that cannot be made; the message says why."""


# --- what readers see now ---------------------------------------------------------------------------


def _members(essay):
    """{model: [instances]}: everything readers of ``essay`` see now (seven queries)."""
    in_essay = Q(paragraph__section__essay=essay)
    notes = list(Annotation.objects.published().filter(in_essay).with_people())
    corrections = list(Correction.objects.published().filter(in_essay).with_people())
    citations = list(Citation.objects.published().filter(Q(annotation__in=notes) | Q(correction__in=corrections)))
    public = {("n", item.pk) for item in notes} | {("c", item.pk) for item in corrections}
    references = [
        reference for reference in CrossReference.objects.filter(
            Q(from_note__in=notes) | Q(from_correction__in=corrections)
        )
        if (("n", reference.to_note_id) if reference.to_note_id else ("c", reference.to_correction_id)) in public
    ]
    return {
        Essay: [essay],
        Section: list(essay.sections.all()),
        Paragraph: list(Paragraph.objects.filter(section__essay=essay)),
        Annotation: notes,
        Correction: corrections,
        Citation: citations,
        Source: list(Source.objects.filter(pk__in={citation.source_id for citation in citations})),
        CrossReference: references,
    }


def _people(members):
    """{user id: [username, first name, last name]} of everyone the items credit, as named now."""
    people = {}
    for item in members[Annotation] + members[Correction]:
        for user in (item.submitted_by, item.reviewed_by):
            if user is not None:
                people[str(user.pk)] = [user.get_username(), user.first_name, user.last_name]
    return people


# --- stored versions ----------------------------------------------------------------------------------


def _content_types():
    return ContentType.objects.get_for_models(*FROZEN)


def _latest_versions(keys):
    """{(content type id, pk): the latest stored Version} for ``keys`` that have one (one query)."""
    by_type = defaultdict(list)
    for content_type_id, pk in keys:
        by_type[content_type_id].append(str(pk))
    if not by_type:
        return {}
    wanted = Q()
    for content_type_id, ids in by_type.items():
        wanted |= Q(content_type_id=content_type_id, object_id__in=ids)
    latest = Version.objects.filter(wanted).order_by().values("content_type_id", "object_id").annotate(latest=Max("pk"))
    return {
        (version.content_type_id, int(version.object_id)): version
        for version in Version.objects.filter(pk__in=latest.values("latest"))
    }


def _serialized(members):
    """{(content type id, pk): fields} of every member as django-reversion stores them (Django's JSON serializer)."""
    types = _content_types()
    fields = {}
    for model, instances in members.items():
        for row in json.loads(serializers.serialize("json", instances)):
            fields[(types[model].pk, row["pk"])] = row["fields"]
    return fields


def _stores(version, fields):
    """Whether ``version`` holds a row whose ``fields`` are these now (every field the version keeps)."""
    if version.format != "json":
        return False
    stored = json.loads(version.serialized_data)[0]["fields"]
    return all(fields.get(name) == value for name, value in stored.items())


def _versions_now(members, *, user, number):
    """{(content type id, pk): Version} holding every member as it is now; missing ones are stored first."""
    types = _content_types()
    wanted = {(types[model].pk, instance.pk): instance for model, instances in members.items() for instance in instances}
    versions = _latest_versions(wanted)
    current = _serialized(members)
    stale = [instance for key, instance in wanted.items() if key not in versions or not _stores(versions[key], current[key])]
    if stale:
        with reversion.create_revision(atomic=False):
            for instance in stale:
                reversion.add_to_revision(instance)
            reversion.set_user(user)
            reversion.set_comment(f"Frozen for version {number}.")
        versions.update(_latest_versions([(types[type(instance)].pk, instance.pk) for instance in stale]))
    return {key: versions[key] for key in wanted}


# --- making a release ---------------------------------------------------------------------------------


def release_latest(essay):
    """The latest release of ``essay`` (an Essay or anything with its pk), or None (one query)."""
    return Release.objects.filter(essay_id=essay.pk).order_by("-number").first()


def release_make(essay, *, editor, summary):
    """Release the next version of ``essay``: what readers see now, frozen; returns the Release.

    ``editor`` is None only for the first release ``load_edition`` makes.
    Refused (ReleaseError) without a summary, by anyone not allowed to release,
    and when readers would see nothing different from the latest release.
    """
    summary = (summary or "").strip()
    if editor is not None and not editor.has_perm("annotations.add_release"):
        raise ReleaseError("Only editors may release a version of the edition.")
    if not summary:
        raise ReleaseError("Say in a sentence what this version changes; readers see it in the list of versions.")
    with transaction.atomic():
        # One release at a time: the essay's row is the lock (a no-op on SQLite, which writes serially).
        essay = Essay.objects.select_for_update().get(pk=essay.pk)
        previous = release_latest(essay)
        number = previous.number + 1 if previous else 1
        members = _members(essay)
        versions = _versions_now(members, user=editor, number=number)
        if previous is not None and _version_ids(previous) == {key: version.pk for key, version in versions.items()}:
            raise ReleaseError(f"Readers see nothing that version {previous.number} does not already show.")
        release = Release.objects.create(
            essay=essay, number=number, title=essay.title, summary=summary, released_by=editor,
            released_at=timezone.now(), people=_people(members),
        )
        ReleaseItem.objects.bulk_create(
            ReleaseItem(release=release, content_type_id=content_type_id, object_id=pk, version=version)
            for (content_type_id, pk), version in versions.items()
        )
        older = snapshot_load(previous) if previous is not None else None
        release.counts = changes_between(older, _snapshot(release, versions.values())).counts()
        release.save(update_fields=["counts"])
        Essay.revision_bump()  # the living edition's marks and "Cite this edition" move to this version
    return release


def release_first_ensure(essay):
    """Release version 1 of ``essay`` when it has no release yet (``load_edition`` calls it); returns it or None."""
    if essay is None or Release.objects.filter(essay=essay).exists():
        return None
    return release_make(essay, editor=None, summary=FIRST_SUMMARY)


def _version_ids(release):
    return {
        (content_type_id, object_id): version_id
        for content_type_id, object_id, version_id in release.items.values_list("content_type_id", "object_id", "version_id")
    }


def released_keys(release, models=(Annotation, Correction)):
    """{(model, pk)} of the ``models`` rows a release shows (one query)."""
    types = _content_types()
    by_id = {types[model].pk: model for model in models}
    rows = release.items.filter(content_type_id__in=by_id).values_list("content_type_id", "object_id")
    return {(by_id[content_type_id], object_id) for content_type_id, object_id in rows}


def items_new_since(essay, release):
    """[(model, pk)] of the notes and corrections published now that ``release`` does not show (three queries)."""
    released = released_keys(release)
    return [
        (model, pk)
        for model in (Annotation, Correction)
        for pk in model.objects.published().filter(paragraph__section__essay=essay).values_list("pk", flat=True)
        if (model, pk) not in released
    ]


def release_shows(release, item):
    """Whether ``release`` shows the note or correction ``item`` (one query)."""
    content_type = ContentType.objects.get_for_model(type(item))
    return release.items.filter(content_type=content_type, object_id=item.pk).exists()


# --- reading a release back ---------------------------------------------------------------------------


@dataclass
class Snapshot:
    """A release read back: unsaved instances wired as the reading pages expect, all marked ``released_in``."""

    release: Release
    essay: Essay
    sections: list  # by position
    paragraphs: list  # in reading order, each with its section
    notes: list  # each with its paragraph, people, shown_citations and related_items
    corrections: list
    sources: dict  # pk → Source

    def item(self, model, pk):
        items = self.notes if model is Annotation else self.corrections
        return next((item for item in items if item.pk == pk), None)


def snapshot_load(release):
    """The release as readers saw it (one query, and the stored versions read back in memory)."""
    versions = Version.objects.filter(pk__in=release.items.values("version_id"))
    return _snapshot(release, versions)


def _frozen_users(people):
    """{user id: an unsaved user named as at release time}."""
    User = get_user_model()
    return {
        int(pk): User(pk=int(pk), username=username, first_name=first_name, last_name=last_name)
        for pk, (username, first_name, last_name) in people.items()
    }


def _restored(version):
    """The row a stored version holds, as an unsaved instance (its fields as stored, later ones at their default).

    Django's JSON as reversion writes it, read field by field: what
    ``Version.field_dict`` does, without a deserializer per row (a third of the time).
    """
    model = ContentType.objects.get_for_id(version.content_type_id).model_class()
    if version.format != "json":
        return model(**version.field_dict)
    (row,) = json.loads(version.serialized_data)
    values = {model._meta.pk.attname: model._meta.pk.to_python(row["pk"])}
    for name, value in row["fields"].items():
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:  # a field removed since
            continue
        if field.is_relation:
            values[field.attname] = None if value is None else field.target_field.to_python(value)
        else:
            values[field.attname] = field.to_python(value)
    return model(**values)


def _snapshot(release, versions):
    rows = defaultdict(list)
    for version in versions:
        instance = _restored(version)
        instance.released_in = release.number
        rows[type(instance)].append(instance)
    (essay,) = rows[Essay]
    sections = {section.pk: section for section in rows[Section]}
    for section in sections.values():
        section.essay = essay
    paragraphs = sorted(rows[Paragraph], key=lambda p: (sections[p.section_id].position, p.position))
    by_paragraph = {}
    for paragraph in paragraphs:
        paragraph.section = sections[paragraph.section_id]
        by_paragraph[paragraph.pk] = paragraph
    items, users = {}, _frozen_users(release.people)
    for model in (Annotation, Correction):
        for item in rows[model]:
            item.paragraph = by_paragraph[item.paragraph_id]
            item.submitted_by = users.get(item.submitted_by_id)
            item.reviewed_by = users.get(item.reviewed_by_id)
            item.shown_citations, item.related_items = [], []
            items[(model, item.pk)] = item
    sources = {source.pk: source for source in rows[Source]}
    for citation in sorted(rows[Citation], key=lambda c: c.pk):
        citation.source = sources[citation.source_id]
        owner = items[(Annotation, citation.annotation_id) if citation.annotation_id else (Correction, citation.correction_id)]
        if citation.annotation_id:
            citation.annotation = owner
        else:
            citation.correction = owner
        owner.shown_citations.append(citation)
    for reference in sorted(rows[CrossReference], key=lambda r: r.pk):
        source = (Annotation, reference.from_note_id) if reference.from_note_id else (Correction, reference.from_correction_id)
        target = (Annotation, reference.to_note_id) if reference.to_note_id else (Correction, reference.to_correction_id)
        items[source].related_items.append(items[target])

    def reading_order(item):
        return (item.submitted_at, item.pk)  # the models' own ordering, as the living edition reads them

    return Snapshot(
        release=release, essay=essay, sections=sorted(sections.values(), key=lambda s: s.position),
        paragraphs=paragraphs, notes=sorted(rows[Annotation], key=reading_order),
        corrections=sorted(rows[Correction], key=reading_order), sources=sources,
    )


# --- what changed between two releases ----------------------------------------------------------------


def _source_reading(source):
    return tuple(getattr(source, name) for name in (
        "kind", "authors", "title", "container", "publisher", "place", "year", "volume", "pages", "url", "doi", "isbn",
    ))


def item_reading(item):
    """What a reader sees of a note or correction: its words, place, assessment, sources and cross-references.

    Two releases show an item differently when this differs (its dates and
    bookkeeping fields do not count).
    """
    own = (item.kind, item.body) if isinstance(item, Annotation) else (item.category, item.replacement, item.rationale)
    return (
        *own, item.paragraph_id, item.start, item.end, item.exact, item.certainty, item.proposer, item.checker,
        tuple((citation.locator, _source_reading(citation.source)) for citation in item.shown_citations),
        tuple((type(other).__name__, other.pk) for other in item.related_items),
    )


@dataclass
class Changes:
    """What a release changed from the one before it (everything, for the first)."""

    added: list = field(default_factory=list)  # notes and corrections of the newer release only
    changed: list = field(default_factory=list)  # (older, newer) that read differently
    withdrawn: list = field(default_factory=list)  # notes and corrections of the older release only
    repaired: list = field(default_factory=list)  # (older, newer) paragraphs whose text was repaired
    headings: list = field(default_factory=list)  # (older, newer) sections whose heading changed
    introduction: bool = False  # the essay's attribution or introduction changed

    def counts(self):
        def by_kind(entries, pick=lambda entry: entry):
            return {
                "notes": sum(1 for entry in entries if isinstance(pick(entry), Annotation)),
                "corrections": sum(1 for entry in entries if isinstance(pick(entry), Correction)),
            }

        return {
            "added": by_kind(self.added),
            "changed": by_kind(self.changed, pick=lambda pair: pair[1]),
            "withdrawn": by_kind(self.withdrawn),
            "repaired": len(self.repaired),
            "headings": len(self.headings),
            "introduction": self.introduction,
        }


ESSAY_READING = ("title", "source_site", "source_url", "source_published", "source_retrieved", "introduction")


def changes_between(older, newer):
    """The Changes from snapshot ``older`` (None before the first release) to ``newer``."""
    changes = Changes()
    old_items = {(type(item), item.pk): item for item in (older.notes + older.corrections if older else [])}
    new_items = {(type(item), item.pk): item for item in newer.notes + newer.corrections}
    for key, item in new_items.items():
        if key not in old_items:
            changes.added.append(item)
        elif item_reading(old_items[key]) != item_reading(item):
            changes.changed.append((old_items[key], item))
    changes.withdrawn = [item for key, item in old_items.items() if key not in new_items]
    if older is not None:
        old_paragraphs = {paragraph.pk: paragraph for paragraph in older.paragraphs}
        changes.repaired = [
            (old_paragraphs[p.pk], p) for p in newer.paragraphs if p.pk in old_paragraphs and old_paragraphs[p.pk].text != p.text
        ]
        old_sections = {section.pk: section for section in older.sections}
        changes.headings = [
            (old_sections[s.pk], s) for s in newer.sections if s.pk in old_sections and old_sections[s.pk].heading != s.heading
        ]
        changes.introduction = any(getattr(older.essay, name) != getattr(newer.essay, name) for name in ESSAY_READING)
    return changes
