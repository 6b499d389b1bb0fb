"""Contributing in a real browser: select words with the mouse, use the toolbar, see, edit and withdraw; and without JavaScript."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command

from annotations.models import Annotation, Correction, Paragraph, Source, Status
from tests.conftest import ROOT
from tests.factories import make_correction, make_note, make_user

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
PASSWORD = "a-long-test-password"
NOTE_PHRASE = "the Stalinist dictatorship"
CORRECTION_PHRASE = "After 24 years"


@pytest.fixture
def site(transactional_db, live_server):
    """The seed essay, a contributor, and published apparatus inside the first paragraph (markers the script must skip)."""
    call_command("loaddata", "essay", verbosity=0)
    first = Paragraph.objects.order_by("section__position", "position").first()
    make_correction(first, "1917", replacement="November 1917 (New Style)", status=Status.ACCEPTED)
    make_note(first, "Bolshevik government", body="The Council of People's Commissars.", status=Status.ACCEPTED)
    make_user("ada", password=PASSWORD)
    return live_server.url, first


def log_in(page, base, username="ada"):
    page.goto(base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(base + "/")


def select_with_mouse(page, paragraph, phrase):
    """Drag the mouse across ``phrase`` in the paragraph's original text, as a reader would."""
    # On a loaded machine the page can still shift between measuring the words and dragging across
    # them (a late reflow), and the drag then selects other words. The drag is what a reader does;
    # where it lands is not under test: measure again and drag again, a few times at most.
    for _attempt in range(3):
        _drag_across(page, paragraph, phrase)
        if page.evaluate("() => getSelection().toString().replace(/\\s+/g, ' ').trim()") == phrase:
            _wait_for_toolbar_to_follow(page, phrase)
            return
    raise AssertionError(f"the mouse could not select {phrase!r}")


def _wait_for_toolbar_to_follow(page, phrase):
    # The toolbar follows the selection after a short debounce; an earlier, missed drag may still be
    # what its links carry on a slow machine.
    page.wait_for_function(
        """phrase => {
            const toolbar = document.getElementById("contribute-toolbar"), link = toolbar && toolbar.querySelector("a");
            if (!toolbar || toolbar.hidden) return false;
            return !link || link.hidden || new URL(link.href).searchParams.get("exact") === phrase;
        }""",
        arg=phrase,
    )


# The range of ``phrase`` in a paragraph's original text (outside the apparatus), scrolled into view; null if absent.
PHRASE_RANGE = """(anchor, phrase) => {
    const root = document.querySelector(`.paragraph-text[data-paragraph="${anchor}"]`);
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
        const node = walker.currentNode, at = node.data.indexOf(phrase);
        if (at < 0 || node.parentElement.closest("[data-apparatus]")) continue;
        node.parentElement.scrollIntoView({block: "center", behavior: "instant"});
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + phrase.length);
        return range;
    }
    return null;
}"""


def _drag_across(page, paragraph, phrase):
    box = page.evaluate(
        """async ([anchor, phrase]) => {
            await document.fonts.ready;
            const settled = () => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
            getSelection().removeAllRanges();  // a drag inside a selection would move it, not select
            const range = (""" + PHRASE_RANGE + """)(anchor, phrase);
            if (!range) return null;
            await settled();
            const rects = range.getClientRects(), first = rects[0], last = rects[rects.length - 1];
            return {x1: first.left + 1, y1: first.top + first.height / 2, x2: last.right - 1, y2: last.top + last.height / 2};
        }""",
        [paragraph.anchor, phrase],
    )
    assert box, f"{phrase!r} not found in the page's paragraph"
    page.mouse.move(box["x1"], box["y1"])
    page.mouse.down()
    page.mouse.move(box["x2"], box["y2"], steps=12)
    page.mouse.up()


def select_by_script(page, paragraph, phrase):
    """Select ``phrase`` in the paragraph's original text as the browser's own selection tools do (caret, touch)."""
    page.evaluate(
        """([anchor, phrase]) => {
            const range = (""" + PHRASE_RANGE + """)(anchor, phrase);
            getSelection().collapse(range.startContainer, range.startOffset);
            getSelection().extend(range.endContainer, range.endOffset);
        }""",
        [paragraph.anchor, phrase],
    )


def serious_violations(page):
    page.add_script_tag(path=str(AXE))
    violations = page.evaluate("() => axe.run().then(r => r.violations.map(v => ({id: v.id, impact: v.impact})))")
    return [v for v in violations if v["impact"] in ("serious", "critical")]


def test_select_add_a_note_and_a_sourced_correction_then_edit_and_withdraw(page, site):
    base, paragraph = site
    log_in(page, base)
    assert page.locator(f'.paragraph-text[data-paragraph="{paragraph.anchor}"] [data-apparatus]').count() >= 2

    # A note, from a mouse selection and the toolbar.
    select_with_mouse(page, paragraph, NOTE_PHRASE)
    toolbar = page.locator("#contribute-toolbar")
    toolbar.get_by_role("link", name="Add a note").click()
    page.wait_for_url("**/note/?*")
    assert page.input_value("#id_exact") == NOTE_PHRASE
    # The browser's own offsets skip the inserted correction and note marker (before the server checks them).
    sent = parse_qs(urlsplit(page.url).query)
    assert sent["start"] == [str(paragraph.text.index(NOTE_PHRASE))]
    assert sent["prefix"] == [paragraph.text[paragraph.text.index(NOTE_PHRASE) - 32:paragraph.text.index(NOTE_PHRASE)]]
    assert serious_violations(page) == []
    page.check("input[name=kind][value=context]")
    page.fill("#id_body", "Most observers in *1941* expected a German victory.")
    page.wait_for_function("document.querySelector('.markdownx-preview').innerHTML.includes('<em>1941</em>')")
    page.click("form.contribute-form button[type=submit]")
    page.wait_for_url("**/me/#landed-*")

    # A correction with a new source.
    page.goto(base + "/")
    select_with_mouse(page, paragraph, CORRECTION_PHRASE)
    page.locator("#contribute-toolbar").get_by_role("link", name="Suggest a correction").click()
    page.wait_for_url("**/correction/?*")
    assert page.input_value("#id_exact") == CORRECTION_PHRASE
    page.check("input[name=category][value=date]")
    page.fill("#id_replacement", "After 24 years (1917–1941)")
    page.fill("#id_rationale", "The span is from 1917 to 1941.")
    page.check("input[name=cite-choice][value=new]")
    page.check("input[name=source-kind][value=book]")
    page.fill("#id_source-title", "The Soviet Union and the Struggle for Collective Security in Europe")
    page.fill("#id_source-authors", "Haslam, Jonathan")
    page.fill("#id_source-year", "1984")
    page.fill("#id_source-isbn", "0-333-30050-5")
    page.fill("#id_cite-locator", "p. 3")
    page.click("form.contribute-form button[type=submit]")
    page.wait_for_url("**/me/#landed-*")

    note, correction = Annotation.objects.get(submitted_by__username="ada"), Correction.objects.get(submitted_by__username="ada")
    assert (note.exact, note.start) == (NOTE_PHRASE, paragraph.text.index(NOTE_PHRASE))
    assert (correction.exact, correction.start) == (CORRECTION_PHRASE, paragraph.text.index(CORRECTION_PHRASE))
    assert Source.objects.get(submitted_by__username="ada").isbn == "0333300505"
    mine = page.locator(f"#note-{note.pk}")
    assert "Pending review" in mine.inner_text()
    assert "Pending review" in page.locator(f"#correction-{correction.pk}").inner_text()
    assert serious_violations(page) == []

    # Edit the note, withdraw the correction.
    mine.get_by_role("link", name="Edit").click()
    page.fill("#id_body", "Few observers in 1941 expected the regime to last the year.")
    page.click("form.contribute-form button[type=submit]")
    page.wait_for_url("**/me/#landed-*")
    assert "expected the regime to last" in page.locator(f"#note-{note.pk}").inner_text()
    assert "version 2" in page.locator(f"#note-{note.pk}").inner_text()
    page.locator(f"#correction-{correction.pk}").get_by_role("link", name="Withdraw").click()
    page.get_by_role("button", name="Withdraw it").click()
    page.wait_for_url("**/me/#landed-*")
    assert "Withdrawn" in page.locator(f"#correction-{correction.pk}").inner_text()
    assert page.locator(f"#correction-{correction.pk}").get_by_role("link", name="Edit").count() == 0


def test_in_the_corrected_reading_offsets_count_the_replaced_words_and_a_selection_of_them_is_refused(page, site):
    base, paragraph = site
    log_in(page, base)
    page.goto(base + "/?mode=corrected")
    # "1917" before the phrase is shown as "November 1917 (New Style)": the offsets are still the original text's.
    select_with_mouse(page, paragraph, NOTE_PHRASE)
    toolbar = page.locator("#contribute-toolbar")
    toolbar.wait_for(state="visible")
    sent = parse_qs(urlsplit(toolbar.get_by_role("link", name="Add a note").get_attribute("href")).query)
    start = paragraph.text.index(NOTE_PHRASE)
    assert sent["start"] == [str(start)]
    assert sent["prefix"] == [paragraph.text[start - 32:start]]

    # Words of the correction shown in place of the essay's are not the essay's: refused, with a way out.
    page.evaluate(
        """(anchor) => {
            const replaced = document.querySelector(`.paragraph-text[data-paragraph="${anchor}"] [data-replaces]`);
            const text = replaced.firstChild;
            getSelection().setBaseAndExtent(text, 0, text, text.data.length);
        }""",
        paragraph.anchor,
    )
    page.wait_for_function("document.querySelector('#contribute-toolbar').innerText.includes('corrected form')")
    assert "switch to the apparatus or the original reading" in toolbar.inner_text()
    assert toolbar.get_by_role("link", name="Add a note").is_hidden()


def test_keyboard_selection_then_tab_reaches_the_toolbar(page, site):
    base, paragraph = site
    log_in(page, base)
    select_by_script(page, paragraph, NOTE_PHRASE)  # what Shift+arrows do in caret browsing
    page.locator("#contribute-toolbar").wait_for(state="visible")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Add a note"
    page.keyboard.press("Enter")
    page.wait_for_url("**/note/?*")
    assert page.input_value("#id_exact") == NOTE_PHRASE


def test_a_selection_across_two_paragraphs_is_refused_by_the_toolbar(page, site):
    base, paragraph = site
    log_in(page, base)
    second = Paragraph.objects.order_by("section__position", "position")[1]
    page.evaluate(
        """([first, second]) => {
            const a = document.querySelector(`.paragraph-text[data-paragraph="${first}"]`);
            const b = document.querySelector(`.paragraph-text[data-paragraph="${second}"]`);
            getSelection().setBaseAndExtent(a.lastChild, 0, b.firstChild, 5);
        }""",
        [paragraph.anchor, second.anchor],
    )
    toolbar = page.locator("#contribute-toolbar")
    toolbar.wait_for(state="visible")
    assert "within one paragraph" in toolbar.inner_text()
    assert toolbar.get_by_role("link", name="Add a note").is_hidden()


def test_anonymous_reader_goes_from_the_toolbar_to_log_in_and_back_to_the_form(page, site):
    base, paragraph = site
    page.goto(base + "/")
    select_with_mouse(page, paragraph, NOTE_PHRASE)
    page.locator("#contribute-toolbar").get_by_role("link", name="Add a note").click()
    page.wait_for_url("**/accounts/login/?next=**")
    page.fill("#id_username", "ada")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url("**/note/?*")
    assert page.input_value("#id_exact") == NOTE_PHRASE
    # The form has the focus, at the words chosen, not the page's body.
    page.wait_for_function("() => document.activeElement.id === 'id_exact'")


def test_without_javascript_a_note_is_added_by_typing_the_words(browser, site):
    base, paragraph = site
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    log_in(page, base)
    page.locator(f'a[href="/p/{paragraph.anchor}/"]').first.click()
    page.wait_for_url(f"**/p/{paragraph.anchor}/")
    page.get_by_role("link", name="Add a note").click()
    # "government" occurs twice: the server asks for more words, keeping what was typed.
    page.fill("#id_exact", "government")
    page.fill("#id_body", "Typed without JavaScript.")
    page.click("form.contribute-form button[type=submit]")
    assert "Add a few words before or after them" in page.inner_text("main")
    # The error summary has the focus (autofocus, no script) and its link leads to the field.
    assert page.locator("#form-alert:focus").count() == 1
    assert page.locator('#form-alert a[href="#id_exact"]').count() == 1
    assert page.input_value("#id_body") == "Typed without JavaScript."
    page.fill("#id_exact", "the Soviet government")
    page.click("form.contribute-form button[type=submit]")
    page.wait_for_url("**/me/#landed-*")
    assert "Pending review" in page.inner_text("main")
    note = Annotation.objects.get(submitted_by__username="ada")
    assert paragraph.text[note.start:note.end] == "the Soviet government"
    context.close()
