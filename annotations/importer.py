"""
Reading the essay-mill plain-text format into sections and paragraphs.

Pure parsing (``parse_essay``) is kept apart from the database work
(``essay_import``) so the rules can be tested on strings. The format, as in
fixtures/essay.txt:

* the title on the first non-empty line;
* blocks separated by blank lines; a block is a heading when it is one short
  line that does not end like a sentence;
* a heading directly followed by another heading opens a group: the headings
  after it that name a period (they contain a year) are its subsections, and
  the first heading that does not closes the group;
* lines starting with "•" are list items;
* the publisher's furniture (word counts, downloads, "Important: This sample…",
  "Table of contents", the advert block, and everything from "You can receive
  your plagiarism free paper" on) is dropped, but the facts of the "Cite this
  Essay" block become the essay's attribution.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import transaction
from django.utils.text import slugify

MAX_HEADING_LENGTH = 90
BULLET = re.compile(r"^\s*[•\u2022\u25cf\u25aa*-]\s+")
YEAR = re.compile(r"\b(1[5-9]|20)\d\d(s)?\b")

# Lines of the publisher's page that are not the essay.
FURNITURE_LINES = [
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"^words$",
        r"^[\d,]+ \(\d+ pages?\)$",
        r"^downloads$",
        r"^\d+$",
        r"^download for free$",
        r"^important: this sample is for inspiration",
        r"^table of contents$",
        r"^no time to compare samples\?$",
        r"^hire a writer$",
        r"^✓",
    )
]
# Where the essay ends and the publisher's footer begins.
END_OF_BODY = re.compile(r"^(you can receive your plagiarism free paper|cite this essay$)", re.IGNORECASE)
APA_CITATION = re.compile(
    r"\((?P<year>\d{4}), (?P<month>[A-Z][a-z]+) (?P<day>\d{1,2})\)\.\s+(?P<site>[^.]+)\.\s+"
    r"Retrieved (?P<retrieved>[A-Z][a-z]+ \d{1,2}, \d{4}), from (?P<url>https?://\S+)"
)


class ImportFormatError(ValueError):
    """The file is not an essay in the expected format; the message says why."""


@dataclass
class ParsedParagraph:
    text: str
    kind: str = "paragraph"


@dataclass
class ParsedSection:
    heading: str
    level: int = 1
    paragraphs: list = field(default_factory=list)


@dataclass
class ParsedEssay:
    title: str
    sections: list
    source_site: str = ""
    source_url: str = ""
    source_published: date | None = None
    source_retrieved: date | None = None


def decode(data: bytes) -> str:
    if not data.strip():
        raise ImportFormatError("the file is empty")
    if b"\x00" in data:
        raise ImportFormatError("the file is binary, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFormatError(f"the file is not UTF-8 text (byte {error.start})") from None


def _blocks(lines):
    """Blank-line separated blocks, as lists of stripped lines."""
    block = []
    for line in lines:
        if line.strip():
            block.append(line.rstrip())
        elif block:
            yield block
            block = []
    if block:
        yield block


def _is_furniture(line):
    return any(pattern.search(line.strip()) for pattern in FURNITURE_LINES)


def _is_heading(block):
    if len(block) != 1 or BULLET.match(block[0]):
        return False
    line = block[0].strip()
    return len(line) <= MAX_HEADING_LENGTH and not line.endswith((".", "!", "?", ":", ";", ",", "…"))


def _attribution(footer_lines):
    for line in footer_lines:
        match = APA_CITATION.search(line)
        if match:
            published = datetime.strptime(
                f"{match['year']} {match['month']} {match['day']}", "%Y %B %d"
            ).date()
            retrieved = datetime.strptime(match["retrieved"], "%B %d, %Y").date()
            return {
                "source_site": match["site"].strip(),
                "source_url": match["url"].rstrip(".,"),
                "source_published": published,
                "source_retrieved": retrieved,
            }
    return {}


def parse_essay(text: str) -> ParsedEssay:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    non_empty = [index for index, line in enumerate(lines) if line.strip()]
    if not non_empty:
        raise ImportFormatError("the file is empty")
    title = lines[non_empty[0]].strip()
    body, footer = [], []
    for line in lines[non_empty[0] + 1:]:
        if footer or END_OF_BODY.match(line.strip()):
            footer.append(line)
        elif _is_furniture(line):
            body.append("")
        else:
            body.append(line)

    blocks = list(_blocks(body))
    sections = []
    in_group = False
    for index, block in enumerate(blocks):
        if _is_heading(block):
            heading = block[0].strip()
            opens_group = index + 1 < len(blocks) and _is_heading(blocks[index + 1])
            if opens_group:
                level, in_group = 1, True
            elif in_group and YEAR.search(heading):
                level = 2
            else:
                level, in_group = 1, False
            sections.append(ParsedSection(heading=heading, level=level))
            continue
        if not sections:
            raise ImportFormatError(f"text before the first heading: {block[0].strip()[:60]!r}")
        paragraph_lines = []
        for line in block:
            if BULLET.match(line):
                _flush(sections[-1], paragraph_lines)
                paragraph_lines = []
                sections[-1].paragraphs.append(ParsedParagraph(BULLET.sub("", line).strip(), "list_item"))
            else:
                paragraph_lines.append(line.strip())
        _flush(sections[-1], paragraph_lines)

    if not sections:
        raise ImportFormatError("no section headings found")
    if not any(section.paragraphs for section in sections):
        raise ImportFormatError("no paragraphs found under the headings")
    return ParsedEssay(title=title, sections=sections, **_attribution(footer))


def _flush(section, lines):
    if lines:
        section.paragraphs.append(ParsedParagraph(" ".join(lines)))


def _unique_slug(heading, taken):
    base = slugify(heading)[:100] or "section"
    slug, counter = base, 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    taken.add(slug)
    return slug


def essay_import(parsed: ParsedEssay, *, slug=None, introduction=None):
    """Create or replace the essay in one transaction; returns (essay, created).

    Re-importing replaces the sections and paragraphs of an essay with the same
    slug, unless anything has been contributed to it: then it is refused, since
    notes and corrections are anchored to the existing paragraphs.
    """
    from annotations.models import Annotation, Correction, Essay, Paragraph, Section

    slug = slug or slugify(parsed.title)[:120]
    attribution = {
        "title": parsed.title,
        "source_site": parsed.source_site,
        "source_url": parsed.source_url,
        "source_published": parsed.source_published,
        "source_retrieved": parsed.source_retrieved,
    }
    with transaction.atomic():
        essay = Essay.objects.select_for_update().filter(slug=slug).first()
        created = essay is None
        if created:
            essay = Essay.objects.create(slug=slug, introduction=introduction or "", **attribution)
        else:
            contributions = (
                Annotation.objects.filter(paragraph__section__essay=essay).count()
                + Correction.objects.filter(paragraph__section__essay=essay).count()
            )
            if contributions:
                raise ImportFormatError(
                    f"the essay {slug!r} already has {contributions} notes or corrections anchored to its "
                    "paragraphs; re-importing would detach them, so nothing was changed"
                )
            for name, value in attribution.items():
                setattr(essay, name, value)
            if introduction is not None:
                essay.introduction = introduction
            essay.save()
            essay.sections.all().delete()

        section_slugs, anchors = set(), set(Paragraph.objects.values_list("anchor", flat=True))
        for section_position, parsed_section in enumerate(parsed.sections, start=1):
            section = Section.objects.create(
                essay=essay,
                position=section_position,
                heading=parsed_section.heading,
                level=parsed_section.level,
                slug=_unique_slug(parsed_section.heading, section_slugs),
            )
            for position, parsed_paragraph in enumerate(parsed_section.paragraphs, start=1):
                anchor = Paragraph.anchor_for(essay.slug, parsed_paragraph.text, anchors)
                anchors.add(anchor)
                Paragraph.objects.create(
                    section=section,
                    position=position,
                    kind=parsed_paragraph.kind,
                    text=parsed_paragraph.text,
                    anchor=anchor,
                )
        Essay.revision_bump()
    essay.refresh_from_db()
    return essay, created
