"""Template tags for the moderation desk (the admin index's queue counts, history diffs)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from annotations import diffing, moderation

register = template.Library()

# (key in moderation.queue_counts(), label, model name)
QUEUES = [
    ("notes", "Notes", "annotation"),
    ("corrections", "Corrections", "correction"),
    ("sources", "Sources", "source"),
    ("citations", "Citations", "citation"),
]


def _changelist(model_name):
    return reverse(f"admin:annotations_{model_name}_changelist")


@register.simple_tag(takes_context=True)
def moderation_queues(context):
    """The pending count of each queue the user may view, and the orphaned items."""
    user = context["request"].user
    counts = moderation.queue_counts()
    queues = [
        {"label": label, "count": counts[key], "url": _changelist(model)}
        for key, label, model in QUEUES
        if user.has_perm(f"annotations.view_{model}")
    ]
    orphaned = None
    if user.has_perm("annotations.view_annotation") and user.has_perm("annotations.view_correction"):
        orphaned = {
            "count": counts["orphaned"],
            "notes_url": _changelist("annotation") + "?orphaned=yes",
            "corrections_url": _changelist("correction") + "?orphaned=yes",
        }
    return {"queues": queues, "orphaned": orphaned}


_DIFF_MARKUP = {diffing.EQUAL: "{}", diffing.DELETE: "<del>{}</del>", diffing.INSERT: "<ins>{}</ins>"}


@register.simple_tag
def change_diff(old, new):
    """A history entry's change: a word diff for text, so a repaired paragraph
    shows the words that changed rather than two copies of the whole paragraph."""
    if isinstance(old, str) and isinstance(new, str):
        pieces = diffing.word_diff(old, new)
        return format_html_join("", "{}", ((format_html(_DIFF_MARKUP[kind], words),) for kind, words in pieces))
    return format_html("<del>{}</del> → <ins>{}</ins>", "" if old is None else old, "" if new is None else new)
