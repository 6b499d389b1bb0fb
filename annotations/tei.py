"""
The edition as a TEI P5 document (``/edition.tei.xml``, ``/v/<N>/edition.tei.xml``).

Pure: model instances (or a release's frozen ones) in, UTF-8 XML out; no ORM, no
request. ``tei_document`` writes:

* a ``teiHeader``: the title and the editors, everyone who proposed or checked
  an item (``respStmt``), the edition statement with the version, the publisher
  and the version's address, the original's source description, the editorial
  decisions below, and a ``revisionDesc`` listing the releases;
* the editor's introduction in ``front``; the essay in ``body`` as ``div``
  (sections, subsections nested in their section) / ``head`` / ``p`` and
  ``list``/``item`` (list paragraphs), each paragraph with its anchor as
  ``xml:id`` and its locator as ``n``;
* every correction in place: an error as ``<choice><sic>…</sic><corr>…</corr></choice>``,
  a regularisation as ``<choice><orig>…</orig><reg>…</reg></choice>``, the
  correction's category as ``@type``, who proposed and checked it as ``@resp``,
  its certainty as ``@cert``, its sources as ``@source``. A gap (words
  evidently missing) is text the editors supply: ``<supplied reason="omitted">``,
  standing alone where the correction only adds words, inside the ``corr`` of a
  ``choice`` where it also changes some; the words the edition shows between
  ⟨ ⟩ (conjectures) are ``supplied`` too, without the brackets;
* every note in ``back`` as ``<note target="#…-from" targetEnd="#…-to">``
  pointing at two ``anchor``s around its words, and each correction's rationale
  as a note targeting the correction; the cross-references as ``@corresp``; the
  locators of their sources as ``bibl``/``citedRange`` pointing into the
  bibliography, a ``listBibl`` of ``biblStruct``.

Choosing the ``sic``/``orig`` of every ``choice`` and leaving out ``supplied``
gives back each paragraph's text exactly; choosing ``corr``/``reg`` and keeping
``supplied`` gives the corrected reading.
"""

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree
from lxml.builder import ElementMaker

from annotations import bibliography, rendering
from annotations.markdown import render_markdown
from annotations.models import EDITORS_CREDIT, Annotation, Correction

TEI_NS = "http://www.tei-c.org/ns/1.0"
XML_NS = "http://www.w3.org/XML/1998/namespace"
XML_ID = f"{{{XML_NS}}}id"
XML_LANG = f"{{{XML_NS}}}lang"
MEDIA_TYPE = "application/tei+xml; charset=utf-8"

T = ElementMaker(namespace=TEI_NS, nsmap={None: TEI_NS})

# A correction's group → the pair of a choice that encodes it (gaps: supplied, see above).
CHOICE = {
    Correction.Group.ERROR: ("sic", "corr"),
    Correction.Group.REGULARISATION: ("orig", "reg"),
    Correction.Group.GAP: ("sic", "corr"),
}
CONJECTURE = re.compile(r"⟨([^⟨⟩]*)⟩")

EDITORIAL_DECLARATION = {
    "correction": (
        "Apparent errors of the original (facts, dates, names, wrong words) are encoded as choice of sic and corr, "
        "regularisations of its form (spelling, transliteration, titles) as choice of orig and reg, with the "
        "category as @type. Words evidently missing are supplied (reason 'omitted'); words the edition shows "
        "between angle brackets are conjectures, supplied without the brackets. The original text is never "
        "changed: choosing sic or orig and leaving out supplied gives it back exactly."
    ),
    "interpretation": (
        "@resp points to who proposed and who checked a correction or note, @cert gives how certain the editors "
        "are of it (high, medium, low), @source the works it rests on, listed in the bibliography, with their "
        "locators in the note that gives its rationale; @corresp points to related notes and corrections."
    ),
}


@dataclass(frozen=True)
class Edition:
    """What the document is: the essay, its passages and sources, and which version of the edition."""

    essay: object
    sections: list  # in order, each with position, level, heading, anchor
    passages: list  # [(paragraph, notes, corrections)] in reading order; items with shown_citations, related_items
    citation: bibliography.Edition  # its title, version, date, address, publisher
    releases: list  # the releases up to this one, oldest first (each: number, released_at, summary, released_by)
    living: bool  # the living edition (as readers see it now), not a release


def _text(parent, value):
    """Append ``value`` as text at the end of ``parent`` (after its last child, if any)."""
    if not value:
        return
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + value
    else:
        parent.text = (parent.text or "") + value


def _element(parent, tag, **attributes):
    attributes = {name.rstrip("_"): value for name, value in attributes.items() if value}
    return etree.SubElement(parent, f"{{{TEI_NS}}}{tag}", {_attribute(name): value for name, value in attributes.items()})


def _attribute(name):
    return XML_ID if name == "xml_id" else name


def _block(parent, tag, **attributes):
    """A block-level element, followed by a line break (whitespace that means nothing between blocks)."""
    element = _element(parent, tag, **attributes)
    element.tail = "\n"
    return element


# --- user Markdown as TEI -------------------------------------------------------------------------------

_INLINE = {
    "em": ("hi", {"rend": "italic"}), "strong": ("hi", {"rend": "bold"}), "code": ("code", {}),
    "sub": ("hi", {"rend": "sub"}), "sup": ("hi", {"rend": "sup"}), "del": ("hi", {"rend": "strikethrough"}),
    "ins": ("hi", {"rend": "underline"}),
}
_BLOCKS = {
    "p": ("p", {}), "blockquote": ("quote", {}), "ul": ("list", {"rend": "bulleted"}),
    "ol": ("list", {"rend": "numbered"}), "li": ("item", {}), "pre": ("p", {"rend": "preformatted"}),
    **{f"h{level}": ("p", {"rend": "heading"}) for level in range(1, 7)},
}
_WITHOUT_TEXT = {"list", "quote"}  # elements whose own text between children is only layout


def _convert(node, parent):
    """Append the TEI for one element of sanitised HTML (annotations.markdown) to ``parent``."""
    tag = node.tag if isinstance(node.tag, str) else ""
    if tag in ("br",):
        _element(parent, "lb")
    elif tag in _BLOCKS or tag in _INLINE or tag == "a":
        if tag == "a":
            name, attributes = ("ref", {"target": node.get("href")}) if node.get("href") else ("hi", {})
        else:
            name, attributes = _BLOCKS.get(tag) or _INLINE[tag]
        element = _element(parent, name, **attributes)
        if name not in _WITHOUT_TEXT:
            _text(element, node.text)
        for child in node:
            _convert(child, element)
    else:  # hr, and anything the sanitiser lets through that TEI has no place for: its text only
        _text(parent, node.text_content() if tag else "")
    if parent.tag.rsplit("}", 1)[-1] not in _WITHOUT_TEXT:
        _text(parent, node.tail)


def markdown_tei(text, parent):
    """Append the blocks of a Markdown text (rendered and sanitised as the page shows it) to ``parent``."""
    html = render_markdown(text)
    if not html.strip():
        return
    for node in lxml.html.fragments_fromstring(html):
        if isinstance(node, str):
            if node.strip():
                _text(_block(parent, "p"), node.strip())
            continue
        if node.tag == "hr":
            continue
        if node.tag not in _BLOCKS:  # loose inline content: in a paragraph of its own
            wrapper = _block(parent, "p")
            tail, node.tail = node.tail, None
            _convert(node, wrapper)
            _text(wrapper, (tail or "").strip())
            continue
        _convert(node, parent)
        parent[-1].tail = "\n"


# --- people and sources ---------------------------------------------------------------------------------


class _People:
    """Everyone the document names as responsible, each with an xml:id (in order of appearance)."""

    def __init__(self):
        self.ids = {EDITORS_CREDIT: "editors"}
        self.roles = {}

    def ref(self, name, role):
        if not name:
            return ""
        if name not in self.ids:
            self.ids[name] = f"resp-{len(self.ids)}"
        self.roles.setdefault(name, [])
        if role not in self.roles[name]:
            self.roles[name].append(role)
        return f"#{self.ids[name]}"

    def of(self, item):
        return " ".join(dict.fromkeys(ref for ref in (self.ref(item.proposer, "proposed"), self.ref(item.checker, "checked")) if ref))


def _source_id(source):
    return f"bib-{source.pk}"


def _names(parent, authors):
    for family, given in bibliography.author_names(authors):
        author = _element(parent, "author")
        if given:
            person = _element(author, "persName")
            _text(_element(person, "surname"), family)
            _text(_element(person, "forename"), given)
        else:
            _text(_element(author, "name"), family)


def bibl_struct(source, parent):
    """One source as a ``biblStruct`` (analytic for an article or chapter, monogr, imprint, identifiers)."""
    kind = _source_kind(source)
    struct = _block(parent, "biblStruct", xml_id=_source_id(source), type=kind)
    part_of = kind in ("article", "chapter") or (kind in ("web", "primary") and source.container)
    if part_of:
        analytic = _element(struct, "analytic")
        _names(analytic, source.authors)
        _text(_element(analytic, "title", level="a"), source.title)
        if source.doi:
            _text(_element(analytic, "idno", type="DOI"), source.doi)
    monogr = _element(struct, "monogr")
    if not part_of:
        _names(monogr, source.authors)
        _text(_element(monogr, "title", level="m"), source.title)
        if source.doi:
            _text(_element(monogr, "idno", type="DOI"), source.doi)
    else:
        _text(_element(monogr, "title", level="j" if kind == "article" else "m"), source.container)
    if source.isbn:
        _text(_element(monogr, "idno", type="ISBN"), source.isbn)
    imprint = _element(monogr, "imprint")
    if source.place:
        _text(_element(imprint, "pubPlace"), source.place)
    if source.publisher:
        _text(_element(imprint, "publisher"), source.publisher)
    if source.volume:
        _text(_element(imprint, "biblScope", unit="volume"), source.volume)
    if source.pages:
        _text(_element(imprint, "biblScope", unit="page"), source.pages)
    date = _element(imprint, "date", when=f"{source.year:04d}" if source.year else None)
    _text(date, str(source.year) if source.year else "")
    if source.url:
        _element(struct, "ptr", target=source.url)
    return struct


def _source_kind(source):
    return source.kind if source.kind in ("book", "article", "chapter", "web", "primary") else "book"


# --- the text ---------------------------------------------------------------------------------------------


def _anchor_ids(note):
    return f"{note.entry_anchor}-from", f"{note.entry_anchor}-to"


def _applied(corrections, paragraph):
    """The corrections that go into the text, by start: as the reading page applies them (no two overlap)."""
    spans = {f"correction-{c.pk}": c for c in corrections}
    applied = rendering.corrections_applied([
        rendering.Span(kind=rendering.CORRECTION, key=key, start=c.start, end=c.end) for key, c in spans.items()
    ])
    return [spans[span.key] for span in applied]


def _supplied_parts(value):
    """[(text, supplied?)] of a replacement: the edition's ⟨conjectures⟩ are supplied."""
    parts, last = [], 0
    for match in CONJECTURE.finditer(value):
        parts.append((value[last:match.start()], False))
        parts.append((match.group(1), True))
        last = match.end()
    parts.append((value[last:], False))
    return [(text, supplied) for text, supplied in parts if text]


def _insertion(exact, replacement):
    """(offset in ``exact``, inserted words) when ``replacement`` only adds words to ``exact``, else None."""
    plain = replacement.replace("⟨", "").replace("⟩", "")
    prefix = 0
    while prefix < min(len(exact), len(plain)) and exact[prefix] == plain[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(exact), len(plain)) - prefix and exact[-1 - suffix] == plain[-1 - suffix]:
        suffix += 1
    if prefix + suffix != len(exact) or len(plain) <= len(exact):
        return None
    return prefix, plain[prefix:len(plain) - suffix]


class _Paragraph:
    """Writes one paragraph's text with its corrections in place and its notes' anchors."""

    def __init__(self, element, paragraph, notes, people, attributes):
        self.element, self.text, self.people, self.attributes = element, paragraph.text, people, attributes
        self.points = {}  # offset → [anchor ids] (a note's end before the next one's start)
        for note in sorted(notes, key=lambda n: (n.start, n.end, n.pk)):
            start_id, end_id = _anchor_ids(note)
            self.points.setdefault(note.end, []).insert(0, end_id)
            self.points.setdefault(note.start, []).append(start_id)

    def run(self, parent, start, end, *, inclusive=False):
        """Text ``[start, end)`` with the anchors at its offsets (and at ``end`` itself if ``inclusive``)."""
        cursor = start
        for offset in sorted(point for point in self.points if start <= point < end or (inclusive and point == end)):
            _text(parent, self.text[cursor:offset])
            for anchor_id in self.points[offset]:
                _element(parent, "anchor", xml_id=anchor_id)
            cursor = offset
        _text(parent, self.text[cursor:end])

    def write(self, corrections):
        cursor = 0
        for correction in corrections:
            self.run(self.element, cursor, correction.start, inclusive=True)
            self.points.pop(correction.start, None)  # written before the correction, not inside it
            self.correction(correction)
            cursor = correction.end
        self.run(self.element, cursor, len(self.text), inclusive=True)

    def correction(self, correction):
        attributes = self.attributes(correction)
        group = correction.group
        if group == Correction.Group.GAP:
            inserted = _insertion(correction.exact, correction.replacement)
            if inserted is not None:  # the original words all stay: only the missing ones are supplied
                offset, words = inserted
                self.run(self.element, correction.start, correction.start + offset)
                supplied = _element(self.element, "supplied", xml_id=correction.entry_anchor, reason="omitted", **attributes)
                _text(supplied, words)
                self.run(self.element, correction.start + offset, correction.end)
                return
        original_tag, corrected_tag = CHOICE[group]
        choice = _element(self.element, "choice", xml_id=correction.entry_anchor, corresp=attributes.pop("corresp", ""))
        self.run(_element(choice, original_tag), correction.start, correction.end)
        corrected = _element(choice, corrected_tag, type=correction.category, **attributes)
        for words, supplied in _supplied_parts(correction.replacement) if group == Correction.Group.GAP else [
            (correction.replacement, False)
        ]:
            if supplied:
                _text(_element(corrected, "supplied", reason="omitted"), words)
            else:
                _text(corrected, words)


# --- the document -----------------------------------------------------------------------------------------


def _header(tei, edition, people):
    # Who released each version is named with the others, so first.
    released_by = [
        people.ref(_person(release.released_by), "released a version") if release.released_by else "#editors"
        for release in edition.releases
    ]
    header = _block(tei, "teiHeader")
    file_desc = _block(header, "fileDesc")
    title_stmt = _block(file_desc, "titleStmt")
    _text(_block(title_stmt, "title", type="main"), edition.essay.title)
    _text(_block(title_stmt, "title", type="sub"), bibliography.EDITION_SUBTITLE)
    _text(_block(title_stmt, "editor", xml_id="editors"), EDITORS_CREDIT)
    for name, xml_id in people.ids.items():
        if name == EDITORS_CREDIT:
            continue
        statement = _block(title_stmt, "respStmt", xml_id=xml_id)
        _text(_element(statement, "resp"), " and ".join(people.roles.get(name, [])) or "responsible")
        _text(_element(statement, "name"), name)

    citation = edition.citation
    edition_stmt = _block(file_desc, "editionStmt")
    statement = _element(edition_stmt, "edition", n=str(citation.version) if citation.version and not edition.living else None)
    if edition.living:
        latest = f", after version {citation.version}" if citation.version else ", before its first release"
        _text(statement, f"The living edition as readers see it{latest}, as of ")
    else:
        _text(statement, f"{citation.version_label}, released ")
    date = _element(statement, "date", when=edition.citation.date.isoformat())
    _text(date, f"{citation.date.day} {citation.date:%B %Y}")

    publication = _block(file_desc, "publicationStmt")
    _text(_element(publication, "publisher"), citation.publisher or EDITORS_CREDIT)
    _text(_element(publication, "date", when=citation.date.isoformat()), citation.date.isoformat())
    _text(_element(publication, "idno", type="URI"), citation.url)

    essay = edition.essay
    source_desc = _block(file_desc, "sourceDesc")
    original = _element(source_desc, "bibl")
    _text(_element(original, "title", level="m"), essay.title)
    _text(_element(original, "author"), "Anonymous")
    if essay.source_site:
        _text(_element(original, "publisher"), essay.source_site)
    if essay.source_published:
        _text(_element(original, "date", when=essay.source_published.isoformat()), essay.source_published.isoformat())
    if essay.source_url:
        _element(original, "ptr", target=essay.source_url)
    if essay.source_retrieved:
        _text(_element(original, "note"), f"Retrieved on {essay.source_retrieved.isoformat()}; reproduced as retrieved.")

    encoding = _block(header, "encodingDesc")
    declaration = _block(encoding, "editorialDecl")
    for name, text in EDITORIAL_DECLARATION.items():
        _text(_element(_block(declaration, name), "p"), text)

    if edition.releases:
        revisions = _block(header, "revisionDesc")
        for release, who in zip(edition.releases, released_by):
            change = _block(revisions, "change", n=str(release.number), when=release.released_at.date().isoformat(), who=who)
            _text(change, f"Version {release.number}: {release.summary}")


def _person(user):
    return user.get_full_name() or user.get_username()


def _item_attributes(people, item):
    sources = " ".join(dict.fromkeys(f"#{_source_id(citation.source)}" for citation in item.shown_citations))
    related = " ".join(f"#{other.entry_anchor}" for other in item.related_items)
    return {"resp": people.of(item), "cert": item.certainty, "source": sources, "corresp": related}


def _item_note(parent, item, number, attributes, *, target, target_end=None, note_type):
    note = _block(
        parent, "note", xml_id=item.entry_anchor if note_type != "rationale" else f"{item.entry_anchor}-rationale",
        type=note_type, n=str(number) if number else None, target=target, targetEnd=target_end, **attributes,
    )
    markdown_tei(item.body if isinstance(item, Annotation) else item.rationale, note)
    for citation in item.shown_citations:
        bibl = _block(note, "bibl")
        _element(bibl, "ptr", target=f"#{_source_id(citation.source)}")
        if citation.locator:
            _text(_element(bibl, "citedRange"), citation.locator)
    return note


def tei_document(edition):
    """The TEI P5 document of ``edition`` (an ``Edition``), as UTF-8 bytes."""
    people = _People()
    tei = etree.Element(f"{{{TEI_NS}}}TEI", nsmap={None: TEI_NS})
    tei.set(XML_LANG, "en")
    tei.text = "\n"

    text = etree.Element(f"{{{TEI_NS}}}text")
    text.text = "\n"
    if edition.essay.introduction.strip():
        front = _block(text, "front")
        introduction = _block(front, "div", type="introduction")
        _text(_block(introduction, "head"), "Editor’s introduction")
        markdown_tei(edition.essay.introduction, introduction)
    body = _block(text, "body")
    back = etree.Element(f"{{{TEI_NS}}}back")
    back.tail = "\n"
    notes_div = _block(back, "div", type="notes")

    divs, current_level_one = {}, None
    for section in edition.sections:
        parent = divs[current_level_one] if section.level == 2 and current_level_one is not None else body
        div = _block(parent, "div", xml_id=section.anchor, n=str(section.position),
                     type="section" if section.level == 1 else "subsection")
        _text(_block(div, "head"), section.heading)
        divs[section.pk] = div
        if section.level == 1:
            current_level_one = section.pk

    sources, list_parent, note_number, correction_number = {}, {}, 1, 1
    written = []
    for paragraph, notes, corrections in edition.passages:
        div = divs[paragraph.section_id]
        if paragraph.kind == "list_item":
            if list_parent.get(paragraph.section_id) is not div[-1]:
                list_parent[paragraph.section_id] = _block(div, "list")
            element = _block(list_parent[paragraph.section_id], "item", xml_id=paragraph.anchor, n=paragraph.locator)
        else:
            list_parent.pop(paragraph.section_id, None)
            element = _block(div, "p", xml_id=paragraph.anchor, n=paragraph.locator)
        applied = _applied(corrections, paragraph)
        _Paragraph(element, paragraph, notes, people, lambda item: _item_attributes(people, item)).write(applied)
        # The numbers readers see, as the reading page counts them.
        spans = [rendering.Span(kind=rendering.NOTE, key=n.entry_anchor, start=n.start, end=n.end) for n in notes]
        spans += [rendering.Span(kind=rendering.CORRECTION, key=c.entry_anchor, start=c.start, end=c.end) for c in applied]
        _, numbers = rendering.render_paragraph(
            paragraph.text, spans, first_number=note_number, first_correction_number=correction_number,
        )
        note_number += len(notes)
        correction_number += len(applied)
        for item in list(notes) + applied:
            written.append((item, numbers.get(item.entry_anchor)))
            for citation in item.shown_citations:
                sources[citation.source.pk] = citation.source

    for item, number in sorted(written, key=lambda pair: (isinstance(pair[0], Correction), pair[1] or 0)):
        attributes = _item_attributes(people, item)
        if isinstance(item, Annotation):
            start_id, end_id = _anchor_ids(item)
            _item_note(notes_div, item, number, attributes, target=f"#{start_id}", target_end=f"#{end_id}",
                       note_type=item.kind)
        else:
            attributes.pop("corresp")
            _item_note(notes_div, item, number, attributes, target=f"#{item.entry_anchor}", note_type="rationale")

    bibliography_div = _block(back, "div", type="bibliography")
    listed = _block(bibliography_div, "listBibl")
    for source in sorted(sources.values(), key=bibliography.sort_key):
        bibl_struct(source, listed)
    text.append(back)

    _header(tei, edition, people)
    tei.append(text)
    text.tail = "\n"
    return etree.tostring(tei, xml_declaration=True, encoding="UTF-8")
