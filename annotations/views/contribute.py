"""
Contributor views: from a paragraph (with or without a text selection) to a
pending note or correction, and one's own items on /me/.

Every view needs a login (anonymous readers are sent to log in and back, with
the selection kept in ``next``). Every POST that would write counts against the
rate limits, and so does the editor's Markdown preview. Invalid input re-shows
the form with what was typed and a 400; an item that is not the user's is not
found (404: whether it exists is none of their business), one that is no
longer pending gets a 409 page. Status changes and edits go through
``annotations.moderation``.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db import transaction
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.views import View
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from annotations import drafts, moderation
from annotations.forms import (
    BODY_MAX_LENGTH, CitationForm, CitationLocatorForm, CorrectionForm, NoteForm, SourceEditForm, version_seen,
)
from annotations.markdown import render_markdown
from annotations.models import Annotation, Citation, Correction, Flag, Paragraph, Source, Status
from annotations.ratelimits import contribution_limited, preview_limited
from annotations.templatetags.contributing import landing_id
from annotations.views.standing import InGoodStandingMixin

SELECTION_PARAMETERS = ("exact", "prefix", "suffix", "start", "end")


def paragraph_or_404(anchor):
    return get_object_or_404(Paragraph.objects.select_related("section__essay"), anchor=anchor)


def back_to_own(request, item, message):
    """To /me/, opened at ``message`` shown inside ``item``'s entry: where the person lands, not off screen at the top."""
    messages.success(request, message, extra_tags=landing_id(item))
    return redirect(f"{reverse('annotations:me')}#{landing_id(item)}")


class LoginKeepingDraftMixin(LoginRequiredMixin):
    """Send an anonymous visitor to log in; a form they posted (their session expired) waits for them.

    The form's page then opens with what they typed (``draft_or``), ready to submit.
    """

    def handle_no_permission(self):
        if self.request.method == "POST" and drafts.draft_keep(self.request):
            messages.info(self.request, "Your session had expired. Log in, and what you typed will be filled in again.")
        return super().handle_no_permission()


def draft_or(request, data=None):
    """The form data to show: a draft kept while the person logged in, else ``data``."""
    draft = drafts.draft_take(request)
    if draft is None:
        return data
    messages.info(request, "What you typed before logging in is filled in below: check it and submit it.")
    return draft


def refuse(request, message, *, status, item=None):
    """A clear page for a request we will not carry out (not yours, no longer pending, stale)."""
    return render(request, "annotations/refused.html", {"message": message, "item": item}, status=status)


class ParagraphContributeView(LoginRequiredMixin, InGoodStandingMixin, TemplateView):
    """The no-JavaScript entry point: one paragraph and links to both forms."""

    template_name = "annotations/paragraph_contribute.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["paragraph"] = paragraph_or_404(kwargs["anchor"])
        return context


class AnchoredCreateView(LoginKeepingDraftMixin, InGoodStandingMixin, View):
    """Create a pending note or correction on a paragraph, optionally citing a source."""

    model = None
    form_class = None
    template_name = None
    noun = None

    def get(self, request, anchor):
        paragraph = paragraph_or_404(anchor)
        selection = {name: request.GET[name] for name in SELECTION_PARAMETERS if name in request.GET}
        data = draft_or(request)
        form = self.form_class(data, initial=selection, paragraph=paragraph)
        return self.render(request, paragraph, form, CitationForm(data, user=request.user))

    def post(self, request, anchor):
        paragraph = paragraph_or_404(anchor)
        item = self.model(paragraph=paragraph, submitted_by=request.user)
        form = self.form_class(request.POST, paragraph=paragraph, instance=item)
        citation_form = CitationForm(request.POST, user=request.user)
        if contribution_limited(request):
            return self.render(request, paragraph, form, citation_form, status=429, rate_limited=True)
        if self.forms_valid(form, citation_form):
            with transaction.atomic():
                item = form.save()
                citation_form.save(item=item)
            return back_to_own(request, item, self.submitted_message(item))
        return self.render(request, paragraph, form, citation_form, status=400)

    def forms_valid(self, form, citation_form):
        return all([form.is_valid(), citation_form.is_valid()])

    def submitted_message(self, item):
        """Apply the trust rule to the new item and say what became of it."""
        if moderation.item_submitted(item):
            return f"Thank you: your {self.noun} is published — you are a trusted contributor. A moderator may still review it."
        return f"Thank you: your {self.noun} is waiting for a moderator."

    def render(self, request, paragraph, form, citation_form, *, status=200, **extra):
        context = {"paragraph": paragraph, "form": form, "citation_form": citation_form, "creating": True, **extra}
        return render(request, self.template_name, context, status=status)


class NoteCreateView(AnchoredCreateView):
    model = Annotation
    form_class = NoteForm
    template_name = "annotations/note_form.html"
    noun = "note"


class CorrectionCreateView(AnchoredCreateView):
    model = Correction
    form_class = CorrectionForm
    template_name = "annotations/correction_form.html"
    noun = "correction"

    def forms_valid(self, form, citation_form):
        valid = super().forms_valid(form, citation_form)
        if "category" in form.cleaned_data and "choice" in citation_form.cleaned_data:
            citation_form.require_for_category(form.cleaned_data["category"])
        return valid and not citation_form.errors


@dataclass(frozen=True)
class ItemKind:
    """How /me/<kind>/<pk>/… finds, edits and names one kind of item."""

    model: type
    form_class: type
    template_name: str
    noun: str

    def form(self, item, user, data=None):
        if self.model in (Annotation, Correction):
            return self.form_class(data, instance=item, paragraph=item.paragraph)
        if self.model is Source:
            return self.form_class(data, instance=item, user=user, initial={"version": item.version})
        return self.form_class(data, instance=item, initial={"version": item.version})


ITEM_KINDS = {
    "notes": ItemKind(Annotation, NoteForm, "annotations/note_form.html", "note"),
    "corrections": ItemKind(Correction, CorrectionForm, "annotations/correction_form.html", "correction"),
    "sources": ItemKind(Source, SourceEditForm, "annotations/source_form.html", "source"),
    "citations": ItemKind(Citation, CitationLocatorForm, "annotations/citation_form.html", "citation"),
}


class OwnItemMixin(LoginKeepingDraftMixin):
    """Resolve /me/<kind>/<pk>/ among the user's own items: anyone else's is not found, like a missing one."""

    kinds = ITEM_KINDS

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.kind = self.kinds.get(kwargs["kind"])
        if self.kind is None:
            raise Http404("No such kind of contribution.")
        self.item = get_object_or_404(self.kind.model.objects.submitted_by(request.user), pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def refuse_unless_pending(self, request, action):
        if self.item.is_pending:
            return None
        label = Status(self.item.status).label
        return refuse(
            request,
            f"This {self.kind.noun} is {label}: it can only be {action} while it is pending review.",
            status=409,
            item=self.item,
        )


class ItemEditView(OwnItemMixin, InGoodStandingMixin, View):
    """Edit one's own pending item; the edit raises its version (see moderation.item_revise)."""

    def get(self, request, kind, pk):
        refused = self.refuse_unless_editable(request)
        return refused or self.render(request, self.kind.form(self.item, request.user, draft_or(request)))

    def post(self, request, kind, pk):
        refused = self.refuse_unless_editable(request)
        if refused:
            return refused
        form = self.kind.form(self.item, request.user, request.POST)
        if contribution_limited(request):
            return self.render(request, form, status=429, rate_limited=True)
        if not form.is_valid():
            return self.render(request, form, status=400)
        try:
            self.save(request, form)
        except moderation.TransitionError as error:
            # Reviewed or edited elsewhere meanwhile: say so above what was typed.
            form.add_error(None, str(error))
            return self.render(request, form, status=409)
        return back_to_own(request, self.item, self.saved_message())

    def refuse_unless_editable(self, request):
        return self.refuse_unless_pending(request, "edited")

    def save(self, request, form):
        moderation.item_revise(
            self.item, user=request.user, changes=form.changes(), expected_version=form.cleaned_data["version"]
        )

    def saved_message(self):
        return f"Your {self.kind.noun} is updated and still waiting for a moderator."

    def render(self, request, form, *, status=200, **extra):
        context = {"form": form, "item": self.item, "editing": True, **extra}
        if hasattr(self.item, "paragraph"):
            context["paragraph"] = self.item.paragraph
        return render(request, self.kind.template_name, context, status=status)


class ItemWithdrawView(OwnItemMixin, View):
    """Withdraw one's own pending item (a note or correction takes its pending citations with it)."""

    def get(self, request, kind, pk):
        refused = self.refuse_unless_pending(request, "withdrawn")
        return refused or render(request, "annotations/withdraw_confirm.html", {"item": self.item, "noun": self.kind.noun})

    def post(self, request, kind, pk):
        refused = self.refuse_unless_pending(request, "withdrawn")
        if refused:
            return refused
        if contribution_limited(request):
            context = {"item": self.item, "noun": self.kind.noun, "rate_limited": True}
            return render(request, "annotations/withdraw_confirm.html", context, status=429)
        try:
            moderation.item_withdraw(self.item, user=request.user, expected_version=version_seen(request.POST.get("version")))
        except moderation.TransitionError as error:
            return refuse(request, str(error), status=409, item=self.item)
        return back_to_own(request, self.item, f"Your {self.kind.noun} is withdrawn.")


class CitationAddView(OwnItemMixin, InGoodStandingMixin, View):
    """Add a source to one's own note or correction (pending or published); the citation starts pending."""

    kinds = {name: ITEM_KINDS[name] for name in ("notes", "corrections")}
    open_statuses = Status.STANDING

    def refuse_if_closed(self, request):
        if self.item.status in self.open_statuses:
            return None
        label = Status(self.item.status).label
        return refuse(request, f"This {self.kind.noun} is {label}: sources can no longer be added to it.", status=409, item=self.item)

    def get(self, request, kind, pk):
        return self.refuse_if_closed(request) or self.render(
            request, CitationForm(draft_or(request), user=request.user, require=True)
        )

    def post(self, request, kind, pk):
        refused = self.refuse_if_closed(request)
        if refused:
            return refused
        form = CitationForm(request.POST, user=request.user, require=True)
        if contribution_limited(request):
            return self.render(request, form, status=429, rate_limited=True)
        if not form.is_valid():
            return self.render(request, form, status=400)
        with transaction.atomic():
            citation = form.save(item=self.item)
        return back_to_own(request, citation, f"The source is added to your {self.kind.noun} and is waiting for a moderator.")

    def render(self, request, form, *, status=200, **extra):
        context = {"citation_form": form, "item": self.item, "noun": self.kind.noun, **extra}
        return render(request, "annotations/citation_add.html", context, status=status)


class MyContributionsView(LoginRequiredMixin, TemplateView):
    """Everything the user contributed, whatever its status, with the moderator's reason."""

    template_name = "annotations/me.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        anchored = ("paragraph__section",)
        context["notes"] = Annotation.objects.submitted_by(user).select_related(*anchored).prefetch_related("citations__source")
        context["corrections"] = Correction.objects.submitted_by(user).select_related(*anchored).prefetch_related("citations__source")
        context["sources"] = Source.objects.submitted_by(user).order_by("-submitted_at")
        context["citations"] = Citation.objects.submitted_by(user).select_related("source", "annotation", "correction")
        context["flags"] = my_flags(user)
        return context


def my_flags(user):
    """The reader's flags, newest first, with the moderator's outcome."""
    return Flag.objects.filter(flagged_by=user).select_related("annotation", "correction").order_by("-flagged_at")


@require_POST
@login_required
def markdown_preview(request):
    """django-markdownx's live preview: the text as the page will show it, within a body's limits.

    The editor shows whatever this answers in the preview pane, so a refusal
    is a short HTML message with its status (400 too long or nothing sent,
    429 too many).
    """
    content = request.POST.get("content")
    if content is None:
        return preview_refused("Nothing to preview: the text comes as “content”.", status=400)
    if len(content) > BODY_MAX_LENGTH:
        return preview_refused(
            f"Too long to preview: {len(content):,} characters, of at most {BODY_MAX_LENGTH:,}. "
            "Shorten the text; it would not be accepted either.",
            status=400,
        )
    if preview_limited(request):
        return preview_refused("Too many previews for now: the preview comes back in a few minutes.", status=429)
    return HttpResponse(render_markdown(content))


def preview_refused(message, *, status):
    return HttpResponse(format_html('<p class="preview-refused">{}</p>', message), status=status)
