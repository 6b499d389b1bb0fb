"""
The moderation desk: the Django admin, configured for review.

Queues (notes, corrections, sources) open on pending items, oldest first; each
change page shows what a moderator needs before deciding (the quote in its
paragraph, a correction's word diff, its sources, conflicts, the decision and
change history) and a decision form carrying the version the moderator saw.
Every decision goes through ``annotations.moderation``; these classes only
collect input and report outcomes.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.timesince import timesince
from markdownx.admin import MarkdownxModelAdmin

import reversion
from annotations import diffing, moderation
from annotations.forms import version_seen
from annotations.models import Annotation, Citation, Correction, Decision, Essay, Paragraph, Section, Source, Status
from annotations.text import QuoteError

admin.site.index_template = "admin/annotations/index.html"

# Words of context either side of a quote in the queues.
CONTEXT_WORDS = 4

DECISION_LABELS = {
    "approve": "Accept",
    "reject": "Reject",
    "spam": "Mark as spam",
    "reopen": "Reopen",
    "retire": "Retire (orphaned)",
}


DECISION_DONE = {
    "approve": "accepted",
    "reject": "rejected",
    "spam": "marked as spam",
    "reopen": "reopened",
    "retire": "retired",
}


# --- Filters -----------------------------------------------------------------


class QueueStatusFilter(admin.SimpleListFilter):
    """Status, defaulting to the queue (pending) with a link to see every status."""

    title = "status"
    parameter_name = "status"
    ALL = "all"

    def __init__(self, request, params, model, model_admin):
        # Looking for orphans means looking at every status.
        self.default = self.ALL if OrphanedFilter.parameter_name in params else Status.PENDING
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [(self.ALL, "All statuses"), *Status.choices]

    def value(self):
        return super().value() or self.default

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        return queryset.filter(status=self.value())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class OrphanedFilter(admin.SimpleListFilter):
    title = "placement"
    parameter_name = "orphaned"

    def lookups(self, request, model_admin):
        return [("yes", "Orphaned by a text repair"), ("no", "Placed in the text")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.orphaned()
        if self.value() == "no":
            return queryset.filter(orphaned=False)
        return queryset


# --- Forms -------------------------------------------------------------------


class VersionedForm(forms.ModelForm):
    """An edit form that refuses to overwrite a change made since it was opened."""

    seen_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["seen_version"].initial = self.instance.version

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None:
            return cleaned
        current = type(self.instance).objects.filter(pk=self.instance.pk).values_list("version", flat=True).first()
        if cleaned.get("seen_version") is not None and current != cleaned["seen_version"]:
            raise forms.ValidationError(
                "Someone else changed or decided this item while you were editing it. Your text is kept below: "
                "open the item again in another tab to see the new version, then save again."
            )
        return cleaned


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=list(DECISION_LABELS.items()))
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Required to reject or retire; the contributor sees it on their contributions page.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class BulkDecisionForm(forms.Form):
    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Shown to each contributor.",
    )


class ReattachForm(forms.Form):
    exact = forms.CharField(label="Words of the paragraph", widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))
    prefix = forms.CharField(required=False, label="Words just before (if they occur more than once)")
    suffix = forms.CharField(required=False, label="Words just after")
    version = forms.IntegerField(widget=forms.HiddenInput)


# --- The review desk shared by notes, corrections, sources and citations -----------


class VersionHistoryMixin:
    """The History page lists the django-reversion history (decisions, edits, repairs).

    Decisions and repairs do not go through the admin's change form, so the
    admin's own log would show none of them.
    """

    def history_view(self, request, object_id, extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            extra_context = {**(extra_context or {}), "versions": moderation.item_history(obj)}
        return super().history_view(request, object_id, extra_context)


class ReviewAdmin(VersionHistoryMixin, admin.ModelAdmin):
    """A queue of moderated items with decisions on one item and in bulk."""

    form = VersionedForm
    change_form_template = "admin/annotations/review_change_form.html"
    object_history_template = "admin/annotations/item_history.html"
    ordering = ["submitted_at", "pk"]
    list_per_page = 50
    actions = ["approve_selected", "reject_selected", "spam_selected", "reopen_selected"]
    moderation_fields = [
        "status", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "review_reason", "version",
    ]

    # Nothing is deleted: spam and rejection keep the record; items arrive
    # through the contributor's pages, not the admin.
    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submitted_by")

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        # The version the moderator saw travels with the edit (VersionedForm).
        (name, options), *rest = fieldsets
        return [(name, {**options, "fields": [*options["fields"], "seen_version"]}), *rest]

    @admin.display(description="contributor", ordering="submitted_by__username")
    def contributor(self, obj):
        return obj.credited_to

    @admin.display(description="waiting", ordering="submitted_at")
    def age(self, obj):
        return timesince(obj.submitted_at)

    # --- URLs ---

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        return [
            path("<path:object_id>/decide/", self.admin_site.admin_view(self.decide_view), name="%s_%s_decide" % info),
            path(
                "<path:object_id>/reattach/",
                self.admin_site.admin_view(self.reattach_view),
                name="%s_%s_reattach" % info,
            ),
            *super().get_urls(),
        ]

    def _change_url(self, obj):
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_change", args=[obj.pk])

    def _changeable_object(self, request, object_id):
        obj = self.get_object(request, object_id)
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with this id.")
        if not self.has_change_permission(request, obj):
            raise PermissionDenied
        return obj

    # --- One item ---

    def _kept_input_key(self, obj):
        return f"moderation-input-{self.opts.model_name}-{obj.pk}"

    def decide_view(self, request, object_id):
        obj = self._changeable_object(request, object_id)
        if request.method != "POST":
            return HttpResponseRedirect(self._change_url(obj))
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a decision.")
            return HttpResponseRedirect(self._change_url(obj))
        decision, reason = form.cleaned_data["decision"], form.cleaned_data["reason"]
        try:
            moderation.item_decide(
                obj, decision=decision, moderator=request.user, reason=reason,
                expected_version=form.cleaned_data["version"],
            )
        except moderation.TransitionError as error:
            # Keep what the moderator typed for the change page to show again.
            request.session[self._kept_input_key(obj)] = {"reason": reason}
            messages.error(request, str(error))
            return HttpResponseRedirect(self._change_url(obj))
        messages.success(request, f"{obj} {DECISION_DONE[decision]}.")
        return HttpResponseRedirect(reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"))

    def reattach_view(self, request, object_id):
        obj = self._changeable_object(request, object_id)
        form = ReattachForm(request.POST or None, auto_id="reattach_%s")
        if request.method != "POST" or not isinstance(obj, (Annotation, Correction)):
            return HttpResponseRedirect(self._change_url(obj))
        if form.is_valid():
            try:
                moderation.item_reattach(
                    obj, moderator=request.user, exact=form.cleaned_data["exact"],
                    prefix=form.cleaned_data["prefix"], suffix=form.cleaned_data["suffix"],
                    expected_version=form.cleaned_data["version"],
                )
            except (QuoteError, moderation.TransitionError) as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"{obj} is attached to “{obj.exact}” again.")
                return HttpResponseRedirect(self._change_url(obj))
        request.session[self._kept_input_key(obj)] = {"reattach": request.POST.dict()}
        for error in form.errors.get("__all__", []) or ["Give the words to attach it to."]:
            messages.error(request, error)
        return HttpResponseRedirect(self._change_url(obj))

    def review_context(self, request, obj):
        """What the change page shows around the edit form."""
        kept = request.session.pop(self._kept_input_key(obj), {})
        decision_form = DecisionForm(initial={"version": obj.version, "reason": kept.get("reason", "")})
        context = {
            "item": obj,
            "decision_form": decision_form,
            "decisions": [(name, DECISION_LABELS[name]) for name in moderation.available_decisions(obj)],
            "decision_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_decide", args=[obj.pk]),
            "decision_log": obj.decisions.select_related("decided_by").order_by("decided_at", "pk"),
            "history": moderation.item_history(obj),
            "can_decide": self.has_change_permission(request, obj),
        }
        if isinstance(obj, (Annotation, Correction)):
            paragraph = obj.paragraph
            context.update(
                paragraph=paragraph,
                citations=[
                    (citation, source_links(citation.source))
                    for citation in obj.citations.select_related("source").order_by("pk")
                ],
                reattach_form=ReattachForm(
                    auto_id="reattach_%s",
                    initial={"exact": obj.exact, "version": obj.version, **kept.get("reattach", {})}
                ),
                reattach_url=reverse(
                    f"admin:{self.opts.app_label}_{self.opts.model_name}_reattach", args=[obj.pk]
                ),
            )
            if not obj.orphaned:
                context["quote_parts"] = (paragraph.text[:obj.start], paragraph.text[obj.start:obj.end],
                                          paragraph.text[obj.end:])
        if isinstance(obj, Source):
            context["source_links"] = source_links(obj)
        if isinstance(obj, Correction):
            context["conflicts"] = moderation.correction_conflicts(obj)
            if not obj.orphaned:
                context["diff"] = diffing.correction_diff(
                    obj.paragraph.text, start=obj.start, end=obj.end, replacement=obj.replacement
                )
        return context

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_view_or_change_permission(request, obj):
            extra_context = {**(extra_context or {}), "review": self.review_context(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def save_model(self, request, obj, form, change):
        if not change:  # only sources can be added here (by superusers)
            with reversion.create_revision():
                reversion.set_user(request.user)
                reversion.set_comment("Added in the admin.")
                obj.save()
            return
        fields = [name for name in form.changed_data if name != "seen_version"]
        if fields:
            moderation.item_edit(
                obj, user=request.user, fields=fields, expected_version=form.cleaned_data["seen_version"]
            )

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except moderation.StaleItemError as error:
            # Lost the race between the form's check and the save: nothing was written.
            messages.error(request, str(error))
            return HttpResponseRedirect(request.path)

    # --- Bulk ---

    def _bulk(self, request, queryset, decision, *, reason_required=False):
        """A confirmation page asking for the reason; on confirm, decide each item."""
        items = list(queryset.select_related("submitted_by"))
        gone = len(set(request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME))) - len(items)
        if gone > 0:
            # The changelist's filters dropped them: someone decided them meanwhile.
            messages.warning(
                request,
                f"{gone} selected {self._plural(gone)} left this list since you selected "
                f"{'it' if gone == 1 else 'them'} (decided by someone else?) and {'is' if gone == 1 else 'are'} "
                "not included.",
            )
        form = BulkDecisionForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.cleaned_data["reason"].strip()
            if reason_required and not reason:
                form.add_error("reason", "A reason is required; each contributor will see it.")
            else:
                seen = {item.pk: version_seen(request.POST.get(f"version-{item.pk}")) for item in items}
                versions = {pk: version for pk, version in seen.items() if version is not None}
                outcome = moderation.items_decide(
                    items, decision=decision, moderator=request.user, reason=reason, versions=versions
                )
                self._report(request, decision, outcome)
                return None
        return TemplateResponse(
            request,
            "admin/annotations/bulk_decision.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": f"{DECISION_LABELS[decision]}: {len(items)} {self._plural(len(items))}",
                "decision": decision,
                "decision_label": DECISION_LABELS[decision],
                "action": request.POST.get("action"),
                "items": items,
                "rows": [(item, self.bulk_summary(item)) for item in items],
                "form": form,
                "reason_required": reason_required,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
            },
        )

    def _plural(self, count):
        return self.opts.verbose_name if count == 1 else self.opts.verbose_name_plural

    def bulk_summary(self, item):
        """How an item is shown on the bulk confirmation page: enough to recognise it."""
        return str(item)

    def _report(self, request, decision, outcome):
        if outcome.decided:
            count = len(outcome.decided)
            messages.success(request, f"{count} {self._plural(count)} {DECISION_DONE[decision]}.")
        for item, message in outcome.refused:
            messages.warning(request, message)

    @admin.action(description="Accept selected items…", permissions=["change"])
    def approve_selected(self, request, queryset):
        return self._bulk(request, queryset, "approve")

    @admin.action(description="Reject selected items (with a reason)…", permissions=["change"])
    def reject_selected(self, request, queryset):
        return self._bulk(request, queryset, "reject", reason_required=True)

    @admin.action(description="Mark selected items as spam…", permissions=["change"])
    def spam_selected(self, request, queryset):
        return self._bulk(request, queryset, "spam")

    @admin.action(description="Reopen selected items…", permissions=["change"])
    def reopen_selected(self, request, queryset):
        return self._bulk(request, queryset, "reopen")


def source_links(source):
    """[(label, URL)] a moderator can follow to check a source: its web address and its DOI."""
    links = []
    if source.url.lower().startswith(("http://", "https://")):
        links.append(("web page", source.url))
    if source.doi:
        links.append((f"doi:{source.doi}", f"https://doi.org/{source.doi}"))
    return links


_LAST_WORDS = re.compile(r"(?:\S+\s*){0,%d}$" % CONTEXT_WORDS)
_FIRST_WORDS = re.compile(r"(?:\s*\S+){0,%d}" % CONTEXT_WORDS)


def quote_in_context(obj):
    """“…last words of the prefix [quote] first words of the suffix…”, spacing as in the text."""
    before = _LAST_WORDS.search(obj.prefix).group()
    after = _FIRST_WORDS.match(obj.suffix).group()
    return format_html(
        "{}{}<mark>{}</mark>{}{}",
        "…" if before else "", before, obj.exact, after, "…" if after else "",
    )


class AnchoredReviewAdmin(ReviewAdmin):
    anchor_fields = ["paragraph", "exact", "prefix", "suffix", "start", "end", "orphaned"]
    assessment_fields = ["certainty", "proposed_by", "checked_by"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .select_related("paragraph__section")
            .annotate(source_count=Count("citations", distinct=True))
        )

    @admin.display(description="quote in context")
    def quote(self, obj):
        return quote_in_context(obj)

    @admin.display(description="where", ordering="paragraph")
    def where(self, obj):
        return obj.paragraph.locator

    def bulk_summary(self, item):
        return format_html("{}: {}", item.paragraph.locator, quote_in_context(item))

    @admin.display(description="sources", ordering="source_count")
    def sources(self, obj):
        return obj.source_count

    @admin.display(description="orphaned", boolean=True)
    def is_orphaned(self, obj):
        return obj.orphaned


class ListedInline(admin.TabularInline):
    """Related rows listed with links to their own pages; never added or deleted here."""

    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


class CitationInline(ListedInline):
    model = Citation
    fields = ["source", "locator", "status"]
    readonly_fields = ["source", "status"]


@admin.register(Annotation)
class NoteAdmin(AnchoredReviewAdmin):
    list_display = ["quote", "kind", "where", "contributor", "age", "sources", "status", "is_orphaned"]
    list_filter = [
        QueueStatusFilter, "kind", ("paragraph__section", admin.RelatedFieldListFilter),
        ("submitted_by", admin.RelatedOnlyFieldListFilter), OrphanedFilter,
    ]
    search_fields = ["exact", "body", "citations__source__title"]
    readonly_fields = [*AnchoredReviewAdmin.anchor_fields, *ReviewAdmin.moderation_fields]
    fieldsets = [
        (None, {"fields": ["kind", "body", "credit"]}),
        ("Certainty and responsibility", {"fields": AnchoredReviewAdmin.assessment_fields}),
        ("Where", {"fields": AnchoredReviewAdmin.anchor_fields}),
        ("Review", {"fields": ReviewAdmin.moderation_fields}),
    ]
    inlines = [CitationInline]

    def bulk_summary(self, item):
        return format_html("{} — {}", super().bulk_summary(item), Truncator(item.body).words(25, truncate="…"))


@admin.register(Correction)
class CorrectionAdmin(AnchoredReviewAdmin):
    list_display = ["quote", "replacement", "category", "where", "contributor", "age", "sources", "status",
                    "is_orphaned"]
    list_filter = [
        QueueStatusFilter, "category", ("paragraph__section", admin.RelatedFieldListFilter),
        ("submitted_by", admin.RelatedOnlyFieldListFilter), OrphanedFilter,
    ]
    search_fields = ["exact", "replacement", "rationale", "citations__source__title"]
    readonly_fields = [*AnchoredReviewAdmin.anchor_fields, *ReviewAdmin.moderation_fields]
    fieldsets = [
        (None, {"fields": ["category", "replacement", "rationale", "credit"]}),
        ("Certainty and responsibility", {"fields": AnchoredReviewAdmin.assessment_fields}),
        ("Where", {"fields": AnchoredReviewAdmin.anchor_fields}),
        ("Review", {"fields": ReviewAdmin.moderation_fields}),
    ]
    inlines = [CitationInline]

    def bulk_summary(self, item):
        return format_html("{} → “{}”", super().bulk_summary(item), item.replacement)


@admin.register(Source)
class SourceAdmin(ReviewAdmin):
    list_display = ["title", "authors", "year", "kind", "contributor", "age", "cited", "status"]
    list_filter = [QueueStatusFilter, "kind", ("submitted_by", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "authors", "container", "doi", "isbn"]
    readonly_fields = ReviewAdmin.moderation_fields
    fieldsets = [
        (None, {"fields": ["kind", "authors", "title", "container", "publisher", "place", "year", "volume",
                           "pages", "url", "doi", "isbn", "credit"]}),
        ("Review", {"fields": ReviewAdmin.moderation_fields}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(citation_count=Count("citations", distinct=True))

    def has_add_permission(self, request):
        # A bibliography entry may be typed in directly (the add permission: superusers).
        return admin.ModelAdmin.has_add_permission(self, request)

    @admin.display(description="cited", ordering="citation_count")
    def cited(self, obj):
        return obj.citation_count


@admin.register(Citation)
class CitationAdmin(ReviewAdmin):
    list_display = ["source", "locator", "cited_from", "contributor", "age", "status"]
    list_filter = [QueueStatusFilter, ("submitted_by", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["source__title", "locator"]
    readonly_fields = ["source", "annotation", "correction", *ReviewAdmin.moderation_fields]
    fieldsets = [
        (None, {"fields": ["source", "annotation", "correction", "locator"]}),
        ("Review", {"fields": ReviewAdmin.moderation_fields}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "annotation", "correction")

    @admin.display(description="cited from")
    def cited_from(self, obj):
        return obj.item


# --- The essay (editors) -------------------------------------------------------


class RevisionedAdmin(admin.ModelAdmin):
    """Keep a django-reversion revision of every save made in the admin."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment("Edited in the admin.")
            return super().changeform_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Essay)
class EssayAdmin(RevisionedAdmin, MarkdownxModelAdmin):
    list_display = ["title", "source_site", "source_published", "revision"]

    def has_add_permission(self, request):
        return False  # the essay comes from the importer


class ParagraphInline(ListedInline):
    model = Paragraph
    fields = ["position", "kind", "anchor", "text"]
    readonly_fields = ["position", "kind", "anchor", "text"]


@admin.register(Section)
class SectionAdmin(RevisionedAdmin):
    list_display = ["position", "heading", "level", "essay"]
    fields = ["essay", "position", "heading", "level", "slug"]
    readonly_fields = ["essay", "position", "level", "slug"]
    inlines = [ParagraphInline]

    def has_add_permission(self, request):
        return False


class ParagraphRepairForm(forms.ModelForm):
    repair_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="What import error the repair undoes. Required when the text changes. "
        "Slips of the author are corrected with corrections, not here.",
    )

    class Meta:
        model = Paragraph
        fields = ["text"]

    def clean(self):
        cleaned = super().clean()
        if "text" in self.changed_data and not cleaned.get("repair_reason", "").strip():
            self.add_error("repair_reason", "Say what the repair fixes; it is kept in the paragraph's history.")
        return cleaned


@admin.register(Paragraph)
class ParagraphAdmin(VersionHistoryMixin, admin.ModelAdmin):
    """Editors repair a paragraph's text here; notes and corrections re-anchor."""

    form = ParagraphRepairForm
    list_display = ["locator", "excerpt", "note_count", "correction_count"]
    list_filter = [("section", admin.RelatedFieldListFilter)]
    search_fields = ["text", "anchor"]
    fields = ["section", "position", "kind", "anchor", "text", "repair_reason"]
    readonly_fields = ["section", "position", "kind", "anchor"]
    ordering = ["section__position", "position"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .select_related("section")
            .annotate(note_count=Count("annotations", distinct=True), correction_count=Count("corrections", distinct=True))
        )

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="where", ordering="section__position")
    def locator(self, obj):
        return obj.locator

    @admin.display(description="text")
    def excerpt(self, obj):
        return obj.text[:90] + ("…" if len(obj.text) > 90 else "")

    @admin.display(description="notes", ordering="note_count")
    def note_count(self, obj):
        return obj.note_count

    @admin.display(description="corrections", ordering="correction_count")
    def correction_count(self, obj):
        return obj.correction_count

    def save_model(self, request, obj, form, change):
        if "text" not in form.changed_data:
            return
        try:
            outcome = moderation.paragraph_repair(
                obj, editor=request.user, new_text=form.cleaned_data["text"],
                reason=form.cleaned_data["repair_reason"],
            )
        except moderation.RepairError as error:
            messages.error(request, str(error))
            return
        level = messages.WARNING if outcome.orphaned else messages.SUCCESS
        messages.add_message(request, level, f"Text repaired: {outcome.summary()}.")

    object_history_template = "admin/annotations/paragraph_history.html"


@admin.register(Decision)
class DecisionAdmin(admin.ModelAdmin):
    """The log of every decision: read only."""

    list_display = ["decided_at", "decided_item", "from_status", "to_status", "decided_by", "reason"]
    list_filter = ["to_status", ("decided_by", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "decided_at"
    list_select_related = ["decided_by", "content_type"]

    @admin.display(description="item", ordering="content_type")
    def decided_item(self, obj):
        return f"{obj.content_type.name} #{obj.object_id}"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
