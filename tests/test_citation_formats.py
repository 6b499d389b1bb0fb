"""The bibliography, the edition and each published item as CSL-JSON, BibTeX and RIS.

BibTeX is read back with bibtexparser, RIS with rispy, and CSL-JSON is checked
against the CSL-JSON schema kept in tests/data/ (nothing read from outside the
repository).
"""

import datetime
import json
from pathlib import Path
from types import SimpleNamespace

import bibtexparser
import jsonschema
import pytest
import rispy
from bibtexparser import middlewares
from django.urls import reverse

from annotations import citation_formats
from annotations.models import Source, Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user

CSL_SCHEMA = json.loads((Path(__file__).parent / "data" / "csl-data.json").read_text(encoding="utf-8"))
# What each CSL type needs for a usable reference, beside the schema's id and type.
CSL_REQUIRED = {
    "book": {"title"},
    "article-journal": {"title", "container-title"},
    "chapter": {"title", "container-title"},
    "webpage": {"title"},
    "document": {"title"},
}
RIS_TYPES = {"BOOK", "JOUR", "CHAP", "ELEC", "GEN"}


def _csl(response):
    items = json.loads(response.content)
    jsonschema.Draft7Validator(CSL_SCHEMA).validate(items)
    for item in items:
        assert CSL_REQUIRED[item["type"]] <= set(item), item
    return items


def _bibtex(response):
    library = bibtexparser.parse_string(
        response.content.decode(), append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    assert library.failed_blocks == []
    return library.entries


def _ris(response):
    text = response.content.decode()
    assert text.endswith("ER  - \r\n")
    return rispy.loads(text)


@pytest.fixture
def bibliography(db):
    """Sources of every kind cited by published items, and sources that must stay out."""
    paragraph = make_paragraph("Litvinov's fall in May 1939 opened the way to the pact with Germany.")
    note = make_note(paragraph, exact="Litvinov's fall")
    correction = make_correction(paragraph, exact="May 1939", replacement="3 May 1939")
    cited = {
        "book": make_source(authors="Carr, E. H.; Davies, R. W.", title="Foundations of a Planned Economy", year=1969,
                            place="London", publisher="Macmillan", isbn="9780333104330", volume="1"),
        "article": make_source(kind=Source.Kind.ARTICLE, authors="Roberts, Geoffrey", title="The Fall of Litvinov",
                               container="Europe-Asia Studies", volume="44", pages="639–657", year=1992,
                               doi="10.1080/09668139208411999"),
        "chapter": make_source(kind=Source.Kind.CHAPTER, authors="Haslam, Jonathan", title="Litvinov, Stalin and the Road",
                               container="Soviet Foreign Policy, 1917–1991", pages="55–62", publisher="Cass", year=1994),
        "web": make_source(kind=Source.Kind.WEB, authors="", title="Treaty of Non-Aggression", container="Avalon Project",
                           url="https://avalon.example/nonagres.asp", year=None),
        "primary": make_source(kind=Source.Kind.PRIMARY, authors="League of Nations", title="Official Journal", year=1939),
    }
    for index, source in enumerate(cited.values()):
        make_citation(note if index % 2 else correction, source, locator=f"p. {index + 1}")
    pending_source = make_source(title="A pending record", status=Status.PENDING)
    make_citation(note, pending_source)
    rejected_note = make_note(paragraph, exact="the pact", status=Status.REJECTED)
    make_citation(rejected_note, make_source(title="Cited only by a rejected note"))
    return cited


def test_the_three_bibliography_files_list_exactly_the_sources_of_the_sources_page(client, bibliography):
    page = client.get(reverse("annotations:sources")).content.decode()
    titles = {source.title for source in bibliography.values()}
    assert all(title in page for title in titles) and "A pending record" not in page
    csl = _csl(client.get("/sources.json"))
    bibtex = _bibtex(client.get("/sources.bib"))
    ris = _ris(client.get("/sources.ris"))
    assert {item["title"] for item in csl} == titles
    assert {entry.fields_dict["title"].value.strip("{}") for entry in bibtex} == titles
    assert {record["title"] for record in ris} == titles
    assert [item["id"] for item in csl] == [entry.key for entry in bibtex] == [record["id"] for record in ris]
    assert len(set(item["id"] for item in csl)) == len(csl)


def test_each_kind_of_source_has_its_type_and_fields_in_every_format(client, bibliography):
    csl = {item["title"]: item for item in _csl(client.get("/sources.json"))}
    bibtex = {entry.fields_dict["title"].value.strip("{}"): entry for entry in _bibtex(client.get("/sources.bib"))}
    ris = {record["title"]: record for record in _ris(client.get("/sources.ris"))}
    expected = {"book": ("book", "book", "BOOK"), "article": ("article-journal", "article", "JOUR"),
                "chapter": ("chapter", "incollection", "CHAP"), "web": ("webpage", "misc", "ELEC"),
                "primary": ("document", "misc", "GEN")}
    for kind, source in bibliography.items():
        csl_type, bibtex_type, ris_type = expected[kind]
        assert csl[source.title]["type"] == csl_type
        assert bibtex[source.title].entry_type == bibtex_type
        assert ris[source.title]["type_of_reference"] == ris_type in RIS_TYPES
    book, article, chapter = bibliography["book"], bibliography["article"], bibliography["chapter"]
    assert csl[book.title]["author"] == [{"family": "Carr", "given": "E. H."}, {"family": "Davies", "given": "R. W."}]
    assert csl[book.title]["issued"] == {"date-parts": [[1969]]} and csl[book.title]["publisher-place"] == "London"
    names = bibtex[book.title].fields_dict["author"].value
    assert [(name.last, name.first) for name in names] == [(["Carr"], ["E.", "H."]), (["Davies"], ["R.", "W."])]
    assert ris[book.title]["authors"] == ["Carr, E. H.", "Davies, R. W."] and ris[book.title]["issn"] == "9780333104330"  # RIS has one SN tag for ISBN and ISSN
    assert csl[article.title]["DOI"] == article.doi and csl[article.title]["container-title"] == "Europe-Asia Studies"
    assert bibtex[article.title].fields_dict["journal"].value == "Europe-Asia Studies"
    assert bibtex[article.title].fields_dict["pages"].value == "639--657"
    assert (ris[article.title]["start_page"], ris[article.title]["end_page"]) == ("639", "657")
    assert bibtex[chapter.title].fields_dict["booktitle"].value == "Soviet Foreign Policy, 1917–1991"
    # An institution is one name, not a first name "League" and a last name "Nations".
    primary = bibtex[bibliography["primary"].title].fields_dict["author"].value
    assert [name.last for name in primary] == [["{League of Nations}"]]
    assert csl[bibliography["primary"].title]["author"] == [{"literal": "League of Nations"}]
    assert "issued" not in csl[bibliography["web"].title] and "year" not in bibtex[bibliography["web"].title].fields_dict


def test_the_files_are_served_as_their_media_types_for_a_reference_manager(client, bibliography):
    for suffix, media_type in (("json", "application/vnd.citationstyles.csl+json"),
                               ("bib", "application/x-bibtex; charset=utf-8"),
                               ("ris", "application/x-research-info-systems; charset=utf-8")):
        response = client.get(f"/sources.{suffix}")
        assert response.status_code == 200 and response["Content-Type"] == media_type
        assert response["Content-Disposition"] == f'attachment; filename="sources.{suffix}"'
    assert client.get("/sources.xml").status_code == 404


def test_latex_special_characters_and_stray_braces_do_not_break_the_bibtex(client, db):
    note = make_note()
    make_citation(note, make_source(title="Rates & 50% of {x}_y in $ # ~ ^ \\ terms", authors="Smith and Sons, J.", year=2026))
    make_citation(note, make_source(title="An unbalanced { brace", authors="Doe, Jane"))
    make_citation(note, make_source(title="After the brace", authors="Zed, Zoe"))
    entries = _bibtex(client.get("/sources.bib"))
    titles = [entry.fields_dict["title"].value for entry in entries]
    assert r"{Rates \& 50\% of \{x\}\_y in \$ \# \textasciitilde{} \textasciicircum{} \textbackslash{} terms}" in titles
    assert "{After the brace}" in titles and len(entries) == 3
    authors = {entry.key: entry.fields_dict["author"].value for entry in entries}
    assert [name.last for name in authors["smithandsons2026rates"]] == [["{Smith and Sons}"]]


def test_citation_keys_are_made_from_the_record_and_told_apart(db):
    def source(**fields):
        return SimpleNamespace(**{"pk": fields.pop("pk"), "authors": "", "title": "", "year": None, **fields})

    sources = [
        source(pk=1, authors="Carr, E. H.", title="The Bolshevik Revolution", year=1953),
        source(pk=2, authors="Carr, E. H.", title="The Bolshevik Revolution", year=1953),
        source(pk=3, authors="Łukasiewicz, Jan", title="O zasadzie", year=1910),
        source(pk=4, title="The Anti-Comintern Pact"),
        source(pk=5, title="Документы внешней политики СССР", year=1957),
        source(pk=6, title="«»"),
    ]
    assert citation_formats.citation_keys(sources) == {
        1: "carr1953bolshevika", 2: "carr1953bolshevikb", 3: "lukasiewicz1910o", 4: "anticomintern",
        5: "dokumentyvneshnei1957", 6: "source",
    }


def test_the_edition_downloads_match_cite_this_edition(client, seeded_essay):
    from annotations import releases

    releases.release_first_ensure(seeded_essay)
    page = client.get(reverse("annotations:edition")).content.decode()
    for suffix in ("bib", "ris", "json"):
        assert f'href="/edition.{suffix}"' in page
    (item,) = _csl(client.get("/edition.json"))
    assert item["type"] == "book" and item["title"].startswith(seeded_essay.title)
    assert item["URL"] == "http://testserver/v/1/" and item["version"] == "1"
    (entry,) = _bibtex(client.get("/edition.bib"))
    assert entry.entry_type == "misc" and entry.key == f"{seeded_essay.slug}-v1"
    assert entry.fields_dict["version"].value == "1" and entry.fields_dict["publisher"].value == "The editors"
    (record,) = _ris(client.get("/edition.ris"))
    assert record["type_of_reference"] == "BOOK" and record["edition"] == "Version 1"


def test_a_published_note_or_correction_is_cited_as_a_part_of_the_edition(client, db):
    user = make_user("jsmith", first_name="Jane", last_name="Smith")
    note = make_note(submitted_by=user)
    note_page = client.get(note.get_absolute_url()).content.decode()
    assert f'href="/notes/{note.pk}/citation.bib"' in note_page
    (item,) = _csl(client.get(f"/notes/{note.pk}/citation.json"))
    assert item["type"] == "chapter" and item["author"] == [{"family": "Smith", "given": "Jane"}]
    assert item["title"] == "Note on “Rapallo”" and item["container-title"].endswith(": An Annotated Edition")
    assert item["section"] == note.paragraph.locator and item["URL"] == f"http://testserver{note.get_absolute_url()}"
    correction = make_correction(note.paragraph, credit="The editors")
    (record,) = _ris(client.get(f"/corrections/{correction.pk}/citation.ris"))
    assert record["type_of_reference"] == "CHAP" and record["authors"] == ["The editors"]
    assert record["secondary_title"].endswith(": An Annotated Edition") and record["section"] == correction.paragraph.locator
    (entry,) = _bibtex(client.get(f"/corrections/{correction.pk}/citation.bib"))
    assert entry.entry_type == "incollection" and entry.fields_dict["booktitle"].value.endswith(": An Annotated Edition")


@pytest.mark.parametrize("status", [Status.PENDING, Status.REJECTED, Status.WITHDRAWN, Status.SPAM])
def test_an_unpublished_item_has_no_citation_to_download(client, db, status):
    contributor = make_user("contributor")
    note = make_note(status=status, submitted_by=contributor)
    client.force_login(contributor)
    assert client.get(f"/notes/{note.pk}/citation.bib").status_code == 404
    if status == Status.PENDING:
        assert "citation.bib" not in client.get(note.get_absolute_url()).content.decode()


def test_the_bibtex_writer_keeps_the_editions_citation_as_it_was():
    edition = SimpleNamespace(full_title="T: An Annotated Edition", version=3, date=datetime.date(2026, 11, 26),
                              url="https://e/", key="t")
    assert citation_formats.bibtex_entry(citation_formats.edition_record(edition)) == (
        "@misc{t,\n  title = {{T: An Annotated Edition}},\n  year = {2026},\n  month = nov,\n  version = {3},\n"
        "  date = {2026-11-26},\n  url = {https://e/}\n}"
    )
