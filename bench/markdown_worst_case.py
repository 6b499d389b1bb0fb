"""
Benchmark: user Markdown on adversarial input, before (Python-Markdown) and after (cmark-gfm), and worker memory.

    .venv/bin/python bench/markdown_worst_case.py [--length 10000] [--cap 10]

Each case of an adversarial corpus (unclosed and nested brackets, emphasis
runs, ``[a](`` chains, ``<`` runs, deep block quotes and lists, long tables…,
``--length`` characters each) is rendered through:

* before: Python-Markdown then nh3, as ``annotations/markdown.py`` did, each
  case in its own process stopped after ``--cap`` seconds (some take minutes);
* markdown-it-py, the other linear-time candidate, when it is installed;
* after: the real helper, ``annotations.markdown.render_markdown`` (cmark-gfm
  then nh3).

It prints each case's time and the worst of each column, then the memory a
fresh worker process gains from 1,000 unique 10 KB previews: before through the
old helper's ``lru_cache(8192)``; after through the preview's helper (kept
nowhere) and through the helper pages use (kept within 8 MB). Not a test:
figures vary with the machine.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

OLD_HELPER = '''
import functools, markdown, nh3
from annotations.markdown import ALLOWED_ATTRIBUTES, ALLOWED_TAGS, ALLOWED_URL_SCHEMES

@functools.lru_cache(maxsize=8192)
def render(text):
    html = markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=ALLOWED_URL_SCHEMES,
                     link_rel="nofollow noopener noreferrer ugc", strip_comments=True)
'''
NEW_HELPERS = '''
from annotations.markdown import render_markdown, render_markdown_kept
'''


def adversarial_corpus(length):
    """Inputs that make Markdown parsers backtrack, nest or scan again: ``length`` characters each."""

    def repeat(unit):
        return (unit * (length // len(unit) + 1))[:length]

    half = length // 2
    return {
        "unclosed brackets [": "[" * length,
        "nested brackets [[..]]": "[" * half + "]" * half,
        "link openers [a](": repeat("[a]("),
        "image openers ![": repeat("!["),
        "open parens [a](((": "[a](" + "(" * (length - 4),
        "links without end [a](b": repeat("[a](b"),
        "title quotes [a](b \"": '[a](b "' + '"' * (length - 7),
        "brackets and stars [*": repeat("[*"),
        "star run *": "*" * length,
        "emphasis *a": repeat("*a"),
        "emphasis _a": repeat("_a"),
        "strong **a": repeat("**a"),
        "mixed *_**a": repeat("*_**a"),
        "backticks `": "`" * length,
        "code openers `a": repeat("`a"),
        "less-than run <": "<" * length,
        "tag openers <a": repeat("<a"),
        "comment openers <!--": repeat("<!--"),
        "autolink openers <http://a": repeat("<http://a"),
        "deep quote >>>": ">" * length,
        "deep quote > > >": repeat("> "),
        "deep list - - -": repeat("- "),
        "deep list + + +": repeat("+ "),
        "quotes in lists - > - >": repeat("- > "),
        "lines of 40 quotes": repeat(">" * 40 + " a\n"),
        "nested list lines": "".join("  " * depth + "- a\n" for depth in range(length))[:length],
        "ordered list 1.": repeat("1. "),
        "long table rows": ("| a | b |\n|---|---|\n" + "| a | b |\n" * length)[:length],
        "wide table": "|" * half + "\n" + repeat("|-")[: length - half - 1],
        "reference definitions": repeat("[a]: <b\n"),
        "backslashes \\": "\\" * length,
        "entity openers &#": repeat("&#"),
        "heading marks #": "#" * length,
        "raw HTML lists <ul><li>": repeat("<ul><li>"),
        "raw HTML <dl><dd>": repeat("<dl><dd>"),
        "raw HTML <div>": repeat("<div>"),
        "raw HTML <a><b>": repeat("<a><b>"),
    }


def ordinary_preview(number, size=10_000):
    """A 10 KB note as people write them (emphasis, links, a list), unique by ``number``."""
    paragraph = (
        f"Preview {number}: the *Treaty of Rapallo* (16 April 1922) restored **diplomatic relations**; see "
        "[the treaty text](https://example.org/rapallo) and the notes below.\n\n- one point\n- another point\n\n"
    )
    return (paragraph * (size // len(paragraph) + 1))[:size]


def time_in_subprocess(setup, call, text, *, cap):
    """Seconds ``call`` takes on ``text`` in a fresh process; None when it outlives ``cap``; the error if it fails."""
    code = f"{setup}\nimport sys, time\ntext = sys.stdin.read()\nstart = time.perf_counter()\n{call}\nprint(time.perf_counter() - start)"
    try:
        result = subprocess.run([PYTHON, "-c", code], input=text, capture_output=True, text=True, cwd=ROOT, timeout=cap)
    except subprocess.TimeoutExpired:
        return None
    if result.returncode:
        return result.stderr.strip().splitlines()[-1].split(":")[0]  # e.g. RecursionError
    return float(result.stdout)


def best_of(render, text, rounds=3):
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        render(text)
        timings.append(time.perf_counter() - start)
    return min(timings)


def markdown_it_renderer():
    try:
        from markdown_it import MarkdownIt
    except ImportError:
        return None
    parser = MarkdownIt("commonmark", {"html": True})
    return parser.render


MEMORY = '''
{setup}
import gc, sys
sys.path.insert(0, "{root}")
from bench.markdown_worst_case import ordinary_preview

def rss():
    gc.collect()
    for line in open("/proc/self/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024

render("*warm up*")
before = rss()
for number in range({count}):
    render(ordinary_preview(number))
print(rss() - before)
'''


def memory_growth(setup, function, *, count=1_000):
    code = MEMORY.format(setup=setup + f"\nrender = {function}", root=ROOT, count=count)
    result = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    return int(result.stdout)


def seconds(value, cap):
    if isinstance(value, str):
        return value
    return f"> {cap:g} s" if value is None else f"{value * 1000:,.1f} ms"


def main():
    parser = argparse.ArgumentParser(description="User Markdown on adversarial input, before and after.")
    parser.add_argument("--length", type=int, default=10_000)
    parser.add_argument("--cap", type=float, default=10.0, help="seconds before a 'before' case is stopped")
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from annotations.markdown import render_markdown

    markdown_it = markdown_it_renderer()
    corpus = adversarial_corpus(options.length)
    print(f"{len(corpus)} adversarial cases of {options.length:,} characters; 'before' stopped after {options.cap:g} s\n")
    print(f"{'case':28} {'before: Python-Markdown':>24} {'markdown-it-py':>15} {'after: cmark-gfm':>17}")
    worst = {"before": 0.0, "markdown-it-py": 0.0, "after": 0.0}
    for name, text in corpus.items():
        before = time_in_subprocess(OLD_HELPER, "render(text)", text, cap=options.cap)
        candidate = best_of(markdown_it, text, rounds=1) if markdown_it else None
        after = best_of(render_markdown, text)
        worst["before"] = float("inf") if before is None else max(worst["before"], before if isinstance(before, float) else 0.0)
        worst["markdown-it-py"] = max(worst["markdown-it-py"], candidate or 0.0)
        worst["after"] = max(worst["after"], after)
        print(f"{name:28} {seconds(before, options.cap):>24} {seconds(candidate, 0) if markdown_it else 'not installed':>15} "
              f"{seconds(after, 0):>17}")
    before_worst = f"> {options.cap:g} s" if worst["before"] == float("inf") else seconds(worst["before"], 0)
    print(f"\n{'worst':28} {before_worst:>24} {seconds(worst['markdown-it-py'], 0) if markdown_it else '—':>15} "
          f"{seconds(worst['after'], 0):>17}")

    typical = [best_of(render_markdown, ordinary_preview(number)) for number in range(20)]
    print(f"\nan ordinary 10 KB note, after: {statistics.median(typical) * 1000:.1f} ms (median of 20)")

    print("\nworker memory after 1,000 unique 10 KB previews (a fresh process each):")
    print(f"  before, Python-Markdown kept in lru_cache(8192): +{memory_growth(OLD_HELPER, 'render') / 2**20:.1f} MB")
    print(f"  after, the preview's helper (kept nowhere):       +{memory_growth(NEW_HELPERS, 'render_markdown') / 2**20:.1f} MB")
    print(f"  after, the pages' helper (kept within 8 MB):      +{memory_growth(NEW_HELPERS, 'render_markdown_kept') / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
