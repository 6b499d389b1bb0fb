"""
The one place user text becomes HTML.

Markdown is rendered by cmark-gfm (``cmarkgfm``, GitHub's CommonMark engine in
C): its parser is linear in the length of the text, so no input can hold a
worker (``bench/markdown_worst_case.py`` runs an adversarial corpus). Raw HTML
is passed through to nh3, the one sanitiser (an allow-list): raw HTML tags
outside the list, event handlers, ``javascript:`` and ``data:`` links never
survive. django-markdownx's live preview renders through ``render_markdown``
too (``annotations.views.accounts.markdown_preview``), so the preview shows
exactly what the page will show. Templates use the ``markdown`` filter
(annotations.templatetags.edition), never ``|safe``.
"""

import hashlib
import sys
import threading

import cachetools
import nh3
from cmarkgfm import cmark
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "sub", "sup", "del", "ins", "h3", "h4", "h5", "h6",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}
# CommonMark as written, raw HTML included: nh3 below decides what survives.
CMARK_OPTIONS = cmark.Options.CMARK_OPT_UNSAFE

# Rendered Markdown kept per process, bounded by its size rather than by a
# count: the edition's notes stay converted between requests, and no stream
# of large texts can grow a worker past this.
RENDER_CACHE_BYTES = 8 * 1024 * 1024


def render_markdown(text):
    """Markdown → sanitised HTML (a plain str, safe to mark safe). Not kept: previews use it as typed."""
    html = cmark.markdown_to_html(_encodable(text or ""), CMARK_OPTIONS)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )


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
