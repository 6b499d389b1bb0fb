"""
The edition's own apparatus: editorial corrections, notes and sources.

The editors keep the apparatus in fixtures/apparatus.toml (readable, reviewable
in a diff). ``apparatus_build`` turns it into rows through the same models,
anchoring and validation as a contribution — every quote must anchor uniquely
in its paragraph, every correction must cite a source, no two corrections may
overlap — and ``make fixtures`` dumps those rows to fixtures/apparatus.json,
which ``load_edition`` (and so ``make run``) loads.
"""

import tomllib
from dataclasses import asdict
from datetime import datetime, timezone

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations import text
from annotations.models import (
    EDITORS_CREDIT,
    Annotation,
    Citation,
    Correction,
    Paragraph,
    Source,
    Status,
)

# The editorial layer is dated to the edition's publication, so a rebuild
# yields the same fixture.
PUBLISHED_AT = datetime(2026, 11, 26, tzinfo=timezone.utc)
REVIEW_REASON = "Editorial apparatus, published with the edition."
SOURCE_FIELDS = ("kind", "authors", "title", "container", "publisher", "place", "year", "volume", "pages", "url", "doi", "isbn")


class ApparatusError(ValueError):
    """The apparatus file does not fit the essay; the message says where."""


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


def _cite(item, entry, sources, where):
    citations = entry.get("sources", [])
    for reference in citations:
        if reference["key"] not in sources:
            raise ApparatusError(f"{where}: unknown source key {reference['key']!r}")
        owner = {"annotation": item} if isinstance(item, Annotation) else {"correction": item}
        _saved(
            Citation(source=sources[reference["key"]], locator=reference.get("locator", ""), **owner, **_editorial()),
            f"{where}, citation of {reference['key']}",
        )
    return len(citations)


def apparatus_build(data, *, essay):
    """Create the apparatus described by ``data`` (parsed TOML) for ``essay``; returns counts."""
    paragraphs = list(Paragraph.objects.filter(section__essay=essay))
    with transaction.atomic():
        sources = {}
        for index, entry in enumerate(data.get("source", []), start=1):
            fields = {name: entry.get(name) for name in SOURCE_FIELDS if entry.get(name) not in (None, "")}
            sources[entry["key"]] = _saved(Source(**_editorial(**fields)), f"source {index} ({entry['key']})")

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
                    **anchored,
                    **_editorial(),
                ),
                where,
            )
            if not _cite(correction, entry, sources, where):
                raise ApparatusError(f"{where}: a correction must cite at least one source")
            accepted.append(correction)

        notes = 0
        for index, entry in enumerate(data.get("note", []), start=1):
            where = f"note {index} ({entry['exact']!r})"
            note = _saved(
                Annotation(kind=entry["kind"], body=entry["body"].strip(), **_anchored(paragraphs, entry, where), **_editorial()),
                where,
            )
            _cite(note, entry, sources, where)
            notes += 1
    return {"sources": len(sources), "corrections": len(accepted), "notes": notes}


def apparatus_read(path):
    with open(path, "rb") as file:
        try:
            return tomllib.load(file)
        except tomllib.TOMLDecodeError as error:
            raise ApparatusError(f"{path}: {error}") from None
