"""Template tags for the moderation desk (the admin index's queue health, history diffs)."""

from django import template
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince

from annotations import diffing, moderation
from annotations.models import Annotation, Correction, Flag, Source

register = template.Library()

LABELS = {"notes": "Notes", "corrections": "Corrections", "sources": "Sources", "citations": "Citations"}


def _changelist(model, query=""):
    return reverse(f"admin:annotations_{model._meta.model_name}_changelist") + query


def _duration(value):
    """A time span in the largest sensible units ("3 hours, 5 minutes"), or “—”."""
    if value is None:
        return "—"
    if value.total_seconds() < 60:
        return "under a minute"
    now = timezone.now()
    return timesince(now - value, now)


@register.simple_tag(takes_context=True)
def moderation_queues(context):
    """Each queue the user may view: what waits, the oldest item's age, the median time to decision;
    then the smaller queues that need a person (flags, trust, resubmissions, held, orphaned)."""
    user = context["request"].user
    may_view = {model: user.has_perm(f"annotations.view_{model._meta.model_name}")
                for model in moderation.QUEUE_MODELS.values()}
    queues = [
        {"id": queue.name, "label": LABELS[queue.name], "url": _changelist(queue.model), "count": queue.pending,
         "oldest": _duration(queue.oldest_age), "median": _duration(queue.median)}
        for queue in moderation.queue_health() if may_view[queue.model]
    ]
    anchored = [model for model in (Annotation, Correction) if may_view[model]]
    reviewable = [model for model in (Annotation, Correction, Source) if may_view[model]]
    attention = []
    if user.has_perm("annotations.view_flag"):
        open_flags = Flag.objects.open()
        attention.append({"id": "flags", "label": "Open flags from readers", "count": open_flags.count(),
                          "links": [("flags", reverse("admin:annotations_flag_changelist"))]})
    rows = [
        ("on-trust", "Published on trust, to review", "published_on_trust", "?needs=trust", reviewable),
        ("hidden", "Hidden by readers’ flags", "hidden_by_flags", "?needs=hidden", anchored),
        ("resubmitted", "Resubmitted after a rejection", "resubmitted", "?needs=resubmitted", reviewable),
        ("held", "Held: pending, from suspended contributors", "held", "?status=held", reviewable),
    ]
    for key, label, method, query, models in rows:
        if models:
            attention.append({
                "id": key, "label": label, "count": sum(getattr(m.objects, method)().count() for m in models),
                "links": [(m._meta.verbose_name_plural, _changelist(m, query)) for m in models],
            })
    if len(anchored) == 2:
        attention.append({
            "id": "orphaned", "label": "Orphaned by a text repair", "count": moderation.queue_counts()["orphaned"],
            "links": [(m._meta.verbose_name_plural, _changelist(m, "?orphaned=yes")) for m in anchored],
        })
    return {"queues": queues, "attention": attention}


_DIFF_MARKUP = {diffing.EQUAL: "{}", diffing.DELETE: "<del>{}</del>", diffing.INSERT: "<ins>{}</ins>"}


@register.simple_tag
def change_diff(old, new):
    """A history entry's change: a word diff for text, so a repaired paragraph
    shows the words that changed rather than two copies of the whole paragraph."""
    if isinstance(old, str) and isinstance(new, str):
        pieces = diffing.word_diff(old, new)
        return format_html_join("", "{}", ((format_html(_DIFF_MARKUP[kind], words),) for kind, words in pieces))
    return format_html("<del>{}</del> → <ins>{}</ins>", "" if old is None else old, "" if new is None else new)
