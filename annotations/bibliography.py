"""
Bibliographic formatting: sources in one house style, and citations of the edition.

Pure: takes anything with a Source's attributes (a model instance or a plain
object) and returns escaped HTML (``SafeString``) or plain text; no ORM, no
request. The house style for sources is Chicago author-date:

    Haslam, Jonathan. 1984. <i>The Soviet Union and …</i>. London: Macmillan.
    short form, as cited from a note: Haslam 1984, p. 212

The edition itself is cited in APA, MLA, Chicago and BibTeX with its version
(the number of its latest release: ``annotations.releases``), the date and the
address of that release. It has no named editors, so it is cited by its title,
as a work without an author. A note or correction is cited as a part of it:

    Smith, Jane. 2026. “Note on ‘Rapallo’.” In <i>… : An Annotated Edition</i>, version 3, § 2 ¶ 4. https://…/v/3/notes/12/.
"""

import re
from dataclasses import dataclass

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe

EDITION_SUBTITLE = "An Annotated Edition"


def author_names(authors):
    """"Last, First; Last, First" → [("Last", "First"), …]."""
    people = []
    for person in (authors or "").split(";"):
        last, _, first = person.strip().partition(",")
        if last.strip():
            people.append((last.strip(), first.strip()))
    return people


def authors_display(authors):
    """Bibliography order: "Last, First", then "First Last"; Chicago's comma before "and" after an inverted name."""
    people = author_names(authors)
    names = [f"{last}, {first}".rstrip(", ") if index == 0 else f"{first} {last}".strip()
             for index, (last, first) in enumerate(people)]
    if len(names) <= 1:
        return "".join(names)
    if len(names) == 2:
        inverted = bool(people[0][1])  # "Carr, E. H., and R. W. Davies" but "Plato and Jowett"
        return f"{names[0]}{',' if inverted else ''} and {names[1]}"
    return ", ".join(names[:-1]) + ", and " + names[-1]


def short_authors(authors):
    people = [last for last, _ in author_names(authors)]
    if len(people) > 2:
        return f"{people[0]} et al."
    return " and ".join(people)


def _sentence(value):
    """End a piece with a full stop unless it already ends with punctuation."""
    value = value.strip()
    return value if not value or value[-1] in ".?!" else value + "."


def _link(url):
    return format_html('<a class="url" href="{}">{}</a>', url, url)


def source_identifier_url(source):
    if source.doi:
        doi = re.sub(r"^(https?://(dx\.)?doi\.org/|doi:)", "", source.doi.strip(), flags=re.IGNORECASE)
        return f"https://doi.org/{doi}"
    return source.url or ""


def source_reference(source):
    """The full bibliography entry, as HTML.

    Author-date order: authors, year, title, container, imprint, identifiers.
    Without authors the title takes their place and the year follows it.
    """
    lead = authors_display(source.authors)
    year = conditional_escape(_sentence(str(source.year) if source.year else "n.d."))
    quoted_title = format_html("“{}”", _sentence(source.title))
    italic_title = format_html("<i>{}</i>.", source.title.rstrip("."))
    title, detail = italic_title, ""
    if source.kind == "article":
        title = quoted_title
        detail = format_html("<i>{}</i>", source.container) if source.container else ""
        if source.volume:
            detail = format_html("{} {}", detail, source.volume)
        if source.pages:
            detail = format_html("{}: {}", detail, source.pages) if source.volume else format_html("{}, {}", detail, source.pages)
        detail = format_html("{}.", detail) if detail else ""
    elif source.kind == "chapter":
        title = quoted_title
        pages = f", {source.pages}" if source.pages else ""
        detail = format_html("In <i>{}</i>{}.", source.container, pages) if source.container else ""
    elif source.kind in ("web", "primary") and source.container:
        title = quoted_title
        detail = format_html("<i>{}</i>.", source.container)
    elif source.volume:
        detail = conditional_escape(_sentence(f"Vol. {source.volume}"))
    parts = [conditional_escape(_sentence(lead)), year, title] if lead else [title, year]
    parts.append(detail)
    imprint = ": ".join(value for value in (source.place, source.publisher) if value)
    if imprint:
        parts.append(conditional_escape(_sentence(imprint)))
    if source.isbn:
        parts.append(conditional_escape(f"ISBN {source.isbn}."))
    identifier = source_identifier_url(source)
    if identifier:
        parts.append(format_html("{}.", _link(identifier)))
    return mark_safe(" ".join(str(part) for part in parts if part))  # noqa: S308 - every part escaped above


_LEADING_ARTICLE = re.compile(r"^(the|an?)\s+", re.IGNORECASE)


def sort_key(source):
    """Bibliography order: by the entry's first word (authors, or the title without a leading article), year, title."""
    title = _LEADING_ARTICLE.sub("", source.title.strip().lower())
    return (source.authors.strip().lower() or title, source.year or 0, title)


def source_short(source, locator=""):
    """The short form cited from a note: "Haslam 1984, p. 212"."""
    lead = short_authors(source.authors) or f"“{source.title[:60]}”"
    text = f"{lead} {source.year}" if source.year else f"{lead} n.d."
    return f"{text}, {locator}" if locator else text


@dataclass(frozen=True)
class Edition:
    """What a citation of the edition needs."""

    title: str  # the essay's title
    version: int | None  # None: the living edition before its first release
    date: object  # datetime.date of this version
    url: str
    key: str = "edition"
    publisher: str = ""

    @property
    def full_title(self):
        return f"{self.title}: {EDITION_SUBTITLE}"

    @property
    def version_label(self):
        """"Version 3", or "" before the first release."""
        return f"Version {self.version}" if self.version else ""


@dataclass(frozen=True)
class Part:
    """A note or correction cited as a part of the edition: "in: <edition>, version N, § ¶"."""

    title: str  # "Note on “…”"
    author: str  # as a bibliography names the first author: "Smith, Jane", or a name kept whole
    date: object  # datetime.date it was published
    locator: str  # "§ 2 ¶ 4"
    url: str
    edition: Edition


def _long_date(value):
    return f"{value.day} {value:%B %Y}"


# MLA abbreviates the months longer than four letters in a works-cited entry.
_MLA_MONTHS = ("Jan.", "Feb.", "Mar.", "Apr.", "May", "June", "July", "Aug.", "Sept.", "Oct.", "Nov.", "Dec.")


def _mla_date(value):
    return f"{value.day} {_MLA_MONTHS[value.month - 1]} {value.year}"


def _mla_url(url):
    """MLA drops the scheme from a web address."""
    return re.sub(r"^https?://", "", url)


def cite_apa(edition):
    # APA 7, no author: the title moves to the author's place.
    version = f" ({edition.version_label})" if edition.version else ""
    return format_html(
        "<i>{}</i>{}. ({}, {} {}). {}",
        edition.full_title, version, edition.date.year, f"{edition.date:%B}", edition.date.day, edition.url,
    )


def cite_mla(edition):
    version = f" {edition.version_label}," if edition.version else ""
    return format_html(
        "<i>{}</i>.{} {}, {}.",
        edition.full_title, version, _mla_date(edition.date), _mla_url(edition.url),
    )


def cite_chicago(edition, locator="", anchor=""):
    parts = [edition.version_label, _long_date(edition.date), locator]
    url = f"{edition.url}#{anchor}" if anchor else edition.url
    return format_html("<i>{}</i>. {}. {}.", edition.full_title, ", ".join(part for part in parts if part), url)


def cite_part(part):
    """A note or correction (a ``Part``), Chicago author-date: who, when, what, in which version of the edition, where."""
    where = ", ".join(value for value in (part.edition.version_label.lower(), part.locator) if value)
    title = part.title.rstrip(".").replace("“", "‘").replace("”", "’")  # quotes within quotes
    return format_html(
        "{} {}. “{}.” In <i>{}</i>, {}. Published {}. {}.",
        _sentence(part.author), part.date.year, title, part.edition.full_title, where, _long_date(part.date), part.url,
    )


def cite_bibtex(edition):
    """BibTeX (plain text; templates escape it), the same entry as the edition's .bib download."""
    from annotations import citation_formats  # it builds on this module's name parsing

    return citation_formats.bibtex_entry(citation_formats.edition_record(edition))


def edition_citations(edition):
    """[(style name, html or text, is_code)] for "Cite this edition"."""
    return [
        ("APA", cite_apa(edition), False),
        ("MLA", cite_mla(edition), False),
        ("Chicago", cite_chicago(edition), False),
        ("BibTeX", cite_bibtex(edition), True),
    ]
