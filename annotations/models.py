"""
The edition's data.

The essay itself (Essay → Section → Paragraph) is the text as first published
and is never edited by a correction. Everything the edition adds is an overlay:

* ``Annotation`` (a note) and ``Correction`` are anchored to a quoted span of one
  paragraph (the ``Anchored`` base: W3C Web Annotation TextQuoteSelector +
  TextPositionSelector);
* ``Source`` is a bibliographic record, cited from a note or a correction
  through ``Citation`` (with a page or chapter locator);
* everything a user submits is ``Moderated``: pending until a moderator (or a
  rule a moderator set: trust, flags) decides, and every decision is kept as a
  ``Decision`` row;
* around the desk: readers' ``Flag``s, a contributor's ``Standing`` (suspended,
  trust revoked) with its ``StandingChange`` log, moderators' ``Claim``s on the
  items they have open, and the site's ``ReasonTemplate``s.
"""

import enum
import hashlib
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.contenttypes.fields import GenericForeignKey, GenericRelation
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from markdownx.models import MarkdownxField

EDITORS_CREDIT = "The editors"


def edition_path(released_in=None):
    """The edition's address, or that of the release numbered ``released_in``."""
    if released_in:
        return reverse("annotations:release", args=[released_in])
    return reverse("annotations:edition")


class AsReleased:
    """What an instance read back from a release knows of it (annotations.releases).

    ``released_in`` is that release's number (None for the living edition's rows):
    the instance's addresses are then the release's own, so a page of version 2
    links to version 2's notes, paragraphs and bibliography.
    """

    released_in = None


class URLField(models.URLField):
    """A URL field whose forms read a bare domain as https:// (Django 6's default)."""

    def formfield(self, **kwargs):
        kwargs.setdefault("assume_scheme", "https")
        return super().formfield(**kwargs)


class Essay(AsReleased, models.Model):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=120, unique=True)
    source_site = models.CharField("original published by", max_length=200, blank=True)
    source_url = URLField("original URL", max_length=500, blank=True)
    source_published = models.DateField("original published on", null=True, blank=True)
    source_retrieved = models.DateField("original retrieved on", null=True, blank=True)
    introduction = MarkdownxField("editor's introduction", blank=True)
    # Bumped on every change the public can see; the cached rendering of the
    # edition is keyed by it, so all worker processes invalidate together.
    # Cache state, not content: left out of fixtures (serialize=False) and
    # only ever moved forward, by revision_bump.
    revision = models.PositiveIntegerField(default=1, editable=False, serialize=False)
    # When the revision last moved: the Last-Modified of the cached page.
    revised_at = models.DateTimeField(default=timezone.now, editable=False, serialize=False)

    # Moved only by revision_bump, never written by a save nor loaded from a fixture.
    CACHE_STATE = frozenset({"revision", "revised_at"})

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return edition_path(self.released_in)

    def save(self, *args, **kwargs):
        # Saving an instance read before a bump must not write an older
        # revision back: an update leaves the columns to revision_bump.
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                field.name for field in self._meta.concrete_fields
                if not field.primary_key and field.name not in self.CACHE_STATE
            ]
        super().save(*args, **kwargs)

    @staticmethod
    def revision_bump():
        """Invalidate every cached rendering of the edition (all processes)."""
        Essay.objects.update(revision=F("revision") + 1, revised_at=timezone.now())


class Section(AsReleased, models.Model):
    class Level(models.IntegerChoices):
        SECTION = 1, "section"
        SUBSECTION = 2, "subsection"

    essay = models.ForeignKey(Essay, on_delete=models.CASCADE, related_name="sections")
    position = models.PositiveIntegerField(help_text="1-based order within the essay; also the § number.")
    heading = models.CharField(max_length=300)
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.SECTION)
    slug = models.SlugField(max_length=120)

    class Meta:
        ordering = ["essay", "position"]
        constraints = [
            models.UniqueConstraint(fields=["essay", "position"], name="section_unique_position"),
            models.UniqueConstraint(fields=["essay", "slug"], name="section_unique_slug"),
            models.CheckConstraint(condition=Q(level__in=[1, 2]), name="section_level_1_or_2"),
        ]

    def __str__(self):
        return f"§ {self.position} {self.heading}"

    @property
    def anchor(self):
        return f"s-{self.slug}"

    @property
    def number(self):
        return self.position

    def get_absolute_url(self):
        return f"{edition_path(self.released_in)}#{self.anchor}"


class Paragraph(AsReleased, models.Model):
    class Kind(models.TextChoices):
        PARAGRAPH = "paragraph", "paragraph"
        LIST_ITEM = "list_item", "list item"

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="paragraphs")
    position = models.PositiveIntegerField(help_text="1-based order within the section; also the ¶ number.")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.PARAGRAPH)
    # The text as first published. Corrections never change it; only an editor's
    # repair of an import error does (annotations.moderation.paragraph_repair).
    text = models.TextField()
    # Public anchor, fixed at import: it does not move when paragraphs are added
    # elsewhere or when the text is repaired.
    anchor = models.CharField(max_length=40, unique=True, editable=False)

    class Meta:
        ordering = ["section__essay", "section__position", "position"]
        constraints = [
            models.UniqueConstraint(fields=["section", "position"], name="paragraph_unique_position"),
            models.CheckConstraint(condition=~Q(text=""), name="paragraph_text_not_empty"),
        ]

    def __str__(self):
        return f"{self.locator}: {self.text[:60]}"

    @staticmethod
    def anchor_for(essay_slug, text, taken=()):
        """A short stable anchor derived from the paragraph's own words."""
        digest = hashlib.sha1(f"{essay_slug}\n{text}".encode()).hexdigest()
        for length in range(6, len(digest) + 1):
            candidate = f"p-{digest[:length]}"
            if candidate not in taken:
                return candidate
        raise ValueError("Could not find a free paragraph anchor.")  # pragma: no cover

    @property
    def number(self):
        return self.position

    @property
    def locator(self):
        """The citable locator, e.g. "§ 7 ¶ 2"."""
        return f"§ {self.section.position} ¶ {self.position}"

    def get_absolute_url(self):
        return f"{edition_path(self.released_in)}#{self.anchor}"


class Status(models.TextChoices):
    PENDING = "pending", "pending review"
    ACCEPTED = "accepted", "accepted"
    REJECTED = "rejected", "rejected"
    WITHDRAWN = "withdrawn", "withdrawn"
    SPAM = "spam", "spam"

    # What the statuses mean, in one place (QuerySets, forms and moderation ask these).
    # Public: what readers see (with the item placed in its paragraph).
    PUBLIC = enum.nonmember(frozenset({"accepted"}))
    # Standing: published or still to be decided; an item may still cite or be cited.
    STANDING = enum.nonmember(frozenset({"pending", "accepted"}))
    # Closed: no one needs to look at the item again (unless a moderator reopens it).
    CLOSED = enum.nonmember(frozenset({"rejected", "withdrawn", "spam"}))
    # Declined by a moderator: what a contributor hears as "not published".
    DECLINED = enum.nonmember(frozenset({"rejected", "spam"}))


class Rule(models.TextChoices):
    """A rule a moderator set that decides on its own; a decision by a person has no rule."""

    TRUST = "trust", "the trust rule"
    FLAGS = "flags", "the flags rule"
    EDITION = "edition", "a new edition of the apparatus"


class ModeratedQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status__in=Status.PUBLIC)

    def pending(self):
        return self.filter(status=Status.PENDING)

    def standing(self):
        return self.filter(status__in=Status.STANDING)

    def closed(self):
        return self.filter(status__in=Status.CLOSED)

    def submitted_by(self, user):
        return self.filter(submitted_by=user)

    def awaiting_review(self):
        """The queue: pending items, less those of suspended contributors (held until reinstated)."""
        return self.pending().exclude(submitted_by__moderation_standing__suspended=True)

    def held(self):
        """Pending items of suspended contributors: out of the queue, not decided, not lost."""
        return self.pending().filter(submitted_by__moderation_standing__suspended=True)

    def published_on_trust(self):
        """Published by the trust rule and not yet looked at by a person."""
        return self.published().filter(review_rule=Rule.TRUST)

    def hidden_by_flags(self):
        """Taken from readers by the flags rule, waiting for a person."""
        return self.pending().filter(review_rule=Rule.FLAGS)

    def resubmitted(self):
        """Back in the queue after a rejection, revised by the contributor."""
        return self.pending().filter(resubmitted=True)


class AnchoredQuerySet(ModeratedQuerySet):
    def published(self):
        return super().published().filter(orphaned=False)

    def for_paragraph(self, paragraph):
        return self.filter(paragraph=paragraph)

    def pending_twin_of(self, item):
        """The contributor's earlier pending item saying exactly what ``item`` says, or None.

        Same words of the same paragraph and the same ``SAME_CONTENT`` fields: a
        resubmission of a form already sent, which would only give a moderator
        the same thing to decide twice.
        """
        if item.submitted_by_id is None:
            return None
        content = {name: getattr(item, name) for name in item.SAME_CONTENT}
        twins = self.pending().submitted_by(item.submitted_by_id).filter(
            paragraph=item.paragraph_id, start=item.start, end=item.end, **content
        )
        return twins.exclude(pk=item.pk).order_by("submitted_at", "pk").first()

    def orphaned(self):
        return self.filter(orphaned=True)

    def with_people(self):
        """With who proposed each item (its contributor) and who checked it (the moderator who accepted it)."""
        return self.select_related("submitted_by", "reviewed_by")

    def for_display(self):
        """With all a reader's page shows of each item besides its citations: its people and cross-references."""
        references = CrossReference.objects.select_related("to_note__paragraph__section", "to_correction__paragraph__section")
        return self.with_people().prefetch_related(models.Prefetch("references_out", queryset=references))


# A citation is public when it and its source are both accepted.
PUBLIC_CITATION = Q(status__in=Status.PUBLIC, source__status__in=Status.PUBLIC)


class CitationQuerySet(ModeratedQuerySet):
    def published(self):
        return self.filter(PUBLIC_CITATION)

    def in_bibliography(self):
        """Public citations of published notes and corrections: what the bibliography (/sources/) lists."""
        return self.published().filter(
            Q(annotation__in=Annotation.objects.published()) | Q(correction__in=Correction.objects.published())
        )


class SourceQuerySet(ModeratedQuerySet):
    def in_bibliography(self):
        """Sources cited by a published note or correction through a public citation."""
        return self.filter(pk__in=Citation.objects.in_bibliography().values("source"))

    def citable(self):
        """Accepted sources a contributor may cite: in the bibliography, or not cited yet.

        Not one whose citing notes and corrections were all taken down: readers
        no longer see it, so contributors are not offered it either.
        """
        never_cited = ~Exists(Citation.objects.filter(source=OuterRef("pk")))
        return self.published().filter(Q(pk__in=self.in_bibliography().values("pk")) | never_cited)


def _person_named(user):
    return user.get_full_name() or user.get_username()


class Moderated(models.Model):
    """Who submitted what, and where review stands. Public only when accepted."""

    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING, db_index=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="%(class)s_submissions",
    )
    # Public credit line when it is not the submitter's name ("The editors").
    credit = models.CharField(max_length=200, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(null=True, blank=True, editable=False)
    review_reason = models.TextField(blank=True, editable=False)
    # Set when the latest decision was a rule's (trust, flags), not a person's:
    # such items wait in their own queues for a person to look at them.
    review_rule = models.CharField(max_length=20, choices=Rule.choices, blank=True, editable=False)
    # Revised by its contributor after a rejection and back in the queue.
    resubmitted = models.BooleanField(default=False, editable=False)
    # Optimistic locking: every decision and every edit increments it, and a
    # decision made against an older version is refused.
    version = models.PositiveIntegerField(default=1, editable=False)
    decisions = GenericRelation("annotations.Decision")
    claims = GenericRelation("annotations.Claim")

    class Meta:
        abstract = True

    @property
    def credited_to(self):
        if self.credit:
            return self.credit
        if self.submitted_by_id is None:
            return "Anonymous"
        return _person_named(self.submitted_by)

    @property
    def is_public(self):
        return self.status in Status.PUBLIC and not getattr(self, "orphaned", False)

    @property
    def is_pending(self):
        return self.status == Status.PENDING


class Anchored(models.Model):
    """A span of one paragraph, kept as W3C Web Annotation selectors.

    TextPositionSelector: ``start``/``end`` (character offsets in
    ``paragraph.text``); TextQuoteSelector: ``exact`` with ``prefix`` and
    ``suffix``. The quote is what re-anchors the item if the paragraph's text is
    ever repaired; the offsets are what the renderer uses.
    """

    paragraph = models.ForeignKey(Paragraph, on_delete=models.PROTECT, related_name="%(class)ss")
    start = models.PositiveIntegerField()
    end = models.PositiveIntegerField()
    exact = models.TextField("quoted text")
    prefix = models.CharField(max_length=100, blank=True)
    suffix = models.CharField(max_length=100, blank=True)
    # Set when a repair of the paragraph's text leaves the quote nowhere (or
    # in more than one place): hidden from readers until re-attached.
    orphaned = models.BooleanField(default=False, db_index=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(condition=Q(start__lt=F("end")), name="%(class)s_start_before_end"),
        ]

    @property
    def selectors(self):
        """The W3C Web Annotation selectors of the span."""
        return [
            {"type": "TextQuoteSelector", "exact": self.exact, "prefix": self.prefix, "suffix": self.suffix},
            {"type": "TextPositionSelector", "start": self.start, "end": self.end},
        ]


class Certainty(models.TextChoices):
    """How sure the edition is of an item; the values are TEI's (``@cert``: teidata.certainty)."""

    HIGH = "high", "high"
    MEDIUM = "medium", "medium"
    LOW = "low", "low"


class Assessed(AsReleased, models.Model):
    """What a scholarly apparatus records of a note or a correction besides its text.

    ``certainty``, and responsibility: who proposed it and who checked it (TEI
    ``@cert`` and ``@resp``; W3C ``creator``). A contribution needs neither name
    typed: it was proposed by its contributor and checked by the moderator who
    accepted it. The editors' own items name both (e.g. "The editors (first
    edition)").
    """

    certainty = models.CharField(
        max_length=10, choices=Certainty.choices, default=Certainty.MEDIUM,
        help_text="How sure the edition is of this item. A contribution starts at medium; moderators may change it.",
    )
    proposed_by = models.CharField(
        max_length=200, blank=True, help_text="Who proposed it, when not its contributor (e.g. “The editors”).",
    )
    checked_by = models.CharField(
        max_length=200, blank=True, help_text="Who checked it, when not the moderator who accepted it.",
    )

    class Meta:
        abstract = True

    @property
    def see_also(self):
        """The related items readers are pointed to: those they can see.

        ``related_items`` (every related item, set by the edition's assembly in
        one query for a whole page) is used when present; else the references.
        """
        related = getattr(self, "related_items", None)
        if related is None:
            related = [reference.target for reference in self.references_out.all()]
        return [item for item in related if item.is_public]

    @property
    def edition_url(self):
        """The item's place in the edition (its entry beside the paragraph)."""
        return f"{edition_path(self.released_in)}#{self.entry_anchor}"

    @property
    def proposer(self):
        return self.proposed_by or self.credited_to

    @property
    def checker(self):
        """Who checked the item; empty until someone has (a pending contribution)."""
        if self.checked_by:
            return self.checked_by
        if self.status == Status.ACCEPTED and self.reviewed_by_id is not None:
            return _person_named(self.reviewed_by)
        return ""


class Annotation(Assessed, Moderated, Anchored):
    """A note on a passage."""

    class Kind(models.TextChoices):
        COMMENT = "comment", "comment"
        CONTEXT = "context", "context"
        QUESTION = "question", "question"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.COMMENT)
    body = MarkdownxField()

    objects = AnchoredQuerySet.as_manager()

    # What a contributor says besides the words it is about (AnchoredQuerySet.pending_twin_of).
    SAME_CONTENT = ("kind", "body")

    class Meta(Anchored.Meta):
        verbose_name = "note"
        ordering = ["submitted_at", "pk"]

    def __str__(self):
        return f"Note {self.pk} on “{self.exact[:40]}”"

    def get_absolute_url(self):
        if self.released_in:
            return reverse("annotations:release_note", args=[self.released_in, self.pk])
        return reverse("annotations:note", args=[self.pk])

    @property
    def entry_anchor(self):
        return f"note-{self.pk}"

    @property
    def reference_title(self):
        """How another item refers to this one: “the note on …”."""
        return f"the note on “{Truncator(self.exact).chars(60)}”"


class Correction(Assessed, Moderated, Anchored):
    """A proposed change of wording, shown as an apparatus over the original."""

    class Group(models.TextChoices):
        ERROR = "error", "errors"
        REGULARISATION = "regularisation", "regularisations"
        GAP = "gap", "gaps"

    class Category(models.TextChoices):
        FACTUAL = "factual", "factual"
        DATE = "date", "date"
        NAME = "name", "name"
        WORDING = "wording", "wording"
        SPELLING = "spelling", "spelling"
        TRANSLITERATION = "transliteration", "transliteration"
        TITLE = "title", "title"
        GAP = "gap", "gap"

    # Each category's group and what it corrects, declared once: errors change
    # what the text says, regularisations only its form, a gap supplies words
    # evidently missing.
    CATEGORIES = {
        Category.FACTUAL: (Group.ERROR, "a wrong fact"),
        Category.DATE: (Group.ERROR, "a wrong date"),
        Category.NAME: (Group.ERROR, "a wrong name: the wrong person, place or thing"),
        Category.WORDING: (Group.ERROR, "a wrong word that changes or garbles the sense"),
        Category.SPELLING: (Group.REGULARISATION, "a misspelling"),
        Category.TRANSLITERATION: (Group.REGULARISATION, "a name spelt in an unusual transliteration"),
        Category.TITLE: (Group.REGULARISATION, "the form of a title (full title, italics)"),
        Category.GAP: (Group.GAP, "words evidently missing from the text"),
    }

    category = models.CharField(max_length=20, choices=Category.choices)
    replacement = models.TextField("corrected wording")
    rationale = MarkdownxField()

    objects = AnchoredQuerySet.as_manager()

    SAME_CONTENT = ("category", "replacement", "rationale")

    class Meta(Anchored.Meta):
        ordering = ["submitted_at", "pk"]

    def __str__(self):
        return f"Correction {self.pk}: “{self.exact[:30]}” → “{self.replacement[:30]}”"

    def get_absolute_url(self):
        if self.released_in:
            return reverse("annotations:release_correction", args=[self.released_in, self.pk])
        return reverse("annotations:correction", args=[self.pk])

    @property
    def group(self):
        """The category's group, or None for a category the edition no longer has (a row older than its migration)."""
        known = self.CATEGORIES.get(self.category)
        return known[0] if known else None

    @property
    def category_label(self):
        """The category with its group, as the apparatus names it: “date error”, “spelling regularisation”, “gap”."""
        group = self.group
        if group is None:
            return self.get_category_display()
        return group.value if self.category == group.value else f"{self.get_category_display()} {group.value}"

    @property
    def entry_anchor(self):
        return f"correction-{self.pk}"

    @property
    def reference_title(self):
        """How another item refers to this one: “the correction of …”."""
        return f"the correction of “{Truncator(self.exact).chars(60)}”"

    @classmethod
    def described_category_choices(cls):
        """Each category with its group and what it corrects, group by group (for a form's radio list)."""
        return [
            (category.value, f"{category.label} ({group.value}) — {what}")
            for group in cls.Group
            for category, (in_group, what) in cls.CATEGORIES.items() if in_group == group
        ]


class Source(AsReleased, Moderated):
    """A bibliographic record."""

    class Kind(models.TextChoices):
        BOOK = "book", "book"
        ARTICLE = "article", "journal article"
        CHAPTER = "chapter", "book chapter"
        WEB = "web", "web page"
        PRIMARY = "primary", "primary document"

    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.BOOK)
    authors = models.CharField(max_length=500, blank=True, help_text="“Last, First; Last, First”")
    title = models.CharField(max_length=500)
    container = models.CharField(
        "journal, book or site", max_length=500, blank=True,
        help_text="The journal of an article, the book of a chapter, the site of a web page.",
    )
    publisher = models.CharField(max_length=300, blank=True)
    place = models.CharField("place of publication", max_length=200, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True)
    volume = models.CharField(max_length=50, blank=True)
    pages = models.CharField(max_length=50, blank=True)
    url = URLField("URL", max_length=500, blank=True)
    doi = models.CharField("DOI", max_length=200, blank=True)
    isbn = models.CharField("ISBN", max_length=20, blank=True)

    objects = SourceQuerySet.as_manager()

    class Meta:
        ordering = ["authors", "year", "title"]

    def __str__(self):
        lead = self.authors.split(";")[0].split(",")[0].strip() or Truncator(self.title).words(6, truncate="…")
        return f"{lead} ({self.year})" if self.year else lead


class Citation(AsReleased, Moderated):
    """A note or a correction citing a source, with an optional locator."""

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    annotation = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    correction = models.ForeignKey(
        Correction, null=True, blank=True, on_delete=models.CASCADE, related_name="citations"
    )
    locator = models.CharField(max_length=100, blank=True, help_text="Page or chapter, e.g. “p. 212” or “ch. 4”.")

    objects = CitationQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(annotation__isnull=False, correction__isnull=True)
                    | Q(annotation__isnull=True, correction__isnull=False)
                ),
                name="citation_cites_from_one_item",
            ),
        ]

    def __str__(self):
        where = f", {self.locator}" if self.locator else ""
        return f"{self.source}{where}"

    @property
    def item(self):
        return self.annotation or self.correction

    @property
    def bibliography_url(self):
        """Its source's entry in the bibliography (of the release it was read from, if any)."""
        if self.released_in:
            return f"{reverse('annotations:release_sources', args=[self.released_in])}#source-{self.source_id}"
        return f"{reverse('annotations:sources')}#source-{self.source_id}"


class CrossReference(AsReleased, models.Model):
    """“See also”: a note or correction pointing readers to a related one (e.g. three items on one treaty clause).

    Shown on the item while the related one is public; not moderated, since only
    the editors make them (in the apparatus).
    """

    from_note = models.ForeignKey(Annotation, null=True, blank=True, on_delete=models.CASCADE, related_name="references_out")
    from_correction = models.ForeignKey(
        Correction, null=True, blank=True, on_delete=models.CASCADE, related_name="references_out"
    )
    to_note = models.ForeignKey(Annotation, null=True, blank=True, on_delete=models.CASCADE, related_name="references_in")
    to_correction = models.ForeignKey(
        Correction, null=True, blank=True, on_delete=models.CASCADE, related_name="references_in"
    )

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(from_note__isnull=False, from_correction__isnull=True)
                | Q(from_note__isnull=True, from_correction__isnull=False),
                name="crossreference_from_one_item",
            ),
            models.CheckConstraint(
                condition=Q(to_note__isnull=False, to_correction__isnull=True)
                | Q(to_note__isnull=True, to_correction__isnull=False),
                name="crossreference_to_one_item",
            ),
            models.CheckConstraint(
                condition=~Q(from_note=F("to_note")) & ~Q(from_correction=F("to_correction")),
                name="crossreference_not_to_itself",
            ),
        ]

    def __str__(self):
        return f"{self.source} → {self.target}"

    @property
    def source(self):
        return self.from_note or self.from_correction

    @property
    def target(self):
        return self.to_note or self.to_correction


class DecisionQuerySet(models.QuerySet):
    def changing_what_readers_see(self):
        """Decisions that published something or took it down (keeping a published item changes nothing)."""
        return self.filter(Q(to_status__in=Status.PUBLIC) | Q(from_status__in=Status.PUBLIC)).exclude(
            from_status=F("to_status")
        )

    def by_a_person(self):
        return self.filter(rule="")


class Decision(models.Model):
    """One moderation decision (or a contributor's withdrawal or resubmission): who or what, when, why."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    # A person (moderator or contributor), or none when a rule decided.
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="moderation_decisions"
    )
    rule = models.CharField(max_length=20, choices=Rule.choices, blank=True)
    decided_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["decided_at", "pk"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.from_status} → {self.to_status} by {self.decider} at {self.decided_at:%Y-%m-%d %H:%M}"

    @property
    def decider(self):
        """Who or what decided: a person's name, or the rule."""
        return self.get_rule_display() if self.rule else self.decided_by


# --- The community around the desk: flags, standing, claims, reason templates -------------------------


class FlagQuerySet(models.QuerySet):
    def open(self):
        return self.filter(outcome=Flag.Outcome.OPEN)

    def for_item(self, item):
        return self.filter(**{Flag.owner_field(item): item})


class Flag(models.Model):
    """A signed-in reader's report that a published note or correction is wrong, offensive, spam…"""

    class Reason(models.TextChoices):
        WRONG = "wrong", "wrong"
        OFFENSIVE = "offensive", "offensive"
        SPAM = "spam", "spam"
        DUPLICATE = "duplicate", "duplicate"
        OTHER = "other", "other"

    class Outcome(models.TextChoices):
        OPEN = "open", "open"
        KEPT = "kept", "kept: the item stays"
        TAKEN_DOWN = "taken_down", "taken down"

    annotation = models.ForeignKey(Annotation, null=True, blank=True, on_delete=models.CASCADE, related_name="flags")
    correction = models.ForeignKey(Correction, null=True, blank=True, on_delete=models.CASCADE, related_name="flags")
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="flags")
    reason = models.CharField(max_length=20, choices=Reason.choices)
    text = models.TextField("details", blank=True)
    flagged_at = models.DateTimeField(default=timezone.now, db_index=True)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, default=Outcome.OPEN, db_index=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolution = models.TextField("moderator's reason", blank=True)

    objects = FlagQuerySet.as_manager()

    class Meta:
        ordering = ["flagged_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(annotation__isnull=False, correction__isnull=True)
                    | Q(annotation__isnull=True, correction__isnull=False)
                ),
                name="flag_on_one_item",
            ),
            # Once per item and reader.
            models.UniqueConstraint(
                fields=["flagged_by", "annotation"], condition=Q(annotation__isnull=False), name="flag_once_per_note"
            ),
            models.UniqueConstraint(
                fields=["flagged_by", "correction"],
                condition=Q(correction__isnull=False),
                name="flag_once_per_correction",
            ),
        ]

    def __str__(self):
        return f"Flag ({self.get_reason_display()}) on {self.item}"

    @property
    def item(self):
        return self.annotation or self.correction

    @staticmethod
    def owner_field(item):
        return "annotation" if isinstance(item, Annotation) else "correction"


class Standing(models.Model):
    """A contributor's standing with the desk: suspended, or with trust revoked (both reversible)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.CASCADE, related_name="moderation_standing"
    )
    suspended = models.BooleanField(default=False)
    trust_revoked = models.BooleanField(default=False)

    def __str__(self):
        return f"Standing of {self.user}"


class StandingChange(models.Model):
    """The log of every change of a contributor's standing: who, when, why."""

    class Change(models.TextChoices):
        SUSPEND = "suspend", "suspended"
        REINSTATE = "reinstate", "reinstated"
        REVOKE_TRUST = "revoke_trust", "trust revoked"
        RESTORE_TRUST = "restore_trust", "trust restored"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="standing_changes")
    change = models.CharField(max_length=20, choices=Change.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "pk"]

    def __str__(self):
        return f"{self.user} {self.get_change_display()} by {self.changed_by} at {self.changed_at:%Y-%m-%d %H:%M}"


class Contributor(User):
    """Accounts as the desk sees them (their standing, their record); the admin's Contributors list."""

    class Meta:
        proxy = True
        ordering = ["username"]


class ClaimQuerySet(models.QuerySet):
    def active(self):
        """Claims that have not lapsed (``settings.CLAIM_MINUTES``)."""
        return self.filter(claimed_at__gte=timezone.now() - timedelta(minutes=settings.CLAIM_MINUTES))


class Claim(models.Model):
    """A moderator has an item open for review; others see it and may still decide."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    moderator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    claimed_at = models.DateTimeField(default=timezone.now)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["content_type", "object_id"], name="one_claim_per_item")]

    def __str__(self):
        return f"{self.item} claimed by {self.moderator} at {self.claimed_at:%H:%M}"

    @property
    def is_active(self):
        """Claims lapse by themselves after ``settings.CLAIM_MINUTES``."""
        return self.claimed_at >= timezone.now() - timedelta(minutes=settings.CLAIM_MINUTES)


class ReasonTemplate(models.Model):
    """A reason a moderator can pick on the desk and still edit before deciding (kept per site)."""

    label = models.CharField(max_length=80, unique=True)
    text = models.TextField(help_text="What the contributor reads.")
    position = models.PositiveIntegerField(default=0, help_text="Order in the list (smallest first).")

    class Meta:
        ordering = ["position", "label"]

    def __str__(self):
        return self.label


class LoadedRow(models.Model):
    """An editorial row as ``load_edition`` last wrote it (``annotations/edition_load.py``).

    ``fixture_fingerprint`` is the fixture's data for the row, ``row_fingerprint``
    the row's state as loaded: a row whose state no longer matches it was
    touched since (a decision, an edit, a repair) and is never overwritten.
    """

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    fixture_fingerprint = models.CharField(max_length=64)
    row_fingerprint = models.CharField(max_length=64)
    loaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["content_type", "object_id"], name="loaded_row_unique_object"),
        ]

    def __str__(self):
        return f"{self.content_type.model} {self.object_id}, loaded {self.loaded_at:%Y-%m-%d %H:%M}"


class Release(models.Model):
    """A citable version of the edition: exactly what readers saw when an editor released it.

    Not a copy of the page: ``items`` lists the django-reversion ``Version`` of
    each thing readers saw (the essay, its sections and paragraphs, the published
    notes and corrections, their public citations and cited sources, the
    cross-references between them), and ``annotations.releases`` reads the
    release back from them. An unchanged item shares its stored version with
    every release that shows it.
    """

    essay = models.ForeignKey(Essay, on_delete=models.PROTECT, related_name="releases", editable=False)
    number = models.PositiveIntegerField(editable=False)
    title = models.CharField("the edition's title as released", max_length=300, editable=False)
    summary = models.TextField(help_text="What this version adds, changes or withdraws, in a sentence or two; readers see it.")
    released_at = models.DateTimeField(default=timezone.now, editable=False)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", editable=False,
    )
    # The names the frozen items credit, as they were: {user id: [username, first name, last name]}.
    people = models.JSONField(default=dict, editable=False)
    # What it added, changed and withdrew since the release before (annotations.releases.Changes.counts).
    counts = models.JSONField(default=dict, editable=False)

    class Meta:
        ordering = ["essay", "number"]
        get_latest_by = "number"
        constraints = [models.UniqueConstraint(fields=["essay", "number"], name="release_unique_number")]

    def __str__(self):
        return f"Version {self.number}"

    def get_absolute_url(self):
        return reverse("annotations:release", args=[self.number])


class ReleaseItem(models.Model):
    """One thing a release shows: which stored version of which row."""

    release = models.ForeignKey(Release, on_delete=models.CASCADE, related_name="items")
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    # PROTECT: a revision a release stands on cannot be deleted (reversion's deleterevisions refuses).
    version = models.ForeignKey("reversion.Version", on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["release", "content_type", "object_id"], name="release_item_unique"),
        ]

    def __str__(self):
        return f"{self.release}: {self.content_type.model} {self.object_id}"
