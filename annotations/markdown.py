"""
The one place user text becomes HTML.

Markdown is rendered with Python-Markdown and the result is cleaned with nh3
(an allow-list sanitiser): raw HTML, event handlers, ``javascript:`` and
``data:`` links never survive. django-markdownx's live preview is pointed at
``render_markdown`` (settings.MARKDOWNX_MARKDOWNIFY_FUNCTION), so the preview
shows exactly what the page will show. Templates use the ``markdown`` filter
(annotations.templatetags.edition), never ``|safe``.
"""

import html
from functools import lru_cache

import markdown as python_markdown
import nh3
from django.utils.html import strip_tags
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

ALLOWED_TAGS = {
    "p", "br", "hr", "em", "strong", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "sub", "sup", "del", "ins", "h3", "h4", "h5", "h6",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=8192)
def render_markdown(text):
    """Markdown → sanitised HTML (a plain str, safe to mark safe).

    A pure function of the text, so results are kept per process: re-rendering
    the edition after a moderation decision only converts the texts that are new.
    """
    html = python_markdown.markdown(text or "", extensions=["sane_lists"], output_format="html")
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
        strip_comments=True,
    )


def markdown_html(text):
    """``render_markdown`` marked safe for templates."""
    return mark_safe(render_markdown(text))  # noqa: S308 - sanitised by nh3 above


def markdown_excerpt(text, *, words):
    """The first ``words`` words of Markdown ``text`` as plain text (not HTML: templates escape it), for a glimpse."""
    return Truncator(" ".join(html.unescape(strip_tags(render_markdown(text))).split())).words(words, truncate="…")
