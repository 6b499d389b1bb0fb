"""
Bibliographic records in the formats of the field: CSL-JSON, BibTeX and RIS.

Pure: no ORM, no request. A ``Record`` is the neutral description of one work
(a source, the edition, a note or a correction); ``source_record``,
``edition_record`` and ``item_record`` build one from anything with the right
attributes, and ``csl_json``, ``bibtex`` and ``ris`` write a list of records::

    records = [source_record(source, key=keys[source.pk]) for source in sources]
    csl_json(records)   # [{"id": "haslam1984soviet", "type": "book", ...}]
    bibtex(records)     # @book{haslam1984soviet, author = {Haslam, Jonathan}, ...}
    ris(records)        # TY  - BOOK ... ER  -
    highwire(record)    # [("name", "citation_title", "…"), …]: the meta tags Zotero and Google Scholar read

Item types follow CSL (https://citationstyles.org/): every other format's type
is looked up from the CSL type in ``TYPES``, the one table of them.
"""

import json
import re
import unicodedata
from dataclasses import dataclass

from annotations.bibliography import author_names

# A source's kind → its CSL item type.
SOURCE_TYPES = {
    "book": "book",
    "article": "article-journal",
    "chapter": "chapter",
    "web": "webpage",
    "primary": "document",
}
# CSL item type → (BibTeX entry type, the BibTeX field for its container, RIS type).
TYPES = {
    "book": ("book", "", "BOOK"),
    "article-journal": ("article", "journal", "JOUR"),
    "chapter": ("incollection", "booktitle", "CHAP"),
    "webpage": ("misc", "howpublished", "ELEC"),
    "document": ("misc", "howpublished", "GEN"),
}

CSL_MEDIA_TYPE = "application/vnd.citationstyles.csl+json"
BIBTEX_MEDIA_TYPE = "application/x-bibtex; charset=utf-8"
RIS_MEDIA_TYPE = "application/x-research-info-systems; charset=utf-8"


@dataclass(frozen=True)
class Name:
    """A person ("family", "given") or a name kept whole ("literal": an institution, "Plato")."""

    family: str = ""
    given: str = ""
    literal: str = ""

    def csl(self):
        if self.literal:
            return {"literal": self.literal}
        return {"family": self.family, "given": self.given} if self.given else {"family": self.family}


@dataclass(frozen=True)
class Record:
    key: str
    type: str  # a CSL item type, one of TYPES
    title: str
    authors: tuple = ()
    container: str = ""  # journal, book of a chapter, site, or the edition a note belongs to
    publisher: str = ""
    place: str = ""
    issued: tuple = ()  # (year,) or (year, month, day)
    volume: str = ""
    pages: str = ""
    url: str = ""
    doi: str = ""
    isbn: str = ""
    version: str = ""
    section: str = ""  # where in the edition: "§ 3 ¶ 2"


def names_from_authors(authors):
    """The "Last, First; Last, First" of a source as Names; a name without a comma is kept whole."""
    return tuple(Name(family=last, given=first) if first else Name(literal=last) for last, first in author_names(authors))


def name_text(name):
    """A name as a bibliography writes it: "Family, Given", or a name kept whole."""
    return name.literal or f"{name.family}, {name.given}".rstrip(", ")


def authors_from_names(names):
    """The inverse of ``names_from_authors`` (for CSL-JSON read back by the importer)."""
    return "; ".join(name_text(name) for name in names)


def source_record(source, *, key):
    return Record(
        key=key,
        type=SOURCE_TYPES.get(source.kind, "document"),
        title=source.title,
        authors=names_from_authors(source.authors),
        container=source.container,
        publisher=source.publisher,
        place=source.place,
        issued=(source.year,) if source.year else (),
        volume=source.volume,
        pages=source.pages,
        url=source.url,
        doi=source.doi,
        isbn=source.isbn,
    )


def _version(edition):
    return str(edition.version) if edition.version else ""


def edition_record(edition):
    """The edition (a ``bibliography.Edition``): cited by its title, with its version, date and publisher."""
    return Record(
        key=edition.key,
        type="book",
        title=edition.full_title,
        publisher=getattr(edition, "publisher", ""),
        issued=(edition.date.year, edition.date.month, edition.date.day),
        version=_version(edition),
        url=edition.url,
    )


def credit_name(item):
    """Who a note or correction is by: the credit line, the contributor's name, or their user name."""
    if item.credit:
        return Name(literal=item.credit)
    user = item.submitted_by
    if user is None:
        return Name(literal="Anonymous")
    if user.last_name and user.first_name:
        return Name(family=user.last_name, given=user.first_name)
    return Name(literal=user.get_full_name() or user.get_username())


def item_record(*, key, title, author, date, url, locator, edition):
    """A published note or correction, cited as a part of the edition ("in: <edition>, version N, § ¶")."""
    return Record(
        key=key,
        type="chapter",
        title=title,
        authors=(author,),
        container=edition.full_title,
        publisher=getattr(edition, "publisher", ""),
        issued=(date.year, date.month, date.day),
        version=_version(edition),
        url=url,
        section=locator,
    )


# --- keys ---------------------------------------------------------------------------------------

_ARTICLES = {"a", "an", "the"}
# Letters Unicode does not decompose into a Latin base letter, and Russian (the essay's other language of sources).
_TRANSLITERATION = str.maketrans({
    "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
    "þ": "th", "Þ": "Th",
    **dict(zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", (
        "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch  y  e iu ia".split(" ")
    ))),
})


def _ascii_words(value):
    transliterated = value.lower().translate(_TRANSLITERATION)
    folded = unicodedata.normalize("NFKD", transliterated).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9]+", folded)


def _key_base(source):
    """The first author's family name, the year and the title's first word; without authors, two title words."""
    people = author_names(source.authors)
    title_words = [word for word in _ascii_words(source.title) if word not in _ARTICLES]
    year = str(source.year) if source.year else ""
    if people and _ascii_words(people[0][0]):
        return "".join(_ascii_words(people[0][0])) + year + "".join(title_words[:1])
    return ("".join(title_words[:2]) or "source") + year


def citation_keys(sources):
    """source.pk → a citation key ("haslam1984soviet"), unique in ``sources``, made from each one's own data."""
    bases = {source.pk: _key_base(source) for source in sources}
    counts = {}
    for base in bases.values():
        counts[base] = counts.get(base, 0) + 1
    seen, keys = {}, {}
    for source in sources:
        base = bases[source.pk]
        if counts[base] > 1:
            index = seen.get(base, 0)
            seen[base] = index + 1
            keys[source.pk] = f"{base}{_suffix(index)}"
        else:
            keys[source.pk] = base
    return keys


def _suffix(index):
    """a, b, …, z, aa, ab, …"""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


# --- CSL-JSON -----------------------------------------------------------------------------------


def csl_item(record):
    item = {"id": record.key, "citation-key": record.key, "type": record.type, "title": record.title}
    if record.authors:
        item["author"] = [name.csl() for name in record.authors]
    optional = {
        "container-title": record.container,
        "publisher": record.publisher,
        "publisher-place": record.place,
        "volume": record.volume,
        "page": record.pages,
        "version": record.version,
        "section": record.section,
        "URL": record.url,
        "DOI": record.doi,
        "ISBN": record.isbn,
    }
    item.update({name: value for name, value in optional.items() if value})
    if record.issued:
        item["issued"] = {"date-parts": [list(record.issued)]}
    return item


def csl_json(records):
    return json.dumps([csl_item(record) for record in records], ensure_ascii=False, indent=2) + "\n"


def record_from_csl(item):
    """A Record from one CSL-JSON item (the fields this module writes); raises ValueError when it is unusable."""
    if not isinstance(item, dict) or not isinstance(item.get("title"), str) or not item["title"].strip():
        raise ValueError("a cited source has no title")
    if item.get("type") not in TYPES:
        raise ValueError(f"a cited source has the type {item.get('type')!r}, which the edition does not keep")
    names = []
    for name in item.get("author", []):
        if not isinstance(name, dict):
            raise ValueError("a cited source has an author that is not a CSL name")
        names.append(Name(family=str(name.get("family", "")), given=str(name.get("given", "")), literal=str(name.get("literal", ""))))
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    issued = tuple(parts[0]) if isinstance(parts, list) and parts and isinstance(parts[0], list) else ()
    text = {name: str(item.get(name, "")) for name in (
        "container-title", "publisher", "publisher-place", "volume", "page", "URL", "DOI", "ISBN", "version", "section",
    )}
    return Record(
        key=str(item.get("id", "")), type=item["type"], title=item["title"], authors=tuple(names),
        container=text["container-title"], publisher=text["publisher"], place=text["publisher-place"],
        issued=issued, volume=text["volume"], pages=text["page"], url=text["URL"], doi=text["DOI"],
        isbn=text["ISBN"], version=text["version"], section=text["section"],
    )


# --- BibTeX -------------------------------------------------------------------------------------

_BIBTEX_CHARACTERS = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WHITESPACE = re.compile(r"\s+")


def _braces_balanced(value):
    depth = 0
    for char in value:
        depth += {"{": 1, "}": -1}.get(char, 0)
        if depth < 0:
            return False
    return depth == 0


def bibtex_escape(value):
    """LaTeX's special characters escaped; braces kept as \\{ \\} only when they pair up (BibTeX counts them)."""
    table = dict(_BIBTEX_CHARACTERS)
    if _braces_balanced(value):
        table.update({"{": r"\{", "}": r"\}"})
    else:
        table.update({"{": r"\textbraceleft{}", "}": r"\textbraceright{}"})
    return "".join(table.get(char, char) for char in _WHITESPACE.sub(" ", value).strip())


def _bibtex_name(name):
    if name.literal:
        return f"{{{bibtex_escape(name.literal)}}}"
    family = bibtex_escape(name.family)
    if re.search(r"\band\b", family, re.IGNORECASE):
        family = f"{{{family}}}"
    return f"{family}, {bibtex_escape(name.given)}" if name.given else family


def _bibtex_url(value):
    return value.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20")


def bibtex_entry(record):
    entry_type, container_field, _ = TYPES.get(record.type, TYPES["document"])
    if entry_type == "book" and not record.authors:
        entry_type = "misc"  # a BibTeX book needs an author or an editor
    fields = []
    if record.authors:
        fields.append(("author", "{" + " and ".join(_bibtex_name(name) for name in record.authors) + "}"))
    fields.append(("title", "{{" + bibtex_escape(record.title) + "}}"))
    if record.container:
        fields.append((container_field or "howpublished", "{" + bibtex_escape(record.container) + "}"))
    for name, value in (("volume", record.volume), ("pages", re.sub(r"(?<=\w)\s*[–—-]\s*(?=\w)", "--", record.pages))):
        if value:
            fields.append((name, "{" + bibtex_escape(value) + "}"))
    for name, value in (("publisher", record.publisher), ("address", record.place)):
        if value:
            fields.append((name, "{" + bibtex_escape(value) + "}"))
    if record.issued:
        fields.append(("year", f"{{{record.issued[0]}}}"))
        if len(record.issued) == 3:
            fields.append(("month", _MONTHS[record.issued[1] - 1]))  # the month macro, unbraced: "month = nov"
    if record.version:
        fields.append(("version", "{" + bibtex_escape(record.version) + "}"))
    if record.section:
        fields.append(("chapter", "{" + bibtex_escape(record.section) + "}"))
    if len(record.issued) == 3:
        year, month, day = record.issued
        fields.append(("date", f"{{{year:04d}-{month:02d}-{day:02d}}}"))
    for name, value in (("isbn", record.isbn), ("doi", record.doi)):
        if value:
            fields.append((name, "{" + bibtex_escape(value) + "}"))
    if record.url:
        fields.append(("url", "{" + _bibtex_url(record.url) + "}"))
    body = ",\n".join(f"  {name} = {value}" for name, value in fields)
    return f"@{entry_type}{{{record.key},\n{body}\n}}"


def bibtex(records):
    return "\n\n".join(bibtex_entry(record) for record in records) + "\n"


# --- RIS ----------------------------------------------------------------------------------------


def _ris_value(value):
    return _WHITESPACE.sub(" ", str(value)).strip()


def ris_entry(record):
    _, _, ris_type = TYPES.get(record.type, TYPES["document"])
    lines = [("TY", ris_type), ("ID", record.key)]
    for name in record.authors:
        lines.append(("AU", name_text(name)))
    lines.append(("TI", record.title))
    lines.append(("T2", record.container))
    if record.issued:
        lines.append(("PY", str(record.issued[0])))
        if len(record.issued) == 3:
            lines.append(("DA", "{:04d}/{:02d}/{:02d}/".format(*record.issued)))
    start, end = (re.split(r"\s*[–—-]+\s*", record.pages, maxsplit=1) + [""])[:2] if record.pages else ("", "")
    lines += [
        ("VL", record.volume), ("SP", start), ("EP", end), ("PB", record.publisher), ("CY", record.place),
        ("ET", f"Version {record.version}" if record.version else ""), ("SE", record.section),
        ("SN", record.isbn), ("DO", record.doi), ("UR", record.url),
    ]
    text = "".join(f"{tag}  - {_ris_value(value)}\r\n" for tag, value in lines if _ris_value(value))
    return text + "ER  - \r\n"


def ris(records):
    return "\r\n".join(ris_entry(record) for record in records)


# --- Highwire Press meta tags ---------------------------------------------------------------------

# What the consumers read (Google Scholar's inclusion guidelines; Zotero's Embedded Metadata translator):
# citation_title, one citation_author per author ("Family, Given": Zotero splits at the comma),
# citation_publication_date as "YYYY/MM/DD", citation_book_title for a part of a book (Zotero's book
# section), og:type "book" for a whole book (Zotero has no Highwire tag for one: without it, a page
# with only citation_title is saved as a journal article) and prism.edition (Zotero's edition field).


def _highwire_date(issued):
    return "/".join(f"{part:02d}" if index else str(part) for index, part in enumerate(issued))


def highwire(record, *, authors_fallback="", language="en"):
    """[(attribute, name, content)] of the ``<meta>`` tags citing ``record``.

    ``authors_fallback`` names who answers for a work without authors (Google
    Scholar takes no page without a citation_author).
    """
    tags = [("name", "citation_title", record.title)]
    names = [name_text(name) for name in record.authors]
    tags += [("name", "citation_author", name) for name in names or [authors_fallback] if name]
    if record.issued:
        tags += [
            ("name", "citation_publication_date", _highwire_date(record.issued)),
            ("name", "citation_online_date", _highwire_date(record.issued)),
        ]
    if record.type == "chapter" and record.container:
        tags.append(("name", "citation_book_title", record.container))
    for name, value in (("citation_publisher", record.publisher), ("citation_public_url", record.url),
                        ("citation_language", language)):
        if value:
            tags.append(("name", name, value))
    if record.type == "book":
        tags.append(("property", "og:type", "book"))
    if record.version:
        tags.append(("name", "prism.edition", f"Version {record.version}"))
    return tags
