"""
Rate limits that hold across processes and page churn, and a classroom that works.

The clock is moved with time-machine: half an hour of a class takes no half
hour. Counters are in the "ratelimit" cache (the database cache table here).
"""

import os
import subprocess
import sys
import threading
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from django.core.cache import cache, caches
from django.db import connections
from django.test import Client, RequestFactory
from django.urls import reverse

from annotations import ratelimits
from tests.conftest import ROOT
from tests.factories import make_user
from tests.test_contribute_limits import paragraph, post_note  # noqa: F401 - a fixture and its helper

SCHOOL = "203.0.113.7"
PASSWORD = "a-long-test-password"
# Tomorrow at nine: in the future, so that sessions made then are still valid when the test reads them.
NINE_TOMORROW = (datetime.now(timezone.utc) + timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)


def note_posted(student, *, address=SCHOOL):
    """Whether the limits let ``student`` post a note now: what every contribution view asks first.

    Half an hour of a class is 900 notes; the limiter is asked directly for
    each (the views' 429 page is tested in test_contribute_limits.py).
    """
    request = RequestFactory().post("/p/anchor/note/", REMOTE_ADDR=address)
    request.user = student
    return not ratelimits.contribution_limited(request)


def test_the_counters_are_not_in_the_page_cache_and_survive_its_churn(client, paragraph, settings):
    settings.CONTRIBUTION_RATE_PER_ACCOUNT = "2/h"
    client.force_login(make_user("ada"))
    assert [post_note(client, paragraph, f"Note {n}").status_code for n in (1, 2)] == [302, 302]
    assert caches["ratelimit"] is not cache
    cache.clear()  # what 1,500 distinct anonymous pages did to the per-process cache
    assert post_note(client, paragraph, "A third").status_code == 429


COUNT_IN_ANOTHER_PROCESS = """
import django; django.setup()
from django.contrib.auth.models import User
from django.test import RequestFactory
from annotations.ratelimits import contribution_limited
request = RequestFactory().post("/", REMOTE_ADDR="198.51.100.1")
request.user = User.objects.get(username="ada")
print("limited" if contribution_limited(request) else "allowed")
"""


@pytest.mark.django_db(transaction=True)
def test_a_counter_written_by_one_process_is_read_by_another(settings):
    settings.CONTRIBUTION_RATE_PER_ACCOUNT = "1/h"
    ada = make_user("ada")
    assert note_posted(ada, address="198.51.100.1")
    database = connections["default"].settings_dict
    if database["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{database['NAME']}"
    else:
        url = f"postgres://{database['USER']}:{database['PASSWORD']}@{database['HOST']}:{database['PORT']}/{database['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "CONTRIBUTION_RATE_PER_ACCOUNT": "1/h", "DJANGO_SETTINGS_MODULE": "essay_site.settings"}
    result = subprocess.run([sys.executable, "-c", COUNT_IN_ANOTHER_PROCESS], cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "limited", result.stderr


@pytest.mark.django_db(transaction=True)
def test_counting_at_the_same_moment_in_several_processes_loses_no_count():
    counters = caches["ratelimit"]
    counters.add("at-once", 0, 60)
    barrier = threading.Barrier(8)

    def count():
        try:
            barrier.wait(timeout=10)
            for _ in range(5):
                counters.incr("at-once")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=count) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert counters.get("at-once") == 40


def test_a_class_of_60_behind_one_address_logs_in_and_posts_a_note_every_2_minutes_for_30_minutes(db):
    students = [make_user(f"student{number:02}", password=PASSWORD) for number in range(60)]
    with time_machine.travel(NINE_TOMORROW, tick=False) as clock:
        logins = [
            Client(REMOTE_ADDR=SCHOOL).post(reverse("login"), {"username": student.username, "password": PASSWORD}).status_code
            for student in students
        ]
        notes = []
        for _minute in range(0, 30, 2):
            notes += [note_posted(student) for student in students]
            clock.shift(timedelta(minutes=2))
    assert logins == [302] * 60
    assert notes == [True] * 900


def test_one_account_posting_100_notes_in_a_minute_is_stopped(db):
    eager = make_user("eager")
    with time_machine.travel(NINE_TOMORROW, tick=False) as clock:
        notes = []
        for _ in range(100):
            notes.append(note_posted(eager))
            clock.shift(timedelta(seconds=0.6))
    assert notes.count(True) == 30  # CONTRIBUTION_RATE_PER_ACCOUNT
    assert notes[30:] == [False] * 70


def test_an_account_over_its_limit_does_not_use_up_its_address_for_the_others(paragraph, settings):
    settings.CONTRIBUTION_RATE_PER_ACCOUNT = "2/h"
    settings.CONTRIBUTION_RATE_PER_IP = "4/h"
    eager = Client(REMOTE_ADDR=SCHOOL)
    eager.force_login(make_user("eager"))
    assert [post_note(eager, paragraph, f"Note {n}").status_code for n in range(6)] == [302, 302, 429, 429, 429, 429]
    classmate = Client(REMOTE_ADDR=SCHOOL)
    classmate.force_login(make_user("calm"))
    assert [post_note(classmate, paragraph, f"Mine {n}").status_code for n in range(2)] == [302, 302]


def test_a_trusted_network_skips_the_per_ip_limit_but_not_the_per_account_one(paragraph, settings):
    settings.CONTRIBUTION_RATE_PER_IP = "1/h"
    settings.CONTRIBUTION_RATE_PER_ACCOUNT = "2/h"
    settings.TRUSTED_NETWORKS = ["203.0.113.0/24"]
    statuses = []
    for name in ("ada", "bea", "cy"):
        client = Client(REMOTE_ADDR=SCHOOL)
        client.force_login(make_user(name))
        statuses.append(post_note(client, paragraph, f"By {name}").status_code)
    assert statuses == [302, 302, 302]
    assert [post_note(client, paragraph, f"More {n}").status_code for n in range(2)] == [302, 429]


@pytest.mark.parametrize(
    "header, remote, expected",
    [
        ("203.0.113.9", "10.0.0.1", "203.0.113.9"),
        ("198.51.100.1, 203.0.113.9", "10.0.0.1", "203.0.113.9"),  # the address the proxy itself saw
        ("not an address", "10.0.0.1", "10.0.0.1"),
        (None, "10.0.0.1", "10.0.0.1"),
    ],
)
def test_behind_a_proxy_the_client_address_is_the_last_one_it_forwarded(settings, header, remote, expected):
    settings.CLIENT_IP_META_KEY = "HTTP_X_FORWARDED_FOR"
    extra = {"HTTP_X_FORWARDED_FOR": header} if header else {}
    request = RequestFactory().get("/", REMOTE_ADDR=remote, **extra)
    assert ratelimits.client_ip(request) == expected
