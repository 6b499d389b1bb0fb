"""
The moderation desk: the Django admin, configured for review.

An adapter: the decisions, their labels and which are offered come from
``moderation.MOVES`` (the decision table); what a review page or a queue row
shows comes from ``annotations.desk``. These classes collect input, call
``annotations.moderation`` and report what happened.

Queues (notes, corrections, sources, citations) open on items awaiting review,
oldest first, each row marked when it needs attention (a possible duplicate,
flags, published on trust, resubmitted, being reviewed by someone else). Flags
have their own queue; contributors' standing (suspension, trust) its own list;
reason templates are kept per site.
"""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince
from markdownx.admin import MarkdownxModelAdmin

import reversion
from annotations import desk, moderation, releases
from annotations.forms import VERSION_MAX, version_seen
from annotations.models import (
    Annotation,
    Citation,
    Contributor,
    Correction,
    Decision,
    Essay,
    Flag,
    Paragraph,
    ReasonTemplate,
    Release,
    Section,
    Source,
    StandingChange,
    Status,
)
from annotations.text import QuoteError

admin.site.index_template = "admin/annotations/index.html"

# The desk's keyboard and reason templates (its stylesheet is on every admin page: admin/base_site.html).
DESK_MEDIA = forms.Media(js=["annotations/admin/review.js"])


def _changelist_url(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def _change_url(obj):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])


class KeptRecords:
    """Rows here arrive from elsewhere (contributors, readers, the importer) and are never deleted: the record is kept."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- Filters -----------------------------------------------------------------


class QueueStatusFilter(admin.SimpleListFilter):
    """Status, defaulting to the queue (awaiting review) with a link to see every status."""

    title = "status"
    parameter_name = "status"
    ALL = "all"
    HELD = "held"

    def __init__(self, request, params, model, model_admin):
        # Looking for orphans or for items under review means looking at every status.
        looking_wider = OrphanedFilter.parameter_name in params or AttentionFilter.parameter_name in params
        self.default = self.ALL if looking_wider else Status.PENDING
        super().__init__(request, params, model, model_admin)

    def lookups(self, request, model_admin):
        return [(self.ALL, "All statuses"), *Status.choices,
                (self.HELD, "Held: pending, from suspended contributors")]

    def value(self):
        return super().value() or self.default

    def queryset(self, request, queryset):
        if self.value() == self.ALL:
            return queryset
        if self.value() == Status.PENDING:
            return queryset.awaiting_review()
        if self.value() == self.HELD:
            return queryset.held()
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


class AttentionFilter(admin.SimpleListFilter):
    """The queues within the queue: items a rule decided, that came back, or that readers flagged."""

    title = "needs a person"
    parameter_name = "needs"

    def lookups(self, request, model_admin):
        choices = [("trust", "Published on trust, to review"), ("resubmitted", "Resubmitted after a rejection")]
        if model_admin.model in (Annotation, Correction):
            choices += [("flagged", "Flagged by readers (open flags)"), ("hidden", "Hidden by flags"),
                        ("duplicates", "Same words as another item (possible duplicates)")]
        return choices

    def queryset(self, request, queryset):
        value = self.value()
        if value == "trust":
            return queryset.published_on_trust()
        if value == "resubmitted":
            return queryset.resubmitted()
        if value == "flagged":
            return queryset.filter(flags__outcome=Flag.Outcome.OPEN).distinct()
        if value == "hidden":
            return queryset.hidden_by_flags()
        if value == "duplicates":
            return queryset.filter(desk.has_same_words(queryset.model))
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


class ReasonTemplateSelect(forms.Select):
    """Each template's text rides on its option, for review.js to put in the reason box."""

    def create_option(self, name, value, *args, **kwargs):
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-text"] = instance.text
        return option


class ReasonForm(forms.Form):
    """A reason typed, or started from one of the site's templates (the typed text wins)."""

    reason_template = forms.ModelChoiceField(
        ReasonTemplate.objects.all(), required=False, label="Start from", widget=ReasonTemplateSelect,
        empty_label="— a reason template —",
        help_text="Fills in the reason, which you can still edit. Without JavaScript, used when the box is empty.",
    )
    reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3, "cols": 60}))
    suspend = forms.BooleanField(
        required=False, label="Also suspend the contributor",
        help_text="With spam: their pending items leave the queue and they can no longer contribute. Reversible "
        "from Contributors.",
    )

    def reason_text(self):
        template = self.cleaned_data.get("reason_template")
        return self.cleaned_data.get("reason", "").strip() or (template.text if template else "")


class DecisionForm(ReasonForm):
    decision = forms.ChoiceField(choices=[(name, moderation.MOVES[name].label) for name in moderation.DECISIONS])
    version = forms.IntegerField(min_value=1, max_value=VERSION_MAX, widget=forms.HiddenInput)

    field_order = ["reason_template", "reason", "suspend"]


class ReattachForm(forms.Form):
    exact = forms.CharField(label="Words of the paragraph", widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))
    prefix = forms.CharField(required=False, label="Words just before (if they occur more than once)")
    suffix = forms.CharField(required=False, label="Words just after")
    version = forms.IntegerField(min_value=1, max_value=VERSION_MAX, widget=forms.HiddenInput)


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


class ReviewChangeList(ChangeList):
    """A queue page: each row also learns who else is reviewing it and what it may duplicate."""

    def get_results(self, request):
        super().get_results(request)
        self.model_admin.rows_mark(request, self.result_list)


def bulk_selection(model_admin, request, queryset):
    """The items a bulk action is about, and pk → the version the moderator saw (on confirming).

    The confirmation page carries what it showed — every item's version in one
    field, so a thousand items stay within Django's limit on form fields — and
    only those items are decided: one that left the list meanwhile (decided by
    someone else) is reported, one that joined it is not decided unseen.
    """
    items = list(queryset)
    selected = request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME)
    versions = None
    if "confirm" in request.POST:
        versions = {}
        for pair in request.POST.get("versions", "").split():
            pk, _, version = pair.partition(":")
            if re.fullmatch(r"[0-9]{1,18}", pk) and version_seen(version) is not None:
                versions[int(pk)] = version_seen(version)
        items = [item for item in items if item.pk in versions] if versions else items
        expected = len(versions) if versions else len(set(selected))
    else:
        expected = len(items) if request.POST.get("select_across") == "1" else len(set(selected))
    gone = expected - len(items)
    if gone > 0:
        # The changelist's filters dropped them: someone decided them meanwhile.
        plural = model_admin.opts.verbose_name if gone == 1 else model_admin.opts.verbose_name_plural
        messages.warning(
            request,
            f"{gone} selected {plural} left this list since you selected "
            f"{'it' if gone == 1 else 'them'} (decided by someone else?) and {'is' if gone == 1 else 'are'} "
            "not included.",
        )
    return items, versions


def confirmation_page(model_admin, request, *, title, label, rows, form, reason_required, can_suspend):
    """The page that confirms a bulk action and asks for its reason (decisions, contributors' standing)."""
    items = [item for item, _ in rows]
    return TemplateResponse(request, "admin/annotations/bulk_decision.html", {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "media": model_admin.media + DESK_MEDIA,
        "title": title,
        "decision_label": label,
        "action": request.POST.get("action"),
        "rows": rows,
        "form": form,
        "reason_required": reason_required,
        "can_suspend": can_suspend,
        "select_across": request.POST.get("select_across") == "1",
        "selected": [item.pk for item in items],
        "versions": " ".join(f"{item.pk}:{item.version}" for item in items if hasattr(item, "version")),
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    })


def _bulk_action(name):
    """An admin action for one decision of the table (a confirmation page asks for the reason)."""
    move = moderation.MOVES[name]

    def action(model_admin, request, queryset):
        return model_admin.bulk_decide(request, queryset, name)

    action.__name__ = f"{name}_selected"
    required = " (with a reason)" if move.reason_required else ""
    return admin.action(description=f"{move.label} selected items{required}…", permissions=["change"])(action)


class ReviewAdmin(KeptRecords, VersionHistoryMixin, admin.ModelAdmin):
    """A queue of moderated items with decisions on one item and in bulk."""

    form = VersionedForm
    change_form_template = "admin/annotations/review_change_form.html"
    object_history_template = "admin/annotations/item_history.html"
    ordering = ["submitted_at", "pk"]
    list_per_page = 50
    actions = [_bulk_action(name) for name in moderation.DECISIONS if moderation.MOVES[name].bulk]
    moderation_fields = [
        "status", "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "review_reason", "review_rule",
        "resubmitted", "version",
    ]

    @property
    def media(self):
        return super().media + DESK_MEDIA

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("submitted_by__moderation_standing")

    def get_changelist(self, request, **kwargs):
        return ReviewChangeList

    def rows_mark(self, request, rows):
        desk.claims_mark(rows, moderator=request.user)

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

    @admin.display(description="needs")
    def attention(self, obj):
        """What a moderator should know before opening the item (desk.item_marks), one mark a line."""
        marks = [
            format_html('{} <a href="{}">#{}</a>{}', text, _change_url(other), other.pk, rest) if other else text
            for text, other, rest in desk.item_marks(obj)
        ]
        return format_html_join(mark_safe("<br>"), "{}", ((mark,) for mark in marks)) or "—"

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
            return HttpResponseRedirect(_change_url(obj))
        form = DecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, "Choose a decision.")
            return HttpResponseRedirect(_change_url(obj))
        decision, reason = form.cleaned_data["decision"], form.reason_text()
        try:
            moderation.item_decide(
                obj, decision=decision, moderator=request.user, reason=reason,
                expected_version=form.cleaned_data["version"], suspend=form.cleaned_data["suspend"],
            )
        except moderation.TransitionError as error:
            # Keep what the moderator typed for the change page to show again.
            request.session[self._kept_input_key(obj)] = {"reason": form.cleaned_data["reason"]}
            messages.error(request, str(error))
            return HttpResponseRedirect(_change_url(obj))
        suspended = " Its contributor is suspended." if form.cleaned_data["suspend"] and decision == "spam" else ""
        messages.success(request, f"{obj} {moderation.MOVES[decision].done}.{suspended}")
        _, following = desk.queue_neighbours(obj, moderator=request.user)
        return HttpResponseRedirect(_change_url(following) if following else _changelist_url(self.model))

    def reattach_view(self, request, object_id):
        obj = self._changeable_object(request, object_id)
        form = ReattachForm(request.POST or None, auto_id="reattach_%s")
        if request.method != "POST" or not isinstance(obj, (Annotation, Correction)):
            return HttpResponseRedirect(_change_url(obj))
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
                return HttpResponseRedirect(_change_url(obj))
        request.session[self._kept_input_key(obj)] = {"reattach": request.POST.dict()}
        for error in form.errors.get("__all__", []) or ["Give the words to attach it to."]:
            messages.error(request, error)
        return HttpResponseRedirect(_change_url(obj))

    def review_context(self, request, obj, *, can_decide):
        """What the change page shows around the edit form; opening it to decide claims the item."""
        kept = request.session.pop(self._kept_input_key(obj), {})
        if can_decide and request.method == "GET":
            claim = moderation.item_claim(obj, moderator=request.user)
        else:
            claim = moderation.claims_active(type(obj), [obj.pk]).get(obj.pk)
        claim = claim if claim is not None and claim.moderator_id != request.user.pk else None
        previous, following = desk.queue_neighbours(obj, moderator=request.user)
        decisions = [moderation.MOVES[name] for name in moderation.available_decisions(obj)]
        context = {
            "review": desk.item_review(obj, claim=claim),
            "decision_form": DecisionForm(initial={"version": obj.version, "reason": kept.get("reason", "")}),
            "decisions": decisions,
            "can_suspend": obj.submitted_by_id is not None and any(move.name == "spam" for move in decisions),
            "decision_url": reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_decide", args=[obj.pk]),
            "can_decide": can_decide,
            "previous_url": _change_url(previous) if previous else None,
            "next_url": _change_url(following) if following else None,
        }
        if isinstance(obj, (Annotation, Correction)):
            context.update(
                reattach_form=ReattachForm(
                    auto_id="reattach_%s",
                    initial={"exact": obj.exact, "version": obj.version, **kept.get("reattach", {})}
                ),
                reattach_url=reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_reattach", args=[obj.pk]),
            )
        return context

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None and self.has_view_or_change_permission(request, obj):
            can_decide = self.has_change_permission(request, obj)
            extra_context = {**(extra_context or {}), **self.review_context(request, obj, can_decide=can_decide)}
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

    def bulk_decide(self, request, queryset, decision):
        """A confirmation page asking for the reason; on confirm, one set-based decision on every item seen."""
        move = moderation.MOVES[decision]
        items, versions = bulk_selection(self, request, queryset.select_related(*self.bulk_related))
        form = ReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            reason = form.reason_text()
            if move.reason_required and not reason:
                form.add_error("reason", "A reason is required; each contributor will see it.")
            else:
                outcome = moderation.items_decide(
                    items, decision=decision, moderator=request.user, reason=reason, versions=versions,
                    suspend=form.cleaned_data["suspend"],
                )
                self._report(request, move, outcome)
                return None
        return confirmation_page(self, request, title=f"{move.label}: {len(items)} {self._plural(len(items))}",
                                 label=move.label, rows=[(item, self.bulk_summary(item)) for item in items],
                                 form=form, reason_required=move.reason_required, can_suspend=decision == "spam")

    bulk_related = ("submitted_by",)

    def _plural(self, count):
        return self.opts.verbose_name if count == 1 else self.opts.verbose_name_plural

    def bulk_summary(self, item):
        """How an item is shown on the bulk confirmation page: enough to recognise it."""
        return str(item)

    def _report(self, request, move, outcome):
        if outcome.decided:
            count = len(outcome.decided)
            messages.success(request, f"{count} {self._plural(count)} {move.done}.")
        for item, error in outcome.refused:
            messages.warning(request, str(error))


class AnchoredReviewAdmin(ReviewAdmin):
    anchor_fields = ["paragraph", "exact", "prefix", "suffix", "start", "end", "orphaned"]
    bulk_related = ("submitted_by", "paragraph__section")
    assessment_fields = ["certainty", "proposed_by", "checked_by"]

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .select_related("paragraph__section")
            .annotate(
                source_count=Count("citations", distinct=True),
                open_flags=Count("flags", filter=Q(flags__outcome=Flag.Outcome.OPEN), distinct=True),
            )
        )

    def get_ordering(self, request):
        if request.GET.get(AttentionFilter.parameter_name) == "duplicates":
            # Items on the same words side by side, oldest first within them.
            return ["paragraph__section__position", "paragraph__position", "start", "exact", "submitted_at", "pk"]
        return super().get_ordering(request)

    def rows_mark(self, request, rows):
        super().rows_mark(request, rows)
        desk.duplicates_mark(rows)

    @admin.display(description="quote in context")
    def quote(self, obj):
        return desk.quote_in_context(obj)

    @admin.display(description="where", ordering="paragraph")
    def where(self, obj):
        return obj.paragraph.locator

    def bulk_summary(self, item):
        return format_html("{}: {}", item.paragraph.locator, desk.quote_in_context(item))

    @admin.display(description="sources", ordering="source_count")
    def sources(self, obj):
        return obj.source_count

    @admin.display(description="orphaned", boolean=True)
    def is_orphaned(self, obj):
        return obj.orphaned


class ListedInline(KeptRecords, admin.TabularInline):
    """Related rows listed with links to their own pages; never added or deleted here."""

    template = "admin/annotations/listed_inline.html"
    extra = 0
    can_delete = False
    show_change_link = True


class CitationInline(ListedInline):
    model = Citation
    fields = ["source", "locator", "status"]
    readonly_fields = ["source", "status"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "locator":
            # A table row's input has no <label>: name it for screen readers.
            field.widget.attrs["aria-label"] = "Page or chapter (locator)"
        return field


_LIST_FILTERS = [("paragraph__section", admin.RelatedFieldListFilter),
                 ("submitted_by", admin.RelatedOnlyFieldListFilter), OrphanedFilter, AttentionFilter]


@admin.register(Annotation)
class NoteAdmin(AnchoredReviewAdmin):
    list_display = ["quote", "opening", "kind", "where", "contributor", "age", "sources", "status", "attention",
                    "is_orphaned"]
    list_filter = [QueueStatusFilter, "kind", *_LIST_FILTERS]
    search_fields = ["exact", "body", "citations__source__title"]
    readonly_fields = [*AnchoredReviewAdmin.anchor_fields, *ReviewAdmin.moderation_fields]
    fieldsets = [
        (None, {"fields": ["kind", "body", "credit"]}),
        ("Certainty and responsibility", {"fields": AnchoredReviewAdmin.assessment_fields}),
        ("Where", {"fields": AnchoredReviewAdmin.anchor_fields}),
        ("Review", {"fields": ReviewAdmin.moderation_fields}),
    ]
    inlines = [CitationInline]

    @admin.display(description="note")
    def opening(self, obj):
        return desk.opening(obj.body)

    def bulk_summary(self, item):
        return format_html("{} — {}", super().bulk_summary(item), desk.opening(item.body, 25))


@admin.register(Correction)
class CorrectionAdmin(AnchoredReviewAdmin):
    list_display = ["quote", "replacement", "opening", "category", "where", "contributor", "age", "sources", "status",
                    "attention", "is_orphaned"]
    list_filter = [QueueStatusFilter, "category", *_LIST_FILTERS]
    search_fields = ["exact", "replacement", "rationale", "citations__source__title"]
    readonly_fields = [*AnchoredReviewAdmin.anchor_fields, *ReviewAdmin.moderation_fields]
    fieldsets = [
        (None, {"fields": ["category", "replacement", "rationale", "credit"]}),
        ("Certainty and responsibility", {"fields": AnchoredReviewAdmin.assessment_fields}),
        ("Where", {"fields": AnchoredReviewAdmin.anchor_fields}),
        ("Review", {"fields": ReviewAdmin.moderation_fields}),
    ]
    inlines = [CitationInline]

    @admin.display(description="rationale")
    def opening(self, obj):
        return desk.opening(obj.rationale)

    def bulk_summary(self, item):
        return format_html("{} → “{}” — {}", super().bulk_summary(item), item.replacement, desk.opening(item.rationale))


@admin.register(Source)
class SourceAdmin(ReviewAdmin):
    list_display = ["title", "authors", "year", "kind", "contributor", "age", "cited", "status", "attention"]
    list_filter = [QueueStatusFilter, "kind", ("submitted_by", admin.RelatedOnlyFieldListFilter), AttentionFilter]
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
    list_display = ["source", "locator", "cited_from", "contributor", "age", "status", "attention"]
    list_filter = [QueueStatusFilter, ("submitted_by", admin.RelatedOnlyFieldListFilter), AttentionFilter]
    search_fields = ["source__title", "locator"]
    readonly_fields = ["source", "annotation", "correction", *ReviewAdmin.moderation_fields]
    fieldsets = [
        (None, {"fields": ["source", "annotation", "correction", "locator"]}),
        ("Review", {"fields": ReviewAdmin.moderation_fields}),
    ]
    bulk_related = ("submitted_by", "source", "annotation", "correction")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("source", "annotation", "correction")

    @admin.display(description="cited from")
    def cited_from(self, obj):
        return obj.item


# --- Readers' flags ----------------------------------------------------------------------------------------------


class FlagOutcomeFilter(admin.SimpleListFilter):
    title = "outcome"
    parameter_name = "outcome"

    def lookups(self, request, model_admin):
        return [("all", "All outcomes"), *Flag.Outcome.choices]

    def value(self):
        return super().value() or Flag.Outcome.OPEN

    def queryset(self, request, queryset):
        return queryset if self.value() == "all" else queryset.filter(outcome=self.value())

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == str(lookup), "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}


def _open_flags_on_same_item(owner):
    same = Flag.objects.open().filter(**{owner: OuterRef(owner)}).values(owner).annotate(n=Count("pk")).values("n")
    return Subquery(same, output_field=IntegerField())


@admin.register(Flag)
class FlagAdmin(KeptRecords, admin.ModelAdmin):
    """The flags queue: open flags, most-flagged items first; each is resolved by deciding its item."""

    list_display = ["flagged_item", "reason", "details", "flagger", "age", "on_item", "outcome"]
    list_display_links = ["age"]  # the first column links to the item itself
    list_filter = [FlagOutcomeFilter, "reason"]
    list_select_related = ["flagged_by", "annotation__paragraph__section", "correction__paragraph__section"]
    search_fields = ["text", "annotation__body", "correction__rationale", "flagged_by__username"]
    fields = ["flagged_item", "reason", "text", "flagged_by", "flagged_at", "outcome", "resolved_by", "resolved_at",
              "resolution"]
    readonly_fields = fields

    @property
    def media(self):
        return super().media + DESK_MEDIA

    def get_queryset(self, request):
        # Annotated before ordering: the queue orders by it.
        flags = Flag.objects.annotate(
            on_item_count=Coalesce(_open_flags_on_same_item("annotation"), _open_flags_on_same_item("correction"), 0)
        )
        return flags.order_by(*self.get_ordering(request))

    def get_ordering(self, request):
        return ["-on_item_count", "flagged_at", "pk"]


    @admin.display(description="item")
    def flagged_item(self, obj):
        item = obj.item
        return format_html('<a href="{}">{}</a>: {}', _change_url(item), item, desk.quote_in_context(item))

    @admin.display(description="details")
    def details(self, obj):
        return desk.opening(obj.text, 20) or "—"

    @admin.display(description="by", ordering="flagged_by__username")
    def flagger(self, obj):
        return obj.flagged_by.get_username()

    @admin.display(description="flagged (the flag)", ordering="flagged_at")
    def age(self, obj):
        return f"{timesince(obj.flagged_at)} ago"

    @admin.display(description="open flags on the item", ordering="on_item_count")
    def on_item(self, obj):
        return obj.on_item_count


# --- Contributors: standing and trust ------------------------------------------------------------------------------


class StandingChangeInline(ListedInline):
    model = StandingChange
    fk_name = "user"
    show_change_link = False
    fields = readonly_fields = ["changed_at", "change", "changed_by", "reason"]
    verbose_name_plural = "standing: every change"

    def has_change_permission(self, request, obj=None):
        return False


def _standing_action(change, description):
    def action(model_admin, request, queryset):
        return model_admin.standing_change(request, queryset, change)

    action.__name__ = f"{change}_selected"
    return admin.action(description=description, permissions=["change"])(action)


def _count_of(model, **conditions):
    rows = model.objects.filter(submitted_by=OuterRef("pk"), **conditions).values("submitted_by")
    return Coalesce(Subquery(rows.annotate(n=Count("pk")).values("n"), output_field=IntegerField()), 0)


@admin.register(Contributor)
class ContributorAdmin(KeptRecords, admin.ModelAdmin):
    """Accounts as the desk sees them: their record, whether the trust rule applies, suspension."""

    list_display = ["username", "date_joined", "accepted", "spam", "trusted", "suspended", "trust_revoked"]
    list_filter = ["moderation_standing__suspended", "moderation_standing__trust_revoked"]
    search_fields = ["username", "first_name", "last_name"]
    fields = readonly_fields = ["username", "first_name", "last_name", "date_joined", "last_login", "accepted",
                                "spam", "trusted", "suspended", "trust_revoked"]
    inlines = [StandingChangeInline]
    actions = [
        _standing_action(StandingChange.Change.SUSPEND, "Suspend selected contributors…"),
        _standing_action(StandingChange.Change.REINSTATE, "Reinstate selected contributors…"),
        _standing_action(StandingChange.Change.REVOKE_TRUST, "Revoke trust of selected contributors…"),
        _standing_action(StandingChange.Change.RESTORE_TRUST, "Restore trust of selected contributors…"),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("moderation_standing").annotate(
            accepted_count=_count_of(Annotation, status=Status.ACCEPTED) + _count_of(Correction, status=Status.ACCEPTED),
            spam_count=_count_of(Annotation, status=Status.SPAM) + _count_of(Correction, status=Status.SPAM)
            + _count_of(Source, status=Status.SPAM) + _count_of(Citation, status=Status.SPAM),
        )

    @admin.display(description="accepted notes and corrections", ordering="accepted_count")
    def accepted(self, obj):
        return obj.accepted_count

    @admin.display(description="items marked spam", ordering="spam_count")
    def spam(self, obj):
        return obj.spam_count

    @admin.display(description="trusted", boolean=True)
    def trusted(self, obj):
        standing = getattr(obj, "moderation_standing", None)
        return moderation.trust_earned(accepted=obj.accepted_count, spam=obj.spam_count, standing=standing)

    def _standing(self, obj, name):
        standing = getattr(obj, "moderation_standing", None)
        return bool(standing and getattr(standing, name))

    @admin.display(description="suspended", boolean=True)
    def suspended(self, obj):
        return self._standing(obj, "suspended")

    @admin.display(description="trust revoked", boolean=True)
    def trust_revoked(self, obj):
        return self._standing(obj, "trust_revoked")

    def standing_change(self, request, queryset, change):
        label = StandingChange.Change(change).label
        users, _ = bulk_selection(self, request, queryset)
        form = ReasonForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            try:
                changed = moderation.contributors_change_standing(
                    users, change=change, moderator=request.user, reason=form.reason_text()
                )
            except moderation.TransitionError as error:
                form.add_error("reason", str(error))
            else:
                messages.success(request, f"{changed} contributor{'s' if changed != 1 else ''} {label}.")
                return None
        title = f"{label.capitalize()}: {len(users)} contributor{'s' if len(users) != 1 else ''}"
        return confirmation_page(self, request, title=title, label=label.capitalize(),
                                 rows=[(user, user.get_username()) for user in users], form=form,
                                 reason_required=True, can_suspend=False)


@admin.register(ReasonTemplate)
class ReasonTemplateAdmin(admin.ModelAdmin):
    """Reasons the desk offers to start from; a decision still records the text as edited."""

    list_display = ["label", "text", "position"]
    ordering = ["position", "label"]


# --- The essay (editors) -------------------------------------------------------


class RevisionedAdmin(KeptRecords, admin.ModelAdmin):
    """Keep a django-reversion revision of every save made in the admin; the essay comes from the importer."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        with reversion.create_revision():
            reversion.set_user(request.user)
            reversion.set_comment("Edited in the admin.")
            return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(Essay)
class EssayAdmin(RevisionedAdmin, MarkdownxModelAdmin):
    list_display = ["title", "source_site", "source_published", "revision"]


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
class ParagraphAdmin(KeptRecords, VersionHistoryMixin, admin.ModelAdmin):
    """Editors repair a paragraph's text here; notes and corrections re-anchor."""

    form = ParagraphRepairForm
    list_display = ["locator", "excerpt", "note_count", "correction_count"]
    list_filter = [("section", admin.RelatedFieldListFilter)]
    search_fields = ["text", "anchor"]
    fields = ["section", "position", "kind", "anchor", "text", "repair_reason"]
    readonly_fields = ["section", "position", "kind", "anchor"]
    ordering = ["section__position", "position"]
    object_history_template = "admin/annotations/paragraph_history.html"

    def get_queryset(self, request):
        return (
            super().get_queryset(request)
            .select_related("section")
            .annotate(note_count=Count("annotations", distinct=True), correction_count=Count("corrections", distinct=True))
        )


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


@admin.register(Decision)
class DecisionAdmin(KeptRecords, admin.ModelAdmin):
    """The log of every decision: read only."""

    list_display = ["decided_at", "decided_item", "from_status", "to_status", "decider", "reason"]
    list_filter = ["to_status", "rule", ("decided_by", admin.RelatedOnlyFieldListFilter)]
    date_hierarchy = "decided_at"
    list_select_related = ["decided_by", "content_type"]

    @admin.display(description="item", ordering="content_type")
    def decided_item(self, obj):
        return f"{obj.content_type.name} #{obj.object_id}"

    @admin.display(description="decided by", ordering="decided_by")
    def decider(self, obj):
        return obj.decider or "—"

    def has_change_permission(self, request, obj=None):
        return False


# --- Releases (editors) ---------------------------------------------------------


class ReleaseForm(forms.Form):
    summary = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "cols": 80}),
        max_length=2000,
        help_text="What this version adds, changes or withdraws, in a sentence or two. Readers see it in the list of versions.",
    )


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    """Editors release a version of the edition ("Release version N"); releases are never changed or deleted."""

    list_display = ["__str__", "released_at", "released_by", "summary", "added", "withdrawn"]
    fields = ["number", "released_at", "released_by", "title", "summary", "counts"]
    readonly_fields = fields
    ordering = ["-number"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="added")
    def added(self, obj):
        counts = obj.counts.get("added", {})
        return f"{counts.get('notes', 0)} notes, {counts.get('corrections', 0)} corrections"

    @admin.display(description="withdrawn")
    def withdrawn(self, obj):
        counts = obj.counts.get("withdrawn", {})
        return f"{counts.get('notes', 0)} notes, {counts.get('corrections', 0)} corrections"

    def add_view(self, request, form_url="", extra_context=None):
        """"Release version N": a summary, and what readers see now becomes version N."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        essay = Essay.objects.first()
        changelist = reverse("admin:annotations_release_changelist")
        if essay is None:
            messages.error(request, "No edition has been loaded yet: there is nothing to release.")
            return redirect(changelist)
        form = ReleaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                release = releases.release_make(essay, editor=request.user, summary=form.cleaned_data["summary"])
            except releases.ReleaseError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, f"Version {release.number} released: readers cite it from now on.")
                return redirect(changelist)
        latest = releases.release_latest(essay)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Release version {latest.number + 1 if latest else 1}",
            "opts": self.opts,
            "form": form,
            "latest": latest,
            "new_count": len(releases.items_new_since(essay, latest)) if latest else None,
        }
        return TemplateResponse(request, "admin/annotations/release_add.html", context)
