"""
The edition's notes and corrections as W3C Web Annotations (JSON-LD).

Pure functions over already-loaded objects: no queries here (the view
prefetches). The annotation's ``id`` is its JSON-LD address; ``canonical`` is its
human-readable permalink page. Each published note or accepted correction becomes an
``Annotation`` whose target is its paragraph (by public anchor) with a
TextQuoteSelector and a TextPositionSelector; a note's body is its Markdown as a
TextualBody; a correction's bodies are the corrected wording (purpose
``editing``) and the rationale (``describing``); cited sources with a URL or DOI
are linked bodies (``linking``). The ``creator`` is who proposed the item; its
certainty is an ``assessing`` body whose creator is who checked it. See
https://www.w3.org/TR/annotation-model/.
"""

from django.urls import reverse

ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'

NOTE_MOTIVATIONS = {"comment": "commenting", "context": "describing", "question": "questioning"}


def _timestamp(value):
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def _agent(item, name, *, contributor=False):
    """The editors are an Organization; a contributor is a Person known by a nickname, a moderator by name."""
    if item.credit:
        return {"type": "Organization", "name": name}
    return {"type": "Person", "nickname" if contributor else "name": name}


def _assessment_body(item):
    """How sure the edition is of the item, stated by whoever checked it (the body's creator)."""
    checker = item.checker
    body = {
        "type": "TextualBody",
        "purpose": "assessing",
        "value": f"Certainty: {item.certainty}." + (f" Checked by {checker}." if checker else ""),
        "format": "text/plain",
        "language": "en",
    }
    if checker:
        body["creator"] = _agent(item, checker)
    return body


def _source_link(source):
    if source.doi:
        return f"https://doi.org/{source.doi}"
    return source.url or None


def _citation_bodies(citations):
    bodies = []
    for citation in citations:
        link = _source_link(citation.source)
        if link:
            bodies.append({"type": "SpecificResource", "source": link, "purpose": "linking"})
    return bodies


def _target(item, absolute):
    return {
        "source": absolute(item.paragraph.get_absolute_url()),
        "selector": [
            {"type": "TextQuoteSelector", "exact": item.exact, "prefix": item.prefix, "suffix": item.suffix},
            {"type": "TextPositionSelector", "start": item.start, "end": item.end},
        ],
    }


def _annotation(item, *, route, motivation, bodies, absolute, citations):
    return {
        "@context": ANNOTATION_CONTEXT,
        "id": absolute(reverse(route, args=[item.pk])),
        "canonical": absolute(item.get_absolute_url()),
        "type": "Annotation",
        "motivation": motivation,
        "created": _timestamp(item.submitted_at),
        "modified": _timestamp(item.updated_at),
        "creator": _agent(item, item.proposer, contributor=not item.proposed_by),
        "body": [*bodies, _assessment_body(item), *_citation_bodies(citations)],
        "target": _target(item, absolute),
    }


def note_annotation(note, *, absolute, citations=()):
    """A published note as a Web Annotation; ``absolute`` makes a path an absolute IRI."""
    return _annotation(
        note,
        route="annotations:w3c_note",
        motivation=NOTE_MOTIVATIONS.get(note.kind, "commenting"),
        bodies=[{"type": "TextualBody", "value": note.body, "format": "text/markdown", "language": "en"}],
        absolute=absolute,
        citations=citations,
    )


def correction_annotation(correction, *, absolute, citations=()):
    """An accepted correction as a Web Annotation with an ``editing`` motivation."""
    return _annotation(
        correction,
        route="annotations:w3c_correction",
        motivation="editing",
        bodies=[
            {"type": "TextualBody", "purpose": "editing", "value": correction.replacement, "format": "text/plain", "language": "en"},
            {"type": "TextualBody", "purpose": "describing", "value": correction.rationale, "format": "text/markdown", "language": "en"},
            {"type": "TextualBody", "purpose": "classifying", "value": correction.category, "format": "text/plain"},
        ],
        absolute=absolute,
        citations=citations,
    )


def annotation_collection(annotations, *, collection_id, label):
    """An AnnotationCollection holding every annotation on one embedded page."""
    return {
        "@context": ANNOTATION_CONTEXT,
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label,
        "total": len(annotations),
        "first": {
            "id": f"{collection_id}#page-1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": [{key: value for key, value in annotation.items() if key != "@context"} for annotation in annotations],
        },
    }
