"""
The apparatus in and out of the edition as W3C Web Annotations.

Out: ``annotation_keys`` orders the published notes and corrections the way the
container at ``/annotations/`` and ``export_annotations`` list them (oldest
first); ``annotations_for`` loads one page of them with their citations, in a
constant number of queries; ``annotations_document`` is the whole export.

In: ``annotations_import`` reads such a document (ours or another tool's) and
imports each annotation the way a contribution is made: its quote is placed in
its paragraph by ``annotations.text`` through the contributor's own forms (the
same limits and messages), its sources go through the source form's checks and
an existing record is cited rather than copied. Everything imported is
**pending**: nothing is public until a moderator accepts it. Each annotation is
imported whole or not at all, and each one refused is reported with its reason.

Credit: an imported item is credited to the creator the file names (the
``credit`` line readers see); the account running the import, if one is given,
is recorded as its submitter, who is answerable for it and sees it on ``/me/``.
Its ``created`` and ``modified`` times are kept. An annotation exported from this
site (its id under the same base URL) keeps its number when that number is free,
so moving the edition to a new database keeps every permalink.
"""

from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import reversion
from django.core.exceptions import ValidationError
from django.core.management.color import no_style
from django.db import DatabaseError, connection, transaction
from django.db.models import Count, IntegerField, Max, Prefetch, Value
from django.urls import Resolver404, resolve, reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from annotations import citation_formats, moderation, w3c
from annotations.forms import CorrectionForm, NoteForm, SourceForm
from annotations.models import EDITORS_CREDIT, Annotation, Certainty, Citation, Correction, Paragraph, Source, Status

COLLECTION_LABEL = "Notes and corrections of the annotated edition"
_NOTE, _CORRECTION = 0, 1
_MODELS = {_NOTE: Annotation, _CORRECTION: Correction}
_ROUTES = {Annotation: "annotations:w3c_note", Correction: "annotations:w3c_correction"}


# --- out ----------------------------------------------------------------------------------------


def _exported(model, *, include_pending):
    items = model.objects.published()
    if include_pending:
        items = items | model.objects.pending().filter(orphaned=False)
    return items


def annotation_keys(*, include_pending=False):
    """(submitted_at, pk, kind) of every exported note and correction, oldest first: one query, sliced by the caller."""
    def keyed(model, kind):
        return (
            _exported(model, include_pending=include_pending)
            .annotate(item_type=Value(kind, output_field=IntegerField()))
            .values_list("submitted_at", "pk", "item_type")
            .order_by()
        )

    return keyed(Annotation, _NOTE).union(keyed(Correction, _CORRECTION), all=True).order_by("submitted_at", "pk", "item_type")


def collection_totals(*, include_pending=False):
    """(number of exported annotations, the latest time one of them changed): two queries."""
    total, modified = 0, None
    for model in (Annotation, Correction):
        figures = _exported(model, include_pending=include_pending).aggregate(count=Count("pk"), modified=Max("updated_at"))
        total += figures["count"]
        if figures["modified"] is not None:
            modified = max(modified, figures["modified"]) if modified else figures["modified"]
    return total, modified


def kind_of(item):
    return _NOTE if isinstance(item, Annotation) else _CORRECTION


def annotation_iri(kind, pk, *, absolute):
    model = _MODELS[kind]
    return absolute(reverse(_ROUTES[model], args=[pk]))


def annotations_for(keys, *, absolute, include_pending=False):
    """The W3C annotations for ``keys`` ((kind, pk) pairs), in that order (four queries)."""
    wanted = {kind: [pk for key_kind, pk in keys if key_kind == kind] for kind in _MODELS}
    # A pending item is exported with what would be published if it were accepted.
    standing = Citation.objects.filter(status__in=Status.STANDING, source__status__in=Status.STANDING)
    shown = standing if include_pending else Citation.objects.published()
    loaded = {}
    for kind, model in _MODELS.items():
        if not wanted[kind]:
            continue
        items = model.objects.filter(pk__in=wanted[kind]).with_people().select_related("paragraph").prefetch_related(
            Prefetch("citations", queryset=shown.select_related("source").order_by("pk"), to_attr="shown_citations")
        )
        loaded.update({(kind, item.pk): item for item in items})
    return [annotation_json(loaded[key], absolute=absolute) for key in keys if key in loaded]


def annotation_json(item, *, absolute):
    build = w3c.note_annotation if isinstance(item, Annotation) else w3c.correction_annotation
    return build(item, absolute=absolute, citations=item.shown_citations)


def annotations_document(*, base_url, include_pending=False):
    """Every exported note and correction as one AnnotationCollection (the ``export_annotations`` file)."""
    absolute = _absolute_from(base_url)
    keys = [(kind, pk) for _, pk, kind in annotation_keys(include_pending=include_pending)]
    _, modified = collection_totals(include_pending=include_pending)
    return w3c.annotation_collection(
        annotations_for(keys, absolute=absolute, include_pending=include_pending),
        collection_id=absolute(reverse("annotations:w3c_collection")),
        label=COLLECTION_LABEL,
        modified=modified,
    )


def _absolute_from(base_url):
    base = base_url.rstrip("/") + "/"
    return lambda path: urljoin(base, path.lstrip("/"))


# --- in -----------------------------------------------------------------------------------------


class ImportFileError(ValueError):
    """The document as a whole is not something the importer can read."""


class Refused(ValueError):
    """One annotation cannot be imported; the message says why."""


@dataclass
class ImportOutcome:
    imported: list = field(default_factory=list)  # the new pending notes and corrections
    refused: list = field(default_factory=list)  # (which annotation, why)
    sources_created: int = 0


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def annotations_in(document):
    """The annotations of a W3C document: a collection with its pages embedded, a page, one annotation, or a list."""
    if isinstance(document, list):
        return document
    if not isinstance(document, dict):
        raise ImportFileError("The file holds neither W3C Web Annotations nor a collection of them.")
    types = set(_as_list(document.get("type")))
    if "Annotation" in types:
        return [document]
    if "AnnotationPage" in types:
        return _page_items(document)
    if types & {"AnnotationCollection", "BasicContainer"}:
        items, page = [], document.get("first")
        if document.get("total") and not isinstance(page, dict):
            raise ImportFileError(
                "The collection's pages are not in the file (only their addresses): export it with its annotations."
            )
        while isinstance(page, dict):
            items += _page_items(page)
            page = page.get("next")
        if isinstance(page, str):
            raise ImportFileError("The collection's later pages are not in the file (only their addresses).")
        return items
    raise ImportFileError("The file holds neither W3C Web Annotations nor a collection of them.")


def _page_items(page):
    items = page.get("items")
    if not isinstance(items, list):
        raise ImportFileError(f"A page of the file ({page.get('id', 'without an id')}) has no list of items.")
    return items


def annotations_import(document, *, submitted_by=None, base_url="", origin="a file"):
    """Import every annotation of ``document`` as pending; returns an ImportOutcome.

    Raises ImportFileError (and changes nothing) when the document cannot be read at all.
    """
    outcome = ImportOutcome()
    for position, data in enumerate(annotations_in(document), start=1):
        label = f"annotation {position}"
        if isinstance(data, dict) and isinstance(data.get("id"), str):
            label += f" ({data['id']})"
        try:
            with transaction.atomic():
                item, created_sources = _annotation_import(
                    data, submitted_by=submitted_by, base_url=base_url, origin=origin
                )
        except Refused as refusal:
            outcome.refused.append((label, str(refusal)))
            continue
        except (DatabaseError, TypeError, ValueError) as error:  # a shape no check above foresaw: still only this one
            outcome.refused.append((label, f"it could not be read ({error})"))
            continue
        outcome.imported.append(item)
        outcome.sources_created += created_sources
    return outcome


def _annotation_import(data, *, submitted_by, base_url, origin):
    if isinstance(data, str):
        raise Refused("only its address is in the file, not the annotation itself")
    if not isinstance(data, dict) or "Annotation" not in _as_list(data.get("type")):
        raise Refused("it is not a W3C Web Annotation (its type is not Annotation)")
    model, kind = _model_for(data)
    created, modified = _time_of(data, "created"), _time_of(data, "modified")
    paragraph, selectors = _target_of(data)
    bodies = _bodies_of(data, model)
    cited = _cited_of(data, bodies["links"])
    form_data = {**selectors, **bodies["fields"]}
    if model is Annotation:
        form_data["kind"] = kind
        form = NoteForm(form_data, paragraph=paragraph)
    else:
        form = CorrectionForm(form_data, paragraph=paragraph)
    if not form.is_valid():
        raise Refused(_form_errors(form))
    if model is Correction and moderation.correction_must_cite(form.cleaned_data["category"]) and not cited:
        raise Refused(f"a {form.cleaned_data['category']} correction must cite at least one source, and it cites none")
    item = form.save(commit=False)
    item.paragraph = paragraph
    _refuse_duplicate(item)
    item.status = Status.PENDING
    item.submitted_by = submitted_by
    item.credit, item.proposed_by = _credit_of(data)
    item.certainty, item.checked_by = bodies["assessment"]
    item.submitted_at = created or timezone.now()
    kept_number = _own_number(data, model, base_url)
    if kept_number is not None:
        item.pk = kept_number
    item.save()
    if kept_number is not None:
        _sequence_reset(model)
    created_sources = 0
    for record, locator in cited:
        source, created = _source_for(record, submitted_by=submitted_by)
        created_sources += created
        owner = {"annotation": item} if model is Annotation else {"correction": item}
        Citation.objects.create(source=source, locator=locator, submitted_by=submitted_by, **owner)
    was = f" (was {data['id']})" if data.get("id") else ""
    _record_import(item, user=submitted_by, comment=f"Imported from {origin}{was}.")
    if modified is not None:
        model.objects.filter(pk=item.pk).update(updated_at=modified)
    return item, created_sources


_NOTE_KINDS = {motivation: kind for kind, motivation in w3c.NOTE_MOTIVATIONS.items()}


def _model_for(data):
    motivations = _as_list(data.get("motivation"))
    if motivations == ["editing"]:
        return Correction, None
    if len(motivations) == 1 and motivations[0] in _NOTE_KINDS:
        return Annotation, _NOTE_KINDS[motivations[0]]
    if not motivations:
        return Annotation, Annotation.Kind.COMMENT
    raise Refused(f"its motivation ({', '.join(map(str, motivations))}) is neither a note's nor a correction's")


def _target_of(data):
    targets = _as_list(data.get("target"))
    if len(targets) != 1 or not isinstance(targets[0], dict):
        raise Refused("it must have exactly one target: a passage of one paragraph, with its selectors")
    target = targets[0]
    anchor = urlsplit(str(target.get("source", ""))).fragment
    paragraph = Paragraph.objects.filter(anchor=anchor).first() if anchor else None
    if paragraph is None:
        raise Refused(f"its target {target.get('source')!r} is not a paragraph of this edition")
    quote, position = {}, {}
    for selector in _as_list(target.get("selector")):
        if not isinstance(selector, dict):
            continue
        types = set(_as_list(selector.get("type")))
        if "TextQuoteSelector" in types:
            quote = selector
        elif "TextPositionSelector" in types:
            position = selector
    if not isinstance(quote.get("exact"), str):
        raise Refused("its target has no TextQuoteSelector with the quoted words")
    selectors = {name: quote.get(name) or "" for name in ("exact", "prefix", "suffix")}
    if isinstance(position.get("start"), int) and isinstance(position.get("end"), int):
        selectors.update(start=position["start"], end=position["end"])
    return paragraph, selectors


# A note's text may come with any of a note's purposes; a correction's bodies each have their own.
_NOTE_BODY_PURPOSES = {None, *w3c.NOTE_MOTIVATIONS.values()}
_CORRECTION_BODY_FIELDS = {"editing": "replacement", "describing": "rationale", "classifying": "category"}


def _bodies_of(data, model):
    """The item's fields from its bodies, and the addresses it links to."""
    fields, links, assessment = {}, [], (Certainty.MEDIUM, "")
    if isinstance(data.get("bodyValue"), str):
        fields["body" if model is Annotation else "rationale"] = data["bodyValue"]
    for body in _as_list(data.get("body")):
        if not isinstance(body, dict):
            raise Refused("it has a body given only by its address, which the edition cannot keep")
        purpose = body.get("purpose")
        if "SpecificResource" in _as_list(body.get("type")) or "source" in body:
            if purpose != "linking" or not isinstance(body.get("source"), str):
                raise Refused("it has a body that is neither text nor a link to a cited source")
            links.append(body["source"])
            continue
        if not isinstance(body.get("value"), str):
            raise Refused("it has a body with no text")
        if purpose == "assessing":
            assessment = _assessment_of(body)
            continue
        if model is Correction:
            name = _CORRECTION_BODY_FIELDS.get(purpose)
        else:
            name = "body" if purpose in _NOTE_BODY_PURPOSES else None
        if name is None or name in fields:
            raise Refused(f"it has a body ({purpose or 'no purpose'}) this edition cannot keep")
        fields[name] = body["value"]
    return {"fields": fields, "links": links, "assessment": assessment}


def _assessment_of(body):
    """(certainty, who checked it) from an ``assessing`` body as the export writes it."""
    value = body["value"]
    certainty = value.removeprefix(w3c.CERTAINTY_PREFIX).split(".", 1)[0].strip()
    if not value.startswith(w3c.CERTAINTY_PREFIX) or certainty not in Certainty.values:
        raise Refused(f"its assessment says no certainty the edition knows (high, medium or low): {value[:80]!r}")
    return certainty, _agent_name(body.get("creator"))[:200]


def _cited_of(data, links):
    """[(Record, locator)] of the sources cited in full under ``cites``; every link must be one of them."""
    cited = []
    for entry in _as_list(data.get("cites")):
        if not isinstance(entry, dict):
            raise Refused("a cited source is not described")
        try:
            record = citation_formats.record_from_csl(entry.get("itemData"))
        except ValueError as error:
            raise Refused(str(error)) from None
        locator = entry.get("locator") or ""
        if not isinstance(locator, str) or len(locator) > Citation._meta.get_field("locator").max_length:
            raise Refused("a citation's page or chapter is longer than 100 characters")
        cited.append((record, locator))
    described = {w3c.source_link(_source_from(record)) for record, _ in cited}
    for link in links:
        if link not in described:
            raise Refused(f"it links to {link} without a bibliographic record of it (under “cites”)")
    return cited


def _source_from(record):
    """An unsaved pending Source from a CSL record (not yet checked)."""
    kinds = {csl_type: kind for kind, csl_type in citation_formats.SOURCE_TYPES.items()}
    year = str(record.issued[0]) if record.issued else ""
    return Source(
        kind=kinds.get(record.type, Source.Kind.PRIMARY),
        authors=citation_formats.authors_from_names(record.authors),
        title=record.title,
        container=record.container,
        publisher=record.publisher,
        place=record.place,
        year=int(year) if year.isdigit() and len(year) <= 4 else None,
        volume=record.volume,
        pages=record.pages,
        url=record.url,
        doi=record.doi,
        isbn=record.isbn,
    )


def _source_for(record, *, submitted_by):
    """(the source to cite, whether it is new): an existing record of the same work, or a new pending one."""
    draft = _source_from(record)
    fields = SourceForm.Meta.fields
    form = SourceForm({name: getattr(draft, name) or "" for name in fields}, user=submitted_by)
    if not form.is_valid():
        if form.duplicate is not None:
            return form.duplicate, False
        raise Refused(f"its source “{record.title}”: {_form_errors(form)}")
    source = form.save(commit=False)
    source.place, source.volume, source.pages = draft.place, draft.volume, draft.pages
    source.status = Status.PENDING
    source.submitted_by = submitted_by
    try:
        source.full_clean(exclude=["submitted_by"])
    except ValidationError as error:  # a field the contributor's form does not have, too long for the record
        raise Refused(f"its source “{record.title}”: {' '.join(error.messages)}") from None
    source.save()
    return source, True


def _form_errors(form):
    messages = []
    for name, errors in form.errors.items():
        where = "" if name == "__all__" else f"{form.fields[name].label if name in form.fields else name}: "
        messages += [f"{where}{error}" for error in errors]
    return " ".join(messages)


def _refuse_duplicate(item):
    """The same words with the same text already in the edition (whatever became of it) are not imported twice."""
    model = type(item)
    same = model.objects.filter(paragraph=item.paragraph, start=item.start, end=item.end)
    if model is Annotation:
        same = same.filter(body=item.body)
    else:
        same = same.filter(replacement=item.replacement, rationale=item.rationale)
    existing = same.first()
    if existing is not None:
        raise Refused(f"it is already in the edition as {existing} ({Status(existing.status).label})")


def _agent_name(agent):
    if isinstance(agent, dict):
        for key in ("name", "nickname"):
            name = agent.get(key)
            if isinstance(name, str) and name.strip():
                return name.strip()
    elif isinstance(agent, str):
        return agent.strip()
    return ""


def _credit_of(data):
    """(credit line, proposed by): the editors' items keep their credit and name who proposed them."""
    for creator in _as_list(data.get("creator")):
        name = _agent_name(creator)[:200]
        if name:
            if w3c.is_editors_name(name):
                return EDITORS_CREDIT, "" if name == EDITORS_CREDIT else name
            return name, name if isinstance(creator, dict) and "name" in creator else ""
    return "", ""


def _time_of(data, key):
    value = data.get(key)
    if not isinstance(value, str):
        return None
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise Refused(f"its {key} time {value!r} is not a date and time")
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment, timezone.utc)


def _own_number(data, model, base_url):
    """The item's number on this site when it was exported from here (same base URL) and the number is free."""
    identifier = data.get("id")
    base = base_url.rstrip("/")
    if not base or not isinstance(identifier, str) or not identifier.startswith(base + "/"):
        return None
    try:
        match = resolve(urlsplit(identifier[len(base):]).path)
    except Resolver404:
        return None
    number = match.kwargs.get("pk")
    if f"annotations:{match.url_name}" != _ROUTES[model] or not 0 < number < 2**63:
        return None
    return None if model.objects.filter(pk=number).exists() else number


def _sequence_reset(model):
    """After an insert with its own number, the next automatic number must come after it (PostgreSQL)."""
    statements = connection.ops.sequence_reset_sql(no_style(), [model])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _record_import(item, *, user, comment):
    if not reversion.is_registered(type(item)):
        return
    with reversion.create_revision():
        reversion.add_to_revision(item)
        reversion.set_user(user)
        reversion.set_comment(comment)
