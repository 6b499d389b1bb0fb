"""
Bad requests get a clean 4xx, never a 500: one regression test per cause a fuzz run found.

Requests are made as a browser would (the CSRF check on, with its cookie) by a
client that turns a server error into a response instead of an exception, so
each test sees the status a visitor would.
"""

from wsgiref.util import setup_testing_defaults

import pytest
from django.test import Client
from django.urls import reverse

from annotations.models import Annotation, Source, Status
from tests.factories import make_note, make_paragraph, make_source, make_user
from tests.moderation_support import make_role_user

TEXT = "The Treaty of Rapallo was signed in 1922 at Genoa."
FORM = "application/x-www-form-urlencoded"
TOKEN = "a" * 32


def browser(user=None):
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.cookies["csrftoken"] = TOKEN  # as after any page; forms send it back
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("charset", ["latin-1", "rot13", "hex"])
def test_a_form_post_in_another_charset_than_utf_8_is_a_400(db, charset):
    response = browser().generic("POST", reverse("login"), b"username=ada&password=x", content_type=f"{FORM}; charset={charset}")
    assert response.status_code == 400


@pytest.mark.parametrize("charset", ["latin-1", "rot13", "hex"])
def test_a_get_with_a_query_and_an_odd_charset_is_a_400(db, charset):
    response = browser().get(reverse("annotations:sources") + "?a=1", CONTENT_TYPE=f"text/plain; charset={charset}")
    assert response.status_code == 400


def test_more_form_fields_than_django_accepts_is_a_400(db):
    body = "&".join(f"f{number}=1" for number in range(1_100)).encode()
    assert browser().generic("POST", reverse("login"), body, content_type=FORM).status_code == 400


def test_more_query_fields_than_django_accepts_is_a_400(db):
    query = "&".join(f"f{number}=1" for number in range(1_100))
    assert browser().get(reverse("annotations:sources") + "?" + query).status_code == 400


def test_a_body_over_the_upload_limit_is_a_400(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1_000
    assert browser().generic("POST", reverse("login"), b"username=" + b"x" * 2_000, content_type=FORM).status_code == 400


def test_a_utf_8_form_with_its_charset_named_is_read_as_usual(db):
    make_user("ada", password="a-long-test-password")
    client = Client()
    body = b"username=ada&password=a-long-test-password"
    response = client.generic("POST", reverse("login"), body, content_type=f"{FORM}; charset=UTF-8")
    assert response.status_code == 302


@pytest.mark.parametrize("url", ["http://example.com:99999/", "http://[abc/", "http://example.com:abc/"])
def test_a_new_source_with_a_malformed_url_is_refused_with_a_message_on_every_form(db, url):
    user = make_user("ada")
    client = browser(user)
    paragraph = make_paragraph(TEXT)
    note = make_note(paragraph, status=Status.PENDING, submitted_by=user)
    source = make_source(status=Status.PENDING, submitted_by=user, title="Mine")
    new_source = {"cite-choice": "new", "source-kind": "book", "source-title": "On Rapallo", "source-url": url}
    pages = [
        (reverse("annotations:note_add", args=[paragraph.anchor]), {"exact": "Genoa", "kind": "comment", "body": "A note.", **new_source}),
        (reverse("annotations:citation_add", args=["notes", note.pk]), new_source),
        (reverse("annotations:item_edit", args=["sources", source.pk]), {"kind": "book", "title": "Mine", "url": url, "version": 1}),
    ]
    for page, data in pages:
        response = client.post(page, {**data, "csrfmiddlewaretoken": TOKEN})
        assert response.status_code == 400, page
        assert "This web address is malformed" in response.content.decode(), page
    assert Source.objects.count() == 1 and Annotation.objects.count() == 1


@pytest.mark.parametrize("version", ["²", "①", "9" * 5000])
def test_withdrawing_with_a_version_that_is_not_a_number_is_no_server_error(db, version):
    user = make_user("ada")
    note = make_note(make_paragraph(TEXT), status=Status.PENDING, submitted_by=user)
    response = browser(user).post(reverse("annotations:item_withdraw", args=["notes", note.pk]), {"version": version, "csrfmiddlewaretoken": TOKEN})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.status == Status.WITHDRAWN


@pytest.mark.parametrize("version", ["²", "①", "9" * 5000])
def test_the_admin_bulk_decision_with_a_version_that_is_not_a_number_is_no_server_error(db, version):
    note = make_note(make_paragraph(TEXT), status=Status.PENDING)
    client = browser(make_role_user("moderator"))
    data = {
        "action": "approve_selected", "_selected_action": [note.pk], "confirm": "1", "reason": "Fine.",
        f"version-{note.pk}": version, "csrfmiddlewaretoken": TOKEN,
    }
    response = client.post(reverse("admin:annotations_annotation_changelist"), data)
    assert response.status_code < 500
    note.refresh_from_db()
    assert note.status == Status.ACCEPTED


def test_a_nul_in_a_paragraph_address_is_a_400(db):
    assert browser(make_user("ada")).get("/p/%00/").status_code == 400


@pytest.mark.parametrize("query", ["status=%00", "kind=%00", "q=%00"])
def test_a_nul_in_an_admin_filter_is_a_400(db, query):
    client = browser(make_role_user("moderator"))
    assert client.get(reverse("admin:annotations_annotation_changelist") + "?" + query).status_code == 400


def test_a_nul_in_a_cookie_or_header_is_a_400(db):
    client = browser()
    client.cookies["sessionid"] = "abcdefgh\x00"
    assert client.get(reverse("annotations:sources")).status_code == 400
    assert Client(raise_request_exception=False).get(reverse("annotations:sources"), HTTP_USER_AGENT="x\x00").status_code == 400


def test_a_log_in_with_a_user_name_longer_than_any_account_is_refused_not_a_server_error(db):
    response = Client(raise_request_exception=False).post(reverse("login"), {"username": "x" * 20_000, "password": "x"})
    assert response.status_code == 200
    assert "_auth_user_id" not in Client().session


@pytest.mark.parametrize("charset", ["rot13", "hex"])
def test_the_site_application_answers_a_query_in_a_codec_that_is_no_text_encoding_with_a_400(charset, db):
    # Django itself fails while building such a request (before any middleware): essay_site/wsgi.py builds it.
    from essay_site.wsgi import application

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/sources/", "QUERY_STRING": "a=1",
               "CONTENT_TYPE": f"text/plain; charset={charset}"}
    setup_testing_defaults(environ)
    statuses = []
    b"".join(application(environ, lambda status, headers, exc_info=None: statuses.append(status)))
    assert statuses[0].startswith("400")
