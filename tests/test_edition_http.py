"""HTTP caching of the edition page: validators, 304s, encodings, what shared caches may keep, the mode cookie."""

import gzip
import re

import brotli
import pytest
from django.urls import reverse
from django.utils.http import http_date

from annotations.http import encoding_choose
from annotations.models import Essay
from tests.factories import make_correction, make_note, make_user

EDITION = reverse("annotations:edition")
ENCODINGS = ("br", "gzip", "identity")


@pytest.fixture
def essay(seeded_essay):
    paragraph = seeded_essay.sections.get(position=1).paragraphs.get(position=1)
    make_note(paragraph, "autumn of 1941", body="A published note.")
    make_correction(paragraph, "November 1917", replacement="October 1917")
    return seeded_essay


def session_read(response):
    session = getattr(response.wsgi_request, "session", None)  # the middleware answered before SessionMiddleware
    return session is not None and session.accessed


def cache_control(response):
    return {part.strip() for part in response.headers.get("Cache-Control", "").split(",") if part.strip()}


def vary(response):
    return {part.strip().lower() for part in response.headers.get("Vary", "").split(",")}


def test_an_anonymous_page_carries_validators_and_may_be_kept_by_shared_caches(client, essay, settings):
    response = client.get(EDITION)
    assert response.status_code == 200
    assert response.headers["ETag"].startswith('W/"')
    assert response.headers["Last-Modified"]
    assert {"public", f"max-age={settings.EDITION_MAX_AGE}", f"s-maxage={settings.EDITION_SHARED_MAX_AGE}"} <= cache_control(response)
    assert {"cookie", "accept-encoding"} <= vary(response)  # a signed-in reader's page is never another's
    assert int(response.headers["Content-Length"]) == len(response.content)


def test_a_current_copy_gets_a_304_without_rendering_or_reading_the_session(client, essay, django_assert_num_queries):
    first = client.get(EDITION)
    with django_assert_num_queries(1):  # the essay: its revision
        again = client.get(EDITION, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.content == b""
    assert not again.templates
    assert not session_read(again)
    assert again.headers["ETag"] == first.headers["ETag"]
    assert "public" in cache_control(again)
    since = client.get(EDITION, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_an_anonymous_reader_without_cookies_costs_no_session_read(client, essay):
    assert not session_read(client.get(EDITION))  # rendered
    assert not session_read(client.get(EDITION))  # from the cache


def test_a_decision_changes_the_etag_and_the_page(client, essay):
    from annotations import moderation

    first = client.get(EDITION)
    note = make_note(essay.sections.get(position=1).paragraphs.get(position=1), "November 1917",
                     status="pending", body="Newly accepted note.")
    moderation.item_approve(note, moderator=make_user("mod", groups=["Moderators"]))
    after = client.get(EDITION, headers={
        "If-None-Match": first.headers["ETag"], "If-Modified-Since": http_date(Essay.objects.get().revised_at.timestamp() - 5),
    })
    assert after.status_code == 200
    assert after.headers["ETag"] != first.headers["ETag"]
    assert "Newly accepted note." in after.content.decode()


def test_each_mode_has_its_own_etag(client, essay):
    etags = {client.get(EDITION, {"mode": mode}).headers["ETag"] for mode in ("apparatus", "corrected", "original")}
    assert len(etags) == 3


@pytest.mark.parametrize(("accept", "encoding"), [("gzip, deflate, br", "br"), ("gzip", "gzip"), ("", None)])
def test_the_page_is_served_compressed_as_the_reader_accepts(client, essay, accept, encoding):
    plain = client.get(EDITION).content
    response = client.get(EDITION, headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding
    decompress = {"br": brotli.decompress, "gzip": gzip.decompress, None: lambda content: content}[encoding]
    assert decompress(response.content) == plain
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert response.headers["ETag"] == client.get(EDITION).headers["ETag"]


def test_a_signed_in_readers_page_is_never_offered_to_shared_caches(client, essay):
    client.force_login(make_user("ada"))
    response = client.get(EDITION)
    assert "Log out" in response.content.decode()
    assert "ETag" not in response.headers
    assert "public" not in cache_control(response)
    assert "cookie" in vary(response)


def test_a_page_with_a_message_waiting_is_rendered_and_not_public(client, essay):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse

    storage = CookieStorage(client.get(EDITION).wsgi_request)
    storage.add(constants.SUCCESS, "You have been logged out.")
    carrier = HttpResponse()
    storage.update(carrier)
    client.cookies.update(carrier.cookies)
    response = client.get(EDITION)
    assert "You have been logged out." in response.content.decode()
    assert "public" not in cache_control(response)


def test_the_chosen_mode_is_kept_in_its_own_cookie_and_that_answer_stays_private(client, essay):
    chosen = client.get(EDITION, {"mode": "corrected"})
    assert chosen.cookies["reading_mode"].value == "corrected"
    assert "private" in cache_control(chosen) and "public" not in cache_control(chosen)
    assert not session_read(chosen)
    later = client.get(EDITION)
    assert re.search(r'href="\?mode=corrected#[^"]*" data-mode="corrected" aria-current="true"', later.content.decode())
    assert "public" in cache_control(later) and "reading_mode" not in later.cookies
    back = client.get(EDITION, {"mode": "apparatus"})
    assert back.cookies["reading_mode"].value == ""  # the default needs no cookie: deleted


def test_an_unknown_mode_cookie_is_ignored(client, essay):
    client.cookies["reading_mode"] = "<script>"
    response = client.get(EDITION)
    assert re.search(r'href="\?mode=apparatus#[^"]*" data-mode="apparatus" aria-current="true"', response.content.decode())


def test_the_shared_page_sends_readers_back_to_its_own_address_after_logging_in(client, essay):
    html = client.get(EDITION, {"mode": "original", "utm_source": "newsletter"}).content.decode()
    assert "?next=/%3Fmode%3Doriginal" in html and "newsletter" not in html


# --- answered before the rest of the middleware ---------------------------------------------------------


@pytest.fixture
def view_calls(monkeypatch):
    from annotations.views.reading import EditionView

    calls = []
    get = EditionView.get

    def spy(self, request):
        calls.append(request.get_full_path())
        return get(self, request)

    monkeypatch.setattr(EditionView, "get", spy)
    return calls


@pytest.mark.parametrize("accept", ["", "gzip", "br"])
def test_a_page_served_once_is_served_again_before_the_stack_with_the_same_bytes_and_headers(client, essay, view_calls, accept):
    client.get(EDITION, {"mode": "original"})  # chosen: the answer sets the mode cookie
    first = client.get(EDITION, {"mode": "original"}, headers={"Accept-Encoding": accept})
    again = client.get(EDITION, {"mode": "original"}, headers={"Accept-Encoding": accept})
    assert len(view_calls) == 2  # the third answer never reached the view
    assert again.content == first.content
    assert dict(again.items()) == dict(first.items())  # X-Frame-Options, Cache-Control, Vary, …
    assert again.headers["X-Frame-Options"] == "DENY"
    not_modified = client.get(EDITION, {"mode": "original"}, headers={"If-None-Match": first.headers["ETag"]})
    assert not_modified.status_code == 304 and len(view_calls) == 2
    assert not_modified.headers["Cache-Control"] == first.headers["Cache-Control"]


def test_after_a_decision_the_page_goes_through_the_stack_again(client, essay, view_calls):
    client.get(EDITION)
    client.get(EDITION)
    Essay.revision_bump()
    client.get(EDITION)
    assert len(view_calls) == 2


@pytest.mark.parametrize("cookie", ["sessionid", "messages"])
def test_a_reader_who_may_be_signed_in_or_have_a_message_goes_through_the_stack(client, essay, view_calls, cookie):
    client.get(EDITION)
    client.cookies[cookie] = "something"
    client.get(EDITION)
    client.get(EDITION)
    assert len(view_calls) == 3


def test_choosing_a_mode_goes_through_the_stack_to_set_its_cookie(client, essay, view_calls):
    client.get(EDITION, {"mode": "corrected"})  # sets the cookie
    client.get(EDITION, {"mode": "corrected"})  # the cookie says so already: kept by this process
    assert client.get(EDITION).status_code == 200  # and answered again before the stack
    assert len(view_calls) == 2
    response = client.get(EDITION, {"mode": "original"})
    assert response.cookies["reading_mode"].value == "original" and len(view_calls) == 3


# --- Accept-Encoding ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("header", "chosen"), [
    ("gzip, deflate, br", "br"),
    ("gzip", "gzip"),
    ("", "identity"),
    ("deflate", "identity"),
    ("br;q=0, gzip;q=0.5", "gzip"),
    ("br;q=0.4, gzip;q=0.8", "gzip"),
    ("*", "br"),
    ("identity", "identity"),
    ("gzip;q=0, *;q=0", "identity"),  # nothing acceptable: the plain bytes are all there is
    ("gzip;q=nonsense, br", "br"),
    ("GZIP", "gzip"),
])
def test_encoding_is_chosen_by_the_readers_weights_then_ours(header, chosen):
    assert encoding_choose(header, ENCODINGS) == chosen
