"""Shared fixtures: the seeded essay, a clean cache, the browser. Factories: tests/factories.py."""

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from annotations.models import Essay

# Playwright runs an event loop in the test thread; Django's ORM is still used
# synchronously from the same tests.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "fixtures" / "essay.txt"
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Each test starts with empty caches (rendered pages and passages, rate-limit counters)."""
    from django.core.cache import caches

    from annotations import edition

    def clear():
        for store in caches.all():
            store.clear()
        edition.recent_forget()

    clear()
    yield
    clear()


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
