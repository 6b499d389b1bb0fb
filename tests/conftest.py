"""Shared fixtures: the seeded essay, a clean cache, the browser. Factories: tests/factories.py."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import settings as hypothesis_settings

from annotations.models import Essay

# Playwright runs an event loop in the test thread; Django's ORM is still used
# synchronously from the same tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

# Property tests assert what holds, never how fast: no per-example deadline (a busy CI machine is slow at
# random moments, and a deadline would fail a correct test). Speed lives in bench/.
hypothesis_settings.register_profile("edition", deadline=None)
hypothesis_settings.load_profile("edition")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "essay.txt"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True, scope="session")
def _site_request_class():
    """The test client builds requests with the site's own request class (essay_site/wsgi.py), as gunicorn does."""
    import django.test.client

    from annotations.middleware import GuardedWSGIRequest

    original, django.test.client.WSGIRequest = django.test.client.WSGIRequest, GuardedWSGIRequest
    yield
    django.test.client.WSGIRequest = original


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty caches (rendered pages and passages; the counters: below)."""
    from django.core.cache import caches

    from annotations import edition

    def clear():
        for alias in caches:
            if alias != "ratelimit":  # a database table, emptied after each test that used the database
                caches[alias].clear()
        edition.recent_forget()

    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _fresh_rate_limits(request, django_db_blocker):
    """Rate-limit counters are rows of a table: a test that commits (a transactional one) leaves none behind.

    Other tests' rows go with their transaction. Only a test that used the
    database touches it (before that, the test database may not exist yet).
    """
    yield
    used_database = request.node.get_closest_marker("django_db") or {"db", "transactional_db", "live_server"} & set(
        request.fixturenames
    )
    if used_database:
        from django.core.cache import caches
        from django.db import connections

        with django_db_blocker.unblock():
            caches["ratelimit"].clear()
            if {"transactional_db", "live_server"} & set(request.fixturenames):
                # Committing tests may run beside Playwright's greenlets, whose contexts hold their own
                # connection: left open, it keeps PostgreSQL from dropping the test database at the end.
                connections.close_all()


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Creating users is the slow part of many tests; the hash's strength is not under test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def moderator(db):
    from tests.moderation_support import make_role_user

    return make_role_user("moderator")


@pytest.fixture
def editor(db):
    from tests.moderation_support import make_role_user

    return make_role_user("editor")


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {
        "executable_path": CHROMIUM,
        "headless": True,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """The tests' own tools run inline in the page (axe-core, string predicates): let them past the CSP.

    The site's pages are checked against the CSP in a context that does not
    bypass it (tests/test_browser_csp.py).
    """
    return {**browser_context_args, "bypass_csp": True}


@pytest.fixture
def seeded_essay(db):
    """The real essay, loaded from the project's fixture."""
    call_command("loaddata", "essay", verbosity=0)
    return Essay.objects.get()


def pytest_report_header(config):
    """Say which database the suite runs on, so CI's log shows both."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({database.get('HOST') or 'local file'})"
