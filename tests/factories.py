"""Small factories with overridable defaults (tests import what they need)."""

from dataclasses import asdict

from django.contrib.auth.models import Group, User

from annotations import text
from annotations.models import Annotation, Citation, Correction, Essay, Paragraph, Section, Source, Status


def make_essay(**overrides):
    fields = {"title": "A test essay", "slug": "a-test-essay"}
    fields.update(overrides)
    return Essay.objects.create(**fields)


def make_paragraph(text_value="The Treaty of Rapallo was signed in 1922 at Genoa.", *, essay=None, section=None, position=None, **overrides):
    if section is None:
        essay = essay or Essay.objects.first() or make_essay()
        section = essay.sections.first() or Section.objects.create(
            essay=essay, position=1, heading="Introduction", slug="introduction"
        )
    if position is None:
        position = section.paragraphs.count() + 1
    taken = set(Paragraph.objects.values_list("anchor", flat=True))
    return Paragraph.objects.create(
        section=section,
        position=position,
        text=text_value,
        anchor=Paragraph.anchor_for(section.essay.slug, f"{text_value}{position}", taken),
        **overrides,
    )


def make_user(username="reader", *, groups=(), **overrides):
    user = User.objects.create_user(username=username, password=overrides.pop("password", "a-long-test-password"), **overrides)
    for name in groups:
        user.groups.add(Group.objects.get(name=name))
    return user


def _anchored_fields(paragraph, exact, prefix=""):
    anchor = text.anchor_quote(paragraph.text, exact, prefix=prefix)
    return {"paragraph": paragraph, **asdict(anchor)}


def make_note(paragraph=None, exact="Rapallo", *, status=Status.ACCEPTED, body="A note.", **overrides):
    paragraph = paragraph or make_paragraph()
    fields = {"kind": Annotation.Kind.CONTEXT, "body": body, "status": status}
    fields.update(_anchored_fields(paragraph, exact))
    fields.update(overrides)
    return Annotation.objects.create(**fields)


def make_correction(paragraph=None, exact="1922", replacement="16 April 1922", *, status=Status.ACCEPTED, **overrides):
    paragraph = paragraph or make_paragraph()
    fields = {
        "category": Correction.Category.DATE,
        "replacement": replacement,
        "rationale": "Signed on 16 April 1922.",
        "status": status,
    }
    fields.update(_anchored_fields(paragraph, exact))
    fields.update(overrides)
    return Correction.objects.create(**fields)


def make_source(**overrides):
    fields = {
        "kind": Source.Kind.BOOK,
        "authors": "Haslam, Jonathan",
        "title": "The Soviet Union and the Struggle for Collective Security in Europe, 1933–39",
        "publisher": "Macmillan",
        "place": "London",
        "year": 1984,
        "status": Status.ACCEPTED,
    }
    fields.update(overrides)
    return Source.objects.create(**fields)


def make_citation(item, source=None, *, locator="", status=Status.ACCEPTED, **overrides):
    source = source or make_source()
    owner = {"annotation": item} if isinstance(item, Annotation) else {"correction": item}
    return Citation.objects.create(source=source, locator=locator, status=status, **owner, **overrides)
