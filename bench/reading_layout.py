"""
The reading page's layout, measured in Chromium: where the essay starts, the gaps in the text column.

    .venv/bin/python bench/reading_layout.py URL [URL …] [--screenshots DIR --names before after]

Each URL is a running site with the edition loaded (``make run``; for a
before/after comparison, one server per checkout). For each it prints, side by
side:

* where the essay's first paragraph starts (px from the top of the page) at
  1440 px and 360 px wide;
* at 1440 px, the gaps between consecutive paragraphs of a section (the space
  between one paragraph's last line and the next one's first): the largest,
  the median, and how many exceed 100 px (a paragraph waiting for its notes).

With ``--screenshots`` it saves, per URL, the top of the page and § 8 ¶ 1 at
1440 px and 360 px (``<name>-top-1440.png`` …) in DIR. Not a test: the figures
depend on the fonts installed.
"""

import argparse
import statistics
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
WIDTHS = (1440, 360)
HEIGHT = 900
PASSAGE = "§ 8 ¶ 1"

ESSAY_START = "() => { const p = document.querySelector('.essay .para'); return Math.round(p.getBoundingClientRect().top + scrollY); }"
GAPS = """() => {
  const gaps = [];
  for (const section of document.querySelectorAll('.essay-section')) {
    const paras = [...section.querySelectorAll('.passage .para')];
    for (let i = 1; i < paras.length; i++) {
      gaps.push(Math.round(paras[i].getBoundingClientRect().top - paras[i - 1].getBoundingClientRect().bottom));
    }
  }
  return gaps;
}"""
PASSAGE_BOX = """(locator) => {
  const link = [...document.querySelectorAll('.essay .locator')].find(a => a.textContent.trim() === locator);
  const passage = link.closest('.passage');
  const boxes = [passage, ...passage.querySelectorAll('.passage-text, .passage-notes')].map(e => e.getBoundingClientRect());
  const left = Math.min(...boxes.map(b => b.left)), right = Math.max(...boxes.map(b => b.right));
  return {x: Math.max(0, left - 120), y: boxes[0].top + scrollY - 16, width: Math.min(innerWidth, right - left + 140)};
}"""


def measure(browser, url, *, screenshots=None, name=""):
    figures = {}
    for width in WIDTHS:
        page = browser.new_page(viewport={"width": width, "height": HEIGHT})
        page.goto(url + "/?mode=apparatus")
        figures[f"essay starts at {width} px"] = page.evaluate(ESSAY_START)
        if width == 1440:
            gaps = page.evaluate(GAPS)
            figures["gap, largest (1440 px)"] = max(gaps)
            figures["gap, median (1440 px)"] = round(statistics.median(gaps))
            figures["gaps over 100 px (1440 px)"] = sum(gap > 100 for gap in gaps)
        if screenshots is not None:
            page.screenshot(path=screenshots / f"{name}-top-{width}.png")
            height = 1100 if width == 1440 else 1400
            page.set_viewport_size({"width": width, "height": height})
            box = page.evaluate(PASSAGE_BOX, PASSAGE)
            page.evaluate("y => window.scrollTo({top: y, behavior: 'instant'})", box["y"])
            clip = {"x": box["x"], "y": 0, "width": box["width"], "height": height}
            page.screenshot(path=screenshots / f"{name}-s8p1-{width}.png", clip=clip)
        page.close()
    return figures


def main():
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("urls", nargs="+")
    parser.add_argument("--screenshots", type=Path)
    parser.add_argument("--names", nargs="*", default=[])
    options = parser.parse_args()
    names = options.names or [f"site{index + 1}" for index in range(len(options.urls))]
    if options.screenshots:
        options.screenshots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        results = [
            measure(browser, url.rstrip("/"), screenshots=options.screenshots, name=name)
            for url, name in zip(options.urls, names)
        ]
        browser.close()
    print(f"| {'':30} | " + " | ".join(f"{name:>8}" for name in names) + " |")
    print(f"| {'-' * 30} | " + " | ".join("-" * 8 for _ in names) + " |")
    for key in results[0]:
        print(f"| {key:30} | " + " | ".join(f"{result[key]:>8}" for result in results) + " |")


if __name__ == "__main__":
    main()
