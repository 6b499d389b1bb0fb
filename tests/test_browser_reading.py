"""The reading view in a real browser: accessibility, layout at phone and desktop widths, modes without JavaScript."""

import re

import pytest
from django.core.management import call_command

from annotations.models import Annotation, Essay
from bench.seed import seed_apparatus
from tests.conftest import ROOT

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


@pytest.fixture
def edition(transactional_db, live_server):
    call_command("loaddata", "essay", verbosity=0)
    seed_apparatus(Essay.objects.get(), notes=60, corrections=15)
    return live_server.url


def serious_violations(page):
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate(
        "() => axe.run().then(r => r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length})))"
    )
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_edition_and_a_permalink_page_have_no_serious_accessibility_violations(page, edition):
    page.goto(edition + "/")
    assert serious_violations(page) == []
    note = Annotation.objects.first()
    page.goto(edition + note.get_absolute_url())
    assert serious_violations(page) == []


def test_phone_width_has_no_horizontal_scroll_and_notes_follow_their_paragraph(page, edition):
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(edition + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    passage = page.locator(".passage:has(.passage-notes)").first
    text_box = passage.locator(".passage-text").bounding_box()
    notes_box = passage.locator(".passage-notes").bounding_box()
    assert notes_box["y"] >= text_box["y"] + text_box["height"] - 1


def test_desktop_width_puts_notes_beside_their_paragraph(page, edition):
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(edition + "/")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1440
    passage = page.locator(".passage:has(.passage-notes)").first
    text_box = passage.locator(".passage-text").bounding_box()
    notes_box = passage.locator(".passage-notes").bounding_box()
    assert notes_box["x"] >= text_box["x"] + text_box["width"]
    assert abs(notes_box["y"] - text_box["y"]) < 20


def test_keyboard_goes_from_marker_to_note_and_back(page, edition):
    page.goto(edition + "/")
    marker = page.locator(".note-marker a").first
    key = marker.get_attribute("href").lstrip("#")
    marker.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == f"#{key}"
    back = page.locator(f"#{key} a.entry-number")
    back.focus()
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == f"#ref-{key}"


def test_mode_links_work_without_javascript_and_the_mode_is_kept(browser, edition):
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(edition + "/")
        assert page.locator(".paragraph-text del").count() == 15
        page.get_by_role("link", name="corrected", exact=True).first.click()  # every section's reading bar has them
        page.wait_for_url("**mode=corrected**", wait_until="load")  # the click returns while the page still streams in
        assert page.locator(".paragraph-text del").count() == 0
        assert page.locator(".paragraph-text .corrected").count() == 15
        page.get_by_role("link", name="original", exact=True).first.click()
        page.wait_for_url("**mode=original**", wait_until="load")
        assert page.locator(".paragraph-text ins").count() == 0
        assert page.locator(".paragraph-text .correction-marker").count() == 15
        page.goto(edition + "/")  # a later visit to the page in the same session
        assert page.locator('.reading-bar a[aria-current="true"]').first.inner_text() == "original"
        assert page.locator(".paragraph-text ins").count() == 0
        assert page.locator(".copy-button:visible").count() == 0  # copy buttons are an enhancement only
    finally:
        context.close()


def test_copy_buttons_appear_with_javascript(page, edition):
    page.goto(edition + "/")
    assert page.locator(".cite-edition .copy-button:visible").count() == 4


def test_print_puts_notes_under_their_paragraph_as_footnotes_without_screen_furniture(page, edition):
    page.set_viewport_size({"width": 1440, "height": 1000})  # printed from a wide window
    page.goto(edition + "/")
    page.emulate_media(media="print")
    passage = page.locator(".passage:has(.passage-notes)").first
    text_box = passage.locator(".passage-text").bounding_box()
    notes_box = passage.locator(".passage-notes").bounding_box()
    assert notes_box["y"] >= text_box["y"] + text_box["height"] - 1
    assert passage.locator(".note-entry .entry-number").first.is_visible()  # the footnote's number
    for furniture in (".site-header", ".reading-bar", ".toc", ".passage-tools", ".entry-permalink"):
        assert page.locator(furniture).first.is_hidden(), furniture
    assert page.locator(".cite-edition").is_visible()


def shown_number(locator):
    """The number a marker or an apparatus entry shows (screen-reader words aside)."""
    return int(re.search(r"\d+", locator.inner_text()).group())


@pytest.mark.parametrize("mode", ["apparatus", "original"])
def test_corrections_are_numbered_in_reading_order_at_their_marker_and_in_the_apparatus_on_screen_and_in_print(
    page, edition, mode,
):
    page.set_viewport_size({"width": 1440, "height": 1000})
    page.goto(f"{edition}/?mode={mode}")
    markers = page.locator(".paragraph-text a.correction-marker")
    assert markers.count() == 15
    numbers = [shown_number(markers.nth(index)) for index in range(markers.count())]
    assert numbers == list(range(1, 16))  # in the order a reader meets them
    for index in range(markers.count()):
        key = markers.nth(index).get_attribute("href").lstrip("#")
        entry_number = page.locator(f"#{key} a.entry-number")
        assert shown_number(entry_number) == numbers[index]
        assert entry_number.get_attribute("href") == f"#ref-{key}"
    page.emulate_media(media="print")
    assert markers.first.is_visible() and shown_number(markers.first) == 1
    first_entry = page.locator(f"#{markers.first.get_attribute('href').lstrip('#')} .entry-number")
    assert first_entry.is_visible() and shown_number(first_entry) == 1
