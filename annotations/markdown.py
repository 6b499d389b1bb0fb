"""
The one place user text becomes HTML.

Markdown is rendered by cmark-gfm (``cmarkgfm``, GitHub's CommonMark engine in
C): its parser is linear in the length of the text. Raw HTML is passed through
to nh3, the one sanitiser (an allow-list): raw HTML tags outside the list,
event handlers, ``javascript:`` and ``data:`` links never survive.

nh3's HTML parser takes time in the square of the nesting depth, and ">" *
10_000 is 10,000 nested quotations. So nesting is bounded twice: a line opens
at most ``MAX_NESTING`` quotations and list items (the marker after that is
kept as text), and when the text has raw HTML, an element nested deeper than
that loses its tags (its text stays). No input can hold a worker
(``bench/markdown_worst_case.py`` runs an adversarial corpus).

django-markdownx's live preview renders through ``render_markdown`` too
(``annotations.views.contribute.markdown_preview``), so the preview shows
exactly what the page will show. Templates use the ``markdown`` filter
(annotations.templatetags.edition), never ``|safe``.
"""

import hashlib
import html
import re
import sys
import threading

import cachetools
import cffi
import nh3
from cmarkgfm import cmark
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "sub", "sup", "del", "ins", "h3", "h4", "h5", "h6",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# CommonMark as written, raw HTML included: nh3 below decides what survives.
CMARK_OPTIONS = cmark.Options.CMARK_OPT_UNSAFE

# Deeper than any note needs (a quotation in a list in a quotation…), shallow enough for nh3.
MAX_NESTING = 32
# A line's container markers ("> ", "- ", "1. "): after MAX_NESTING of them, a backslash makes the next one text.
_CONTAINER = r"[ ]{0,3}(?:>[ \t]?|(?:[-+*]|\d{1,9}[.)])[ \t]+)"
_DEEP_CONTAINERS = re.compile(rf"^((?:{_CONTAINER}){{{MAX_NESTING}}})([ ]{{0,3}})(?=>|[-+*][ \t]|\d{{1,9}}[.)][ \t])", re.M)
_RAW_TAG = re.compile(r"<[a-zA-Z/]")
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)\b[^>]*>")
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# An end tag does not reach past these (HTML's "in scope"): <div><object></div> leaves the div open.
_SCOPE = {"applet", "caption", "html", "marquee", "object", "table", "td", "template", "th"}

# Rendered Markdown kept per process, bounded by its size rather than by a
# count: the edition's notes stay converted between requests, and no stream
# of large texts can grow a worker past this.
RENDER_CACHE_BYTES = 8 * 1024 * 1024


def render_markdown(text):
    """Markdown → sanitised HTML (a plain str, safe to mark safe). Not kept: previews use it as typed."""
    markdown = _DEEP_CONTAINERS.sub(r"\1\2\\", _encodable(text or ""))
    html = _cmark_html(markdown)
    if _RAW_TAG.search(markdown):
        html = _nesting_limited(html)  # cmark's own elements nest no deeper than the lines allow
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )


# cmarkgfm's own wrapper never frees the HTML buffer cmark returns (a worker grew by the size of every
# preview); ours does, with the C library's free, as cmark's documentation asks of its caller.
_libc_ffi = cffi.FFI()
_libc_ffi.cdef("void free(void *);")
_libc = _libc_ffi.dlopen(None)


def _cmark_html(markdown):
    encoded = markdown.encode("utf-8")
    buffer = cmark._cmark.lib.cmark_markdown_to_html(encoded, len(encoded), CMARK_OPTIONS)
    try:
        return cmark._cmark.ffi.string(buffer).decode("utf-8")
    finally:
        _libc.free(_libc_ffi.cast("void *", int(cmark._cmark.ffi.cast("uintptr_t", buffer))))


def _nesting_limited(html):
    """``html`` without the start tags of elements nested deeper than MAX_NESTING (one linear pass)."""
    if html.count("<") <= MAX_NESTING:
        return html  # too few tags to nest that deep
    open_elements, dropped = [], []
    for tag in _TAG.finditer(html):
        closing, name = tag.group(1, 2)
        name = name.lower()
        if closing:
            for depth in range(len(open_elements) - 1, -1, -1):
                if open_elements[depth] == name:
                    del open_elements[depth:]
                    break
                if open_elements[depth] in _SCOPE:
                    break
        elif name not in _VOID and not tag.group(0).endswith("/>"):
            if len(open_elements) < MAX_NESTING:
                open_elements.append(name)
            else:
                dropped.append(tag.span())
    if not dropped:
        return html
    pieces, kept_from = [], 0
    for start, end in dropped:
        pieces.append(html[kept_from:start])
        kept_from = end
    pieces.append(html[kept_from:])
    return "".join(pieces)


def _encodable(text):
    """The text as UTF-8 can carry it (a lone surrogate becomes U+FFFD), which cmark needs."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _text_key(text):
    # A digest rather than the text: the key costs 16 bytes, not the size of the note.
    return hashlib.blake2b((text or "").encode("utf-8", "surrogatepass"), digest_size=16).digest()


_rendered = cachetools.LRUCache(maxsize=RENDER_CACHE_BYTES, getsizeof=sys.getsizeof)


@cachetools.cached(cache=_rendered, key=_text_key, lock=threading.Lock())
def render_markdown_kept(text):
    """``render_markdown``, kept per process (a pure function of the text): for the texts pages show again."""
    return render_markdown(text)


def markdown_html(text):
    """``render_markdown_kept`` marked safe for templates."""
    return mark_safe(render_markdown_kept(text))  # noqa: S308 - sanitised by nh3 above


def markdown_excerpt(text, *, words):
    """The first ``words`` words of Markdown ``text`` as plain text (not HTML: templates escape it), for a glimpse."""
    return Truncator(" ".join(html.unescape(strip_tags(render_markdown_kept(text))).split())).words(words, truncate="…")
