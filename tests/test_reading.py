"""The public reading pages: the edition, its modes, permalinks, the bibliography, and who sees what."""

import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from annotations import moderation
from annotations.models import Annotation, Correction, CrossReference, Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user
from tests.test_rendering import Walk

EDITION = reverse("annotations:edition")
HIDDEN_STATUSES = [Status.PENDING, Status.REJECTED, Status.WITHDRAWN, Status.SPAM]


def page(client, url=EDITION, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.status_code
    return response.content.decode()


def paragraph_text_html(html, anchor):
    match = re.search(rf'<span class="paragraph-text" data-paragraph="{anchor}">(.*?)</span></p>', html, re.S)
    return match.group(1)


# --- the page -----------------------------------------------------------------------------------


def test_edition_has_one_h1_and_headings_at_the_essays_levels(client, seeded_essay):
    html = page(client)
    assert html.count("<h1") == 1
    for section in seeded_essay.sections.all():
        tag = "h2" if section.level == 1 else "h3"
        assert re.search(rf'<{tag} id="{section.anchor}-heading">.*?{re.escape(section.heading)}</{tag}>', html)


def test_every_section_and_paragraph_has_a_stable_anchor_with_a_visible_permalink(client, seeded_essay):
    html = page(client)
    for section in seeded_essay.sections.all():
        assert f'id="{section.anchor}"' in html
        assert f'<a class="section-number" href="#{section.anchor}"' in html
        assert f'href="#{section.anchor}"><span class="toc-number">' in html  # table of contents
        for paragraph in section.paragraphs.all():
            assert f'id="{paragraph.anchor}" data-paragraph="{paragraph.anchor}"' in html
            assert f'<a class="locator" href="#{paragraph.anchor}" title="Permalink to this paragraph">{paragraph.locator}</a>' in html
            assert reverse("annotations:paragraph_contribute", args=[paragraph.anchor]) in html


def test_edition_shows_the_originals_attribution_and_the_sanitised_introduction(client, seeded_essay):
    seeded_essay.introduction = "An *edited* text.<script>alert(1)</script>"
    seeded_essay.save()
    html = page(client)
    assert "WritingBros" in html and seeded_essay.source_url in html
    assert "An <em>edited</em> text." in html
    assert "<script>alert(1)" not in html


def test_the_essay_comes_first_after_a_short_lead_with_the_front_matter_folded(client, seeded_essay):
    seeded_essay.introduction = "The essay's provenance, at length."
    seeded_essay.save()
    html = page(client)
    first = seeded_essay.sections.first().paragraphs.first()
    lead = html.split('<header class="edition-head">')[1].split("</header>")[0]
    assert 'href="#cite"' in lead and reverse("annotations:apparatus") in lead  # cite and the list from the top
    # The introduction and the contents are one click away, in disclosures that start closed.
    introduction = re.search(r'<details class="introduction">.*?</details>', html, re.S).group()
    assert "provenance, at length" in introduction
    contents = re.search(r'<nav class="toc" aria-label="Contents">\s*<details>.*?</details>', html, re.S).group()
    assert 'id="contents"' in contents
    assert html.index("provenance, at length") < html.index('id="contents"') < html.index(f'id="{first.anchor}"')
    assert html.index("</header>") < html.index('<details class="introduction">')


def test_every_section_with_paragraphs_has_a_reading_bar_with_the_modes_contents_list_and_cite(client, seeded_essay):
    html = page(client)
    bars = re.findall(r'<nav class="reading-bar" aria-label="Reading options, § (\d+)">(.*?)</nav>', html, re.S)
    assert [int(number) for number, _ in bars] == [
        section.position for section in seeded_essay.sections.all() if section.paragraphs.exists()
    ]
    for _, bar in bars:
        assert 'href="#contents"' in bar and 'href="#cite"' in bar and reverse("annotations:apparatus") in bar
        assert bar.count('data-mode="') == 3


def test_favicon_is_served_at_the_root_and_linked_from_every_page(client, db):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response["Content-Type"] == "image/x-icon"
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an icon file
    make_paragraph()
    for url in (EDITION, reverse("annotations:sources"), reverse("annotations:apparatus"), reverse("login")):
        html = page(client, url)
        assert '<link rel="icon" href="/favicon.ico"' in html and "favicon.svg" in html


def test_a_signed_in_reader_sees_their_name_in_the_header(client, db):
    make_paragraph()
    client.force_login(make_user("ada_lovelace"))
    for url in (EDITION, reverse("annotations:sources"), reverse("annotations:me")):
        assert "Signed in as <strong>ada_lovelace</strong>" in page(client, url)


def test_the_paragraph_text_reads_back_as_the_original_once_apparatus_is_skipped(client, db):
    paragraph = make_paragraph()
    make_note(paragraph, "Rapallo")
    make_correction(paragraph, "1922")
    for mode in ("apparatus", "original"):
        html = page(client, mode=mode)
        assert Walk(paragraph_text_html(html, paragraph.anchor)).original_text == paragraph.text


def test_paragraph_text_and_contributions_are_escaped(client, db):
    paragraph = make_paragraph('Stalin said "<b>no</b>" & left.')
    make_note(paragraph, "<b>no</b>", body="<img src=x onerror=alert(1)> **bold**")
    make_correction(paragraph, "left", replacement="<script>alert(2)</script>", category=Correction.Category.WORDING)
    html = page(client)
    assert "&lt;b&gt;no&lt;/b&gt;" in html
    assert "onerror" not in html and "<script>alert(2)" not in html
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in html
    assert "<strong>bold</strong>" in html


# --- notes ------------------------------------------------------------------------------------------


def test_published_note_is_highlighted_with_a_marker_linked_both_ways_to_the_note(client, db):
    author = make_user("ada", first_name="Ada", last_name="Lovelace")
    note = make_note(exact="Rapallo", body="Rapallo is near *Genoa*.", submitted_by=author)
    source = make_source(doi="10.1000/xyz")
    make_citation(note, source, locator="p. 212")
    html = page(client)
    assert f'<mark class="note-span" data-note="note-{note.pk}">Rapallo</mark>' in html
    assert f'<a href="#note-{note.pk}" id="ref-note-{note.pk}">' in html  # text → note
    assert f'id="note-{note.pk}"' in html
    assert f'<a class="entry-number" href="#ref-note-{note.pk}"><span class="visually-hidden">Note </span>1<' in html  # note → text
    assert "Rapallo is near <em>Genoa</em>." in html
    assert "Ada Lovelace" in html and "context" in html
    assert f'href="/sources/#source-{source.pk}">Haslam 1984, p. 212</a>' in html
    assert f'href="{note.get_absolute_url()}"' in html


def test_note_markers_are_numbered_in_reading_order_across_paragraphs(client, db):
    first = make_paragraph("The Treaty of Rapallo was signed in 1922 at Genoa.")
    second = make_paragraph("Litvinov spoke at Geneva in 1934.")
    late = make_note(second, "Geneva")
    early = make_note(first, "Genoa")
    earlier = make_note(first, "Rapallo")
    html = page(client)
    numbers = {
        note.pk: int(re.search(rf'id="ref-note-{note.pk}"><span class="visually-hidden">Note </span>(\d+)', html).group(1))
        for note in (late, early, earlier)
    }
    assert numbers == {earlier.pk: 1, early.pk: 2, late.pk: 3}


def test_a_note_whose_offsets_no_longer_fit_its_paragraph_is_left_out_not_an_error(client, db):
    paragraph = make_paragraph()
    make_note(paragraph, "Rapallo", body="Still in place.")
    stale = make_note(paragraph, "Genoa", body="Offsets past the end.")
    Annotation.objects.filter(pk=stale.pk).update(start=200, end=210)  # e.g. a text repaired outside the desk
    html = page(client)
    assert "Still in place." in html and "Offsets past the end." not in html
    assert html.count('class="note-marker"') == 1


def test_notes_that_overlap_a_correction_both_render(client, db):
    paragraph = make_paragraph()
    note = make_note(paragraph, "signed in 1922")
    make_correction(paragraph, "1922 at", replacement="on 16 April 1922 at")
    html = page(client)
    # The note crosses into the corrected words: split at the correction's edge, the correction kept whole.
    assert f'<mark class="note-span" data-note="note-{note.pk}">signed in </mark>' in html
    assert f'<del><mark class="note-span" data-note="note-{note.pk}">1922</mark> at</del>' in html
    assert html.index("on 16 April 1922 at</ins>") < html.index(f'id="ref-note-{note.pk}"')


def marker_number(html, key):
    """The number the text's marker of ``key`` (e.g. "correction-3") shows, or the pending mark."""
    match = re.search(rf'id="ref-{key}"[^>]*>.*?<span class="visually-hidden">(?:\()?(?:Note |correction |your pending \w+)</span>(?:<span aria-hidden="true">)?([^<]+)<', html)
    return match.group(1)


def entry_number(html, key):
    """The number the apparatus entry of ``key`` shows."""
    match = re.search(
        rf'<a class="entry-number" href="#ref-{key}">(?:<span aria-hidden="true">°</span>)?'
        rf'(?:<span class="visually-hidden">[^<]*</span>)?(?:<span aria-hidden="true">)?([^<]+)<',
        html,
    )
    return match.group(1)


@pytest.mark.parametrize("mode", ["apparatus", "original", "corrected"])
def test_corrections_are_numbered_in_reading_order_at_their_marker_and_in_the_apparatus(client, db, mode):
    first = make_paragraph("The Treaty of Rapallo was signed in 1922 at Genoa.")
    second = make_paragraph("Litvinov spoke at Geneva in 1934.")
    late = make_correction(second, "1934", replacement="1935")
    early = make_correction(first, "1922")
    earliest = make_correction(first, "Rapallo", replacement="Rapallo (Italy)", category=Correction.Category.NAME)
    make_note(first, "Genoa")
    html = page(client, mode=mode)
    for number, correction in enumerate((earliest, early, late), start=1):
        assert entry_number(html, f"correction-{correction.pk}") == str(number)
        if mode != "corrected":  # the corrected reading is a clean text: no marker to number
            assert marker_number(html, f"correction-{correction.pk}") == str(number)
    assert "<!--#" not in html  # every number filled in


def test_a_contributors_pending_items_renumber_nothing_and_are_marked_instead(client, db):
    paragraph = make_paragraph("The Treaty of Rapallo was signed in 1922 at Genoa.")
    later = make_paragraph("Litvinov spoke at Geneva in 1934.")
    public_notes = [make_note(paragraph, "Genoa"), make_note(later, "Geneva")]
    public_corrections = [make_correction(paragraph, "1922"), make_correction(later, "1934", replacement="1935")]
    author = make_user("author")
    own_note = make_note(paragraph, "Treaty", status=Status.PENDING, submitted_by=author, body="My draft.")
    own_correction = make_correction(
        paragraph, "Rapallo", replacement="Rapallo (Italy)", status=Status.PENDING, submitted_by=author,
    )
    public = page(client)
    client.force_login(author)
    mine = page(client)
    for item in public_notes:
        assert marker_number(mine, f"note-{item.pk}") == marker_number(public, f"note-{item.pk}")
        assert entry_number(mine, f"note-{item.pk}") == entry_number(public, f"note-{item.pk}")
    for item in public_corrections:
        assert marker_number(mine, f"correction-{item.pk}") == marker_number(public, f"correction-{item.pk}")
        assert entry_number(mine, f"correction-{item.pk}") == entry_number(public, f"correction-{item.pk}")
    assert [marker_number(public, f"note-{item.pk}") for item in public_notes] == ["1", "2"]
    for key in (f"note-{own_note.pk}", f"correction-{own_correction.pk}"):
        assert marker_number(mine, key) == "*" and entry_number(mine, key) == "*"
    assert "your pending note" in mine and "your pending correction" in mine


def test_a_note_cannot_smuggle_a_number_placeholder_into_the_page(client, db):
    paragraph = make_paragraph()
    make_note(paragraph, "Rapallo", body="Before <!--#n:5--> and &lt;!--#cite:--&gt; after")
    html = page(client)
    assert "Before  and &lt;!--#cite:--&gt; after" in html  # the comment is stripped, the escaped text stays text


# --- corrections and modes ---------------------------------------------------------------------


def test_apparatus_mode_carries_the_correction_with_its_marker_and_its_entry_one_step_away(client, db):
    correction = make_correction(exact="1922", replacement="16 April 1922")
    make_citation(correction, locator="ch. 4")
    html = page(client)
    assert "<del>1922</del><ins data-apparatus>16 April 1922</ins>" in html
    assert f'class="correction-marker" href="#correction-{correction.pk}"' in html
    entry = html.split(f'id="correction-{correction.pk}"')[1].split("</li>")[0]
    # The entry names both readings (the lemma, then the words as published), then, under its disclosure, the rest.
    assert '<ins class="lemma">16 April 1922</ins>' in entry and "<del>1922</del>" in entry and "date error" in entry
    assert entry.index("</summary>") < entry.index("Signed on 16 April 1922.") < entry.index("Haslam 1984, ch. 4")


def test_corrected_mode_shows_clean_corrected_text(client, db):
    make_correction(exact="1922", replacement="16 April 1922")
    html = page(client, mode="corrected")
    essay_part = html.split('<div class="essay"')[1].split("<aside")[0]
    assert "<del" not in html  # neither in the text nor in the apparatus beside it
    assert 'signed in <span class="corrected"' in essay_part and ">16 April 1922</span> at Genoa" in essay_part


def test_original_mode_shows_the_text_as_published_with_unobtrusive_markers(client, db):
    correction = make_correction(exact="1922", replacement="16 April 1922")
    html = page(client, mode="original")
    essay_part = html.split('<div class="essay"')[1].split("<aside")[0]
    assert "<ins" not in html  # neither in the text nor in the apparatus beside it
    assert "16 April" not in essay_part
    assert f'class="correction-marker" href="#correction-{correction.pk}"' in essay_part
    assert "signed in <span class=\"correction-original\"" in essay_part


def test_mode_links_work_without_javascript_and_the_choice_lasts_for_the_visit(client, db):
    correction = make_correction()
    section = correction.paragraph.section.anchor
    html = page(client)
    for mode in ("apparatus", "corrected", "original"):
        # Each section's reading bar brings the reader back to that section in the other reading.
        assert f'href="?mode={mode}#{section}" data-mode="{mode}"' in html
    assert f'href="?mode=apparatus#{section}" data-mode="apparatus" aria-current="true"' in html
    page(client, mode="original")
    later = page(client)
    assert f'href="?mode=original#{section}" data-mode="original" aria-current="true"' in later
    assert "<ins" not in later.split('<div class="essay"')[1].split("<aside")[0]


def test_an_empty_mode_keeps_the_reading_already_chosen(client, db):
    correction = make_correction()
    page(client, mode="corrected")
    html = client.get(reverse("annotations:edition"), {"mode": ""}).content.decode()
    assert f'href="?mode=corrected#{correction.paragraph.section.anchor}" data-mode="corrected" aria-current="true"' in html


def test_an_unknown_mode_is_a_clear_400_not_an_error(client, db):
    make_paragraph()
    response = client.get(EDITION, {"mode": "<clean>"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is no reading mode called “&lt;clean&gt;”." in html
    assert '?mode=corrected"' in html


# --- who sees what ---------------------------------------------------------------------------------


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_note_that_is_not_accepted_is_never_public(client, db, status):
    note = make_note(status=status, body="Not-for-readers note body.")
    make_citation(note, make_source(title="A source only this note cites"))
    for url in (EDITION, reverse("annotations:sources")):
        html = page(client, url)
        assert "Not-for-readers" not in html and f"note-{note.pk}" not in html
        assert "A source only this note cites" not in html
    assert client.get(note.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_correction_that_is_not_accepted_is_never_public(client, db, status):
    correction = make_correction(status=status, replacement="Never-shown wording")
    make_citation(correction, make_source(title="A source only this correction cites"))
    for mode in ("apparatus", "corrected", "original"):
        html = page(client, mode=mode)
        assert "Never-shown wording" not in html and f"correction-{correction.pk}" not in html
    assert "A source only this correction cites" not in page(client, reverse("annotations:sources"))
    assert client.get(correction.get_absolute_url()).status_code == 404


def test_orphaned_items_are_hidden_even_when_accepted(client, db):
    note = make_note(body="Orphaned note body", orphaned=True)
    correction = make_correction(replacement="Orphaned wording", orphaned=True)
    make_citation(note, make_source(title="Cited by an orphaned note"))
    make_citation(correction, make_source(title="Cited by an orphaned correction"))
    html = "".join(page(client, mode=mode) for mode in ("apparatus", "corrected", "original"))
    assert "Orphaned note body" not in html and "Orphaned wording" not in html
    assert "orphaned" not in page(client, reverse("annotations:sources"))
    assert client.get(note.get_absolute_url()).status_code == 404
    assert client.get(correction.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_citation_or_source_not_accepted_is_not_shown_under_a_published_note(client, db, status):
    note = make_note()
    make_citation(note, make_source(authors="Pending, Citation"), status=status)
    make_citation(note, make_source(authors="Unvetted, Source", status=status))
    html = page(client) + page(client, note.get_absolute_url()) + page(client, reverse("annotations:sources"))
    assert "Pending" not in html and "Unvetted" not in html


def test_contributor_sees_their_own_pending_note_marked_and_nobody_else_does(client, db):
    author = make_user("author")
    note = make_note(status=Status.PENDING, body="My draft thought.", submitted_by=author)
    correction = make_correction(status=Status.PENDING, replacement="my draft fix", submitted_by=author)
    client.force_login(author)
    mine = page(client)
    assert "My draft thought." in mine and "my draft fix" in mine
    assert mine.count("yours — pending review") == 2
    assert 'class="note-span pending"' in mine
    assert page(client, note.get_absolute_url()).count("yours — pending review") == 1
    client.logout()
    assert "My draft thought." not in page(client)  # not leaked through the cache
    client.force_login(make_user("someone-else"))
    other = page(client)
    assert "My draft thought." not in other and "my draft fix" not in other
    assert client.get(note.get_absolute_url()).status_code == 404
    assert client.get(correction.get_absolute_url()).status_code == 404


def test_approving_a_note_shows_it_on_the_next_request(client, db):
    note = make_note(status=Status.PENDING, body="Soon to be public.")
    assert "Soon to be public." not in page(client)
    moderation.item_approve(note, moderator=make_user("mod", groups=["Moderators"]))
    assert "Soon to be public." in page(client)
    moderation.item_reopen(Annotation.objects.get(pk=note.pk), moderator=make_user("mod2", groups=["Moderators"]))
    assert "Soon to be public." not in page(client)


# --- permalink pages ----------------------------------------------------------------------------


def test_note_permalink_shows_the_note_in_its_paragraph_with_a_way_back(client, db):
    note = make_note(exact="Rapallo", body="On *Rapallo*.")
    make_citation(note, make_source(url="https://example.org/book"), locator="p. 3")
    html = page(client, note.get_absolute_url())
    assert html.count("<h1") == 1 and "Note on “Rapallo”" in html
    assert f'<mark class="note-span" data-note="note-{note.pk}">Rapallo</mark>' in html
    assert note.paragraph.locator in html
    assert f'href="/#ref-note-{note.pk}"' in html
    assert "<i>The Soviet Union and the Struggle for Collective Security in Europe, 1933–39</i>" in html
    assert 'href="https://example.org/book"' in html and "p. 3" in html


def test_correction_permalink_shows_the_change_in_context(client, db):
    correction = make_correction(exact="1922", replacement="16 April 1922")
    html = page(client, correction.get_absolute_url())
    assert "<del>1922</del><ins data-apparatus>16 April 1922</ins>" in html
    assert "Signed on 16 April 1922." in html
    assert f'href="/#ref-correction-{correction.pk}"' in html


# --- sources and citing ---------------------------------------------------------------------------


def test_sources_page_lists_each_cited_source_once_with_what_cites_it(client, db):
    paragraph = make_paragraph()
    note = make_note(paragraph, "Rapallo")
    correction = make_correction(paragraph, "1922")
    article = make_source(
        kind="article", authors="Uldricks, Teddy J.", title="Soviet Security Policy in the 1930s",
        container="Slavic Review", volume="36", pages="1–24", year=1977, publisher="", place="", doi="10.2307/2494685",
    )
    make_citation(note, article, locator="p. 5")
    make_citation(correction, article)
    make_citation(correction)  # Haslam's book
    make_source(title="An accepted source nobody cites")
    html = page(client, reverse("annotations:sources"))
    assert html.count('class="source"') == 2
    assert "Uldricks, Teddy J. 1977. “Soviet Security Policy in the 1930s.” <i>Slavic Review</i> 36: 1–24." in html
    assert '<a class="url" href="https://doi.org/10.2307/2494685">' in html
    assert "Haslam, Jonathan. 1984. <i>The Soviet Union and the Struggle" in html and "London: Macmillan." in html
    assert f'href="{note.get_absolute_url()}"' in html and f'href="{correction.get_absolute_url()}"' in html
    assert f"({paragraph.locator}; p. 5)" in html
    assert "nobody cites" not in html
    assert html.index("Haslam") < html.index("Uldricks")


def test_cite_this_edition_gives_four_styles_with_the_version(client, seeded_essay):
    from annotations import releases

    releases.release_first_ensure(seeded_essay)
    html = page(client)
    section = html.split('id="cite"')[1]
    for style in ("APA", "MLA", "Chicago", "BibTeX"):
        assert f"<dt>{style}</dt>" in section
    assert "(Version 1)" in section  # the first release (tests/test_releases.py: what moves it)
    assert f"@misc{{{seeded_essay.slug}-v1," in section
    assert "The Evaluation of Soviet Foreign Policy in the Interwar Period: An Annotated Edition" in section
    assert 'class="copy-button"' in section and "hidden>" in section  # revealed by script only


def test_cite_this_passage_carries_the_paragraphs_locator_and_anchor(client, seeded_essay):
    html = page(client)
    paragraph = seeded_essay.sections.get(position=1).paragraphs.get(position=2)
    assert re.search(
        rf'id="cite-{paragraph.anchor}">.*?{re.escape(paragraph.locator)}\. http://testserver/#{paragraph.anchor}\.', html
    )


# --- certainty and responsibility ---------------------------------------------------------------


def test_a_contribution_is_shown_as_proposed_by_its_contributor_and_checked_by_the_moderator_who_accepted_it(client, moderator):
    contributor = make_user("alice")
    note = make_note(status=Status.PENDING, submitted_by=contributor, body="Signed at Rapallo, near Genoa.")
    assert (note.certainty, note.proposer, note.checker) == ("medium", "alice", "")
    moderation.item_approve(note, moderator=moderator)
    for url in (EDITION, note.get_absolute_url()):
        meta = re.search(r'<p class="entry-meta">(.*?)</p>', page(client, url), re.S).group(1)
        assert re.search(rf"Proposed by alice, checked by {moderator.username}\s+·\s+<span[^>]*>certainty medium</span>", meta)


def test_an_editorial_item_names_who_proposed_and_who_checked_it_and_how_sure_it_is(client, db):
    correction = make_correction(
        credit="The editors", proposed_by="The editors (first edition)", checked_by="A second reader", certainty="low",
    )
    for url in (EDITION, correction.get_absolute_url()):
        meta = re.search(r'<p class="entry-meta">(.*?)</p>', page(client, url), re.S).group(1)
        assert "Proposed by The editors (first edition), checked by A second reader" in meta
        assert '<span class="certainty certainty-low">certainty low</span>' in meta


# --- cross-references ---------------------------------------------------------------------------


def test_a_cross_reference_links_to_the_related_items_entry_in_the_edition(client, db):
    paragraph = make_paragraph("The treaty bound the USSR only if France acted first, as the protocol said.")
    note = make_note(paragraph, exact="only if France acted first")
    correction = make_correction(paragraph, exact="protocol", replacement="protocol of signature", category="wording")
    CrossReference.objects.create(from_note=note, to_correction=correction)
    expected = (
        f'See also <a href="{EDITION}#correction-{correction.pk}">the correction of “protocol”</a> ({paragraph.locator}).'
    )
    for url in (EDITION, note.get_absolute_url()):
        assert expected in page(client, url)
    assert f'id="correction-{correction.pk}"' in page(client)


@pytest.mark.parametrize("status", HIDDEN_STATUSES)
def test_a_cross_reference_to_an_item_readers_cannot_see_is_not_shown(client, db, status):
    note = make_note()
    hidden = make_correction(status=status)
    CrossReference.objects.create(from_note=note, to_correction=hidden)
    assert "See also" not in page(client) and "See also" not in page(client, note.get_absolute_url())


def test_a_cross_reference_leaves_the_cached_page_when_its_related_item_is_taken_down(client, moderator):
    paragraph = make_paragraph("The treaty bound the USSR only if France acted first, as the protocol said.")
    other = make_paragraph("A second paragraph, where the related correction stands alone.")
    note = make_note(paragraph, exact="only if France acted first")
    correction = make_correction(other, exact="second paragraph", replacement="later paragraph", category="wording")
    CrossReference.objects.create(from_note=note, to_correction=correction)
    assert "See also" in page(client)  # now kept: the note's entry and passage are cached
    moderation.item_reopen(correction, moderator=moderator, reason="Checking it again.")
    assert "See also" not in page(client)


def test_an_item_cannot_refer_to_itself(db):
    note = make_note()
    with pytest.raises(ValidationError):
        CrossReference(from_note=note, to_note=note).full_clean()
