"""
How tall the contribution forms are, before and after, at 1440 px and 360 px wide (issue 12, item 9).

    .venv/bin/python -m bench.form_height [--before main]

Serves an earlier commit's tree (``--before``, default ``main``) and this one
(``bench.site.served``: gunicorn on a fresh SQLite database with the essay),
opens the note and correction forms of the first paragraph as a signed-in
contributor in Chromium, as they first appear ("No source" chosen), and prints
the height of the form and of the whole page, side by side.
"""

import argparse

from playwright.sync_api import sync_playwright

from bench.site import PASSWORD, ROOT, earlier_tree, served

CHROMIUM = "/usr/bin/chromium"

WIDTHS = (1440, 360)
FORMS = ("note", "correction")
MEASURE = """() => ({
    form: Math.round(document.querySelector("form.contribute-form").getBoundingClientRect().height),
    page: document.documentElement.scrollHeight,
})"""

def heights(base, browser):
    """{(form, width): {"form": px, "page": px}} for one served site."""
    figures = {}
    for width in WIDTHS:
        context = browser.new_context(viewport={"width": width, "height": 900})
        page = context.new_page()
        page.goto(base + "/accounts/login/")
        page.fill("#id_username", "bench")
        page.fill("#id_password", PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        anchor = page.evaluate("() => document.querySelector('.paragraph-text[data-paragraph]').dataset.paragraph")
        for name in FORMS:
            page.goto(f"{base}/p/{anchor}/{name}/")
            page.evaluate("() => document.fonts.ready")
            figures[name, width] = page.evaluate(MEASURE)
        context.close()
    return figures

def measure(tree, browser):
    with served(tree, users=["bench"], workers=1) as server:
        return heights(server.base, browser)

def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--before", default="main", help="the commit to compare with (default: main)")
    options = parser.parse_args()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        with earlier_tree(options.before) as before_tree:
            before = measure(before_tree, browser) if before_tree else {}
        after = measure(ROOT, browser)
        browser.close()
    print(f"Contribution forms as they open (\"No source\" chosen); before = {options.before}, after = this tree")
    print(f"{'form':<12}{'width':>7}{'form before':>14}{'form after':>12}{'page before':>14}{'page after':>12}")
    for name in FORMS:
        for width in WIDTHS:
            was, now = before.get((name, width), {}), after[name, width]
            print(f"{name:<12}{width:>5}px{was.get('form', '–'):>12}px{now['form']:>10}px"
                  f"{was.get('page', '–'):>12}px{now['page']:>10}px")

if __name__ == "__main__":
    main()
