"""The moderation desk (see annotations.moderation for the decisions)."""

from django.contrib import admin
from markdownx.admin import MarkdownxModelAdmin

from annotations.models import Annotation, Citation, Correction, Decision, Essay, Paragraph, Section, Source


@admin.register(Essay)
class EssayAdmin(MarkdownxModelAdmin):
    list_display = ["title", "source_site", "source_published", "revision"]


class ParagraphInline(admin.TabularInline):
    model = Paragraph
    fields = ["position", "kind", "anchor", "text"]
    readonly_fields = ["anchor", "text"]
    extra = 0
    can_delete = False


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ["position", "heading", "level", "essay"]
    inlines = [ParagraphInline]


admin.site.register([Paragraph, Annotation, Correction, Source, Citation, Decision])
