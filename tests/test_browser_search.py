"""The search page and the bibliography with its downloads, in a real browser: accessible, and usable on a phone."""

import pytest

from tests.test_browser_reading import edition, serious_violations  # noqa: F401 - the fixture is used by name

pytestmark = pytest.mark.browser


def test_search_results_and_the_bibliography_have_no_serious_accessibility_violations(page, edition):  # noqa: F811
    page.goto(edition + "/search/?q=context")
    assert page.locator(".search-hit mark").count() > 0
    assert serious_violations(page) == []
    page.goto(edition + "/sources/")
    assert serious_violations(page) == []


def test_searching_works_from_the_header_on_a_phone_without_horizontal_scroll(page, edition):  # noqa: F811
    page.set_viewport_size({"width": 360, "height": 780})
    page.goto(edition + "/")
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Words to find").fill("Litvinov")
    page.get_by_role("button", name="Search").click()
    assert "q=Litvinov" in page.url
    assert page.locator(".search-hit").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
