"""Serving in production: error pages, stale forms that keep what was typed, the health check, the log."""

import logging
import re
from html import unescape

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError
from django.db.backends.base.base import BaseDatabaseWrapper
from django.test import Client
from django.urls import reverse

from annotations.models import Annotation, Status
from tests.factories import make_paragraph, make_user
from tests.test_settings import run_manage

TEXT = "The Treaty of Rapallo was signed in 1922 at Genoa, and the Treaty of Berlin followed in 1926."
BODY = "Rapallo is on the Ligurian coast,\nnot far from Genoa."
STALE_TOKEN = "a" * 64  # well formed, and matches no secret


# --- error pages ------------------------------------------------------------------------------


@pytest.mark.urls("tests.error_urls")
@pytest.mark.parametrize(
    "status, heading",
    [
        (400, "This request was not understood"),
        (403, "You are not allowed to see this page"),
        (404, "There is no page here"),
        (500, "Something went wrong on our side"),
    ],
)
def test_error_pages_are_in_the_editions_style(db, status, heading):
    client = Client(raise_request_exception=False)
    response = client.get(f"/fail/{status}/")
    assert response.status_code == status
    html = response.content.decode()
    assert f"<h1>{heading}</h1>" in html
    assert 'class="site-header"' in html and "annotations/edition.css" in html
    assert 'href="/"' in html  # a way back to the edition


def test_a_request_for_an_unknown_host_gets_the_400_page(client, db):
    response = client.get("/", HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert "This request was not understood" in response.content.decode()


# --- a stale form keeps what was typed ------------------------------------------------------------


@pytest.fixture
def paragraph(db):
    return make_paragraph(TEXT)


@pytest.fixture
def csrf_client(db):
    return Client(enforce_csrf_checks=True)


def note_url(paragraph):
    return reverse("annotations:note_add", args=[paragraph.anchor])


def note_data(token, **extra):
    return {"csrfmiddlewaretoken": token, "exact": "Rapallo", "kind": "context", "body": BODY, "cite-choice": "none", **extra}


def token_in(html):
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def form_fields(html):
    """The name → value pairs a browser would submit from the page's main form."""
    form = re.search(r'<form method="post" action="[^"]*" class="contribute-form">(.*?)</form>', html, re.S).group(1)
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form))
    fields.update(re.findall(r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S))
    return {name: unescape(value) for name, value in fields.items()}


def test_a_stale_token_shows_the_typed_note_back_with_a_way_to_submit_it_again(csrf_client, paragraph):
    csrf_client.force_login(make_user("ada"))
    csrf_client.get(note_url(paragraph))  # the form, as opened the evening before
    response = csrf_client.post(note_url(paragraph), note_data(STALE_TOKEN))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Your form had expired" in html and "Nothing was saved" in html
    assert not Annotation.objects.exists()
    fields = form_fields(html)
    assert fields["body"].replace("\r\n", "\n") == BODY and fields["exact"] == "Rapallo"
    assert "a" * 64 not in html  # the stale token is not sent back

    again = csrf_client.post(note_url(paragraph), fields)  # "Submit again": the page's own fresh token
    assert again.status_code == 302
    note = Annotation.objects.get()
    assert (note.body.replace("\r\n", "\n"), note.status) == (BODY, Status.PENDING)


def test_a_stale_token_after_the_session_expired_keeps_the_text_until_the_person_logs_in(csrf_client, paragraph):
    user = make_user("ada")
    csrf_client.force_login(user)
    csrf_client.get(note_url(paragraph))
    Session.objects.all().delete()  # the session expired overnight
    response = csrf_client.post(note_url(paragraph), note_data(STALE_TOKEN))
    assert response.status_code == 403
    html = response.content.decode()
    assert "Rapallo is on the Ligurian coast,<br>not far from Genoa." in html
    assert f'href="/accounts/login/?next={note_url(paragraph)}">Log in</a>' in html

    login_page = csrf_client.get(reverse("login"), {"next": note_url(paragraph)})
    logged_in = csrf_client.post(
        reverse("login"),
        {"username": "ada", "password": "a-long-test-password", "next": note_url(paragraph),
         "csrfmiddlewaretoken": token_in(login_page.content.decode())},
    )
    assert logged_in.url == note_url(paragraph)
    form = csrf_client.get(note_url(paragraph)).content.decode()
    assert "What you typed before logging in is filled in below" in form
    assert BODY in unescape(form).replace("\r\n", "\n")
    assert BODY not in unescape(csrf_client.get(note_url(paragraph)).content.decode())  # used once


def test_a_form_posted_after_the_session_expired_waits_for_the_log_in(client, paragraph):
    client.force_login(make_user("ada"))
    client.get(note_url(paragraph))
    Session.objects.all().delete()
    response = client.post(note_url(paragraph), note_data(""))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
    client.login(username="ada", password="a-long-test-password")
    assert BODY in unescape(client.get(note_url(paragraph)).content.decode()).replace("\r\n", "\n")


def test_a_cross_site_post_keeps_nothing_and_leaves_the_visitors_session_alone(csrf_client, paragraph):
    response = csrf_client.post(note_url(paragraph), note_data(STALE_TOKEN))  # no cookie: from another site
    assert response.status_code == 403
    assert "sessionid" not in response.cookies and "csrftoken" not in response.cookies
    assert not Session.objects.exists()


# --- /healthz ---------------------------------------------------------------------------------


def test_healthz_answers_200_when_the_database_and_cache_answer(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-store" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_does_not(client, db, monkeypatch, caplog):
    def refuse(self, *args, **kwargs):
        raise OperationalError("connection refused")

    with monkeypatch.context() as patched:
        patched.setattr(BaseDatabaseWrapper, "cursor", refuse)
        response = client.get("/healthz")
    assert response.status_code == 503
    # The rate-limit counters' cache is a table of the same database (without REDIS_URL): it fails with it.
    assert response.json() == {"status": "failing", "database": "failing", "cache": "failing"}
    (record,) = [r for r in caplog.records if r.name == "django.request"]  # one line, saying why
    assert record.getMessage().startswith("Health check failed: the database does not answer (connection refused); ")


def test_healthz_answers_503_when_the_cache_does_not(client, db, settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": "ok", "cache": "failing"}


def test_healthz_is_answered_over_plain_http_behind_a_load_balancer(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/").status_code == 301


# --- the log ----------------------------------------------------------------------------------


def test_an_unhandled_error_is_logged_once_with_its_traceback():
    script = (
        "from django.test import Client\n"
        "from django.test.utils import override_settings\n"
        "with override_settings(ROOT_URLCONF='tests.error_urls'):\n"
        "    print(Client(raise_request_exception=False).get('/fail/500/', HTTP_HOST='localhost').status_code)\n"
    )
    result = run_manage("shell", "--no-imports", "-c", script)
    assert result.stdout.strip() == "500", result.stderr
    assert result.stderr.count("Internal Server Error: /fail/500/") == 1, result.stderr
    line = next(line for line in result.stderr.splitlines() if "Internal Server Error" in line)
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ ERROR django.request \[\d+\] Internal Server Error: /fail/500/$", line)
    assert "Traceback (most recent call last):" in result.stderr
    assert "RuntimeError: a bug in the code" in result.stderr


@pytest.mark.urls("tests.error_urls")
def test_a_500_is_logged_with_the_exception(db, caplog):
    with caplog.at_level(logging.ERROR, logger="django.request"):
        Client(raise_request_exception=False).get("/fail/500/")
    (record,) = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)


def test_a_request_for_an_unknown_host_is_logged_on_one_line():
    script = "from django.test import Client\nprint(Client().get('/', HTTP_HOST='attacker.example').status_code)\n"
    result = run_manage("shell", "--no-imports", "-c", script)
    assert result.stdout.strip() == "400", result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "ERROR django.security.DisallowedHost" in lines[0] and "attacker.example" in lines[0]


def test_a_forged_post_keeps_a_bounded_draft(csrf_client, paragraph):
    from annotations import drafts

    csrf_client.cookies["sessionid"] = "forged"  # any session cookie: the draft goes into a new session
    data = {f"field{n}": "x" * 30_000 for n in range(60)}  # under Django's 2.5 MB bound on a body
    assert csrf_client.post(note_url(paragraph), {**data, "body": BODY}).status_code == 403
    (session,) = Session.objects.all()
    (kept,) = session.get_decoded()[drafts.SESSION_KEY].values()
    assert len(kept) == drafts.FIELDS_KEPT and all(len(value) <= drafts.VALUE_KEPT for _, value in kept)
