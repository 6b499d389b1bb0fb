"""
The Content-Security-Policy in a real browser: the pages still work and Chromium reports no violation.

These pages are opened in a context that enforces the policy (the other
browser tests bypass it for their own tools): the reading page, the
selection toolbar, the markdownx editor and its live preview, and the admin
(its index, a change page with the markdownx editor, the review page).
Chromium reports each violation in the console, and the page's
``securitypolicyviolation`` event is reported there too.
"""

import pytest
from django.core.management import call_command

from annotations.models import Essay, Paragraph, Status
from tests.factories import make_correction, make_note, make_user
from tests.test_browser_contribute import PASSWORD, select_with_mouse

pytestmark = pytest.mark.browser

REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`CSP violation: ${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def enforcing_page(browser):
    """A page whose context enforces the site's CSP, and the CSP messages its console received."""
    context = browser.new_context(bypass_csp=False)
    context.add_init_script(REPORT_VIOLATIONS)
    page = context.new_page()
    violations = []
    page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text or "CSP violation" in message.text else None)
    yield page, violations
    context.close()


@pytest.fixture
def site(transactional_db, live_server):
    call_command("loaddata", "essay", verbosity=0)
    first = Paragraph.objects.order_by("section__position", "position").first()
    make_correction(first, "1917", replacement="November 1917 (New Style)", status=Status.ACCEPTED)
    note = make_note(first, "Bolshevik government", body="The *Council* of People's Commissars.", status=Status.PENDING)
    make_user("ada", password=PASSWORD)
    make_user("root", password=PASSWORD, is_staff=True, is_superuser=True)
    return live_server.url, first, note


def log_in(page, base, username, path="/accounts/login/"):
    page.goto(base + path)
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("[type=submit]")
    page.wait_for_load_state()


def test_the_reading_page_the_selection_toolbar_and_the_markdown_editor_run_under_the_policy(enforcing_page, site):
    page, violations = enforcing_page
    base, paragraph, _ = site
    page.goto(base + "/")
    assert page.locator(".paragraph-text ins").first.is_visible()

    log_in(page, base, "ada")
    page.goto(base + "/")
    select_with_mouse(page, paragraph, "the Stalinist dictatorship")
    toolbar = page.locator("#contribute-toolbar")
    toolbar.wait_for(state="visible")
    toolbar.get_by_role("link", name="Add a note").click()

    page.wait_for_url("**/note/**")
    page.fill("#id_body", "A *preview* of the note.")
    page.locator(".markdownx-preview em").wait_for()
    assert page.locator(".markdownx-preview em").inner_text() == "preview"
    assert violations == []


def test_the_admin_runs_under_the_policy(enforcing_page, site):
    page, violations = enforcing_page
    base, _, note = site
    log_in(page, base, "root", path="/admin/login/")
    page.goto(base + "/admin/")
    assert page.locator("#moderation-queues").is_visible()
    page.goto(base + f"/admin/annotations/essay/{Essay.objects.get().pk}/change/")
    page.locator(".markdownx textarea").first.fill("An *introduction*.")
    page.locator(".markdownx-preview em").first.wait_for()
    page.goto(base + f"/admin/annotations/annotation/{note.pk}/change/")
    assert page.locator("#review .rendered-markdown em").inner_text() == "Council"
    border = page.locator("#review .rendered-markdown").evaluate("element => getComputedStyle(element).borderLeftStyle")
    assert border == "solid"  # the desk's stylesheet applies (a file now, not an inline style)
    assert violations == []
