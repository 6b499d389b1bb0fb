"""What a contributor notices in the browser: a short form, words chosen by keyboard or touch, where messages land."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth.models import User

from annotations.models import Annotation, Source, Status
from tests.factories import make_note
from tests.test_browser_contribute import (  # noqa: F401 - the site fixture too
    NOTE_PHRASE, _wait_for_toolbar_to_follow, log_in, select_by_script, select_with_mouse, serious_violations, site,
)

pytestmark = pytest.mark.browser

# A word as word-picker.js counts them: letters and digits, with inner apostrophes and hyphens.
WORD = re.compile(r"[^\W_]+(?:['’\-‐][^\W_]+)*")
NEW_SOURCE_FIELDS = ("#id_source-authors", "#id_source-title", "#id_source-container", "#id_source-publisher",
                     "#id_source-year", "#id_source-url", "#id_source-doi", "#id_source-isbn")


def words_before(text, phrase):
    """(how many words precede ``phrase``, how many words it has)."""
    start = text.index(phrase)
    return len(WORD.findall(text[:start])), len(WORD.findall(phrase))


def offered_note_link(page, phrase):
    """The toolbar's "Add a note" link once it is for ``phrase`` (it follows the selection as it grows)."""
    _wait_for_toolbar_to_follow(page, phrase)
    return page.locator('#contribute-toolbar [data-action="note"]').get_attribute("href")


def test_the_new_source_fields_show_only_once_a_new_source_is_chosen_and_ask_for_its_type_first(browser, site):
    base, paragraph = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, base)
    page.goto(f"{base}/p/{paragraph.anchor}/note/")
    assert page.is_checked("input[name=cite-choice][value=none]")
    for hidden in (*NEW_SOURCE_FIELDS, "#id_cite-source", "#id_cite-locator", "input[name=source-kind] >> nth=0"):
        assert page.locator(hidden).is_hidden(), hidden

    page.check("input[name=cite-choice][value=new]")
    for shown in (*NEW_SOURCE_FIELDS, "#id_cite-locator"):
        assert page.locator(shown).is_visible(), shown
    assert page.locator("#id_cite-source").is_hidden()
    # The type comes first, and nothing is chosen for the contributor.
    first_field = page.locator(".new-source-fields input, .new-source-fields textarea").first
    assert first_field.get_attribute("name") == "source-kind"
    assert page.locator("input[name=source-kind]:checked").count() == 0

    page.fill("#id_exact", NOTE_PHRASE)
    page.fill("#id_body", "Haslam tells how little was expected of it.")
    page.fill("#id_source-title", "The Soviet Union and the Struggle for Collective Security in Europe")
    page.fill("#id_source-year", "1984")
    page.click("form.contribute-form button[type=submit]")
    assert "Choose what the new source is first" in page.inner_text("#form-alert")
    assert page.input_value("#id_source-title") == "The Soviet Union and the Struggle for Collective Security in Europe"
    assert page.locator("#id_source-title").is_visible()

    page.check("input[name=source-kind][value=book]")
    page.click("form.contribute-form button[type=submit]")
    page.wait_for_url("**/me/#landed-*")
    assert Source.objects.get(submitted_by__username="ada").kind == Source.Kind.BOOK
    context.close()


def test_the_keyboard_chooses_words_on_the_annotate_page_as_the_mouse_does(page, site):
    base, paragraph = site
    log_in(page, base)
    page.goto(f"{base}/p/{paragraph.anchor}/")
    toolbar = page.locator("#contribute-toolbar")
    select_with_mouse(page, paragraph, NOTE_PHRASE)
    by_mouse = offered_note_link(page, NOTE_PHRASE)
    page.evaluate("() => getSelection().removeAllRanges()")
    toolbar.wait_for(state="hidden")

    assert "with the keyboard" in page.inner_text(".word-picker-help").lower()
    before, length = words_before(paragraph.text, NOTE_PHRASE)
    page.focus(".contribute-paragraph .paragraph-text")
    page.keyboard.press("Home")
    for _ in range(before):
        page.keyboard.press("ArrowRight")
    for _ in range(length - 1):
        page.keyboard.press("Shift+ArrowRight")
    assert offered_note_link(page, NOTE_PHRASE) == by_mouse
    assert serious_violations(page) == []

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Add a note"
    page.keyboard.press("Enter")
    page.wait_for_url("**/note/?*")
    assert page.input_value("#id_exact") == NOTE_PHRASE
    sent = parse_qs(urlsplit(page.url).query)
    assert sent["start"] == [str(paragraph.text.index(NOTE_PHRASE))]


def test_on_a_touch_screen_the_toolbar_appears_under_the_selection_and_a_tap_opens_the_form(browser, site):
    base, paragraph = site
    context = browser.new_context(viewport={"width": 360, "height": 740}, has_touch=True, is_mobile=True)
    page = context.new_page()
    log_in(page, base)
    # A long press selects a word and the handles stretch it: the page sees a selection as from the mouse.
    select_by_script(page, paragraph, NOTE_PHRASE)
    toolbar = page.locator("#contribute-toolbar")
    toolbar.wait_for(state="visible")
    placed = page.evaluate(
        """() => {
            const bar = document.querySelector("#contribute-toolbar").getBoundingClientRect();
            const words = getSelection().getRangeAt(0).getBoundingClientRect();
            const links = [...document.querySelectorAll("#contribute-toolbar a:not([hidden])")]
                .map(link => link.getBoundingClientRect().height);
            return {below: bar.top >= words.bottom, inside: bar.left >= 0 && bar.right <= innerWidth,
                    shortest: Math.min(...links)};
        }"""
    )
    # Under the words: above them is where the phone's own copy/share menu opens.
    assert placed["below"] and placed["inside"], placed
    assert placed["shortest"] >= 44, placed  # a finger's target
    toolbar.get_by_role("link", name="Add a note").tap()
    page.wait_for_url("**/note/?*")
    assert page.input_value("#id_exact") == NOTE_PHRASE
    context.close()


@pytest.mark.parametrize("width", [1440, 360])
def test_after_submitting_the_thanks_are_where_the_contributor_lands_and_have_the_focus(browser, site, width):
    base, paragraph = site
    context = browser.new_context(viewport={"width": width, "height": 800}, bypass_csp=True)  # for axe
    page = context.new_page()
    log_in(page, base)
    ada = User.objects.get(username="ada")
    for number in range(6):  # earlier notes, so the new one is far down the page
        make_note(paragraph, "Bolshevik", body=f"Earlier note {number}.", status=Status.PENDING, submitted_by=ada)
    page.goto(f"{base}/p/{paragraph.anchor}/note/")
    page.fill("#id_exact", NOTE_PHRASE)
    page.fill("#id_body", "Few expected it to last.")
    page.click("form.contribute-form button[type=submit]")
    page.wait_for_url("**/me/#landed-*")
    note = Annotation.objects.get(body="Few expected it to last.")
    thanks = page.locator(f"#note-{note.pk} .message-landed")
    assert "waiting for a moderator" in thanks.inner_text()
    page.wait_for_function("() => document.activeElement.classList.contains('message-landed')")
    # In view once the page has scrolled there (smoothly, where the reader has not asked for reduced motion).
    page.wait_for_function(
        """() => {
            const box = document.querySelector(".message-landed").getBoundingClientRect();
            return box.top >= 0 && box.bottom <= innerHeight;
        }"""
    )
    assert page.locator(".messages").count() == 0  # not also at the top, scrolled off
    assert serious_violations(page) == []
    context.close()


def test_contribution_forms_have_no_serious_accessibility_violations_with_a_new_source_and_errors(page, site):
    base, paragraph = site
    log_in(page, base)
    page.goto(f"{base}/p/{paragraph.anchor}/correction/")
    page.check("input[name=cite-choice][value=new]")
    assert serious_violations(page) == []
    page.fill("#id_exact", "1917")
    page.click("form.contribute-form button[type=submit]")
    page.locator("#form-alert").wait_for()
    assert serious_violations(page) == []
