"""
Atom feeds of what the edition newly publishes, newest decision first.

``/feed/`` has accepted notes and corrections together; ``/feed/notes/`` and
``/feed/corrections/`` narrow it. Each entry links to the item's permalink,
which shows the passage in context; its content is rendered through the one
sanitising Markdown helper.
"""

from django.contrib.syndication.views import Feed
from django.urls import reverse, reverse_lazy
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape

from annotations.markdown import render_markdown_kept
from annotations.models import Annotation, Correction, Essay

FEED_LENGTH = 30


class EditionFeed(Feed):
    feed_type = Atom1Feed
    link = reverse_lazy("annotations:edition")
    models = (Annotation, Correction)
    heading = "Notes and corrections"

    def title(self):
        essay = Essay.objects.first()
        return f"{self.heading}: {essay.title}" if essay else self.heading

    def subtitle(self):
        return "Newly published notes and accepted corrections, newest first."

    def feed_url(self):
        return reverse(self.url_name)

    url_name = "annotations:feed"

    def items(self):
        entries = []
        for model in self.models:
            entries += model.objects.published().select_related("paragraph__section", "submitted_by").order_by(
                "-reviewed_at", "-pk"
            )[:FEED_LENGTH]
        entries.sort(key=lambda item: (item.reviewed_at or item.submitted_at, item.pk), reverse=True)
        return entries[:FEED_LENGTH]

    def item_title(self, item):
        where = item.paragraph.locator
        if isinstance(item, Correction):
            return f"Correction ({where}): “{item.exact}” → “{item.replacement}”"
        return f"Note ({where}) on “{item.exact}”"

    def item_description(self, item):
        if isinstance(item, Correction):
            change = f"<p><del>{escape(item.exact)}</del> <ins>{escape(item.replacement)}</ins></p>"
            return change + render_markdown_kept(item.rationale)
        return f"<blockquote><p>{escape(item.exact)}</p></blockquote>" + render_markdown_kept(item.body)

    def item_link(self, item):
        return item.get_absolute_url()

    # No item_guid: an Atom entry's id must be an absolute IRI, and the
    # syndication framework then uses the absolute permalink, stable per item.

    def item_author_name(self, item):
        return item.credited_to

    def item_pubdate(self, item):
        return item.reviewed_at or item.submitted_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        if isinstance(item, Correction):
            return ["correction", item.get_category_display()]
        return ["note", item.get_kind_display()]


class NoteFeed(EditionFeed):
    models = (Annotation,)
    heading = "Notes"
    url_name = "annotations:feed_notes"


class CorrectionFeed(EditionFeed):
    models = (Correction,)
    heading = "Corrections"
    url_name = "annotations:feed_corrections"
