"""
What crawlers should find: /sitemap.xml through django.contrib.sitemaps, one
Sitemap class per kind of public page (the edition, its bibliography, each
published note's and correction's permalink, each release). To list another
kind, write its class and add it to SITEMAPS.
"""

from django.contrib.sitemaps import Sitemap
from django.urls import reverse

from annotations.edition import latest_change_date
from annotations.models import Annotation, Correction, Essay, Release


class _PageSitemap(Sitemap):
    """Named pages of the edition, last changed with its current version."""

    names = ()

    def items(self):
        self.essay = Essay.objects.first()
        return list(self.names) if self.essay else []

    def location(self, name):
        return reverse(name)

    def lastmod(self, name):
        return latest_change_date(self.essay)


class EditionSitemap(_PageSitemap):
    names = ("annotations:edition",)
    priority = 1.0


class SourcesSitemap(_PageSitemap):
    names = ("annotations:sources",)
    priority = 0.6


class _ItemSitemap(Sitemap):
    """The permalink of every published note or correction."""

    model = None
    priority = 0.5

    def items(self):
        return self.model.objects.published().order_by("pk")

    def lastmod(self, item):
        return item.updated_at


class NoteSitemap(_ItemSitemap):
    model = Annotation


class CorrectionSitemap(_ItemSitemap):
    model = Correction


class ReleaseSitemap(Sitemap):
    """Every release of the edition (``/v/<N>/``), which never changes once made."""

    priority = 0.7

    def items(self):
        essay = Essay.objects.first()
        return Release.objects.filter(essay=essay).order_by("number") if essay else Release.objects.none()

    def lastmod(self, release):
        return release.released_at


SITEMAPS = {
    "edition": EditionSitemap,
    "sources": SourcesSitemap,
    "notes": NoteSitemap,
    "corrections": CorrectionSitemap,
    "releases": ReleaseSitemap,
}
