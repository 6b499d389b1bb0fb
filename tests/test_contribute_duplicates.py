"""The same note or correction sent twice by one contributor is kept once: the second is refused, pointing to the first."""

import pytest
from django.urls import reverse

from annotations.models import Annotation, Correction, Status
from tests.factories import make_user
# The fixtures too: a paragraph and a signed-in contributor.
from tests.test_contribute import contributor, correction_data, correction_url, note_data, note_url, paragraph  # noqa: F401


def test_the_same_note_sent_again_is_refused_with_a_link_to_the_first_and_what_was_typed_kept(client, paragraph, contributor):
    data = note_data(body="Rapallo is *near* Genoa.")
    assert client.post(note_url(paragraph), data).status_code == 302
    first = Annotation.objects.get()

    response = client.post(note_url(paragraph), data)

    assert response.status_code == 400
    html = response.content.decode()
    assert "You already sent this note" in html
    assert f'href="{reverse("annotations:me")}#note-{first.pk}"' in html
    assert "Rapallo is *near* Genoa." in html
    assert Annotation.objects.count() == 1


def test_the_same_correction_sent_again_is_refused(client, paragraph, contributor):
    assert client.post(correction_url(paragraph), correction_data()).status_code == 302
    first = Correction.objects.get()

    response = client.post(correction_url(paragraph), correction_data())

    assert response.status_code == 400
    assert f"#correction-{first.pk}" in response.content.decode()
    assert Correction.objects.count() == 1


@pytest.mark.parametrize(
    "second",
    [
        note_data(body="Something else about Rapallo."),
        note_data(exact="Genoa"),
        note_data(kind="question"),
    ],
    ids=["another body", "other words", "another kind"],
)
def test_a_note_that_differs_in_anything_is_not_a_duplicate(client, paragraph, contributor, second):
    client.post(note_url(paragraph), note_data())
    assert client.post(note_url(paragraph), second).status_code == 302
    assert Annotation.objects.count() == 2


def test_only_a_pending_note_of_ones_own_counts(client, paragraph, contributor):
    client.post(note_url(paragraph), note_data())
    Annotation.objects.update(status=Status.WITHDRAWN)
    assert client.post(note_url(paragraph), note_data()).status_code == 302

    client.force_login(make_user("grace"))
    assert client.post(note_url(paragraph), note_data()).status_code == 302
    assert Annotation.objects.count() == 3


def test_an_edit_may_keep_a_pending_note_as_it_is_but_not_make_it_a_copy_of_another(client, paragraph, contributor):
    client.post(note_url(paragraph), note_data())
    client.post(note_url(paragraph), note_data(body="A second note."))
    first, second = Annotation.objects.order_by("pk")
    edit = reverse("annotations:item_edit", args=["notes", second.pk])

    unchanged = client.post(edit, note_data(body="A second note.", version=1))
    assert unchanged.status_code == 302

    copy = client.post(edit, note_data(version=1))
    assert copy.status_code == 400
    assert f"#note-{first.pk}" in copy.content.decode()
    second.refresh_from_db()
    assert second.body == "A second note."
