"""The edition's own apparatus: every item anchors, every correction is sourced, rebuilds match."""

import json
from collections import Counter

import pytest
from django.core.management import call_command

from annotations import identifiers, moderation, text
from annotations.apparatus import SUPERSEDED_REASON, ApparatusError, apparatus_build, apparatus_read, citation_needs_locator
from annotations.models import EDITORS_CREDIT, Annotation, Certainty, Citation, Correction, CrossReference, Essay, Source, Status
from tests.conftest import ROOT
from tests.factories import make_note, make_user

APPARATUS = ROOT / "fixtures" / "apparatus.toml"


@pytest.fixture
def edition(db):
    call_command("load_edition", verbosity=0)


def test_every_correction_and_note_anchors_uniquely_in_its_paragraph(edition):
    items = list(Correction.objects.all()) + list(Annotation.objects.all())
    assert len(items) > 40
    for item in items:
        anchor = text.anchor_quote(item.paragraph.text, item.exact, prefix=item.prefix, suffix=item.suffix)
        assert (anchor.start, anchor.end) == (item.start, item.end), item
        assert len(text.find_quote(item.paragraph.text, item.exact)) == 1 or item.prefix, item


def test_factual_date_and_name_corrections_cite_a_source(edition):
    sourced = Correction.objects.filter(category__in=moderation.FACT_CATEGORIES).prefetch_related("citations")
    assert sourced.exists()
    for correction in sourced:
        assert correction.citations.exists(), correction


def test_every_citation_of_a_book_or_article_says_where(edition):
    citations = Citation.objects.select_related("source")
    assert any(citation_needs_locator(citation.source) for citation in citations)
    for citation in citations:
        if citation_needs_locator(citation.source):
            assert citation.locator.strip(), citation


def test_every_doi_and_isbn_is_valid_and_stored_in_canonical_form(edition):
    for source in Source.objects.exclude(doi="", isbn=""):
        if source.doi:
            assert identifiers.clean_doi(source.doi) == source.doi, source
        if source.isbn:
            assert identifiers.clean_isbn(source.isbn) == source.isbn, source


def test_every_item_records_its_certainty_and_who_proposed_and_checked_it(edition):
    for item in [*Correction.objects.all(), *Annotation.objects.all()]:
        assert item.certainty in Certainty.values, item
        assert item.proposed_by.strip() and item.checked_by.strip(), item


def test_cross_references_point_to_published_items_of_the_apparatus(edition):
    references = list(CrossReference.objects.all())
    assert references
    for reference in references:
        assert reference.source != reference.target and reference.target.is_public, reference


def test_every_correction_changes_the_wording(edition):
    for correction in Correction.objects.all():
        assert correction.replacement.strip() and correction.replacement != correction.exact


def test_accepted_corrections_never_overlap(edition):
    by_paragraph = {}
    for correction in Correction.objects.order_by("paragraph", "start"):
        by_paragraph.setdefault(correction.paragraph_id, []).append(correction)
    for corrections in by_paragraph.values():
        for before, after in zip(corrections, corrections[1:]):
            assert before.end <= after.start, (before, after)


def test_every_source_is_complete(edition):
    for source in Source.objects.all():
        assert source.title and source.kind in Source.Kind.values
        assert source.year or source.kind == Source.Kind.WEB, source
        if source.kind not in {Source.Kind.PRIMARY, Source.Kind.WEB}:
            assert source.authors and source.publisher or source.container, source
        assert source.citations.exists(), f"{source} is cited by nothing"


def test_the_apparatus_is_public_and_credited_to_the_editors(edition):
    for model in (Correction, Annotation, Source, Citation):
        assert not model.objects.exclude(status=Status.ACCEPTED).exists()
        assert set(model.objects.values_list("credit", flat=True)) == {EDITORS_CREDIT}
    assert Correction.objects.published().count() == Correction.objects.count()


def _counted(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def test_the_introduction_is_loaded_and_states_the_shipped_counts(edition):
    introduction = Essay.objects.get().introduction
    corrections, notes = list(Correction.objects.all()), list(Annotation.objects.all())
    groups = Counter(correction.group for correction in corrections)
    certainties = Counter(item.certainty for item in corrections + notes)
    stated = [
        _counted(len(corrections), "correction"),
        _counted(len(notes), "note"),
        _counted(Source.objects.count(), "source"),
        _counted(groups[Correction.Group.ERROR], "error"),
        _counted(groups[Correction.Group.REGULARISATION], "regularisation"),
        _counted(groups[Correction.Group.GAP], "gap"),
        *(f"{certainties[value]} {value}" for value in Certainty.values),
    ]
    for phrase in stated:
        assert phrase in introduction, phrase


ITEM_FIELDS = ("paragraph__anchor", "start", "end", "certainty", "proposed_by", "checked_by")


def _sorted(rows):
    return sorted(rows, key=repr)


def test_fixture_matches_a_fresh_build_of_the_toml(seeded_essay):
    """fixtures/apparatus.json is regenerated by `make fixtures`; it must not drift from the TOML.

    Rows are compared by what identifies them (a source's title, an item's place), not by primary key.
    """
    apparatus_build(apparatus_read(APPARATUS), essay=seeded_essay)
    anchors = dict(seeded_essay.sections.values_list("paragraphs__pk", "paragraphs__anchor"))
    shipped = json.loads((ROOT / "fixtures" / "apparatus.json").read_text(encoding="utf-8"))
    rows = {}
    for row in shipped:
        rows.setdefault(row["model"], {})[row["pk"]] = row["fields"]

    def place(label, pk):
        return None if pk is None else (anchors[rows[label][pk]["paragraph"]], rows[label][pk]["start"])

    for model, label, fields in (
        (Correction, "annotations.correction", (*ITEM_FIELDS, "replacement", "category", "rationale")),
        (Annotation, "annotations.annotation", (*ITEM_FIELDS, "kind", "body")),
    ):
        from_fixture = [
            tuple(anchors[row["paragraph"]] if name == "paragraph__anchor" else row[name] for name in fields)
            for row in rows[label].values()
        ]
        assert _sorted(model.objects.values_list(*fields)) == _sorted(from_fixture), label

    def item_place(item):
        return None if item is None else (item.paragraph.anchor, item.start)

    built = [
        (citation.source.title, item_place(citation.annotation), item_place(citation.correction), citation.locator)
        for citation in Citation.objects.select_related("source", "annotation__paragraph", "correction__paragraph")
    ]
    from_fixture = [
        (rows["annotations.source"][row["source"]]["title"], place("annotations.annotation", row["annotation"]),
         place("annotations.correction", row["correction"]), row["locator"])
        for row in rows["annotations.citation"].values()
    ]
    assert _sorted(built) == _sorted(from_fixture)
    built = [
        (item_place(reference.from_note), item_place(reference.from_correction), item_place(reference.to_note), item_place(reference.to_correction))
        for reference in CrossReference.objects.all()
    ]
    from_fixture = [
        (place("annotations.annotation", row["from_note"]), place("annotations.correction", row["from_correction"]),
         place("annotations.annotation", row["to_note"]), place("annotations.correction", row["to_correction"]))
        for row in rows["annotations.crossreference"].values()
    ]
    assert _sorted(built) == _sorted(from_fixture)


def test_a_source_without_authors_is_named_by_whole_words_of_its_title(db):
    from tests.factories import make_source

    source = make_source(authors="", title="Kellogg–Briand Pact (General Treaty for Renunciation of War)", year=1928)
    assert str(source) == "Kellogg–Briand Pact (General Treaty for Renunciation… (1928)"
    assert str(make_source(authors="Haslam, Jonathan; Roberts, Geoffrey")) == "Haslam (1984)"


PEOPLE = {"responsibility": {"ed": "The editors (test)"}}
ITEM = {"paragraph": "Plato described the class", "certainty": "high", "proposed": "ed", "checked": "ed"}
BOOK = {"key": "book", "kind": "book", "authors": "Haslam, Jonathan", "title": "A book", "publisher": "Macmillan", "year": 1984}


@pytest.mark.parametrize(
    "data, message",
    [
        ({"correction": [ITEM | {"exact": "no such words", "category": "wording", "replacement": "x", "rationale": "r"}]}, "not in the paragraph"),
        ({"correction": [ITEM | {"paragraph": "Soviet", "exact": "Soviet", "category": "wording", "replacement": "x", "rationale": "r"}]}, "paragraphs, not exactly one"),
        ({"correction": [ITEM | {"exact": "Plato described", "category": "date", "replacement": "Plato described", "rationale": "r"}]}, "equals the original"),
        ({"correction": [ITEM | {"exact": "Plato described", "category": "name", "replacement": "Socrates described", "rationale": "r"}]}, "must cite at least one source"),
        ({"correction": [ITEM | {"exact": "Plato described", "category": "wording", "replacement": "x", "rationale": "r", "checked": "nobody"}]}, "not a key of \\[responsibility\\]"),
        ({"correction": [ITEM | {"exact": "Plato described", "category": "wording", "replacement": "x", "rationale": "r", "certainty": "total"}]}, "certainty"),
        ({"source": [BOOK], "note": [ITEM | {"exact": "Plato described", "kind": "context", "body": "b", "sources": [{"key": "book"}]}]}, "needs a locator"),
        ({"source": [BOOK | {"isbn": "0-333-30050-6"}]}, "wrong check digit"),
        ({"source": [BOOK | {"doi": "doi:11.1017/x"}]}, "not a DOI"),
        ({"note": [ITEM | {"exact": "Plato described", "kind": "context", "body": "b", "see_also": ["missing"]}]}, "no item with the key 'missing'"),
        ({"note": [ITEM | {"key": "a", "exact": "Plato described", "kind": "context", "body": "b"}, ITEM | {"key": "a", "exact": "Republic", "kind": "context", "body": "c"}]}, "used twice"),
    ],
    ids=["quote-missing", "paragraph-ambiguous", "unchanged", "unsourced", "unknown-checker", "bad-certainty", "no-locator", "bad-isbn", "bad-doi", "dangling-see-also", "key-twice"],
)
def test_a_bad_apparatus_entry_is_refused_and_nothing_is_created(seeded_essay, data, message):
    with pytest.raises(ApparatusError, match=message):
        apparatus_build(PEOPLE | data, essay=seeded_essay)
    assert not (Correction.objects.exists() or Annotation.objects.exists() or Source.objects.exists())


def test_wording_regularisation_and_gap_corrections_need_no_source(seeded_essay):
    entries = [
        ITEM | {"exact": exact, "category": category, "replacement": "x", "rationale": "r"}
        for exact, category in (("Plato described", "wording"), ("Republic", "title"), ("guards", "spelling"), ("class of", "gap"))
    ]
    assert apparatus_build(PEOPLE | {"correction": entries}, essay=seeded_essay)["corrections"] == 4


def test_items_refer_to_each_other_by_key(seeded_essay):
    data = PEOPLE | {
        "correction": [ITEM | {"key": "c", "exact": "guards", "category": "wording", "replacement": "guardians", "rationale": "r", "see_also": ["n"]}],
        "note": [ITEM | {"key": "n", "exact": "Plato described", "kind": "context", "body": "b", "see_also": ["c"]}],
    }
    apparatus_build(data, essay=seeded_essay)
    correction, note = Correction.objects.get(), Annotation.objects.get()
    assert (correction.see_also, note.see_also) == ([note], [correction])
    assert (note.certainty, note.proposed_by, note.checked_by) == ("high", "The editors (test)", "The editors (test)")


def test_loading_the_edition_twice_changes_nothing(edition):
    before = (Correction.objects.count(), Annotation.objects.count(), Source.objects.count(), Citation.objects.count())
    call_command("load_edition", verbosity=0)
    assert (Correction.objects.count(), Annotation.objects.count(), Source.objects.count(), Citation.objects.count()) == before


def test_loading_a_new_edition_retires_the_editors_rows_it_no_longer_has_and_keeps_them(client, edition):
    correction = Correction.objects.first()
    source = Source.objects.first()
    editorial = {"status": Status.ACCEPTED, "credit": EDITORS_CREDIT}
    stale = Citation.objects.create(pk=10_000, source=source, correction=correction, locator="p. 999", **editorial)
    contributed = Citation.objects.create(
        pk=10_001, source=source, correction=correction, locator="p. 998", status=Status.ACCEPTED, submitted_by=make_user("alice"),
    )
    assert "p. 999" in client.get(correction.get_absolute_url()).content.decode()
    call_command("load_edition", verbosity=0)
    stale.refresh_from_db()
    contributed.refresh_from_db()
    assert (stale.status, stale.review_reason) == (Status.REJECTED, SUPERSEDED_REASON)
    decision = stale.decisions.get()
    assert (decision.to_status, decision.rule, decision.decided_by) == (Status.REJECTED, "edition", None)
    assert contributed.status == Status.ACCEPTED
    page = client.get(correction.get_absolute_url()).content.decode()
    assert "p. 999" not in page and "p. 998" in page


def test_the_apparatus_is_never_loaded_over_a_contributors_item(seeded_essay, capsys):
    contributor = make_user("contributor")
    paragraph = seeded_essay.sections.get(position=1).paragraphs.get(position=1)
    # A contributor's note holding a primary key that the apparatus fixture also uses.
    note = make_note(paragraph, exact="November 1917", status=Status.PENDING, submitted_by=contributor, body="Mine.", pk=1)
    call_command("load_edition", verbosity=0)
    note.refresh_from_db()
    assert note.body == "Mine." and note.submitted_by == contributor
    assert "apparatus was not loaded" in capsys.readouterr().err
