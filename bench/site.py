"""
A throwaway production site for the security benchmarks: this tree or an earlier commit's, on gunicorn.

``served(tree)`` migrates a fresh SQLite database in a temporary folder, loads
the essay, creates the accounts asked for, collects the static files and
serves the site with gunicorn (3 sync workers, DEBUG=0, 127.0.0.1 only) until
the ``with`` block ends; it gives the server (``.base``, and ``.shell(code)``
to ask the site's database). ``earlier_tree(commit)`` writes an earlier commit's
files (``git archive``) to a temporary folder, for "before" figures. ``Browser``
is a client with cookies and the CSRF token, as a browser sends them.
"""

import contextlib
import http.cookiejar
import re
import secrets
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from bench.edition_bench import Gunicorn

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PASSWORD = "a-long-bench-password-1"
CREATE_USERS = """
import django; django.setup()
from django.contrib.auth.models import User
for name in {names!r}:
    User.objects.create_user(name, password={password!r})
"""


@contextlib.contextmanager
def earlier_tree(commit):
    """The files of ``commit`` in a temporary folder (None when git or the commit is not there)."""
    with tempfile.TemporaryDirectory() as folder:
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True)
        if archive.returncode:
            yield None
            return
        subprocess.run(["tar", "-x", "-C", folder], input=archive.stdout, check=True)
        yield Path(folder)


@contextlib.contextmanager
def served(tree, *, users=(), workers=3, **environment):
    with tempfile.TemporaryDirectory() as folder:
        env = {
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(tree),
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "BENCH_STATIC_ROOT": f"{folder}/static",
            "DATABASE_URL": f"sqlite:///{folder}/site.sqlite3",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0",
            "SESSION_COOKIE_SECURE": "0",
            "CSRF_COOKIE_SECURE": "0",
            "LOG_LEVEL": "CRITICAL",
            "PYTHONWARNINGS": "ignore",
            **environment,
        }

        def manage(*args):
            subprocess.run([PYTHON, "manage.py", *args], cwd=tree, env=env, check=True, stdout=subprocess.DEVNULL)

        manage("migrate", "--noinput", "-v0")
        manage("loaddata", "essay", "-v0")
        manage("collectstatic", "--noinput", "-v0")
        code = CREATE_USERS.format(names=list(users), password=PASSWORD)
        subprocess.run([PYTHON, "-c", code], cwd=tree, env=env, check=True)
        server = Gunicorn(env, workers=workers, cwd=tree)

        def django_shell(code):
            """What ``code`` prints, run against this site's database (None if it fails)."""
            result = subprocess.run([PYTHON, "manage.py", "shell", "--no-imports", "-c", code], cwd=tree, env=env,
                                    capture_output=True, text=True)
            return result.stdout.strip() if result.returncode == 0 else None

        server.shell = django_shell
        try:
            yield server
        finally:
            server.stop()


class Browser:
    """Cookies and the CSRF token as a browser keeps them; answers are (status, body, seconds)."""

    def __init__(self, base):
        self.base = base
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), NoRedirect()
        )

    def request(self, path, data=None, *, timeout=120):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        headers = {"X-CSRFToken": self.csrf_token()} if data is not None else {}
        started = time.perf_counter()
        try:
            with self.opener.open(urllib.request.Request(self.base + path, body, headers), timeout=timeout) as response:
                return response.status, response.read().decode(errors="replace"), time.perf_counter() - started
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), time.perf_counter() - started

    def csrf_token(self):
        return next((cookie.value for cookie in self.cookies if cookie.name == "csrftoken"), "")

    def log_in(self, username, password=PASSWORD):
        self.request("/accounts/login/")
        return self.request("/accounts/login/", {"username": username, "password": password})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def form_error(html):
    """The log-in form's own error (a password that was checked and was wrong)."""
    return bool(re.search(r"correct username and password", html))
