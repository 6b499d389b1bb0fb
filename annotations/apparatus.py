"""
The edition's own apparatus: editorial corrections, notes and sources.

The editors keep the apparatus in fixtures/apparatus.toml (readable, reviewable
in a diff). ``apparatus_build`` turns it into rows through the same models,
anchoring and validation as a contribution — every quote must anchor uniquely
in its paragraph, no two corrections may overlap, a factual, date or name
correction must cite a source (``moderation.correction_must_cite``), every
citation of a book or an article must say where (page, chapter or document),
DOIs and ISBNs must be valid, and every item records its certainty and who
proposed and checked it — and ``make fixtures`` dumps those rows to
fixtures/apparatus.json, which ``load_edition`` (and so ``make run``) loads.
"""

import tomllib
from collections import defaultdict
from dataclasses import asdict
from datetime import datetime, timezone

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations import identifiers, moderation, text
from annotations.models import (
    EDITORS_CREDIT,
    Annotation,
    Citation,
    Correction,
    CrossReference,
    Paragraph,
    Source,
    Status,
)

# The editorial layer is dated to the edition's publication, so a rebuild
# yields the same fixture.
PUBLISHED_AT = datetime(2026, 11, 26, tzinfo=timezone.utc)
REVIEW_REASON = "Editorial apparatus, published with the edition."
SUPERSEDED_REASON = "Not in the edition of the apparatus now loaded: superseded."
SOURCE_FIELDS = ("kind", "authors", "title", "container", "publisher", "place", "year", "volume", "pages", "url", "doi", "isbn")
# Sources whose citations must say where in them the claim is supported.
LOCATED_KINDS = frozenset({Source.Kind.BOOK, Source.Kind.ARTICLE, Source.Kind.CHAPTER})


class ApparatusError(ValueError):
    """The apparatus file does not fit the essay; the message says where."""


def citation_needs_locator(source):
    """A citation of a book, a chapter or an article gives a page, chapter or document number."""
    return source.kind in LOCATED_KINDS


def _editorial(**fields):
    return {
        "status": Status.ACCEPTED,
        "credit": EDITORS_CREDIT,
        "submitted_at": PUBLISHED_AT,
        "reviewed_at": PUBLISHED_AT,
        "review_reason": REVIEW_REASON,
        **fields,
    }


def _saved(instance, where):
    try:
        instance.full_clean()
    except ValidationError as error:
        raise ApparatusError(f"{where}: {error.message_dict}") from None
    instance.save()
    return instance


def _paragraph_for(paragraphs, phrase, where):
    matches = [p for p in paragraphs if text.find_quote(p.text, phrase)]
    if len(matches) != 1:
        raise ApparatusError(f"{where}: the phrase {phrase!r} is in {len(matches)} paragraphs, not exactly one")
    return matches[0]


def _anchored(paragraphs, entry, where):
    paragraph = _paragraph_for(paragraphs, entry["paragraph"], where)
    try:
        anchor = text.anchor_quote(paragraph.text, entry["exact"], prefix=entry.get("prefix", ""))
    except text.QuoteError as error:
        raise ApparatusError(f"{where}: {entry['exact']!r}: {error}") from None
    return {"paragraph": paragraph, **asdict(anchor)}


def _assessment(entry, people, where):
    """Certainty and responsibility: keys of the [responsibility] table for who proposed and who checked."""
    fields = {"certainty": entry.get("certainty", "")}
    for role, field in (("proposed", "proposed_by"), ("checked", "checked_by")):
        key = entry.get(role, "")
        if key not in people:
            raise ApparatusError(f"{where}: {role} = {key!r} is not a key of [responsibility]")
        fields[field] = people[key]
    return fields


def _source(entry, where):
    fields = {name: entry.get(name) for name in SOURCE_FIELDS if entry.get(name) not in (None, "")}
    for name, clean in (("doi", identifiers.clean_doi), ("isbn", identifiers.clean_isbn)):
        if name in fields:
            try:
                fields[name] = clean(fields[name])
            except identifiers.IdentifierError as error:
                raise ApparatusError(f"{where}: {name} {fields[name]!r}: {error}") from None
    return _saved(Source(**_editorial(**fields)), where)


def _cite(item, entry, sources, where):
    citations = entry.get("sources", [])
    for reference in citations:
        if reference["key"] not in sources:
            raise ApparatusError(f"{where}: unknown source key {reference['key']!r}")
        source, locator = sources[reference["key"]], reference.get("locator", "")
        if citation_needs_locator(source) and not locator.strip():
            raise ApparatusError(f"{where}: the citation of {reference['key']!r} needs a locator (page, chapter or document)")
        owner = {"annotation": item} if isinstance(item, Annotation) else {"correction": item}
        _saved(
            Citation(source=source, locator=locator, **owner, **_editorial()),
            f"{where}, citation of {reference['key']}",
        )
    return len(citations)


def _keyed(items_by_key, item, entry, where):
    key = entry.get("key")
    if key is None:
        return
    if key in items_by_key:
        raise ApparatusError(f"{where}: the key {key!r} is used twice")
    items_by_key[key] = item


def _cross_reference(items_by_key, entries):
    """“See also” links between items, once every item exists."""
    for item, entry, where in entries:
        for key in entry.get("see_also", []):
            if key not in items_by_key:
                raise ApparatusError(f"{where}: see_also names no item with the key {key!r}")
            other = items_by_key[key]
            ends = {
                "from_note" if isinstance(item, Annotation) else "from_correction": item,
                "to_note" if isinstance(other, Annotation) else "to_correction": other,
            }
            _saved(CrossReference(**ends), f"{where}, see also {key}")


def apparatus_build(data, *, essay):
    """Create the apparatus described by ``data`` (parsed TOML) for ``essay``; returns counts."""
    paragraphs = list(Paragraph.objects.filter(section__essay=essay))
    people = data.get("responsibility", {})
    items_by_key, built = {}, []
    with transaction.atomic():
        sources = {}
        for index, entry in enumerate(data.get("source", []), start=1):
            sources[entry["key"]] = _source(entry, f"source {index} ({entry['key']})")

        accepted = []
        for index, entry in enumerate(data.get("correction", []), start=1):
            where = f"correction {index} ({entry['exact']!r})"
            anchored = _anchored(paragraphs, entry, where)
            for other in accepted:
                if other.paragraph_id == anchored["paragraph"].pk and text.spans_overlap(
                    other.start, other.end, anchored["start"], anchored["end"]
                ):
                    raise ApparatusError(f"{where}: overlaps the correction of {other.exact!r}")
            if entry["replacement"] == anchored["exact"]:
                raise ApparatusError(f"{where}: the replacement equals the original")
            correction = _saved(
                Correction(
                    category=entry["category"],
                    replacement=entry["replacement"],
                    rationale=entry["rationale"].strip(),
                    **_assessment(entry, people, where),
                    **anchored,
                    **_editorial(),
                ),
                where,
            )
            if not _cite(correction, entry, sources, where) and moderation.correction_must_cite(correction.category):
                raise ApparatusError(f"{where}: a {correction.category} correction must cite at least one source")
            accepted.append(correction)
            _keyed(items_by_key, correction, entry, where)
            built.append((correction, entry, where))

        notes = 0
        for index, entry in enumerate(data.get("note", []), start=1):
            where = f"note {index} ({entry['exact']!r})"
            note = _saved(
                Annotation(
                    kind=entry["kind"],
                    body=entry["body"].strip(),
                    **_assessment(entry, people, where),
                    **_anchored(paragraphs, entry, where),
                    **_editorial(),
                ),
                where,
            )
            _cite(note, entry, sources, where)
            _keyed(items_by_key, note, entry, where)
            built.append((note, entry, where))
            notes += 1
        _cross_reference(items_by_key, built)
        # auto_now stamped the build's time: date every row to the edition instead.
        for model in (Source, Correction, Annotation, Citation):
            model.objects.filter(credit=EDITORS_CREDIT, submitted_by=None).update(updated_at=PUBLISHED_AT)
    return {"sources": len(sources), "corrections": len(accepted), "notes": notes}


def apparatus_retire_superseded(rows):
    """Retire the editors' published rows that a newly loaded apparatus (fixture ``rows``) no longer has.

    Fixture rows keep their primary keys, so loading a new edition over an older
    one overwrites the rows it has and leaves the others in place, where a stale
    citation would show under whichever item now holds its owner's key. Those
    rows are rejected with a reason and kept with their history, never deleted;
    contributors' items are never touched. Returns how many were retired.
    """
    shipped = defaultdict(set)
    for row in rows:
        shipped[row["model"]].add(row["pk"])
    retired = 0
    for model in (Citation, CrossReference, Correction, Annotation, Source):
        kept = model.objects.exclude(pk__in=shipped[model._meta.label_lower])
        if model is CrossReference:
            kept.delete()  # a link between the editors' items, not itself an item of the edition
            continue
        superseded = kept.filter(status=Status.ACCEPTED, credit=EDITORS_CREDIT, submitted_by=None)
        retired += moderation.items_supersede(superseded, reason=SUPERSEDED_REASON)
    return retired


def apparatus_read(path):
    with open(path, "rb") as file:
        try:
            return tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise ApparatusError(f"{path}: {error}") from None
