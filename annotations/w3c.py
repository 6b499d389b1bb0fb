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

The model's linking bodies carry only an address, so every cited source also
travels in full under ``cites`` (CiTO's ``cites``, a JSON literal): its locator
and its record as CSL-JSON (``{"locator": "p. 212", "itemData": {...}}``). The
importer (``annotations.exchange``) reads it back, so nothing is lost.

Containers and pages follow the Web Annotation Protocol
(https://www.w3.org/TR/annotation-protocol/): the container is an LDP Basic
Container and an AnnotationCollection; its pages hold either complete
annotations or only their IRIs, and the page IRIs say which (``?iris=0|1``).
"""

from django.urls import reverse

from annotations import citation_formats
from annotations.models import EDITORS_CREDIT

ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
LDP_CONTEXT = "http://www.w3.org/ns/ldp.jsonld"
CITES_CONTEXT = {"cites": {"@id": "http://purl.org/spar/cito/cites", "@type": "@json"}}
MEDIA_TYPE = 'application/ld+json; profile="http://www.w3.org/ns/anno.jsonld"'

PREFER_MINIMAL_CONTAINER = "http://www.w3.org/ns/ldp#PreferMinimalContainer"
PREFER_CONTAINED_IRIS = "http://www.w3.org/ns/oa#PreferContainedIRIs"
PREFER_CONTAINED_DESCRIPTIONS = "http://www.w3.org/ns/oa#PreferContainedDescriptions"

NOTE_MOTIVATIONS = {"comment": "commenting", "context": "describing", "question": "questioning"}


def timestamp(value):
    return value.isoformat(timespec="seconds").replace("+00:00", "Z")


def is_editors_name(name):
    """Whether a credit names the edition's editors ("The editors", "The editors (second edition)")."""
    return name == EDITORS_CREDIT or name.startswith(f"{EDITORS_CREDIT} (")


def _agent(name, *, contributor=False):
    """The editors are an Organization; a contributor is a Person known by a nickname, anyone else by name."""
    if is_editors_name(name):
        return {"type": "Organization", "name": name}
    return {"type": "Person", "nickname" if contributor else "name": name}


CERTAINTY_PREFIX = "Certainty: "


def _assessment_body(item):
    """How sure the edition is of the item, stated by whoever checked it (the body's creator)."""
    checker = item.checker
    body = {
        "type": "TextualBody",
        "purpose": "assessing",
        "value": f"{CERTAINTY_PREFIX}{item.certainty}." + (f" Checked by {checker}." if checker else ""),
        "format": "text/plain",
        "language": "en",
    }
    if checker:
        body["creator"] = _agent(checker)
    return body


def source_link(source):
    """The address a cited source is linked by: its DOI, else its URL (or None)."""
    if source.doi:
        return f"https://doi.org/{source.doi}"
    return source.url or None


def _citation_bodies(citations):
    bodies = []
    for citation in citations:
        link = source_link(citation.source)
        if link:
            bodies.append({"type": "SpecificResource", "source": link, "purpose": "linking"})
    return bodies


def _cites(citations):
    """Each cited source in full: its locator and its CSL-JSON record."""
    cited = []
    for citation in citations:
        source = citation.source
        key = citation_formats.citation_keys([source])[source.pk]
        record = citation_formats.source_record(source, key=key)
        cited.append({"locator": citation.locator, "itemData": citation_formats.csl_item(record)})
    return cited


def _target(item, absolute):
    return {
        "source": absolute(item.paragraph.get_absolute_url()),
        "selector": [
            {"type": "TextQuoteSelector", "exact": item.exact, "prefix": item.prefix, "suffix": item.suffix},
            {"type": "TextPositionSelector", "start": item.start, "end": item.end},
        ],
    }


def _annotation(item, *, route, motivation, bodies, absolute, citations):
    annotation = {
        "@context": [ANNOTATION_CONTEXT, CITES_CONTEXT],
        "id": absolute(reverse(route, args=[item.pk])),
        "canonical": absolute(item.get_absolute_url()),
        "type": "Annotation",
        "motivation": motivation,
        "created": timestamp(item.submitted_at),
        "modified": timestamp(item.updated_at),
        "creator": _agent(item.proposer, contributor=not item.proposed_by),
        "body": [*bodies, _assessment_body(item), *_citation_bodies(citations)],
        "target": _target(item, absolute),
    }
    if citations:
        annotation["cites"] = _cites(citations)
    return annotation


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


def _embedded(annotation):
    """An annotation inside a page: the page carries the @context; an IRI stays an IRI."""
    if isinstance(annotation, dict):
        return {key: value for key, value in annotation.items() if key != "@context"}
    return annotation


def annotation_page(items, *, page_id, start_index, part_of=None, next_id=None, prev_id=None, embedded=False):
    """An AnnotationPage of ``items`` (complete annotations or IRIs).

    ``part_of``: the collection it belongs to (an object with its id, total,
    modified and first and last pages); ``embedded``: inside its collection,
    which carries the @context.
    """
    page = {} if embedded else {"@context": [ANNOTATION_CONTEXT, CITES_CONTEXT]}
    page.update({"id": page_id, "type": "AnnotationPage"})
    if part_of is not None:
        page["partOf"] = part_of
    page["startIndex"] = start_index
    if next_id:
        page["next"] = next_id
    if prev_id:
        page["prev"] = prev_id
    page["items"] = [_embedded(item) for item in items]
    return page


def annotation_container(*, container_id, label, total, modified, first, last):
    """An Annotation Container: an LDP Basic Container that is an AnnotationCollection.

    ``first`` is the embedded first page or its IRI (or None when empty),
    ``last`` the IRI of the last page.
    """
    container = {
        "@context": [ANNOTATION_CONTEXT, LDP_CONTEXT, CITES_CONTEXT],
        "id": container_id,
        "type": ["BasicContainer", "AnnotationCollection"],
        "label": label,
        "total": total,
    }
    if modified is not None:
        container["modified"] = timestamp(modified)
    if first is not None:
        container["first"] = first
        container["last"] = last
    return container


def annotation_collection(annotations, *, collection_id, label, modified=None):
    """An AnnotationCollection holding every annotation on one embedded page (the export file)."""
    collection = {
        "@context": [ANNOTATION_CONTEXT, CITES_CONTEXT],
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": label,
        "total": len(annotations),
    }
    if modified is not None:
        collection["modified"] = timestamp(modified)
    if annotations:
        collection["first"] = annotation_page(
            annotations, page_id=f"{collection_id}#page-0", start_index=0, embedded=True
        )
    return collection


def container_preferences(header):
    """What a Prefer header asks of a container (the Protocol's § 4.2.2): (minimal, iris, stated).

    ``minimal``: no embedded page; ``iris``: pages of IRIs rather than complete
    annotations; ``stated``: the client gave a ``return=representation``
    preference (to be acknowledged with Preference-Applied). Asking for both
    IRIs and descriptions, which the Protocol forbids, keeps the default.
    """
    minimal = iris = stated = False
    for preference in (header or "")[:2000].split(","):
        name, *parameters = (part.strip() for part in preference.split(";"))
        if name.replace(" ", "") != "return=representation":
            continue
        stated = True
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip() != "include":
                continue
            included = set(value.strip().strip('"').split())
            minimal = minimal or PREFER_MINIMAL_CONTAINER in included
            if PREFER_CONTAINED_IRIS in included and PREFER_CONTAINED_DESCRIPTIONS not in included:
                iris = True
    return minimal, iris, stated
