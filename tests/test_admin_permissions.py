"""Every admin page and action × anonymous, contributor, moderator, editor, superuser.

Anonymous visitors and contributors (not staff) are sent to the admin's login.
Moderators review notes, corrections, citations and sources and may only look
at the essay; editors may also edit the essay, its headings and repair a
paragraph's text; superusers may do everything the desk allows anyone (nothing
is deleted and contributions are not added through the admin, for anyone).
"""

import pytest
from django.contrib.auth.models import Group

from annotations import releases
from annotations.models import Annotation, Contributor, Correction, Essay, Flag, ReasonTemplate, Section, Source, Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user
from tests.moderation_support import ROLES, client_as

pytestmark = pytest.mark.django_db

REVIEWERS = {"moderator", "editor", "superuser"}
EDITORS = {"editor", "superuser"}
SUPERUSER = {"superuser"}
NOBODY = set()


@pytest.fixture
def objects(db):
    paragraph = make_paragraph()
    note = make_note(paragraph, "Rapallo", status=Status.PENDING)
    correction = make_correction(paragraph, "1922", status=Status.PENDING)
    citation = make_citation(correction, make_source(status=Status.PENDING), status=Status.PENDING)
    return {
        "essay": Essay.objects.get(),
        "section": Section.objects.get(),
        "paragraph": paragraph,
        "annotation": note,
        "correction": correction,
        "citation": citation,
        "source": citation.source,
        "decision": None,
        "release": releases.release_make(Essay.objects.get(), editor=None, summary="The first version."),
        "user": make_user("someone-else"),
        "group": Group.objects.get(name="Moderators"),
        "flag": Flag.objects.create(annotation=make_note(paragraph, "Genoa"), flagged_by=make_user("a-reader"),
                                    reason=Flag.Reason.WRONG),
        "contributor": Contributor.objects.get(username="a-reader"),
        "reasontemplate": ReasonTemplate.objects.first(),
    }


def _url(model, page, obj=None):
    app = "auth" if model in ("user", "group") else "annotations"
    base = f"/admin/{app}/{model}/"
    return base if page == "changelist" else base + ("add/" if page == "add" else f"{obj.pk}/{page}/")


# (model, page, roles that may open it)
PAGES = [
    ("index", None, REVIEWERS),
    *[(model, "changelist", REVIEWERS) for model in ("annotation", "correction", "citation", "source", "decision",
                                                        "essay", "section", "paragraph", "flag", "contributor",
                                                        "reasontemplate")],
    *[(model, "change", REVIEWERS) for model in ("annotation", "correction", "citation", "source",
                                                    "essay", "section", "paragraph", "flag", "contributor",
                                                    "reasontemplate")],
    ("reasontemplate", "add", REVIEWERS),
    *[(model, "add", NOBODY) for model in ("flag", "contributor")],
    *[(model, "history", REVIEWERS) for model in ("annotation", "correction", "source", "paragraph")],
    *[(model, "add", NOBODY) for model in ("annotation", "correction", "citation", "essay", "section", "paragraph")],
    ("source", "add", SUPERUSER),
    *[(model, "delete", NOBODY) for model in ("annotation", "correction", "citation", "source", "essay",
                                                "section", "paragraph")],
    *[(model, page, SUPERUSER) for model in ("user", "group") for page in ("changelist", "change", "add")],
    *[("release", page, EDITORS) for page in ("changelist", "add", "change")],
    ("release", "delete", NOBODY),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model,page,allowed", PAGES, ids=[f"{m}-{p}" for m, p, _ in PAGES])
def test_admin_page_is_open_exactly_to_its_roles(client, objects, role, model, page, allowed):
    client, _ = client_as(client, role)
    url = "/admin/" if model == "index" else _url(model, page, objects.get(model))
    response = client.get(url)
    if role in ("anonymous", "contributor"):
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    elif role in allowed:
        assert response.status_code == 200
    else:
        assert response.status_code in (403, 404) or (
            response.status_code == 302 and page == "add"  # add pages the user may not see redirect
        )


# (model, the form's data, the field to check, roles whose edit is saved)
EDITS = [
    ("annotation", {"kind": "comment", "body": "Edited note.", "certainty": "medium"}, "body", REVIEWERS),
    ("correction", {"category": "date", "replacement": "April 1922", "rationale": "Edited.", "certainty": "high"}, "replacement", REVIEWERS),
    ("source", {"kind": "book", "title": "An edited title"}, "title", REVIEWERS),
    ("essay", {"title": "An edited essay title", "slug": "a-test-essay"}, "title", EDITORS),
    ("section", {"heading": "An edited heading"}, "heading", EDITORS),
    ("paragraph", {"text": "The Treaty of Rapallo was signed in 1922 near Genoa.", "repair_reason": "OCR slip."},
     "text", EDITORS),
]


def _edit_payload(obj, changes):
    payload = dict(changes)
    if hasattr(obj, "version"):
        payload["seen_version"] = obj.version
    if hasattr(obj, "citations"):
        citations = list(obj.citations.all())
        payload.update({
            "citations-TOTAL_FORMS": len(citations), "citations-INITIAL_FORMS": len(citations),
            "citations-MIN_NUM_FORMS": 0, "citations-MAX_NUM_FORMS": 1000,
        })
        for index, citation in enumerate(citations):
            payload.update({f"citations-{index}-id": citation.pk, f"citations-{index}-locator": citation.locator,
                            f"citations-{index}-annotation" if obj._meta.model_name == "annotation"
                            else f"citations-{index}-correction": obj.pk})
    if obj._meta.model_name == "section":
        paragraphs = list(obj.paragraphs.all())
        payload.update({
            "paragraphs-TOTAL_FORMS": len(paragraphs), "paragraphs-INITIAL_FORMS": len(paragraphs),
            "paragraphs-MIN_NUM_FORMS": 0, "paragraphs-MAX_NUM_FORMS": 1000,
        })
        for index, paragraph in enumerate(paragraphs):
            payload.update({f"paragraphs-{index}-id": paragraph.pk, f"paragraphs-{index}-section": obj.pk})
    return payload


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("model,changes,field,allowed", EDITS, ids=[edit[0] for edit in EDITS])
def test_admin_edit_is_saved_exactly_for_its_roles(client, objects, role, model, changes, field, allowed):
    client, _ = client_as(client, role)
    obj = objects[model]
    response = client.post(_url(model, "change", obj), _edit_payload(obj, changes))
    obj.refresh_from_db()
    if role in allowed:
        assert response.status_code == 302
        assert getattr(obj, field) == changes[field]
    else:
        assert response.status_code in (302, 403)
        assert getattr(obj, field) != changes[field]


DECISIONS = [("approve", Status.ACCEPTED), ("reject", Status.REJECTED), ("spam", Status.SPAM)]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("decision,status", DECISIONS)
@pytest.mark.parametrize("model", ["annotation", "correction", "source"])
def test_decision_on_one_item_is_taken_only_by_reviewers(client, objects, role, decision, status, model):
    client, _ = client_as(client, role)
    item = objects[model]
    client.post(
        f"/admin/annotations/{model}/{item.pk}/decide/",
        {"decision": decision, "reason": "Checked against the sources.", "version": item.version},
    )
    item.refresh_from_db()
    assert (item.status == status) == (role in REVIEWERS)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action,status", [("approve_selected", Status.ACCEPTED), ("reject_selected", Status.REJECTED),
                                          ("spam_selected", Status.SPAM)])
@pytest.mark.parametrize("model", ["annotation", "correction", "source"])
def test_bulk_action_is_taken_only_by_reviewers(client, objects, role, action, status, model):
    client, _ = client_as(client, role)
    item = objects[model]
    client.post(_url(model, "changelist"), {
        "action": action, "_selected_action": [item.pk], "confirm": "yes", "reason": "Off topic.",
        "versions": f"{item.pk}:{item.version}",
    })
    item.refresh_from_db()
    assert (item.status == status) == (role in REVIEWERS)


@pytest.mark.parametrize("role", ROLES)
def test_reopen_is_taken_only_by_reviewers(client, objects, role):
    note = objects["annotation"]
    Annotation.objects.filter(pk=note.pk).update(status=Status.REJECTED)
    note.refresh_from_db()
    client, _ = client_as(client, role)
    client.post(f"/admin/annotations/annotation/{note.pk}/decide/", {"decision": "reopen", "version": note.version})
    note.refresh_from_db()
    assert (note.status == Status.PENDING) == (role in REVIEWERS)


@pytest.mark.parametrize("role", ROLES)
def test_reattach_is_made_only_by_reviewers(client, objects, role):
    correction = objects["correction"]
    Correction.objects.filter(pk=correction.pk).update(orphaned=True)
    client, _ = client_as(client, role)
    client.post(f"/admin/annotations/correction/{correction.pk}/reattach/",
                {"exact": "Genoa", "version": correction.version})
    correction.refresh_from_db()
    assert (correction.exact == "Genoa" and not correction.orphaned) == (role in REVIEWERS)


def test_moderators_group_has_exactly_the_review_permissions():
    codenames = set(Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True))
    assert codenames == {
        "view_annotation", "change_annotation", "view_correction", "change_correction",
        "view_citation", "change_citation", "view_source", "change_source", "view_decision",
        "view_essay", "view_section", "view_paragraph",
        "view_flag", "change_flag", "view_contributor", "change_contributor", "view_standingchange",
        "view_reasontemplate", "add_reasontemplate", "change_reasontemplate", "delete_reasontemplate",
    }


def test_editors_group_adds_the_essay_headings_text_and_releases():
    moderators = set(Group.objects.get(name="Moderators").permissions.values_list("codename", flat=True))
    editors = set(Group.objects.get(name="Editors").permissions.values_list("codename", flat=True))
    assert editors - moderators == {"change_essay", "change_section", "change_paragraph", "view_release", "add_release"}


def test_superuser_may_add_a_source_to_the_bibliography(client):
    client, _ = client_as(client, "superuser")
    response = client.post("/admin/annotations/source/add/", {"kind": "book", "title": "A superuser's source"})
    assert response.status_code == 302
    assert Source.objects.get(title="A superuser's source").status == Status.PENDING
