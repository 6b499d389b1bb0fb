"""The reading page's layout in a real browser: the reading bar, the essay first, a calm apparatus, no gaps; small things."""

import pytest

from annotations.models import Paragraph, Section
from tests.factories import make_note, make_source, make_user
from tests.test_browser_csp import enforcing_page  # noqa: F401 - the fixture is used by name
from tests.test_browser_reading import edition, serious_violations  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.browser

WIDE, PHONE = {"width": 1440, "height": 1000}, {"width": 360, "height": 780}

# The passage a reader is reading: the one under a line 30 % down the window, or the last one above it.
PASSAGE_IN_VIEW = """() => {
  const line = innerHeight * 0.3;
  const above = [...document.querySelectorAll('.essay .passage')].filter(p => p.getBoundingClientRect().top <= line);
  return above.length ? above[above.length - 1].id : null;
}"""
SCROLL_TO_MIDDLE_OF = """(id) => {
  const box = document.getElementById(id).getBoundingClientRect();
  window.scrollTo({top: box.top + scrollY + box.height / 2 - innerHeight * 0.3, behavior: 'instant'});
}"""


def section_8():
    section = Section.objects.get(position=8)
    return section, list(section.paragraphs.all())


def digits(text):
    return "".join(character for character in text if character.isdigit())


def click_where_it_is(page, locator):
    """Click as a reader does, where the element is now (Playwright's click would first scroll a sticky bar's link)."""
    where = box(locator)
    page.mouse.click(where["left"] + where["width"] / 2, where["top"] + where["height"] / 2)


def box(locator):
    return locator.evaluate("e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, height: r.height, width: r.width}; }")


# --- the reading bar and the reader's place ---------------------------------------------------------------


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1440px", "360px"])
def test_a_reader_in_section_8_switches_mode_and_is_still_at_the_same_paragraph(page, edition, viewport):  # noqa: F811
    section, paragraphs = section_8()
    reading = paragraphs[2].anchor  # § 8 ¶ 3: neither the section's first paragraph nor its last
    page.set_viewport_size(viewport)
    page.goto(edition + "/")
    page.evaluate(SCROLL_TO_MIDDLE_OF, reading)
    page.wait_for_function(f"document.querySelector('#{section.anchor} .reading-bar a[data-mode=corrected]').hash === '#{reading}'")
    assert page.evaluate(PASSAGE_IN_VIEW) == reading
    bar = page.locator(f"#{section.anchor} .reading-bar")
    bar_box = box(bar)
    assert 0 <= bar_box["top"] and bar_box["bottom"] <= viewport["height"]  # at hand, deep in a long page
    click_where_it_is(page, bar.get_by_role("link", name="corrected", exact=True))
    page.wait_for_url("**/?mode=corrected#*")
    page.wait_for_load_state("load")
    assert page.evaluate("location.hash") == f"#{reading}"
    assert page.locator(f'#{section.anchor} .reading-bar a[aria-current="true"]').inner_text() == "corrected"
    assert page.evaluate(PASSAGE_IN_VIEW) == reading
    # The same point of the paragraph, not merely its top: the reading line is still about half-way down it.
    middle = page.evaluate("(id) => { const r = document.getElementById(id).getBoundingClientRect(); return (innerHeight * 0.3 - r.top) / r.height; }", reading)
    assert 0.3 < middle < 0.7


def test_without_javascript_the_mode_links_come_back_to_the_section_being_read(browser, edition):  # noqa: F811
    section, paragraphs = section_8()
    context = browser.new_context(java_script_enabled=False, viewport=WIDE)
    try:
        page = context.new_page()
        page.goto(edition + "/")
        page.evaluate(SCROLL_TO_MIDDLE_OF, paragraphs[2].anchor)
        link = page.locator(f"#{section.anchor} .reading-bar").get_by_role("link", name="original", exact=True)
        assert link.get_attribute("href") == f"?mode=original#{section.anchor}"
        link.click()
        page.wait_for_url(f"**/?mode=original#{section.anchor}")
        heading = box(page.locator(f"#{section.anchor}-heading"))
        assert 0 <= heading["top"] < 200  # § 8 at the top of the window, in the original reading
        assert page.locator(".paragraph-text .correction-marker").count() > 0 and page.locator(".paragraph-text ins").count() == 0
    finally:
        context.close()


def test_the_reading_bar_never_covers_the_text_wide_in_the_margin_narrow_above_it_and_is_not_printed(page, edition):  # noqa: F811
    section, paragraphs = section_8()
    page.set_viewport_size(WIDE)
    page.goto(edition + f"/#{paragraphs[-1].anchor}")
    bar = box(page.locator(f"#{section.anchor} .reading-bar"))
    assert 0 <= bar["top"] and bar["bottom"] <= WIDE["height"]
    # In the left margin: left of the locators, so left of every line of text.
    column = min(box(page.locator(f"#{p.anchor} .locator"))["left"] for p in paragraphs)
    assert bar["right"] <= column
    page.set_viewport_size(PHONE)
    page.goto(edition + f"/#{paragraphs[-1].anchor}")
    bar = box(page.locator(f"#{section.anchor} .reading-bar"))
    assert bar["top"] == 0 and bar["height"] <= 40  # one slim line at the top of the window
    assert box(page.locator(f"#{paragraphs[-1].anchor}"))["top"] >= bar["bottom"]  # the paragraph arrived at is below it
    page.emulate_media(media="print")
    assert page.locator(".reading-bar").first.is_hidden()


# --- the essay first ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("viewport, within", [(WIDE, 600), (PHONE, 900)], ids=["1440px", "360px"])
def test_the_essay_starts_near_the_top_with_the_introduction_and_cite_one_click_away(page, edition, viewport, within):  # noqa: F811
    page.set_viewport_size(viewport)
    page.goto(edition + "/")
    assert box(page.locator(".essay .para").first)["top"] < within  # it was 2,000–8,000 px down
    introduction = page.locator("details.introduction")
    assert introduction.get_attribute("open") is None
    introduction.locator("summary").click()
    assert introduction.locator("#introduction").is_visible()
    page.locator(".edition-head").get_by_role("link", name="Cite this edition").click()
    cite = box(page.locator("#cite"))
    assert 0 <= cite["top"] < viewport["height"]


def test_the_contents_link_of_the_reading_bar_opens_the_contents(page, edition):  # noqa: F811
    section, paragraphs = section_8()
    page.goto(edition + f"/#{paragraphs[0].anchor}")
    page.locator(f"#{section.anchor} .reading-bar").get_by_role("link", name="Contents").click()
    assert page.locator("#contents").is_visible()
    page.locator("#contents").get_by_role("link", name=section.heading).click()
    assert 0 <= box(page.locator(f"#{section.anchor}-heading"))["top"] < 200


# --- a calmer apparatus ------------------------------------------------------------------------------------


def decoration(locator, pseudo=""):
    return locator.evaluate(
        "(e, pseudo) => { const s = getComputedStyle(e, pseudo || null); return {line: s.textDecorationLine, style: s.textDecorationStyle, color: s.color, content: s.content}; }",
        pseudo,
    )


@pytest.mark.parametrize("colour_removed", ["forced colours", "grayscale"])
def test_with_colour_removed_both_readings_of_a_correction_stay_distinguishable(page, edition, colour_removed):  # noqa: F811
    page.set_viewport_size(WIDE)
    if colour_removed == "forced colours":
        page.emulate_media(forced_colors="active")
    page.goto(edition + "/")
    if colour_removed == "grayscale":
        page.add_style_tag(content="html { filter: grayscale(1); }")
    correction = page.locator(".paragraph-text .correction").first
    published, corrected, marker = correction.locator("del"), correction.locator("ins"), correction.locator(".correction-marker")
    assert box(published)["width"] <= 1  # the words as published are one step away …
    marker.focus()
    assert box(published)["width"] > 5 and published.is_visible()  # … shown on focus (and hover)
    was, now = decoration(published), decoration(corrected)
    assert "line-through" in was["line"] and "underline" not in was["line"]  # struck …
    assert "underline" in now["line"] and "line-through" not in now["line"]  # … and underlined: not by colour
    assert "as published" in decoration(published, "::before")["content"]
    assert marker.inner_text().startswith("°")  # and the marker is not a note's number
    key = marker.get_attribute("href").lstrip("#")
    entry = page.locator(f"#{key}")
    assert "line-through" in decoration(entry.locator("del"))["line"]
    assert "line-through" not in decoration(entry.locator(".lemma"))["line"]
    assert entry.locator(".reading-label").inner_text() == "as published"
    # The original reading: the words as published with a dotted underline and the same °-marker.
    page.goto(edition + "/?mode=original")
    original = decoration(page.locator(".paragraph-text .correction-original").first)
    assert "underline" in original["line"] and original["style"] == "dotted"
    assert page.locator(".paragraph-text .correction-marker").first.inner_text().startswith("°")


def test_the_apparatus_beside_the_text_opens_an_entry_when_its_marker_is_followed(page, edition):  # noqa: F811
    page.set_viewport_size(WIDE)
    page.goto(edition + "/")
    marker = page.locator(".paragraph-text .note-marker a").first
    key = marker.get_attribute("href").lstrip("#")
    entry = page.locator(f"#{key}")
    assert entry.locator(".entry-body").is_hidden()  # an entry is a line: its number and first words
    marker.scroll_into_view_if_needed()
    click_where_it_is(page, marker)
    assert entry.locator(".entry-body").is_visible()


# --- notes beside the text without gaps --------------------------------------------------------------------


def test_notes_taller_than_their_paragraph_never_push_the_next_paragraph_down(page, edition):  # noqa: F811
    short = Paragraph.objects.filter(kind=Paragraph.Kind.LIST_ITEM).first()
    opening = " ".join(short.text.split()[:3])
    for _ in range(4):
        make_note(short, opening, body=" ".join(["A long note, for a short paragraph."] * 30))
    page.set_viewport_size(WIDE)
    page.goto(edition + "/")
    page.evaluate("document.querySelectorAll('details.entry-more').forEach(d => d.open = true)")
    measured = page.evaluate("""() => {
      const passages = [...document.querySelectorAll('.essay .passage')];
      const taller = passages.filter(p => p.querySelector('.passage-notes')
        && p.querySelector('.passage-notes').getBoundingClientRect().height > p.querySelector('.passage-text').getBoundingClientRect().height + 200);
      const gaps = [];
      for (const section of document.querySelectorAll('.essay-section')) {
        const paras = [...section.querySelectorAll('.passage .para')];
        for (let i = 1; i < paras.length; i++) gaps.push(paras[i].getBoundingClientRect().top - paras[i - 1].getBoundingClientRect().bottom);
      }
      const asides = [...document.querySelectorAll('.passage-notes')].map(a => ({
        box: a.getBoundingClientRect(), text: a.closest('.passage').querySelector('.passage-text').getBoundingClientRect()}));
      return {
        taller: taller.length, gaps,
        overlapping: asides.slice(1).filter((a, i) => a.box.top < asides[i].box.bottom - 1).length,
        above: asides.filter(a => a.box.top < a.text.top - 1).length,
        beside: asides.every(a => a.box.left >= a.text.right),
      };
    }""")
    assert measured["taller"] >= 1  # the case at hand: notes far taller than their paragraph
    assert max(measured["gaps"]) < 60  # each paragraph follows the one before (it once waited 300 px and more)
    assert measured["overlapping"] == 0 and measured["above"] == 0 and measured["beside"]


# --- the apparatus list ------------------------------------------------------------------------------------


def test_the_apparatus_list_is_accessible_filters_without_javascript_and_leads_to_each_place(browser, edition):  # noqa: F811
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(edition + "/")
        page.locator(".edition-head").get_by_role("link", name="Apparatus list").click()
        page.get_by_role("link", name="Corrections", exact=True).click()
        assert "kind=correction" in page.url
        assert page.locator(".listed-note").count() == 0 and page.locator(".listed-correction").count() == 15
        number = page.locator(".listed-number").first.text_content()
        page.get_by_role("link", name="In the text").first.click()
        key = page.evaluate("location.hash").lstrip("#")
        assert key.startswith("correction-")
        assert digits(page.locator(f"#{key} .entry-number").text_content()) == digits(number) == "1"
    finally:
        context.close()


@pytest.mark.parametrize("viewport", [WIDE, PHONE], ids=["1440px", "360px"])
def test_the_reading_pages_have_no_serious_accessibility_violations_at_either_width(page, edition, viewport):  # noqa: F811
    page.set_viewport_size(viewport)
    for url in ("/", "/?mode=corrected", "/?mode=original", "/apparatus/", "/apparatus/?group=error", "/sources/"):
        page.goto(edition + url)
        assert serious_violations(page) == [], url
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], url


def test_the_reading_bar_the_apparatus_list_and_the_sources_run_under_the_content_security_policy(enforcing_page, edition):  # noqa: F811
    page, violations = enforcing_page
    section, paragraphs = section_8()
    page.set_viewport_size(WIDE)
    page.goto(edition + "/")
    page.evaluate(SCROLL_TO_MIDDLE_OF, paragraphs[2].anchor)
    # reading.js ran: the bar's links follow the paragraph in view.
    page.wait_for_function(f"document.querySelector('#{section.anchor} .reading-bar a[data-mode=original]').hash === '#{paragraphs[2].anchor}'")
    click_where_it_is(page, page.locator(f"#{section.anchor} .reading-bar").get_by_role("link", name="original", exact=True))
    page.wait_for_url("**/?mode=original#*")
    for url in ("/apparatus/", "/apparatus/?kind=note", "/sources/"):
        page.goto(edition + url)
        page.wait_for_load_state("load")
    assert violations == []


# --- small things ------------------------------------------------------------------------------------------


def test_no_page_asks_for_something_missing_not_even_a_favicon(page, edition):  # noqa: F811
    missing = []
    page.on("response", lambda response: missing.append(response.url) if response.status >= 400 else None)
    for url in ("/", "/sources/", "/apparatus/", "/accounts/signup/"):
        page.goto(edition + url)
        page.wait_for_load_state("networkidle")
    assert missing == []
    assert page.request.get(edition + "/favicon.ico").headers["content-type"] == "image/x-icon"


def test_a_full_stop_never_wraps_alone_after_an_address_in_the_bibliography(page, edition):  # noqa: F811
    from tests.factories import make_citation

    first = Paragraph.objects.first()
    note = make_note(first, " ".join(first.text.split()[:3]), body="Cited.")
    for path in ("historicaldocuments/frus1940v01/d622", "pha/fyb/part_1.html", "text.html?objectid=HN681.S597_110_007.gif"):
        make_citation(note, make_source(kind="web", title=f"A document at {path}", url=f"https://history.example.gov/{path}", year=1940))
    page.goto(edition + "/sources/")
    alone = []
    for width in range(320, 1500, 16):
        page.set_viewport_size({"width": width, "height": 800})
        alone += page.evaluate("""(width) => [...document.querySelectorAll('.reference a.url')].flatMap(link => {
            const stop = document.createRange(); stop.setStart(link.nextSibling, 0); stop.setEnd(link.nextSibling, 1);
            const lines = link.getClientRects(), last = lines[lines.length - 1], rect = stop.getClientRects()[0];
            return Math.abs(rect.top - last.top) > 2 ? [width + ': ' + link.href] : [];
        })""", width)
    assert alone == []


def test_sign_up_password_boxes_are_as_wide_as_the_other_fields(page, edition):  # noqa: F811
    for viewport in (WIDE, PHONE):
        page.set_viewport_size(viewport)
        page.goto(edition + "/accounts/signup/")
        username = box(page.locator("#id_username"))["width"]
        for field in ("#id_password1", "#id_password2"):
            assert box(page.locator(field))["width"] == pytest.approx(username, abs=1)


def test_without_charter_the_text_is_set_in_a_text_serif_of_the_stack_with_charters_x_height(page, edition):  # noqa: F811
    page.goto(edition + "/")
    stack, adjust = page.evaluate(
        "(() => { const s = getComputedStyle(document.querySelector('.para')); return [s.fontFamily, s.fontSizeAdjust]; })()"
    )
    session = page.context.new_cdp_session(page)
    session.send("DOM.enable")
    session.send("CSS.enable")
    root = session.send("DOM.getDocument")["root"]["nodeId"]
    node = session.send("DOM.querySelector", {"nodeId": root, "selector": ".paragraph-text"})["nodeId"]
    used = session.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    family = max(used, key=lambda font: font["glyphCount"])["familyName"]
    # Debian's Chromium brings Liberation Serif; DejaVu Serif (wide and dark) is the stack's last resort.
    assert family in stack and "Sans" not in family and family != "DejaVu Serif", (family, stack)
    assert adjust == "0.48"  # whichever face is found keeps the x-height, so the measure holds


def test_the_signed_in_readers_name_shows_in_the_header(page, edition):  # noqa: F811
    make_user("ada", password="a-long-test-password")
    page.goto(edition + "/accounts/login/")
    page.fill("#id_username", "ada")
    page.fill("#id_password", "a-long-test-password")
    page.click("main button[type=submit]")
    page.wait_for_url(edition + "/")
    assert page.locator(".site-header").get_by_text("Signed in as ada").is_visible()
