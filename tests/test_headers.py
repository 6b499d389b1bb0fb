"""Response headers and small leaks: the CSP, personal pages kept out of caches, the proxy header, offered sources."""

import re

import pytest
from django.urls import reverse

from annotations.forms import sources_offered_to
from annotations.models import Status
from tests.conftest import ROOT
from tests.factories import make_citation, make_note, make_paragraph, make_source, make_user
from tests.test_settings import PRODUCTION, run_manage

TEMPLATE_DIRS = [ROOT / "essay_site" / "templates", ROOT / "annotations" / "templates"]
INLINE = {
    "an inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
    "a style element": re.compile(r"<style\b", re.I),
    "a style attribute": re.compile(r"\sstyle=", re.I),
    "an event handler attribute": re.compile(r"\son[a-z]+=", re.I),
    "a javascript: URL": re.compile(r"javascript:", re.I),
}


def test_pages_carry_a_content_security_policy_without_inline_script_or_eval(client, db):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(directive.strip().split(" ", 1) for directive in policy.split(";") if directive.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["default-src"] == "'self'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


@pytest.mark.parametrize("kind", sorted(INLINE))
def test_no_template_has_what_the_policy_forbids(kind):
    found = [
        str(path.relative_to(ROOT))
        for directory in TEMPLATE_DIRS
        for path in directory.rglob("*.html")
        if INLINE[kind].search(path.read_text())
    ]
    assert found == []


def personal_pages(user):
    paragraph = make_paragraph()
    make_note(paragraph, status=Status.PENDING, submitted_by=user)
    return [
        reverse("annotations:me"),
        reverse("annotations:edition"),
        reverse("annotations:note_add", args=[paragraph.anchor]),
        reverse("annotations:sources"),
    ]


def test_every_page_for_a_signed_in_reader_is_private_and_not_stored(client, db):
    user = make_user("ada")
    client.force_login(user)
    for url in personal_pages(user):
        cache_control = client.get(url)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control, url


def test_a_page_with_a_form_is_private_and_not_stored_for_anyone(client, db):
    response = client.get(reverse("signup"))
    assert "private" in response["Cache-Control"] and "no-store" in response["Cache-Control"]


def test_a_public_page_for_an_anonymous_reader_is_not_marked_private(client, db):
    make_note(make_paragraph())
    for url in (reverse("annotations:sources"), reverse("annotations:feed")):
        assert "private" not in client.get(url).get("Cache-Control", ""), url


def test_a_view_that_sets_its_own_cache_control_keeps_it(client, db):
    # The log-in view is never_cache'd by Django: its header is left as it is.
    assert client.get(reverse("login"))["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


@pytest.mark.parametrize("behind_proxy, expected", [("", "None"), ("0", "None"), ("1", "('HTTP_X_FORWARDED_PROTO', 'https')")])
def test_the_forwarded_proto_header_is_believed_only_behind_a_proxy(behind_proxy, expected):
    show = "from django.conf import settings as s; print(getattr(s, 'SECURE_PROXY_SSL_HEADER', None))"
    result = run_manage("shell", "--no-imports", "-c", show, BEHIND_PROXY=behind_proxy, **PRODUCTION)
    assert result.stdout.strip() == expected, result.stderr


def test_an_accepted_source_whose_citing_items_were_all_taken_down_is_no_longer_offered(db):
    contributor = make_user("ada")
    paragraph = make_paragraph()
    cited = make_citation(make_note(paragraph, "Rapallo"), make_source(title="Still cited")).source
    taken_down = make_citation(make_note(paragraph, "1922", status=Status.REJECTED), make_source(title="Taken down")).source
    never_cited = make_source(title="Not cited yet")
    own = make_citation(make_note(paragraph, "Genoa", status=Status.REJECTED), make_source(title="Mine", submitted_by=contributor)).source
    assert set(sources_offered_to(contributor)) == {cited, never_cited, own}
    assert taken_down not in set(sources_offered_to(make_user("bea")))
