"""The moderation desk in a real browser: accessibility (axe) of every desk page, and the keyboard."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from annotations import moderation
from annotations.models import Annotation, Claim, Contributor, Flag, ReasonTemplate, Status
from tests.conftest import ROOT
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user
from tests.moderation_support import make_role_user

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
NOTES = "/admin/annotations/annotation/"


@pytest.fixture
def desk(transactional_db, live_server):
    """A desk with something in every queue and section: pending items with sources, flags, a claim, history."""
    paragraph = make_paragraph(
        "The Treaty of Rapallo was signed in 1922 at Genoa. Litvinov became Commissar in 1930, "
        "and the Soviet Union joined the League of Nations in 1934."
    )
    ada, bob = make_user("ada"), make_user("bob", date_joined=timezone.now() - timedelta(days=90))
    now = timezone.now()
    notes = [make_note(paragraph, word, status=Status.PENDING, submitted_by=ada, body=f"A note on **{word}**.",
                       submitted_at=now - timedelta(hours=5 - n))
             for n, word in enumerate(("Rapallo", "Litvinov", "Commissar"))]
    make_citation(notes[0], make_source(url="https://example.org/treaty", doi="10.2307/2010430"),
                  status=Status.PENDING, locator="p. 12")
    correction = make_correction(paragraph, "1922", replacement="16 April 1922", status=Status.PENDING,
                                 submitted_by=ada)
    make_citation(correction, make_source(title="A pending source", status=Status.PENDING), status=Status.PENDING)
    published = make_note(paragraph, "League of Nations", submitted_by=ada)
    Flag.objects.create(annotation=published, flagged_by=bob, reason="wrong", text="Not what happened.")
    moderator = make_role_user("moderator")
    other = make_role_user("moderator", "other")
    moderation.item_reject(make_note(paragraph, "1934", status=Status.PENDING, submitted_by=ada), moderator=other,
                           reason="Needs a source.")
    Claim.objects.create(item=notes[1], moderator=other)
    ReasonTemplate.objects.get_or_create(label="Off topic", defaults={"text": "Not about these words."})
    client = Client()
    client.force_login(moderator)
    return {"base": live_server.url, "cookie": client.cookies["sessionid"].value, "notes": notes,
            "correction": correction, "published": published, "ada": ada}


@pytest.fixture
def moderator_page(page, desk):
    page.context.add_cookies([{"name": "sessionid", "value": desk["cookie"], "url": desk["base"]}])
    return page


def serious_violations(page):
    """axe's serious and critical violations, and empty table headers (minor for axe, reported on the desk)."""
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        """() => axe.run().then(r => r.violations.map(v => ({
            id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))"""
    )
    return [v for v in violations if v["impact"] in ("serious", "critical") or v["id"] == "empty-table-header"]


def desk_pages(desk):
    notes, correction, published = desk["notes"], desk["correction"], desk["published"]
    changelists = ["annotation", "correction", "source", "citation", "decision", "flag", "contributor",
                   "reasontemplate", "essay", "section", "paragraph"]
    source = correction.citations.get().source
    return [
        "/admin/",
        *[f"/admin/annotations/{model}/" for model in changelists],
        f"{NOTES}?status=all&needs=duplicates",
        f"{NOTES}{notes[0].pk}/change/",
        f"{NOTES}{notes[1].pk}/change/",  # claimed by someone else
        f"{NOTES}{published.pk}/change/",  # flagged
        f"/admin/annotations/correction/{correction.pk}/change/",
        f"/admin/annotations/source/{source.pk}/change/",
        f"/admin/annotations/citation/{correction.citations.get().pk}/change/",
        f"/admin/annotations/flag/{Flag.objects.get().pk}/change/",
        f"/admin/annotations/contributor/{desk['ada'].pk}/change/",
        f"{NOTES}{notes[0].pk}/history/",
    ]


def test_every_desk_page_has_no_serious_accessibility_violations(moderator_page, desk):
    found = {}
    for path in desk_pages(desk):
        moderator_page.goto(desk["base"] + path)
        assert moderator_page.locator("#content").count() == 1, path
        violations = serious_violations(moderator_page)
        if violations:
            found[path] = violations
    assert found == {}, json.dumps(found, indent=1)


@pytest.mark.parametrize("queue,action", [
    ("annotation", "approve_selected"), ("annotation", "reject_selected"), ("annotation", "spam_selected"),
    ("correction", "reject_selected"), ("contributor", "suspend_selected"),
])
def test_confirmation_pages_have_no_serious_accessibility_violations(moderator_page, desk, queue, action):
    moderator_page.goto(f"{desk['base']}/admin/annotations/{queue}/")
    moderator_page.locator("input.action-select").first.check()
    moderator_page.select_option("select[name=action]", action)
    moderator_page.click("button[name=index]")
    moderator_page.wait_for_selector("#bulk-form")
    assert serious_violations(moderator_page) == []


def test_moderator_decides_with_the_keyboard(moderator_page, desk):
    first, second, third = desk["notes"]
    page = moderator_page
    page.goto(f"{desk['base']}{NOTES}{first.pk}/change/")
    assert page.locator("#desk-shortcuts").is_visible()
    page.keyboard.press("j")  # next in the queue, skipping the one another moderator is reviewing
    page.wait_for_url(f"**{NOTES}{third.pk}/change/")
    page.keyboard.press("k")
    page.wait_for_url(f"**{NOTES}{second.pk}/change/")
    page.goto(f"{desk['base']}{NOTES}{first.pk}/change/")
    page.keyboard.press("a")  # accept: then the desk opens the next item
    page.wait_for_url(f"**{NOTES}{third.pk}/change/")
    assert Annotation.objects.get(pk=first.pk).status == Status.ACCEPTED
    page.keyboard.press("r")  # reject: the cursor goes to the reason, Ctrl+Enter decides
    assert page.evaluate("document.activeElement.name") == "reason"
    page.keyboard.type("Off topic.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**{NOTES}")  # nothing left that no one else is reviewing: back to the queue
    third.refresh_from_db()
    assert (third.status, third.review_reason) == (Status.REJECTED, "Off topic.")


def test_letters_typed_in_the_reason_are_not_shortcuts(moderator_page, desk):
    first = desk["notes"][0]
    page = moderator_page
    page.goto(f"{desk['base']}{NOTES}{first.pk}/change/")
    page.click("textarea[name=reason]")
    page.keyboard.type("a jaunty sentence")
    assert page.url.endswith(f"{NOTES}{first.pk}/change/")
    assert Annotation.objects.get(pk=first.pk).status == Status.PENDING


def test_picking_a_reason_template_fills_the_reason_which_stays_editable(moderator_page, desk):
    first = desk["notes"][0]
    page = moderator_page
    page.goto(f"{desk['base']}{NOTES}{first.pk}/change/")
    page.select_option("select[name=reason_template]", label="Off topic")
    assert page.input_value("textarea[name=reason]") == "Not about these words."
    page.keyboard.type(" See the note on Genoa.")
    page.click("button[value=reject]")
    page.wait_for_url(f"**{NOTES}{desk['notes'][2].pk}/change/")
    first.refresh_from_db()
    assert first.review_reason == "Not about these words. See the note on Genoa."
    assert Contributor.objects.filter(username="ada").exists()
