"""The MUST statements of the W3C Web Annotation Data Model, as checks we own.

Written for this project from the Recommendation of 23 February 2017
(https://www.w3.org/TR/annotation-model/); each check names the section it
comes from. Only what the model *requires* is checked (MUST and MUST NOT), for
the features the edition's export can use: annotations with embedded textual
and specific-resource bodies, targets with TextQuote/TextPosition selectors,
agents, dates, and collections with their pages. Each function returns a list
of human-readable failures; an empty list means the document conforms.
"""

import re
from urllib.parse import urlsplit

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"

# xsd:dateTime (§ 3.3.1 "MUST be expressed in the xsd:dateTime format").
_XSD_DATETIME = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?"
    r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?$"
)
_TEXT_DIRECTIONS = {"ltr", "rtl", "auto"}
# § 3.3.5 Motivation and Purpose: the instances of oa:Motivation defined by the model.
MOTIVATIONS = {
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing", "highlighting",
    "identifying", "linking", "moderating", "questioning", "replying", "tagging",
}
_CHOICE_SET = {"Choice", "Composite", "List", "Independents"}


def _as_list(value):
    return value if isinstance(value, list) else [value]


def _is_iri(value):
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        return False
    parts = urlsplit(value)
    return bool(parts.scheme) and bool(parts.netloc or parts.path)


def _types(node):
    return set(_as_list(node.get("type", []))) if isinstance(node, dict) else set()


def _context(document, what):
    """§ 3.1 / § 5.1 / § 5.2: 1 or more @context values, the anno context among them; a single one as a string."""
    if "@context" not in document:
        return [f"{what} has no @context."]
    context = document["@context"]
    values = _as_list(context)
    failures = []
    if ANNO_CONTEXT not in values:
        failures.append(f"{what}'s @context does not include {ANNO_CONTEXT}.")
    if isinstance(context, list) and len(context) == 1:
        failures.append(f"{what}'s single @context value must be a string, not a list.")
    return failures


def _single_iri(node, key, what, *, required):
    if key not in node:
        return [f"{what} has no {key}."] if required else []
    value = node[key]
    if isinstance(value, list) or not _is_iri(value):
        return [f"{what}'s {key} must be exactly one IRI, not {value!r}."]
    return []


def _iris(node, key, what):
    """0 or more IRIs (rights, via)."""
    if key not in node:
        return []
    return [f"{what}'s {key} must be IRIs, not {v!r}." for v in _as_list(node[key]) if not _is_iri(v)]


def _datetimes(node, what):
    """§ 3.3.1: created, modified and generated are xsd:dateTime, exactly one each."""
    failures = []
    for key in ("created", "modified", "generated"):
        if key in node and (not isinstance(node[key], str) or not _XSD_DATETIME.match(node[key])):
            failures.append(f"{what}'s {key} must be one xsd:dateTime, not {node[key]!r}.")
    return failures


def _agent(agent, what):
    """§ 3.3.2 Agents: an IRI, or an object whose id is an IRI, with at most one nickname."""
    if isinstance(agent, str):
        return [] if _is_iri(agent) else [f"{what} must be an IRI or an object, not {agent!r}."]
    if not isinstance(agent, dict):
        return [f"{what} must be an IRI or an object."]
    failures = _single_iri(agent, "id", what, required=False)
    if "nickname" in agent and not isinstance(agent["nickname"], str):
        failures.append(f"{what} may have exactly one nickname, a string.")
    for key in ("name",):
        if key in agent and not all(isinstance(v, str) for v in _as_list(agent[key])):
            failures.append(f"{what}'s {key} must be strings.")
    for email in _as_list(agent.get("email", [])):
        if not (isinstance(email, str) and email.startswith("mailto:")):
            failures.append(f"{what}'s email must be mailto: IRIs.")
    return failures


def _common(node, what):
    """Properties any resource may carry (§ 3.2.1, § 3.3.1, § 3.3.6, § 3.3.7)."""
    failures = _datetimes(node, what)
    failures += _iris(node, "rights", what) + _iris(node, "via", what)
    failures += _single_iri(node, "canonical", what, required=False)
    if "textDirection" in node and node["textDirection"] not in _TEXT_DIRECTIONS:
        failures.append(f"{what}'s textDirection must be ltr, rtl or auto.")
    for key in ("creator",):
        for agent in _as_list(node.get(key, [])):
            failures += _agent(agent, f"{what}'s {key}")
    return failures


def _selector(selector, what):
    """§ 4.2: the selectors the export uses must carry their required properties."""
    if not isinstance(selector, dict):
        return [f"{what} must be an object."]
    types = _types(selector)
    failures = []
    if "TextQuoteSelector" in types:
        # § 4.2.4: exactly 1 exact; 0 or 1 prefix and suffix (strings).
        if not isinstance(selector.get("exact"), str):
            failures.append(f"{what} (TextQuoteSelector) must have exactly one exact string.")
        for key in ("prefix", "suffix"):
            if key in selector and not isinstance(selector[key], str):
                failures.append(f"{what} (TextQuoteSelector) may have one {key} string.")
    if "TextPositionSelector" in types or "DataPositionSelector" in types:
        # § 4.2.5 / § 4.2.6: exactly 1 start and 1 end, non-negative integers.
        for key in ("start", "end"):
            value = selector.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                failures.append(f"{what} must have exactly one {key}, a non-negative integer.")
    if not types:
        failures.append(f"{what} has no type.")
    if "refinedBy" in selector:
        for inner in _as_list(selector["refinedBy"]):
            failures += _selector(inner, f"{what}'s refinedBy")
    return failures


def _resource(node, what):
    """§ 3.2 bodies and targets: an IRI, or an External Web Resource, a Textual Body, a Specific Resource or a Choice."""
    if isinstance(node, str):
        return [] if _is_iri(node) else [f"{what} must be an IRI or an object, not {node!r}."]
    if not isinstance(node, dict):
        return [f"{what} must be an IRI or an object."]
    types = _types(node)
    failures = _common(node, what)
    if types & _CHOICE_SET:
        # § 3.2.7: a Choice has items and no value or source of its own.
        if "items" not in node:
            failures.append(f"{what} (a {'/'.join(sorted(types & _CHOICE_SET))}) must have items.")
        for key in ("value", "source"):
            if key in node:
                failures.append(f"{what} (a Choice) must not have {key}.")
        for position, item in enumerate(_as_list(node.get("items", []))):
            failures += _resource(item, f"{what}'s item {position}")
        return failures
    if "items" in node:
        failures.append(f"{what} is not a Choice and must not have items.")
    if "TextualBody" in types or ("value" in node and "source" not in node):
        # § 3.2.4: exactly 1 value; an embedded body is not a specific resource.
        if not isinstance(node.get("value"), str):
            failures.append(f"{what} (a Textual Body) must have exactly one value string.")
        if "source" in node:
            failures.append(f"{what} (a Textual Body) must not have a source.")
    elif "source" in node or "SpecificResource" in types:
        # § 4: exactly 1 source; a specific resource has no value.
        failures += _single_iri(node, "source", what, required=True) if not isinstance(node.get("source"), dict) else []
        if "value" in node:
            failures.append(f"{what} (a Specific Resource) must not have a value.")
        for position, selector in enumerate(_as_list(node.get("selector", []))):
            failures += _selector(selector, f"{what}'s selector {position}")
    else:
        # An External Web Resource: identified by its IRI; no purpose without a Specific Resource (§ 3.3.5).
        failures += _single_iri(node, "id", what, required=True)
        if "purpose" in node:
            failures.append(f"{what} (an External Web Resource) must not have a purpose.")
    for purpose in _as_list(node.get("purpose", [])):
        if purpose not in MOTIVATIONS:
            failures.append(f"{what}'s purpose {purpose!r} is not a motivation of the model.")
    return failures


def annotation_failures(annotation, *, embedded=False):
    """Every MUST of § 3 that ``annotation`` breaks (``embedded``: inside a page, which carries the @context)."""
    if not isinstance(annotation, dict):
        return ["An annotation must be a JSON object."]
    failures = [] if embedded else _context(annotation, "The annotation")
    failures += _single_iri(annotation, "id", "The annotation", required=True)
    if "Annotation" not in _types(annotation):
        failures.append("The annotation's types must include Annotation.")
    if "target" not in annotation or _as_list(annotation["target"]) == []:
        failures.append("The annotation must have at least one target.")
    if "body" in annotation and "bodyValue" in annotation:
        failures.append("The annotation must not have both body and bodyValue.")
    if "bodyValue" in annotation and not isinstance(annotation["bodyValue"], str):
        failures.append("The annotation's bodyValue must be exactly one string.")
    for motivation in _as_list(annotation.get("motivation", [])):
        if motivation not in MOTIVATIONS:
            failures.append(f"The annotation's motivation {motivation!r} is not a motivation of the model.")
    failures += _common(annotation, "The annotation")
    for position, body in enumerate(_as_list(annotation.get("body", []))):
        failures += _resource(body, f"Body {position}")
    for position, target in enumerate(_as_list(annotation.get("target", []))):
        failures += _resource(target, f"Target {position}")
    return failures


def _count(node, key, what):
    if key in node and (not isinstance(node[key], int) or isinstance(node[key], bool) or node[key] < 0):
        return [f"{what}'s {key} must be a non-negative integer."]
    return []


def _page_ref(node, key, what):
    """first/last/next/prev/partOf: exactly one, an IRI or an embedded object with an IRI id."""
    if key not in node:
        return []
    value = node[key]
    if isinstance(value, dict):
        return _single_iri(value, "id", f"{what}'s {key}", required=True)
    return [] if _is_iri(value) else [f"{what}'s {key} must be exactly one IRI or object."]


def page_failures(page, *, embedded=False):
    """Every MUST of § 5.2 that ``page`` breaks (``embedded``: inside a collection)."""
    if not isinstance(page, dict):
        return ["An annotation page must be a JSON object."]
    failures = [] if embedded else _context(page, "The page")
    failures += _single_iri(page, "id", "The page", required=True)
    if "AnnotationPage" not in _types(page):
        failures.append("The page's types must include AnnotationPage.")
    if not isinstance(page.get("items"), list):
        failures.append("The page must have exactly one items list.")
    else:
        for item in page["items"]:
            if isinstance(item, str):
                # An annotation referenced by its IRI (the Protocol's PreferContainedIRIs pages).
                failures += [] if _is_iri(item) else [f"The page's item {item!r} is neither an annotation nor an IRI."]
            else:
                failures += annotation_failures(item, embedded=True)
    for key in ("startIndex", "total"):
        failures += _count(page, key, "The page")
    for key in ("partOf", "next", "prev", "first", "last"):
        failures += _page_ref(page, key, "The page")
    if "label" in page and not all(isinstance(v, str) for v in _as_list(page["label"])):
        failures.append("The page's label must be strings.")
    return failures + _datetimes(page, "The page") + _iris(page, "rights", "The page")


def collection_failures(collection):
    """Every MUST of § 5.1 that ``collection`` breaks (its embedded first page included)."""
    if not isinstance(collection, dict):
        return ["An annotation collection must be a JSON object."]
    failures = _context(collection, "The collection")
    failures += _single_iri(collection, "id", "The collection", required=True)
    if "AnnotationCollection" not in _types(collection):
        failures.append("The collection's types must include AnnotationCollection.")
    failures += _count(collection, "total", "The collection")
    if collection.get("total", 0) and "first" not in collection:
        failures.append("A collection with annotations must have a first page.")
    for key in ("first", "last"):
        failures += _page_ref(collection, key, "The collection")
    if isinstance(collection.get("first"), dict):
        failures += page_failures(collection["first"], embedded=True)
    if "label" in collection and not all(isinstance(v, str) for v in _as_list(collection["label"])):
        failures.append("The collection's label must be strings.")
    return failures + _datetimes(collection, "The collection") + _iris(collection, "rights", "The collection")
