"""
Contributor forms: a quoted span of one paragraph, notes, corrections, sources
and citations.

The quote is always placed in the paragraph by the server (``annotations.text``):
offsets sent by the browser are a hint that is checked, never trusted. Forms
only validate and build unsaved objects; status, submitter and version are set
by the views and ``annotations.moderation``, never from user input.
"""

from django import forms
from django.forms.utils import ErrorDict
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.timezone import localtime
from markdownx.fields import MarkdownxFormField

from annotations import identifiers, moderation, text
from annotations.models import Annotation, Citation, Correction, Flag, Source

BODY_MAX_LENGTH = 10_000
REPLACEMENT_MAX_LENGTH = 500
QUOTE_MAX_LENGTH = 2_000
MARKDOWN_HELP = "Markdown: *italic*, **bold**, [a link](https://…), > a quotation. Up to 10,000 characters."

# An item's version as a hidden field carries it: a positive integer the database can hold.
VERSION_MAX = 2**31 - 1


def version_field():
    return forms.IntegerField(required=False, min_value=1, max_value=VERSION_MAX, widget=forms.HiddenInput)


def version_seen(value):
    """The version a request says its sender saw, or None when absent or not a version ("²", "①", 5,000 digits)."""
    try:
        return version_field().clean(value)
    except forms.ValidationError:
        return None


CROSSES_PARAGRAPHS = (
    "These words run across more than one paragraph. A note or a correction is about words within one "
    "paragraph: keep only the words of this one."
)
STALE_SELECTION = (
    "The text of this paragraph has changed since you selected these words, and they are no longer in it. "
    "Select them again in the paragraph shown here."
)


def runs_across_paragraphs(paragraph_text, exact):
    """Whether a quote that is not in the paragraph is one that spills over its edge.

    Copying across paragraphs puts a line break in the quote; when one of its
    lines is in this paragraph, the contributor selected too much rather than
    the wrong words.
    """
    lines = [line.strip() for line in exact.splitlines() if line.strip()]
    if len(lines) < 2 or text.find_quote(paragraph_text, exact):
        return False
    return any(text.find_quote(paragraph_text, line) for line in lines)


class QuotedSpanForm(forms.ModelForm):
    """The words of ``paragraph`` an item is about, placed by the server.

    The browser's selectors (prefix, suffix, start, end) ride along as hidden
    fields; without JavaScript only ``exact`` is typed.
    """

    exact = forms.CharField(
        label="The exact words",
        max_length=QUOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Copy or type the words of the paragraph, exactly as they appear.",
    )
    prefix = forms.CharField(required=False, strip=False, max_length=200, widget=forms.HiddenInput)
    suffix = forms.CharField(required=False, strip=False, max_length=200, widget=forms.HiddenInput)
    start = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    end = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    # The version the contributor is editing; a later change makes the edit stale.
    version = version_field()

    ANCHOR_FIELDS = ("start", "end", "exact", "prefix", "suffix")
    field_order = ["exact"]

    def __init__(self, *args, paragraph, **kwargs):
        self.paragraph = paragraph
        self.anchor = None
        instance = kwargs.get("instance")
        if instance is not None and instance.pk and "initial" not in kwargs:
            kwargs["initial"] = {name: getattr(instance, name) for name in (*self.ANCHOR_FIELDS, "version")}
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # Whoever opens the form (from the toolbar, after logging in) starts in it, at the words chosen;
            # a form that came back starts at its error summary instead (_form_alert.html).
            self.fields["exact"].widget.attrs["autofocus"] = True

    def clean(self):
        cleaned = super().clean()
        exact = cleaned.get("exact")
        if exact:
            try:
                self.anchor = self._place(exact, cleaned)
            except text.QuoteError as error:
                self.add_error("exact", self._explain(error, exact, cleaned))
        if self.anchor is not None:
            for name in self.ANCHOR_FIELDS:
                setattr(self.instance, name, getattr(self.anchor, name))
        return cleaned

    def _place(self, exact, cleaned):
        prefix, suffix = cleaned.get("prefix") or "", cleaned.get("suffix") or ""
        start, end = cleaned.get("start"), cleaned.get("end")
        if start is not None and end is not None:
            return text.verify_selection(self.paragraph.text, exact=exact, start=start, end=end, prefix=prefix, suffix=suffix)
        return text.anchor_quote(self.paragraph.text, exact, prefix, suffix)

    def _explain(self, error, exact, cleaned):
        if isinstance(error, text.QuoteNotFound):
            if runs_across_paragraphs(self.paragraph.text, exact):
                return CROSSES_PARAGRAPHS
            if cleaned.get("start") is not None:
                return STALE_SELECTION
        return str(error)

    def validate_unique(self):
        """Also refuse what the contributor already has pending, word for word (a form sent again)."""
        super().validate_unique()
        if self.anchor is None or self.errors:
            return
        twin = type(self.instance).objects.pending_twin_of(self.instance)
        if twin is not None:
            noun = self.instance._meta.verbose_name
            self.add_error(None, format_html(
                "You already sent this {} on {}, and it is waiting for a moderator: "
                '<a href="{}">see it in My contributions</a>. Nothing new was saved; to change it, edit that one.',
                noun, date_format(localtime(twin.submitted_at), "j F Y"), f"{reverse('annotations:me')}#{twin.entry_anchor}",
            ))

    def changes(self):
        """Field → value of an edit, for ``moderation.item_revise``."""
        changed = {name: self.cleaned_data[name] for name in self._meta.fields}
        changed.update({name: getattr(self.anchor, name) for name in self.ANCHOR_FIELDS})
        return changed


class NoteForm(QuotedSpanForm):
    body = MarkdownxFormField(label="Your note", max_length=BODY_MAX_LENGTH, help_text=MARKDOWN_HELP)

    class Meta:
        model = Annotation
        fields = ["kind", "body"]
        widgets = {"kind": forms.RadioSelect}
        labels = {"kind": "Kind of note"}


def sourced_categories_named(conjunction):
    """The categories that need a source, in words ("factual, date or name"), as ``moderation.correction_must_cite`` says."""
    named = [category.label for category in Correction.Category if moderation.correction_must_cite(category)]
    return f"{', '.join(named[:-1])} {conjunction} {named[-1]}" if len(named) > 1 else "".join(named)


def sourced_categories_help():
    return (
        "Errors change what the text says; regularisations only its form; a gap supplies missing words. "
        f"{sourced_categories_named('and').capitalize()} corrections need at least one source."
    )


class CorrectionForm(QuotedSpanForm):
    replacement = forms.CharField(
        label="Proposed wording",
        max_length=REPLACEMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="The words that should stand instead of the quoted ones (up to 500 characters).",
    )
    rationale = MarkdownxFormField(
        label="Why", max_length=BODY_MAX_LENGTH, help_text="What is wrong and how you know. " + MARKDOWN_HELP
    )

    class Meta:
        model = Correction
        fields = ["category", "replacement", "rationale"]
        widgets = {"category": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Radio buttons need no "---------" choice: none checked is no category yet.
        self.fields["category"].choices = Correction.described_category_choices()
        self.fields["category"].help_text = sourced_categories_help()

    def clean(self):
        cleaned = super().clean()
        replacement = cleaned.get("replacement")
        if self.anchor is not None and replacement and text.normalise(replacement).strip() == text.normalise(self.anchor.exact).strip():
            self.add_error("replacement", "The proposed wording is the same as the original. Change it, or add a note instead.")
        category = cleaned.get("category")
        editing = self.instance.pk is not None
        if editing and moderation.correction_must_cite(category) and not moderation.item_keeps_a_source(self.instance):
            self.add_error("category", f"A {sourced_categories_named('or')} correction needs a source: add one to it first.")
        return cleaned


def sources_offered_to(user):
    """The sources a contributor may cite: accepted ones still citable, and their own pending or accepted ones."""
    own = Source.objects.submitted_by(user).standing()
    return Source.objects.citable() | own


def find_duplicate_source(candidates, *, doi="", isbn="", url="", title="", year=None):
    """The first of ``candidates`` that is the same source: same DOI, ISBN, URL, or title and year."""
    wanted = {
        "doi": doi and identifiers.doi_key(doi),
        "isbn": isbn and identifiers.isbn_key(isbn),
        "url": url and identifiers.url_key(url),
        "title": title and (identifiers.title_key(title), year),
    }
    keys = {"doi": identifiers.doi_key, "isbn": identifiers.isbn_key, "url": identifiers.url_key}
    for source in candidates:
        for name, key in keys.items():
            value = getattr(source, name)
            try:
                if wanted[name] and value and key(value) == wanted[name]:
                    return source
            except identifiers.IdentifierError:
                continue  # a malformed identifier stored before these checks: not comparable
        if wanted["title"] and (identifiers.title_key(source.title), source.year) == wanted["title"]:
            return source
    return None


class SourceForm(forms.ModelForm):
    """A bibliographic record typed by a contributor."""

    class Meta:
        model = Source
        fields = ["kind", "authors", "title", "container", "publisher", "year", "url", "doi", "isbn"]
        labels = {"kind": "Type of source", "url": "URL (http or https)"}
        help_texts = {
            "doi": "e.g. 10.1017/CBO9780511523724",
            "isbn": "ISBN-10 or ISBN-13; hyphens are fine.",
        }
        widgets = {"kind": forms.RadioSelect}
        error_messages = {
            "kind": {"required": "Choose what the new source is first: "
                     + ", ".join(label for _value, label in Source.Kind.choices) + "."},
        }

    def __init__(self, *args, user, **kwargs):
        self.user = user
        self.duplicate = None
        super().__init__(*args, **kwargs)
        if self.instance._state.adding:
            # The type is asked for, never assumed: no radio button is checked until the contributor picks one.
            self.initial.pop("kind", None)
            self.fields["kind"].initial = None
        self.fields["url"] = forms.CharField(label="URL (http or https)", max_length=500, required=False)
        self.fields["year"].widget.attrs.update(min="1", max="2100")

    def _clean_identifier(self, name, clean):
        value = self.cleaned_data.get(name, "").strip()
        if not value:
            return ""
        try:
            return clean(value)
        except identifiers.IdentifierError as error:
            raise forms.ValidationError(str(error)) from error

    def clean_doi(self):
        return self._clean_identifier("doi", identifiers.clean_doi)

    def clean_isbn(self):
        return self._clean_identifier("isbn", identifiers.clean_isbn)

    def clean_url(self):
        return self._clean_identifier("url", identifiers.clean_url)

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is not None and not 1 <= year <= 2100:
            raise forms.ValidationError("Give the year of publication, e.g. 1984.")
        return year

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        candidates = sources_offered_to(self.user).exclude(pk=self.instance.pk)
        self.duplicate = find_duplicate_source(
            candidates,
            doi=cleaned.get("doi", ""),
            isbn=cleaned.get("isbn", ""),
            url=cleaned.get("url", ""),
            title=cleaned.get("title", ""),
            year=cleaned.get("year"),
        )
        if self.duplicate is not None:
            raise forms.ValidationError(
                f"This source is already in the bibliography: {self.duplicate} — “{self.duplicate.title}”. "
                "Cite that one instead of adding it again."
            )
        return cleaned


class SourceChoiceField(forms.ModelChoiceField):
    """Lists a source by its title, type, first author and year, so that similar records can be told apart."""

    def label_from_instance(self, source):
        title = source.title if len(source.title) <= 100 else source.title[:99] + "…"
        first_author = source.authors.split(";")[0].strip()
        details = ", ".join(part for part in (source.get_kind_display(), first_author, str(source.year or "")) if part)
        return f"{title} ({details})"


class CitationForm(forms.Form):
    """Cite a source from a note or a correction: none, one already listed, or a new one."""

    NONE, EXISTING, NEW = "none", "existing", "new"

    choice = forms.ChoiceField(
        label="Source",
        choices=[(NONE, "No source"), (EXISTING, "A source already in the bibliography"), (NEW, "A new source")],
        initial=NONE,
        widget=forms.RadioSelect,
    )
    source = SourceChoiceField(queryset=Source.objects.none(), required=False, label="Source in the bibliography")
    locator = forms.CharField(
        label="Page or chapter", max_length=100, required=False, help_text="e.g. “p. 212” or “ch. 4”."
    )

    def __init__(self, data=None, *, user, require=False, **kwargs):
        super().__init__(data, prefix="cite", **kwargs)
        self.user = user
        self.require = require
        self.fields["source"].queryset = sources_offered_to(user)
        if require:
            self.fields["choice"].choices = self.fields["choice"].choices[1:]
            self.fields["choice"].initial = self.EXISTING
        self.new_source_form = SourceForm(data, prefix="source", user=user)

    def clean(self):
        cleaned = super().clean()
        choice = cleaned.get("choice")
        if choice == self.EXISTING and not cleaned.get("source"):
            self.add_error("source", "Choose a source from the list, or add a new one.")
        if choice != self.NEW:
            self._ignore_new_source()
        elif not self.new_source_form.is_valid():
            duplicate = self.new_source_form.duplicate
            if duplicate is not None:
                self._offer_existing(duplicate)
                self.add_error(None, f"{duplicate} is already in the bibliography, and is now chosen above: submit again to cite it.")
            else:
                self.add_error(None, "The new source has errors: see below.")
        return cleaned

    def _ignore_new_source(self):
        """Fields typed for a new source stay in the form but are not checked unless it is chosen."""
        self.new_source_form._errors = ErrorDict()
        self.new_source_form.cleaned_data = {}

    def _offer_existing(self, source):
        """Re-show the form citing the existing record; what was typed for the new one stays."""
        data = self.data.copy()
        data[self.add_prefix("choice")] = self.EXISTING
        data[self.add_prefix("source")] = str(source.pk)
        self.data = data

    def require_for_category(self, category):
        """Factual, date and name corrections must cite a source."""
        if moderation.correction_must_cite(category) and self.cleaned_data.get("choice") == self.NONE:
            self.add_error("choice", f"A {sourced_categories_named('or')} correction needs at least one source.")

    @property
    def cites(self):
        return self.is_bound and self.cleaned_data.get("choice") in (self.EXISTING, self.NEW)

    def save(self, *, item):
        """The pending citation of ``item`` (and the new pending source), or None."""
        if not self.cites:
            return None
        if self.cleaned_data["choice"] == self.NEW:
            source = self.new_source_form.save(commit=False)
            source.submitted_by = self.user
            source.save()
        else:
            source = self.cleaned_data["source"]
        owner = {"annotation": item} if isinstance(item, Annotation) else {"correction": item}
        return Citation.objects.create(
            source=source, locator=self.cleaned_data["locator"], submitted_by=self.user, **owner
        )


class CitationLocatorForm(forms.ModelForm):
    """Edit one's own pending citation: only where in the source."""

    version = version_field()

    class Meta:
        model = Citation
        fields = ["locator"]
        labels = {"locator": "Page or chapter"}

    def changes(self):
        return {"locator": self.cleaned_data["locator"]}


class SourceEditForm(SourceForm):
    version = version_field()

    def changes(self):
        return {name: self.cleaned_data[name] for name in self._meta.fields}


class SignUpForm(UserCreationForm):
    """An account: a user name, an email address for password resets, a password twice.

    An address that another account already has is not refused (that would
    tell anyone which addresses are registered): the account is saved without
    it, and ``address_owner`` names the account that has it, to be told.
    """

    email = forms.EmailField(label="Email address", help_text="Only used to reset your password; never shown.")

    class Meta(UserCreationForm.Meta):
        fields = ("username", "email")

    def save(self, commit=True):
        user = super().save(commit=False)
        self.address_owner = User.objects.filter(email__iexact=user.email).order_by("pk").first()
        if self.address_owner is not None:
            user.email = ""
        if commit:
            user.save()
        return user


FLAG_TEXT_MAX_LENGTH = 1_000


class FlagForm(forms.ModelForm):
    """A reader's flag on a published note or correction: a reason, and details (needed for "other")."""

    text = forms.CharField(
        label="Details", required=False, max_length=FLAG_TEXT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What is wrong, or where it is duplicated (up to 1,000 characters). Needed for “other”.",
    )

    class Meta:
        model = Flag
        fields = ["reason", "text"]
        widgets = {"reason": forms.RadioSelect}
        labels = {"reason": "What is the matter with it?"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].choices = Flag.Reason.choices

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == Flag.Reason.OTHER and not cleaned.get("text", "").strip():
            self.add_error("text", "Say what the matter is: “other” needs a few words.")
        return cleaned
