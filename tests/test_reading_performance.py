"""The edition page's cost: constant SQL queries, a cached body, and invalidation that holds across processes."""

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from annotations.models import Annotation, Correction, Essay, Paragraph, Status
from bench.seed import seed_apparatus
from tests.conftest import ROOT

EDITION = reverse("annotations:edition")


def clear_caches():
    from django.core.cache import caches

    from annotations import edition

    for store in caches.all():
        store.clear()
    edition.recent_forget()


def count_queries(client, url=EDITION):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_anonymous_readers_get_the_whole_page_from_the_cache_without_rendering(client, seeded_essay):
    first = client.get(EDITION, {"mode": "corrected"})
    again = client.get(EDITION, {"mode": "corrected"})
    assert first.templates and not again.templates  # nothing rendered the second time
    assert again.content == first.content


def test_signed_in_readers_never_get_the_anonymous_page(client, seeded_essay):
    from tests.factories import make_user

    client.get(EDITION)  # fills the anonymous page cache
    client.force_login(make_user("ada"))
    html = client.get(EDITION).content.decode()
    assert "Log out" in html and "My contributions" in html


def test_a_message_waiting_for_the_reader_is_shown_not_a_cached_page(client, seeded_essay):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpResponse

    client.get(EDITION)  # fills the anonymous page cache
    # Queue a message the way a redirecting view would (cookie storage, as the test client keeps cookies).
    storage = CookieStorage(client.get(EDITION).wsgi_request)
    storage.add(constants.SUCCESS, "You have been logged out.")
    response = HttpResponse()
    storage.update(response)
    client.cookies.update(response.cookies)
    assert "You have been logged out." in client.get(EDITION).content.decode()


def test_junk_query_strings_share_the_one_page_of_their_mode_and_evict_nothing(client, seeded_essay):
    """1,500 GETs like /?mode=&mode=corrected… once kept a page each and evicted the rate-limit counters."""
    from django.core.cache import cache, caches

    cache.set("a-rate-limit-counter", 7)
    first = client.get(EDITION, {"mode": "corrected"})
    kept = set(caches["edition"]._cache)
    for n in range(400):
        junk = client.get(f"{EDITION}?mode=&mode=corrected{'&mode=' * (n % 3)}&x={n}&utm_source={n}")
        assert junk.content == first.content and not junk.templates
    assert set(caches["edition"]._cache) == kept
    assert cache.get("a-rate-limit-counter") == 7


def test_edition_queries_do_not_grow_with_the_number_of_notes(client, seeded_essay, django_assert_max_num_queries):
    seed_apparatus(seeded_essay, notes=10, corrections=10, seed=1)
    small = count_queries(client)
    # The essay's state (its revision), the essay, its sections and paragraphs; the published items' states (notes,
    # corrections, citations, cross-references), which key the passages; the same in full for the passages to
    # render (with their cross-references); the version and its date (two).
    assert small == 15
    seed_apparatus(seeded_essay, notes=990, corrections=90, seed=2)
    assert Annotation.objects.published().count() == 1000
    assert Correction.objects.published().count() == 100
    clear_caches()
    with django_assert_max_num_queries(small):
        response = client.get(EDITION)
    html = response.content.decode()
    assert html.count('class="note-marker"') == 1000
    assert html.count("<ins data-apparatus>") == 100
    Essay.revision_bump()  # every passage still shows what it showed: none is read in full or rendered
    assert count_queries(client) == 11


def test_signed_in_contributor_with_pending_items_also_costs_constant_queries(client, seeded_essay, django_assert_max_num_queries):
    from django.contrib.auth.models import User

    author = User.objects.create_user("author", password="a-long-test-password")
    seed_apparatus(seeded_essay, notes=10, corrections=5, seed=3)
    Annotation.objects.filter(pk__in=Annotation.objects.values("pk")[:3]).update(status=Status.PENDING, submitted_by=author)
    client.force_login(author)
    small = count_queries(client)
    seed_apparatus(seeded_essay, notes=500, corrections=50, seed=4)
    Annotation.objects.filter(pk__in=Annotation.objects.values("pk")[:100]).update(status=Status.PENDING, submitted_by=author)
    with django_assert_max_num_queries(small):
        response = client.get(EDITION)
    assert response.content.decode().count("yours — pending review") == 100


def test_readers_get_the_cached_page_until_the_revision_moves(client, seeded_essay):
    """A passage is keyed by its items' state (version, last saved), so an edit saved outside the desk shows too."""
    seed_apparatus(seeded_essay, notes=5, corrections=2, seed=5)
    first = count_queries(client)
    assert count_queries(client) == 1 < first  # served from the cache: only the essay (its revision) is read
    # A change that bypasses moderation does not show until the revision is bumped …
    note = Annotation.objects.first()
    note.body = "Quietly edited body."
    note.save()
    assert "Quietly edited body." not in client.get(EDITION).content.decode()
    # … which every moderation decision does.
    Essay.revision_bump()
    assert "Quietly edited body." in client.get(EDITION).content.decode()


def test_each_mode_is_cached_separately(client, seeded_essay):
    seed_apparatus(seeded_essay, notes=3, corrections=3, seed=6)
    apparatus = client.get(EDITION).content.decode()
    corrected = client.get(EDITION, {"mode": "corrected"}).content.decode()
    assert "<del>" in apparatus and "<del>" not in corrected.split('<div class="essay"')[1].split("<aside")[0]


# --- two server processes, one database -------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fetch(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=20) as response:  # noqa: S310 - loopback
        return response.read().decode()


def wait_until_serving(port, process, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server on port {port} exited with {process.returncode}")
        try:
            return fetch(port)
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"the server on port {port} did not answer within {seconds} s")


@pytest.fixture
def shared_database(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}", "DEBUG": "1"}
    env.pop("REDIS_URL", None)  # each process keeps its own (local-memory) cache

    def manage(*args):
        subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    manage("migrate", "--noinput", "-v0")
    manage("loaddata", "essay", "-v0")
    return env, manage


def test_a_decision_made_in_one_process_shows_in_every_server_process(shared_database):
    env, manage = shared_database
    manage("shell", "-c", (
        "from annotations.models import *; from annotations.text import anchor_quote\n"
        "p = Paragraph.objects.order_by('section__position', 'position').first()\n"
        "a = anchor_quote(p.text, p.text.split()[1])\n"
        "Annotation.objects.create(paragraph=p, start=a.start, end=a.end, exact=a.exact, prefix=a.prefix,"
        " suffix=a.suffix, body='Approved-in-another-process', status='pending')"
    ))
    servers = []
    try:
        for _ in range(2):
            port = free_port()
            process = subprocess.Popen(
                [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload", "--nothreading"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )
            servers.append((port, process))
        for port, process in servers:
            assert "Approved-in-another-process" not in wait_until_serving(port, process)
            assert "Approved-in-another-process" not in fetch(port)  # now cached in that process
        manage("shell", "-c", (
            "from django.contrib.auth.models import User; from annotations import moderation;"
            " from annotations.models import Annotation;"
            " moderation.item_approve(Annotation.objects.get(), moderator=User.objects.create_user('mod'))"
        ))
        for port, _ in servers:
            assert "Approved-in-another-process" in fetch(port)
    finally:
        for _, process in servers:
            process.terminate()
            process.wait(timeout=10)


# --- passages: what a decision or a contributor's own items re-render ------------------------------


@pytest.fixture
def rendered_passages(monkeypatch):
    """The paragraphs whose passage was rendered (not taken from the cache), in order."""
    from annotations import edition

    rendered = []
    render = edition._passage_render

    def spy(paragraph, notes, corrections, *, mode):
        rendered.append(paragraph.pk)
        return render(paragraph, notes, corrections, mode=mode)

    monkeypatch.setattr(edition, "_passage_render", spy)
    return rendered


@pytest.fixture
def rendered_entries(monkeypatch):
    """The notes and corrections whose apparatus entry was rendered (not taken from the cache)."""
    from annotations import edition

    rendered = []
    render = edition._entry_render

    def spy(item, mode):
        rendered.append(item)
        return render(item, mode)

    monkeypatch.setattr(edition, "_entry_render", spy)
    return rendered


def marker_numbers(html):
    return {
        int(pk): int(number)
        for pk, number in re.findall(r'id="ref-note-(\d+)"><span class="visually-hidden">Note </span>(\d+)<', html)
    }


def test_a_decision_re_renders_only_the_passage_it_touched_and_renumbers_the_rest(
    client, seeded_essay, rendered_passages, rendered_entries,
):
    from annotations import moderation
    from tests.factories import make_note, make_user

    seed_apparatus(seeded_essay, notes=40, corrections=10, seed=7)
    paragraphs = list(Paragraph.objects.filter(section__essay=seeded_essay))
    first = paragraphs[0]
    before = marker_numbers(client.get(EDITION).content.decode())
    assert len(rendered_passages) == len(paragraphs)

    rendered_passages.clear()
    rendered_entries.clear()
    note = make_note(first, " ".join(first.text.split()[:4]), status=Status.PENDING, body="A new note in § 1.")
    moderation.item_approve(note, moderator=make_user("mod", groups=["Moderators"]))
    after = marker_numbers(client.get(EDITION).content.decode())
    assert rendered_passages == [first.pk]
    assert rendered_entries == [note]  # the other entries of § 1 come from the cache, renumbered
    assert sorted(after.values()) == list(range(1, len(before) + 2))
    later = Annotation.objects.exclude(paragraph=first).values_list("pk", flat=True)
    assert later and all(after[pk] == before[pk] + 1 for pk in later)  # renumbered, not re-rendered


def test_a_contributors_page_re_renders_only_the_passages_with_their_pending_items(client, seeded_essay, rendered_passages):
    from tests.factories import make_note, make_user

    seed_apparatus(seeded_essay, notes=40, corrections=10, seed=8)
    paragraphs = list(Paragraph.objects.filter(section__essay=seeded_essay))
    author = make_user("author")
    for paragraph in (paragraphs[3], paragraphs[20]):
        make_note(paragraph, paragraph.text.split()[1], status=Status.PENDING, submitted_by=author, body="Mine.")
    anonymous = client.get(EDITION).content.decode()
    rendered_passages.clear()
    client.force_login(author)
    mine = client.get(EDITION).content.decode()
    assert sorted(rendered_passages) == sorted([paragraphs[3].pk, paragraphs[20].pk])
    assert mine.count("<p>Mine.</p>") == 2
    assert marker_numbers(mine) == marker_numbers(anonymous)  # their own notes renumber nothing
    rendered_passages.clear()
    assert client.get(EDITION).content.decode().count("<p>Mine.</p>") == 2
    assert rendered_passages == []  # their passages are kept too, by what they show
