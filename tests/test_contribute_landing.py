"""Where a contributor starts on a form, and where the word that it was sent appears."""

import re

from django.urls import reverse

from annotations.models import Annotation
from tests.factories import make_note
# The fixtures too: a paragraph and a signed-in contributor.
from tests.test_contribute import contributor, note_data, note_url, paragraph  # noqa: F401


def entry(html, anchor):
    """The HTML of one entry on /me/."""
    return re.search(rf'<article class="my-item" id="{anchor}".*?</article>', html, re.S).group(0)


def test_the_thanks_for_a_note_are_inside_it_with_the_focus_and_not_at_the_top(client, paragraph, contributor):
    make_note(paragraph, "Genoa", body="An earlier note.", status="pending", submitted_by=contributor)
    response = client.post(note_url(paragraph), note_data(), follow=True)
    html = response.content.decode()
    note = Annotation.objects.get(body=note_data()["body"])
    assert response.redirect_chain[-1][0] == f"{reverse('annotations:me')}#landed-note-{note.pk}"
    thanks = re.search(r'<p class="message[^"]*message-landed" id="landed-note-\d+"[^>]*>([^<]*)</p>', entry(html, f"note-{note.pk}"))
    assert thanks and "waiting for a moderator" in thanks.group(1)
    assert f'id="landed-note-{note.pk}"' in thanks.group(0)
    assert 'class="messages"' not in html
    assert html.count("waiting for a moderator.") == 1


def test_a_new_form_starts_at_the_words_and_one_that_came_back_at_its_errors(client, paragraph, contributor):
    fresh = client.get(note_url(paragraph) + "?exact=Rapallo").content.decode()
    assert re.search(r'<textarea name="exact"[^>]*autofocus', fresh)
    refused = client.post(note_url(paragraph), note_data(body="")).content.decode()
    assert not re.search(r'<textarea name="exact"[^>]*autofocus', refused)
    assert re.search(r'id="form-alert"[^>]*autofocus', refused)


def test_a_message_about_no_item_still_shows_at_the_top_of_my_contributions(client, db):
    signup = reverse("signup") + "?next=" + reverse("annotations:me")
    data = {"username": "grace", "email": "grace@example.org", "password1": "a-long-test-password", "password2": "a-long-test-password"}
    html = client.post(signup, data, follow=True).content.decode()
    assert re.search(r'<div class="messages" role="status">\s*<p class="message message-success">Welcome, grace', html)
