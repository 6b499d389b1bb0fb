"""Releases: citable versions that freeze what readers saw, read back at /v/<N>/ exactly as released.

A release is a list of stored item versions (django-reversion), not a copy of
the page; /v/<N>/ renders through the edition's own assembly and never changes,
whatever is accepted, rejected, edited or repaired afterwards.
"""

import re

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.db.models import ProtectedError
from django.urls import reverse
from reversion.models import Version

from annotations import edition, moderation, releases
from annotations.models import Annotation, Correction, CrossReference, Essay, Paragraph, Release, Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user

RELEASE_1 = "/v/1/"
MODES = ["apparatus", "corrected", "original"]


def clear_caches():
    for store in caches.all():
        store.clear()
    edition.recent_forget()


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, (url, response.status_code)
    return response


@pytest.fixture
def editor_user(db):
    return make_user("eddie", groups=["Editors"], is_staff=True, first_name="Edith", last_name="Ward")


@pytest.fixture
def moderator_user(db):
    return make_user("molly", groups=["Moderators"], is_staff=True, first_name="Molly", last_name="Reyes")


@pytest.fixture
def apparatus(seeded_essay, moderator_user):
    """A published note citing a source, a published correction referring to it, and items awaiting review."""
    paragraph = seeded_essay.sections.get(position=1).paragraphs.get(position=1)
    note = make_note(paragraph, "Bolshevik government", submitted_by=make_user("jsmith", first_name="Jane", last_name="Smith"),
                     reviewed_by=moderator_user, body="A *published* note.")
    make_citation(note, make_source(), locator="p. 12")
    correction = make_correction(paragraph, "November 1917", replacement="REPLACED", credit="The editors")
    CrossReference.objects.create(from_correction=correction, to_note=note)
    pending = make_note(paragraph, "autumn of 1941", status=Status.PENDING, body="Waiting for review.")
    doomed = make_note(paragraph, "24 years", status=Status.PENDING, body="To be rejected.")
    return {"paragraph": paragraph, "note": note, "correction": correction, "pending": pending, "doomed": doomed}


def release(editor, summary="A version."):
    return releases.release_make(Essay.objects.get(), editor=editor, summary=summary)


def main_of(html):
    """The page without its chrome (the header, with the reader's name and a CSRF token, and the footer)."""
    return html.split('<main id="main" tabindex="-1">', 1)[1].split("</main>", 1)[0]


# --- making a release -----------------------------------------------------------------------------------


def test_load_edition_releases_version_one_of_the_essay_and_its_apparatus_once(db):
    call_command("load_edition", verbosity=0)
    (first,) = Release.objects.all()
    essay = Essay.objects.get()
    published = {
        "notes": Annotation.objects.published().count(), "corrections": Correction.objects.published().count(),
    }
    assert first.number == 1 and first.released_by is None and first.summary == releases.FIRST_SUMMARY
    assert first.counts["added"] == published
    assert first.items.filter(content_type__model="paragraph").count() == Paragraph.objects.count()
    assert first.items.count() == sum(len(rows) for rows in releases._members(essay).values())
    call_command("load_edition", verbosity=0)
    assert Release.objects.count() == 1


def test_load_edition_releases_nothing_while_the_apparatus_is_refused(seeded_essay, capsys):
    # A contributor's note holding a primary key the apparatus fixture also uses: the apparatus is not loaded.
    make_note(seeded_essay.sections.get(position=1).paragraphs.get(position=1), "November 1917", status=Status.PENDING,
              submitted_by=make_user("contributor"), pk=1)
    call_command("load_edition", verbosity=0)
    assert "apparatus was not loaded" in capsys.readouterr().err
    assert not Release.objects.exists()  # version 1 is the edition with its apparatus, released once it loads


def test_a_release_is_a_list_of_stored_versions_and_unchanged_items_share_theirs(apparatus, editor_user, moderator_user):
    first = release(editor_user)
    # Every row it shows now has a stored version: the factories saved them outside any revision.
    assert first.items.count() == first.items.values("version").distinct().count()
    moderation.item_approve(apparatus["pending"], moderator=moderator_user)
    versions_before = Version.objects.count()
    second = release(editor_user, "One more note.")
    shared = set(first.items.values_list("version", flat=True)) & set(second.items.values_list("version", flat=True))
    new_rows = second.items.exclude(version__in=first.items.values("version"))
    # The accepted note (stored by its decision) and the essay's row are the only new versions it points at.
    assert new_rows.count() + len(shared) == second.items.count()
    assert set(new_rows.values_list("content_type__model", flat=True)) <= {"annotation", "essay"}
    assert Version.objects.count() - versions_before <= 1  # at most the essay, whose counter moved with the decision
    assert second.counts["added"] == {"notes": 1, "corrections": 0}


def test_a_release_that_would_show_nothing_new_is_refused(apparatus, editor_user):
    release(editor_user)
    with pytest.raises(releases.ReleaseError, match="nothing"):
        release(editor_user, "Again.")
    assert Release.objects.count() == 1


@pytest.mark.parametrize("summary", ["", "   "])
def test_a_release_needs_a_summary(apparatus, editor_user, summary):
    with pytest.raises(releases.ReleaseError, match="Say in a sentence"):
        release(editor_user, summary)
    assert not Release.objects.exists()


def test_only_editors_may_release(apparatus, moderator_user):
    with pytest.raises(releases.ReleaseError, match="Only editors"):
        release(moderator_user)
    assert not Release.objects.exists()


def test_a_stored_version_a_release_stands_on_cannot_be_deleted(apparatus, editor_user):
    release(editor_user)
    with pytest.raises(ProtectedError):
        Version.objects.all().delete()


# --- reading a release back -------------------------------------------------------------------------------


def test_version_one_stays_byte_identical_whatever_happens_after_it(client, apparatus, editor_user, moderator_user):
    release(editor_user, "The first version.")
    before = {mode: get(client, RELEASE_1, mode=mode).content for mode in MODES}
    note_page = get(client, f"/v/1/notes/{apparatus['note'].pk}/").content
    client.force_login(editor_user)
    signed_in = main_of(get(client, RELEASE_1).content.decode())
    client.logout()

    paragraph, note = apparatus["paragraph"], apparatus["note"]
    moderation.item_approve(apparatus["pending"], moderator=moderator_user)
    moderation.item_reject(apparatus["doomed"], moderator=moderator_user, reason="Not so.")
    note.refresh_from_db()
    note.body = "An edited note."
    moderation.item_edit(note, user=moderator_user, fields=["body"], expected_version=note.version)
    source = note.citations.get().source
    source.title = "A retitled book"
    moderation.item_edit(source, user=moderator_user, fields=["title"], expected_version=source.version)
    moderation.paragraph_repair(paragraph, editor=editor_user, new_text="Repaired: " + paragraph.text, reason="Import slip.")
    Essay.objects.update(introduction="A new introduction.")
    moderator_user.first_name = "Renamed"
    moderator_user.save()
    release(editor_user, "The second version.")
    clear_caches()  # /v/1/ is rendered again from what is stored

    for mode in MODES:
        assert get(client, RELEASE_1, mode=mode).content == before[mode], mode
    assert get(client, f"/v/1/notes/{note.pk}/").content == note_page
    client.force_login(editor_user)
    assert main_of(get(client, RELEASE_1).content.decode()) == signed_in
    client.logout()
    living = get(client, "/").content.decode()  # while the living edition shows every change
    assert "An edited note." in living and "Repaired: " in living and "Waiting for review." in living


def test_a_release_shows_the_text_and_items_as_they_were(client, apparatus, editor_user, moderator_user):
    release(editor_user)
    moderation.item_approve(apparatus["pending"], moderator=moderator_user)
    html = get(client, RELEASE_1).content.decode()
    assert "A <em>published</em> note." in html and "Waiting for review." not in html
    assert f'href="/v/1/notes/{apparatus["note"].pk}/"' in html  # its own permalinks
    assert f'href="/v/1/sources/#source-' in html
    assert reverse("annotations:paragraph_contribute", args=[apparatus["paragraph"].anchor]) not in html
    assert "This is version 1 of the edition" in html


def test_a_site_flushed_and_released_again_shows_its_own_version_one(client, transactional_db, editor_user):
    def site_release(words):
        make_note(make_paragraph(), "Rapallo", body=words)
        releases.release_make(Essay.objects.get(), editor=None, summary="Version 1.")

    site_release("The first site's note.")
    assert "The first site's note." in get(client, RELEASE_1).content.decode()
    call_command("flush", interactive=False, verbosity=0)  # its releases are numbered, and their rows keyed, from 1 again
    site_release("The second site's note.")
    html = get(client, RELEASE_1).content.decode()  # while the edition's caches still hold the first site's
    assert "The second site's note." in html and "The first site's note." not in html


def test_a_release_page_is_kept_for_good_with_a_validator(client, apparatus, editor_user, settings):
    release(editor_user)
    response = get(client, RELEASE_1)
    assert response["Cache-Control"] == f"public, max-age={settings.RELEASE_MAX_AGE}, s-maxage={settings.RELEASE_MAX_AGE}"
    again = client.get(RELEASE_1, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert client.get(RELEASE_1, {"mode": "corrected"}, headers={"If-None-Match": response["ETag"]}).status_code == 200


@pytest.mark.parametrize("url", ["/v/2/", "/v/2/changes/", "/v/2/sources/", "/v/2/edition.bib", "/v/2/edition.tei.xml"])
def test_a_version_never_released_is_a_404(client, apparatus, editor_user, url):
    release(editor_user)
    assert client.get(url).status_code == 404


def test_a_release_permalink_shows_the_item_as_released_and_only_its_items(client, apparatus, editor_user, moderator_user):
    note = apparatus["note"]
    release(editor_user)
    note.body = "Rewritten."
    moderation.item_edit(note, user=moderator_user, fields=["body"], expected_version=note.version)
    assert "A <em>published</em> note." in get(client, f"/v/1/notes/{note.pk}/").content.decode()
    assert "Rewritten." in get(client, f"/notes/{note.pk}/").content.decode()
    assert client.get(f"/v/1/notes/{apparatus['pending'].pk}/").status_code == 404
    assert client.get(f"/v/1/corrections/{apparatus['correction'].pk}/").status_code == 200
    assert client.get(f"/v/1/corrections/{note.pk + 1000}/").status_code == 404


def test_a_release_bibliography_lists_its_sources_as_they_were(client, apparatus, editor_user, moderator_user):
    release(editor_user)
    source = apparatus["note"].citations.get().source
    title = source.title
    source.title = "Something else"
    moderation.item_edit(source, user=moderator_user, fields=["title"], expected_version=source.version)
    html = get(client, "/v/1/sources/").content.decode()
    assert title in html and "Something else" not in html
    assert f'href="/v/1/notes/{apparatus["note"].pk}/"' in html


# --- the changelog --------------------------------------------------------------------------------------


def test_the_changelog_lists_each_release_with_what_it_changed(client, apparatus, editor_user, moderator_user):
    release(editor_user, "The first version.")
    moderation.item_approve(apparatus["pending"], moderator=moderator_user)
    correction = apparatus["correction"]
    moderation.item_reopen(correction, moderator=moderator_user)
    note = apparatus["note"]
    note.refresh_from_db()
    note.certainty = "low"
    moderation.item_edit(note, user=moderator_user, fields=["certainty"], expected_version=note.version)
    moderation.paragraph_repair(apparatus["paragraph"], editor=editor_user, new_text=apparatus["paragraph"].text + " More.",
                                reason="Import slip.")
    release(editor_user, "The second version.")

    html = get(client, "/versions/").content.decode()
    assert html.index("Version 2") < html.index("Version 1")
    assert "The second version." in html and "by Edith Ward" in html and "by the editors" not in html
    assert "Added: 1 note, 0 corrections" in html and "Changed: 1 note, 0 corrections" in html
    assert "Withdrawn: 0 notes, 1 correction" in html and "Text repaired in 1 paragraph" in html
    assert 'href="/v/2/changes/"' in html and 'href="/v/1/"' in html

    changes = get(client, "/v/2/changes/").content.decode()
    added = changes.split('id="added-heading"')[1].split("</section>")[0]
    changed = changes.split('id="changed-heading"')[1].split("</section>")[0]
    withdrawn = changes.split('id="withdrawn-heading"')[1].split("</section>")[0]
    assert f'href="/v/2/notes/{apparatus["pending"].pk}/"' in added
    assert f'href="/v/2/notes/{note.pk}/"' in changed and f'href="/v/1/notes/{note.pk}/"' in changed
    assert f'href="/v/1/corrections/{correction.pk}/"' in withdrawn
    assert f'{apparatus["paragraph"].locator}</a> repaired' in changes
    first = get(client, "/v/1/changes/").content.decode()
    assert "everything in it is new" in first


def test_the_changelog_says_what_is_new_since_the_latest_release(client, apparatus, editor_user, moderator_user):
    release(editor_user)
    moderation.item_approve(apparatus["pending"], moderator=moderator_user)
    assert "also shows 1 note or correction published since" in get(client, "/versions/").content.decode()


# --- the living edition between releases ------------------------------------------------------------------


def entry(html, item):
    kind = "note" if isinstance(item, Annotation) else "correction"
    return re.search(rf'<li class="[^"]*" id="{kind}-{item.pk}">.*?</li>', html, re.S).group(0)


def test_an_item_accepted_after_the_latest_release_is_marked_new_since_it(client, apparatus, editor_user, moderator_user):
    release(editor_user)
    moderation.item_approve(apparatus["pending"], moderator=moderator_user)
    html = get(client, "/").content.decode()
    new = entry(html, apparatus["pending"])
    assert 'class="entry note-entry new-since"' in new and "new since version 1" in new
    assert "new since" not in entry(html, apparatus["note"])
    assert "and 1 new since" in html
    permalink = get(client, f"/notes/{apparatus['pending'].pk}/").content.decode()
    assert "new since version 1" in permalink
    release(editor_user, "Released.")
    assert "new since" not in entry(get(client, "/").content.decode(), apparatus["pending"])


def test_a_contributors_page_loses_the_new_since_mark_with_the_next_release(client, apparatus, editor_user, moderator_user):
    contributor = make_user("carol")
    make_note(apparatus["paragraph"], "Bolshevik government", status=Status.PENDING, submitted_by=contributor,
              body="Carol's own note.")
    release(editor_user)
    moderation.item_approve(apparatus["pending"], moderator=moderator_user)
    client.force_login(contributor)
    html = get(client, "/").content.decode()  # the paragraph's passage with her note in it is kept
    assert "Carol's own note." in html and "new since version 1" in entry(html, apparatus["pending"])
    release(editor_user, "Released.")
    html = get(client, "/").content.decode()
    assert "Carol's own note." in html and "new since" not in entry(html, apparatus["pending"])


def test_nothing_is_marked_new_before_the_first_release(client, apparatus):
    html = get(client, "/").content.decode()
    assert "new since" not in html


# --- citing -----------------------------------------------------------------------------------------------


def cite_block(html):
    return html.split('id="cite"', 1)[1].split("</section>", 1)[0]


def test_cite_this_edition_cites_the_latest_release_and_decisions_do_not_move_it(client, apparatus, editor_user, moderator_user):
    first = release(editor_user)
    cited = cite_block(get(client, "/").content.decode())
    assert "(Version 1)" in cited and "http://testserver/v/1/" in cited
    assert f"{first.released_at.day} {first.released_at:%B %Y}" in cited
    moderation.item_approve(apparatus["pending"], moderator=moderator_user)
    moderation.item_reject(apparatus["doomed"], moderator=moderator_user, reason="No.")
    assert "(Version 1)" in cite_block(get(client, "/").content.decode())
    release(editor_user, "Two.")
    living = cite_block(get(client, "/").content.decode())
    assert "(Version 2)" in living and "http://testserver/v/2/" in living
    old = cite_block(get(client, RELEASE_1).content.decode())
    assert "(Version 1)" in old and "http://testserver/v/1/" in old and "Version 2" not in old
    assert 'href="/v/1/edition.bib"' in old and 'href="/edition.bib"' in living


def test_cite_this_passage_cites_it_in_the_latest_release(client, apparatus, editor_user):
    release(editor_user)
    paragraph = apparatus["paragraph"]
    html = get(client, "/").content.decode()
    assert re.search(rf'id="cite-{paragraph.anchor}">.*?Version 1, .*?{re.escape(paragraph.locator)}\. '
                     rf'http://testserver/v/1/#{paragraph.anchor}\.', html)


def test_each_essay_is_cited_in_its_own_latest_release(apparatus, editor_user, moderator_user):
    from tests.factories import make_essay

    essay = Essay.objects.get()
    other = make_paragraph(essay=make_essay(title="Another essay", slug="another"))
    make_note(other, "Rapallo")
    releases.release_make(other.section.essay, editor=editor_user, summary="Another essay's first.")
    moderation.item_approve(make_note(other, "Genoa", status=Status.PENDING), moderator=moderator_user)
    releases.release_make(other.section.essay, editor=editor_user, summary="Another essay's second.")
    assert edition.edition_record(essay, url="http://testserver/").version is None  # not released yet
    releases.release_make(essay, editor=editor_user, summary="Its first.")
    assert edition.edition_record(essay, url="http://testserver/").version == 1
    assert edition.edition_record(other.section.essay, url="http://testserver/").version == 2


@pytest.fixture
def two_releases(apparatus, editor_user, moderator_user):
    """Version 1, a note accepted, version 2."""
    release(editor_user)
    moderation.item_approve(apparatus["pending"], moderator=moderator_user)
    release(editor_user, "Two.")


def test_the_edition_files_cite_the_latest_release_and_a_release_its_own(client, two_releases):
    latest = get(client, "/edition.bib").content.decode()
    assert "version = {2}" in latest and "url = {http://testserver/v/2/}" in latest
    first = get(client, "/v/1/edition.bib").content.decode()
    assert "version = {1}" in first and "url = {http://testserver/v/1/}" in first
    assert first.startswith(f"@misc{{{Essay.objects.get().slug}-v1,")


# --- the admin --------------------------------------------------------------------------------------------


RELEASE_ADD = "/admin/annotations/release/add/"


def test_an_editor_releases_the_next_version_from_the_admin(client, apparatus, editor_user, moderator_user):
    client.force_login(editor_user)
    release(editor_user)
    moderation.item_approve(apparatus["pending"], moderator=moderator_user)
    page = get(client, RELEASE_ADD).content.decode()
    assert "Release version 2" in page and "1 note or correction newly published" in page
    response = client.post(RELEASE_ADD, {"summary": "One more note."}, follow=True)
    assert "Version 2 released" in response.content.decode()
    latest = Release.objects.get(number=2)
    assert (latest.summary, latest.released_by) == ("One more note.", editor_user)


def test_the_admin_keeps_the_summary_and_says_why_a_release_is_refused(client, apparatus, editor_user):
    client.force_login(editor_user)
    release(editor_user)
    response = client.post(RELEASE_ADD, {"summary": "Nothing really."})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Readers see nothing that version 1 does not already show." in html and "Nothing really." in html
    assert "This field is required." in client.post(RELEASE_ADD, {"summary": ""}).content.decode()
    assert Release.objects.count() == 1


def test_moderators_cannot_release(client, apparatus, moderator_user):
    client.force_login(moderator_user)
    assert client.get(RELEASE_ADD).status_code == 403
    assert client.post(RELEASE_ADD, {"summary": "Sneaky."}).status_code == 403
    assert not Release.objects.exists()


def test_the_sitemap_lists_every_release(client, two_releases):
    xml = get(client, "/sitemap.xml").content.decode()
    assert "<loc>http://testserver/v/1/</loc>" in xml and "<loc>http://testserver/v/2/</loc>" in xml
