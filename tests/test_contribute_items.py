"""One's own items: /me/, editing and withdrawing while pending, adding sources; other people's items are refused."""

import re

import pytest
from django.urls import reverse

from annotations import moderation
from annotations.models import Annotation, Citation, Source, Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user

TEXT = "The Treaty of Rapallo was signed in 1922 at Genoa."


@pytest.fixture
def contributor(client, db):
    user = make_user("ada")
    client.force_login(user)
    return user


@pytest.fixture
def note(contributor):
    return make_note(make_paragraph(TEXT), "Rapallo", status=Status.PENDING, submitted_by=contributor, body="First words.")


def without_csrf_token(page):
    """The page with its log-out form's token blanked: Django masks the token afresh on every answer."""
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b'name="csrfmiddlewaretoken" value=""', page)


def edit_url(kind, pk):
    return reverse("annotations:item_edit", args=[kind, pk])


def withdraw_url(kind, pk):
    return reverse("annotations:item_withdraw", args=[kind, pk])


def note_edit_data(note, **changes):
    data = {"exact": note.exact, "kind": note.kind, "body": note.body, "version": note.version}
    data.update(changes)
    return data


def test_me_lists_each_item_with_its_status_and_the_moderators_reason(client, contributor, note):
    correction = make_correction(note.paragraph, "1922", status=Status.PENDING, submitted_by=contributor)
    moderation.item_reject(correction, moderator=make_user("mod"), reason="The treaty was signed at Rapallo.")
    source = make_source(title="Kennan's lectures", status=Status.PENDING, submitted_by=contributor)
    make_citation(note, source, locator="p. 9", status=Status.PENDING, submitted_by=contributor)
    make_note(note.paragraph, "Genoa", body="Somebody else's note.", submitted_by=make_user("bea"))
    html = client.get(reverse("annotations:me")).content.decode()
    assert "First words." in html and f'id="note-{note.pk}"' in html
    assert f'id="correction-{correction.pk}"' in html
    assert "Rejected" in html and "The treaty was signed at Rapallo." in html
    assert "Kennan&#x27;s lectures" in html and "p. 9" in html
    assert html.count("Pending review") == 3
    assert "Somebody else" not in html
    assert f'href="{edit_url("notes", note.pk)}"' in html
    assert f'href="{edit_url("corrections", correction.pk)}"' not in html


def test_editing_a_pending_note_raises_its_version_and_keeps_it_pending(client, contributor, note):
    response = client.post(edit_url("notes", note.pk), note_edit_data(note, body="Better words.", exact="at Genoa"))
    assert response.status_code == 302
    note.refresh_from_db()
    assert (note.body, note.exact, note.version, note.status) == ("Better words.", "at Genoa", 2, Status.PENDING)
    assert TEXT[note.start:note.end] == "at Genoa"


def test_a_moderator_deciding_the_version_before_an_edit_is_refused(client, contributor, note):
    seen_by_moderator = note.version
    client.post(edit_url("notes", note.pk), note_edit_data(note, body="Changed after the moderator looked."))
    with pytest.raises(moderation.StaleItemError):
        moderation.item_approve(note, moderator=make_user("mod"), expected_version=seen_by_moderator)
    note.refresh_from_db()
    assert note.status == Status.PENDING


def test_an_edit_of_a_stale_version_is_refused_and_the_typed_text_kept(client, contributor, note):
    moderation.item_revise(note, user=contributor, changes={"body": "Edited in another tab."})
    response = client.post(edit_url("notes", note.pk), note_edit_data(note, body="Typed here.", version=1))
    assert response.status_code == 409
    assert "Typed here." in response.content.decode()
    note.refresh_from_db()
    assert note.body == "Edited in another tab."


def test_an_edit_with_bad_input_is_refused_and_nothing_changed(client, contributor, note):
    response = client.post(edit_url("notes", note.pk), note_edit_data(note, body="New body.", exact="Versailles"))
    assert response.status_code == 400
    assert "New body." in response.content.decode()
    note.refresh_from_db()
    assert (note.body, note.version) == ("First words.", 1)


def test_editing_a_correction_to_a_sourced_category_needs_a_source_first(client, contributor, note):
    correction = make_correction(note.paragraph, "1922", status=Status.PENDING, submitted_by=contributor, category="wording")
    data = {"exact": "1922", "category": "date", "replacement": "1923", "rationale": "Why.", "version": 1}
    response = client.post(edit_url("corrections", correction.pk), data)
    assert response.status_code == 400
    assert "needs a source" in response.content.decode()
    make_citation(correction, status=Status.PENDING, submitted_by=contributor)
    assert client.post(edit_url("corrections", correction.pk), data).status_code == 302
    correction.refresh_from_db()
    assert (correction.category, correction.replacement, correction.version) == ("date", "1923", 2)


def test_editing_own_pending_source_and_citation(client, contributor, note):
    source = make_source(title="Old title", status=Status.PENDING, submitted_by=contributor)
    citation = make_citation(note, source, status=Status.PENDING, submitted_by=contributor)
    data = {"kind": "book", "title": "New title", "year": "1961", "isbn": "0-333-30050-5", "version": 1}
    assert client.post(edit_url("sources", source.pk), data).status_code == 302
    source.refresh_from_db()
    assert (source.title, source.isbn, source.version) == ("New title", "0333300505", 2)
    assert client.post(edit_url("citations", citation.pk), {"locator": "p. 40", "version": 1}).status_code == 302
    citation.refresh_from_db()
    assert citation.locator == "p. 40"


def test_editing_a_source_to_a_malformed_isbn_is_refused(client, contributor):
    source = make_source(title="Old title", status=Status.PENDING, submitted_by=contributor)
    response = client.post(edit_url("sources", source.pk), {"kind": "book", "title": "Old title", "isbn": "0-333-30050-4", "version": 1})
    assert response.status_code == 400
    assert "wrong check digit" in response.content.decode()
    source.refresh_from_db()
    assert (source.isbn, source.version) == ("", 1)


def test_withdrawing_a_pending_note_takes_its_pending_citations_with_it(client, contributor, note):
    citation = make_citation(note, status=Status.PENDING, submitted_by=contributor)
    confirm = client.get(withdraw_url("notes", note.pk))
    assert confirm.status_code == 200 and "Withdraw it" in confirm.content.decode()
    response = client.post(withdraw_url("notes", note.pk), {"version": note.version})
    assert response.status_code == 302
    note.refresh_from_db()
    citation.refresh_from_db()
    assert (note.status, citation.status) == (Status.WITHDRAWN, Status.WITHDRAWN)
    assert "Withdrawn" in client.get(reverse("annotations:me")).content.decode()


@pytest.mark.parametrize("status", [Status.ACCEPTED, Status.REJECTED, Status.WITHDRAWN, Status.SPAM])
def test_items_no_longer_pending_cannot_be_edited_or_withdrawn(client, contributor, note, status):
    Annotation.objects.filter(pk=note.pk).update(status=status)
    for url in (edit_url("notes", note.pk), withdraw_url("notes", note.pk)):
        assert client.get(url).status_code == 409
        response = client.post(url, note_edit_data(note, body="Too late."))
        assert response.status_code == 409
        assert "only be" in response.content.decode() and "while it is pending review" in response.content.decode()
    note.refresh_from_db()
    assert (note.body, note.status) == ("First words.", status)


@pytest.mark.parametrize("action", ["item_edit", "item_withdraw", "citation_add"])
def test_someone_elses_item_is_not_found_as_if_it_did_not_exist(client, contributor, action):
    theirs = make_note(make_paragraph(TEXT), status=Status.PENDING, submitted_by=make_user("bea"), body="Bea's note.")
    url = reverse(f"annotations:{action}", args=["notes", theirs.pk])
    missing = reverse(f"annotations:{action}", args=["notes", theirs.pk + 1000])
    for response in (client.get(url), client.post(url, {"body": "Mine now", "exact": "Rapallo", "kind": "comment", "cite-choice": "existing"})):
        assert response.status_code == 404
        assert "Bea" not in response.content.decode()
        assert without_csrf_token(response.content) == without_csrf_token(client.get(missing).content)
    theirs.refresh_from_db()
    assert (theirs.body, theirs.status, theirs.version) == ("Bea's note.", Status.PENDING, 1)
    assert Citation.objects.count() == 0


@pytest.mark.parametrize("kind, pk", [("notes", 999), ("paragraphs", 1), ("essays", 1)])
def test_unknown_items_and_kinds_are_404(client, contributor, kind, pk):
    assert client.get(edit_url(kind, pk)).status_code == 404


def test_adding_a_source_to_ones_own_note(client, contributor, note):
    source = make_source()
    url = reverse("annotations:citation_add", args=["notes", note.pk])
    assert 'value="none"' not in client.get(url).content.decode()
    response = client.post(url, {"cite-choice": "existing", "cite-source": source.pk, "cite-locator": "p. 3"})
    citation = Citation.objects.get()
    assert response["Location"] == f"{reverse('annotations:me')}#landed-citation-{citation.pk}"
    assert (citation.annotation, citation.status, citation.locator) == (note, Status.PENDING, "p. 3")


def test_adding_a_new_source_with_a_malformed_doi_to_ones_correction_is_refused(client, contributor, note):
    correction = make_correction(note.paragraph, "1922", status=Status.ACCEPTED, submitted_by=contributor)
    url = reverse("annotations:citation_add", args=["corrections", correction.pk])
    response = client.post(url, {"cite-choice": "new", "source-kind": "article", "source-title": "On Rapallo", "source-doi": "doi:11.1/x"})
    assert response.status_code == 400
    assert "On Rapallo" in response.content.decode() and "This is not a DOI" in response.content.decode()
    assert (Source.objects.count(), Citation.objects.count()) == (0, 0)


def test_no_source_can_be_added_to_a_withdrawn_note(client, contributor, note):
    moderation.item_withdraw(note, user=contributor)
    url = reverse("annotations:citation_add", args=["notes", note.pk])
    assert client.post(url, {"cite-choice": "existing", "cite-source": make_source().pk}).status_code == 409
    assert Citation.objects.count() == 0


def test_item_revise_refuses_someone_else_and_decided_items(db):
    owner, other = make_user("ada"), make_user("bea")
    note = make_note(status=Status.PENDING, submitted_by=owner)
    with pytest.raises(moderation.TransitionError, match="Only the contributor"):
        moderation.item_revise(note, user=other, changes={"body": "x"})
    moderation.item_approve(note, moderator=other)
    with pytest.raises(moderation.TransitionError, match="can no longer be edited"):
        moderation.item_revise(note, user=owner, changes={"body": "x"})
