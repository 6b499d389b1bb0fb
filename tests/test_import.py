"""The importer: the seed's structure exactly, another essay in the same format, bad input."""

import re

import pytest
from django.core.management import CommandError, call_command

from annotations.importer import ImportFormatError, parse_essay
from annotations.models import Essay, Paragraph, Section
from tests.conftest import ROOT, SEED
from tests.factories import make_note

SECOND = ROOT / "tests" / "data" / "second_essay.txt"

SEED_OUTLINE = [
    (1, "Introduction"),
    (1, "Communism and the Logic of Soviet Communism"),
    (1, "Soviet Foreign Policy in 1920s"),
    (2, "From October 1917 to 1921"),
    (2, "From 1921 to 1931"),
    (1, "Foreign Policy of the USSR under Stalin"),
    (2, "1931-1934"),
    (2, "1934-1939"),
    (2, "23 August 1939 to 22 June 1941"),
    (1, "Conclusion"),
]
FURNITURE = [
    "Words", "3836 (8 pages)", "Downloads", "Download for Free",
    "Important: This sample is for inspiration and reference only", "Table of contents",
    "No time to compare samples?", "Hire a Writer", "Full confidentiality", "No hidden charges",
    "You can receive your plagiarism free paper", "Cite this Essay", "Copy to Clipboard",
    "Need writing help?", "Order My Paper", "minimum deadline",
]


def squash(value):
    return re.sub(r"\s+", " ", value).strip()


def source_body():
    """The essay body of the seed, cut by hand-checked landmarks: no headings, no furniture."""
    text = SEED.read_text(encoding="utf-8")
    body = text.split("Table of contents", 1)[1].split("You can receive your plagiarism free paper", 1)[0]
    body = body.replace("No time to compare samples?", "").replace("Hire a Writer", "")
    body = re.sub(r"^✓.*$", "", body, flags=re.MULTILINE)
    body = re.sub(r"^\s*•\s*", "", body, flags=re.MULTILINE)
    lines = [line for line in body.splitlines() if line.strip() and line.strip() not in dict(map(reversed, SEED_OUTLINE))]
    return squash(" ".join(lines))


@pytest.fixture
def imported(db):
    call_command("import_essay", str(SEED), verbosity=0)
    return Essay.objects.get()


def test_seed_sections_come_in_order_with_their_levels(imported):
    outline = list(imported.sections.values_list("level", "heading"))
    assert outline == SEED_OUTLINE


def test_seed_bullets_under_1934_1939_are_list_items(imported):
    section = imported.sections.get(heading="1934-1939")
    items = list(section.paragraphs.filter(kind=Paragraph.Kind.LIST_ITEM).values_list("text", flat=True))
    assert items == [
        "create a Soviet satellite in Spain;",
        "Preserve the democratically elected republican government;",
        "prove his belief in collective security by helping to thwart fascist aggression; or",
        "show that the USSR is now an international force to be reckoned with.",
    ]
    assert Paragraph.objects.filter(kind=Paragraph.Kind.LIST_ITEM).count() == 4


def test_seed_paragraphs_joined_equal_the_essay_body(imported):
    joined = " ".join(Paragraph.objects.order_by("section__position", "position").values_list("text", flat=True))
    assert squash(joined) == source_body()


@pytest.mark.parametrize("furniture", FURNITURE)
def test_no_publisher_furniture_in_any_paragraph(imported, furniture):
    assert not Paragraph.objects.filter(text__contains=furniture).exists()


def test_seed_attribution_comes_from_the_cite_block(imported):
    assert imported.title == "The Evaluation of Soviet Foreign Policy in the Interwar Period"
    assert imported.source_site == "WritingBros"
    assert str(imported.source_published) == "2020-09-17"
    assert str(imported.source_retrieved) == "2024-04-26"
    assert imported.source_url == (
        "https://writingbros.com/essay-examples/the-evaluation-of-soviet-foreign-policy-in-the-interwar-period/"
    )


def test_paragraph_anchors_are_unique_and_public(imported):
    anchors = list(Paragraph.objects.values_list("anchor", flat=True))
    assert len(anchors) == len(set(anchors)) == 27
    assert all(re.fullmatch(r"p-[0-9a-f]{6,}", anchor) for anchor in anchors)


def test_anchors_survive_a_paragraph_added_elsewhere(db):
    text = SEED.read_text(encoding="utf-8")
    before = parse_essay(text)
    call_command("import_essay", str(SEED), verbosity=0)
    anchors = dict(Paragraph.objects.values_list("text", "anchor"))
    Essay.objects.all().delete()
    changed = text.replace("Conclusion\n\n", "Conclusion\n\nA new opening paragraph of the conclusion.\n\n", 1)
    from annotations.importer import essay_import

    essay_import(parse_essay(changed))
    assert len(before.sections) == Section.objects.count()
    for paragraph_text, anchor in anchors.items():
        assert Paragraph.objects.get(text=paragraph_text).anchor == anchor


def test_importing_twice_leaves_one_essay(db):
    call_command("import_essay", str(SEED), verbosity=0)
    first = list(Paragraph.objects.values_list("anchor", "text"))
    call_command("import_essay", str(SEED), verbosity=0)
    assert Essay.objects.count() == 1
    assert list(Paragraph.objects.values_list("anchor", "text")) == first


def test_reimport_over_contributions_is_refused_and_changes_nothing(imported):
    paragraph = Paragraph.objects.get(text__startswith="The new Bolshevik government")
    make_note(paragraph, exact="November 1917")
    before = list(Paragraph.objects.values_list("pk", "text"))
    with pytest.raises(CommandError, match="already has 1 notes or corrections"):
        call_command("import_essay", str(SEED), verbosity=0)
    assert list(Paragraph.objects.values_list("pk", "text")) == before


def test_another_essay_in_the_same_format_imports(db):
    call_command("import_essay", str(SECOND), verbosity=0)
    essay = Essay.objects.get()
    assert essay.title == "The Origins of the Crimean War"
    assert list(essay.sections.values_list("level", "heading")) == [
        (1, "Background"),
        (1, "Diplomacy before the war"),
        (2, "1852-1853"),
        (2, "1853-1854"),
        (1, "Conclusion"),
    ]
    section = essay.sections.get(heading="1853-1854")
    assert list(section.paragraphs.values_list("kind", flat=True)) == [
        "paragraph", "list_item", "list_item", "list_item", "paragraph",
    ]
    assert essay.source_site == "EssayHub"
    assert str(essay.source_published) == "2019-03-03"
    assert not Paragraph.objects.filter(text__contains="Hire a Writer").exists()


def test_the_seed_and_another_essay_live_side_by_side(db):
    call_command("import_essay", str(SEED), verbosity=0)
    call_command("import_essay", str(SECOND), verbosity=0)
    assert Essay.objects.count() == 2


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "the file is empty"),
        (b"   \n\n  \n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (b"Title\n\n\xff\xfe broken bytes here.\n", "not UTF-8"),
        (b"A title\n\nOnly a paragraph that ends like a sentence.\n\nAnd another one.\n", "text before the first heading"),
        (b"A title\n\nHeading one\n\nHeading two\n", "no paragraphs"),
    ],
    ids=["empty", "blank", "binary", "not-utf8", "no-headings", "headings-only"],
)
def test_bad_input_is_refused_with_one_line_and_changes_nothing(db, tmp_path, content, message):
    call_command("import_essay", str(SEED), verbosity=0)
    before = list(Paragraph.objects.values_list("pk", "text"))
    path = tmp_path / "essay.txt"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message) as error:
        call_command("import_essay", str(path), verbosity=0)
    assert "\n" not in str(error.value)
    assert list(Paragraph.objects.values_list("pk", "text")) == before


def test_missing_file_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_essay", str(tmp_path / "nowhere.txt"), verbosity=0)
    assert Essay.objects.count() == 0


def test_a_failure_midway_rolls_back_the_whole_import(db, monkeypatch):
    from annotations import importer

    original = Paragraph.anchor_for
    calls = {"n": 0}

    def failing_anchor(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 10:
            raise ImportFormatError("simulated failure")
        return original(*args, **kwargs)

    monkeypatch.setattr(Paragraph, "anchor_for", staticmethod(failing_anchor))
    with pytest.raises(ImportFormatError):
        importer.essay_import(parse_essay(SEED.read_text(encoding="utf-8")))
    assert Essay.objects.count() == 0 and Section.objects.count() == 0


def test_command_line_exits_non_zero_with_one_line_on_bad_input(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "empty.txt"
    path.write_text("")
    result = subprocess.run(
        [sys.executable, "manage.py", "import_essay", str(path)],
        cwd=ROOT, capture_output=True, text=True,
        env={**__import__("os").environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )
    assert result.returncode != 0
    assert result.stderr.strip().splitlines() == [f"CommandError: {path}: the file is empty"]


def test_fixture_matches_a_fresh_import_of_the_source(db):
    """fixtures/essay.json is regenerated by `make fixtures`; it must not drift from essay.txt."""
    call_command("loaddata", "essay", verbosity=0)
    from_fixture = list(Paragraph.objects.order_by("section__position", "position").values_list("text", "kind", "anchor"))
    Paragraph.objects.all().delete()
    Section.objects.all().delete()
    Essay.objects.all().delete()
    call_command("import_essay", str(SEED), verbosity=0)
    fresh = list(Paragraph.objects.order_by("section__position", "position").values_list("text", "kind", "anchor"))
    assert from_fixture == fresh
