"""The settings module, driven by the environment."""

import os
import subprocess
import sys

from tests.conftest import ROOT

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "x" * 20 + "a-long-random-production-secret-key-for-tests-0123456789",
    "ALLOWED_HOSTS": "edition.example.org",
}


def run_manage(*args, **env):
    base = {key: value for key, value in os.environ.items() if key not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    base.update(env)
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, capture_output=True, text=True, env=base)


def test_no_environment_gives_a_working_sqlite_development_site():
    result = run_manage("shell", "--no-imports", "-c", "from django.conf import settings as s; print(s.DEBUG, s.DATABASES['default']['ENGINE'])")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "django.db.backends.sqlite3"]


def test_database_url_selects_postgresql():
    result = run_manage(
        "shell", "--no-imports", "-c", "from django.conf import settings as s; d = s.DATABASES['default']; print(d['ENGINE'], d['NAME'], d['PORT'])",
        DATABASE_URL="postgres://edition:secret@db.example.org:5433/edition",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "edition", "5433"]


def test_production_refuses_to_start_without_a_secret_key():
    result = run_manage("check", DEBUG="0", ALLOWED_HOSTS="edition.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_production_refuses_the_development_secret_key():
    result = run_manage("check", DEBUG="false", SECRET_KEY="django-insecure-development-only-key-never-use-in-production")
    assert result.returncode != 0
    assert "SECRET_KEY is too weak" in result.stderr


def test_deploy_check_is_clean_under_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNINGS" not in result.stdout + result.stderr


def test_allowed_hosts_come_from_the_environment():
    result = run_manage("shell", "--no-imports", "-c", "from django.conf import settings as s; print(s.ALLOWED_HOSTS)", **PRODUCTION)
    assert result.stdout.strip() == "['edition.example.org']"
