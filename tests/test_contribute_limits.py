"""Rate limits per account and per IP, with a clear 429 that keeps what was typed; CSRF on every form."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import Annotation, Status
from tests.factories import make_citation, make_note, make_paragraph, make_source, make_user

TEXT = "The Treaty of Rapallo was signed in 1922 at Genoa."


@pytest.fixture
def paragraph(db):
    return make_paragraph(TEXT)


def post_note(client, paragraph, body):
    data = {"exact": "Rapallo", "kind": "comment", "body": body, "cite-choice": "none"}
    return client.post(reverse("annotations:note_add", args=[paragraph.anchor]), data)


def test_contributions_over_the_account_rate_get_a_429_with_the_form_kept(client, paragraph, settings):
    settings.CONTRIBUTION_RATE_PER_ACCOUNT = "2/h"
    client.force_login(make_user("ada"))
    assert [post_note(client, paragraph, f"Note {n}").status_code for n in (1, 2)] == [302, 302]
    response = post_note(client, paragraph, "The third note, typed with care.")
    html = response.content.decode()
    assert response.status_code == 429
    assert "Too many submissions" in html and "Wait a few minutes" in html
    assert "The third note, typed with care." in html
    assert Annotation.objects.count() == 2


def test_contributions_over_the_ip_rate_are_limited_across_accounts(paragraph, settings):
    settings.CONTRIBUTION_RATE_PER_IP = "2/h"
    statuses = []
    for name in ("ada", "bea", "cy"):
        client = Client(REMOTE_ADDR="203.0.113.7")
        client.force_login(make_user(name))
        statuses.append(post_note(client, paragraph, f"By {name}").status_code)
    assert statuses == [302, 302, 429]
    other_network = Client(REMOTE_ADDR="198.51.100.1")
    other_network.force_login(make_user("dee"))
    assert post_note(other_network, paragraph, "From elsewhere").status_code == 302


def test_edits_and_withdrawals_count_towards_the_limit(client, paragraph, settings):
    settings.CONTRIBUTION_RATE_PER_ACCOUNT = "1/h"
    user = make_user("ada")
    client.force_login(user)
    note = make_note(paragraph, status=Status.PENDING, submitted_by=user)
    edit = reverse("annotations:item_edit", args=["notes", note.pk])
    data = {"exact": "Rapallo", "kind": "comment", "body": "Edited once.", "version": 1}
    assert client.post(edit, data).status_code == 302
    response = client.post(edit, {**data, "body": "Edited twice.", "version": 2})
    assert response.status_code == 429 and "Edited twice." in response.content.decode()
    response = client.post(reverse("annotations:item_withdraw", args=["notes", note.pk]), {"version": 2})
    assert response.status_code == 429
    note.refresh_from_db()
    assert (note.body, note.status) == ("Edited once.", Status.PENDING)


def test_sign_ups_over_the_ip_rate_get_a_429_keeping_the_user_name(client, db, settings):
    settings.SIGNUP_RATE_PER_IP = "1/h"
    data = {"username": "ada", "email": "ada@example.org", "password1": "a-long-pass-phrase-1", "password2": "a-long-pass-phrase-1"}
    assert client.post(reverse("signup"), data).status_code == 302
    client.logout()
    response = client.post(reverse("signup"), {**data, "username": "bea", "email": "bea@example.org"})
    assert response.status_code == 429
    assert 'value="bea"' in response.content.decode() and "Too many sign-ups" in response.content.decode()
    assert response.content.decode().count('role="alert"') == 1


def test_log_in_attempts_over_the_ip_rate_get_the_log_in_page_with_a_429(client, db, settings):
    settings.LOGIN_RATE_PER_IP = "2/h"
    make_user("ada")
    for _ in range(2):
        assert client.post(reverse("login"), {"username": "ada", "password": "wrong"}).status_code == 200
    response = client.post(reverse("login"), {"username": "ada", "password": "a-long-test-password"})
    assert response.status_code == 429
    assert "Too many log-in attempts from your network" in response.content.decode()
    assert 'value="ada"' in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_password_reset_requests_over_the_ip_rate_send_no_more_mail(client, db, settings, mailoutbox):
    settings.PASSWORD_RESET_RATE_PER_IP = "2/h"
    make_user("ada", email="ada@example.org")
    for _ in range(2):
        assert client.post(reverse("password_reset"), {"email": "ada@example.org"}).status_code == 302
    response = client.post(reverse("password_reset"), {"email": "ada@example.org"})
    assert response.status_code == 429
    assert "Too many requests" in response.content.decode()
    assert len(mailoutbox) == 2


@pytest.fixture
def form_pages(db):
    user = make_user("ada")
    paragraph = make_paragraph(TEXT)
    note = make_note(paragraph, status=Status.PENDING, submitted_by=user)
    citation = make_citation(note, make_source(status=Status.PENDING, submitted_by=user), status=Status.PENDING, submitted_by=user)
    return user, [
        reverse("annotations:note_add", args=[paragraph.anchor]),
        reverse("annotations:correction_add", args=[paragraph.anchor]),
        reverse("annotations:item_edit", args=["notes", note.pk]),
        reverse("annotations:item_edit", args=["sources", citation.source.pk]),
        reverse("annotations:item_edit", args=["citations", citation.pk]),
        reverse("annotations:item_withdraw", args=["notes", note.pk]),
        reverse("annotations:citation_add", args=["notes", note.pk]),
        reverse("password_change"),
    ]


def test_every_contributor_form_carries_a_csrf_token_and_refuses_a_post_without_it(form_pages):
    user, urls = form_pages
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    for url in urls:
        forms = re.findall(r'<form method="post"[^>]*>(.*?)</form>', client.get(url).content.decode(), re.S)
        assert len(forms) >= 2, url  # the page's own form and the header's log-out form
        assert all('name="csrfmiddlewaretoken"' in form for form in forms), url
        assert client.post(url, {"body": "x"}).status_code == 403, url
    note = Annotation.objects.get()
    assert (note.status, note.version) == (Status.PENDING, 1)


@pytest.mark.parametrize("name", ["login", "signup", "password_reset"])
def test_account_forms_carry_a_csrf_token_and_refuse_a_post_without_it(db, name):
    client = Client(enforce_csrf_checks=True)
    assert 'name="csrfmiddlewaretoken"' in client.get(reverse(name)).content.decode()
    assert client.post(reverse(name), {"username": "x"}).status_code == 403
