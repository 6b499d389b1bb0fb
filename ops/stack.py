"""
Throwaway services on loopback for `make cluster-check` and `make load`: PostgreSQL,
Redis and gunicorn app servers, each in a temporary directory, each stopped at the end.

Only existing engines, started the way an operator would (initdb/pg_ctl,
redis-server, gunicorn with deploy/gunicorn.conf.py); nothing listens beyond
127.0.0.1. As root, PostgreSQL runs as the `postgres` user (initdb refuses root).
"""

import glob
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections import Counter
from http.client import HTTPConnection
from http.cookies import SimpleCookie
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


class Throwaway:
    """A temporary directory and the services started in it; on leaving, all are stopped (the last first)
    and the directory removed, whatever happened."""

    def __init__(self, prefix):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.started = []

    def start(self, service, *args, **kwargs):
        started = service(*args, **kwargs)
        self.started.append(started)
        return started

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        for service in reversed(self.started):
            try:
                service.stop()
            except Exception as error:  # noqa: BLE001 - stop the others whatever happens
                print(f"stopping {type(service).__name__}: {error}", file=sys.stderr)
        shutil.rmtree(self.dir, ignore_errors=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what, ready, *, seconds=60, process=None, stop=None):
    """Wait until ``ready()``; if it never is, ``stop()`` what was started (no orphan is left) and say so."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise SystemExit(f"{what} stopped while starting (exit {process.returncode})")
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.2)
    if stop is not None:
        stop()
    raise SystemExit(f"{what} did not start within {seconds} s")


def _postgres_bin(name):
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise SystemExit(f"PostgreSQL's {name} is not installed (Debian: apt-get install postgresql).")
    return found


class Postgres:
    """A PostgreSQL cluster of its own, trust authentication on 127.0.0.1 only."""

    def __init__(self, workdir):
        self.dir = Path(tempfile.mkdtemp(prefix="pg-", dir=workdir))
        self.port = free_port()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            user = pwd.getpwnam("postgres")
            os.chmod(workdir, 0o755)  # mkdtemp's 0700 would keep the postgres user out
            os.chmod(self.dir, 0o755)
            os.chown(self.dir, user.pw_uid, user.pw_gid)
        self._run(_postgres_bin("initdb"), "-D", str(self.dir / "data"), "-U", "postgres", "-A", "trust",
                  "-E", "UTF8", "--locale=C.UTF-8", "--no-sync")
        self.start()

    def _run(self, *command, check=True):
        if self.as_postgres:
            command = ("runuser", "-u", "postgres", "--", *command)
        result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if check and result.returncode:
            log = self.dir / "server.log"
            raise SystemExit(f"{' '.join(command)} failed:\n{result.stderr}"
                             + (log.read_text() if log.exists() else ""))
        return result

    def _ctl(self, *args, check=True):
        return self._run(_postgres_bin("pg_ctl"), "-D", str(self.dir / "data"), "-l", str(self.dir / "server.log"),
                         "-w", "-t", "60", *args, check=check)

    def start(self):
        options = f"-k {self.dir} -h 127.0.0.1 -p {self.port} -c fsync=off -c max_connections=100"
        self._ctl("-o", options, "start")

    def restart(self):
        """A fast shutdown (connections cut, in-flight transactions rolled back), then start again."""
        self._ctl("-m", "fast", "stop")
        self.start()

    def stop(self):
        self._ctl("-m", "immediate", "stop", check=False)

    def url(self, database):
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name):
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')

    def query(self, database, sql, params=()):
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname=database) as db:
            return db.execute(sql, params).fetchall()


class Redis:
    def __init__(self, workdir):
        if not shutil.which("redis-server"):
            raise SystemExit("redis-server is not installed (Debian: apt-get install redis-server).")
        self.port = free_port()
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(workdir)],
            stdout=subprocess.DEVNULL,
        )
        wait_for("Redis", lambda: socket.create_connection(("127.0.0.1", self.port), timeout=1).close() or True,
                 process=self.process, stop=self.stop)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=30)


def site_environment(workdir, **variables):
    """The site in production on loopback: DEBUG off, plain HTTP, its own secret, static files and log level."""
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="127.0.0.1", SITE_URL="http://127.0.0.1",
        SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0", SECURE_HSTS_SECONDS="0",
        STATIC_ROOT=str(Path(workdir) / "static"), LOG_LEVEL="ERROR", REDIS_URL="", EMAIL_HOST="",
        RATELIMIT_IP_META_KEY="", GUNICORN_CMD_ARGS="",
    )
    env.update(variables)
    return env


def manage(*args, env, capture=False):
    """Run manage.py in ``env``; with ``capture``, return its standard output."""
    result = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE if capture else subprocess.DEVNULL, stderr=subprocess.PIPE)
    if result.returncode:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def site_prepare(env):
    """What `make upgrade` does, on a new database."""
    manage("migrate", "--noinput", env=env)
    manage("createcachetable", env=env)
    manage("load_edition", env=env)
    manage("collectstatic", "--noinput", env=env)


ACCOUNTS_SCRIPT = """
import json
from importlib import import_module
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.models import Group, User
engine = import_module(settings.SESSION_ENGINE)
sessions = {}
for name, groups in json.loads(%r).items():
    user = User.objects.create_user(name, password=%r, is_staff=bool(groups))
    user.groups.set(Group.objects.filter(name__in=groups))
    session = engine.SessionStore()
    session.update({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: "django.contrib.auth.backends.ModelBackend",
                    HASH_SESSION_KEY: user.get_session_auth_hash()})
    session.create()
    sessions[name] = session.session_key
print(json.dumps(sessions))
"""
PASSWORD = "a-long-password-for-the-checks"


def accounts_create(env, accounts):
    """Create accounts ({name: [groups]}) with PASSWORD and a signed-in session each; returns {name: session key}.

    Sessions made up front spare the log-in form (and its rate limit) for every one of many contributors.
    """
    return json.loads(manage("shell", "--no-imports", "-c", ACCOUNTS_SCRIPT % (json.dumps(accounts), PASSWORD),
                             env=env, capture=True))


class AppServer:
    """gunicorn with deploy/gunicorn.conf.py on a loopback port."""

    def __init__(self, env, *, name, workers=2, log=None):
        self.name = name
        self.port = free_port()
        self.base = f"127.0.0.1:{self.port}"
        self.log = Path(log) if log else None
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"],
            cwd=ROOT, env={**env, "GUNICORN_BIND": self.base, "WEB_CONCURRENCY": str(workers)},
            stderr=self.log.open("w") if self.log else None,
        )
        wait_for(f"app server {name}", lambda: Client(self.base).get("/healthz")[0] == 200, process=self.process,
                 stop=self.stop)

    def workers(self):
        pids = []
        for stat in glob.glob("/proc/[0-9]*/stat"):
            try:
                state, parent = Path(stat).read_text().rsplit(")", 1)[1].split()[:2]
            except (OSError, ValueError):
                continue
            if int(parent) == self.process.pid and state != "Z":
                pids.append(int(stat.split("/")[2]))
        return pids

    def kill_worker(self):
        """SIGKILL one worker, as an out-of-memory kill would; the master starts another."""
        pid = self.workers()[0]
        os.kill(pid, signal.SIGKILL)
        return pid

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            self.process.wait(timeout=60)

    def logged_errors(self):
        """The distinct messages of the ERROR lines in its log (the app's and gunicorn's), with their counts."""
        if not self.log or not self.log.exists():
            return Counter()
        lines = self.log.read_text(errors="replace").splitlines()
        return Counter(
            re.sub(r"\d+", "N", line.split("] ", 1)[-1])[:120]
            for line in lines if " ERROR " in line or "[ERROR]" in line
        )


class Client:
    """A browser, roughly: cookies kept, no redirect followed, a new connection per request (as gunicorn closes it)."""

    def __init__(self, base, *, cookies=None, timeout=30):
        self.base = base
        self.cookies = dict(cookies or {})
        self.timeout = timeout

    def request(self, method, path, *, data=None, headers=None):
        host, port = self.base.split(":")
        connection = HTTPConnection(host, int(port), timeout=self.timeout)
        headers = {"Host": "127.0.0.1", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{port}{path}"
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            content = response.read()
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, content.decode("utf-8", "replace")

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, data, **kwargs):
        return self.request("POST", path, data=data, **kwargs)

    def csrf_token(self, path):
        """The form token of the page at ``path`` (its cookie is kept)."""
        status, _, html = self.get(path)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
        if not match:
            raise SystemExit(f"no form token on {path} ({status})")
        return match.group(1)

    def on(self, other_base):
        """The same browser (same cookies) talking to another server."""
        return Client(other_base, cookies=self.cookies, timeout=self.timeout)


def note_form(paragraph_path, client):
    """What the note form needs besides the note itself: the words quoted, no source, the token."""
    return {"csrfmiddlewaretoken": client.csrf_token(paragraph_path), "kind": "comment", "cite-choice": "none"}


def first_paragraph(env):
    """(anchor, a short quote unique in it) of the essay's first paragraph, from the database."""
    script = (
        "from annotations.models import Paragraph; from annotations import text\n"
        "p = Paragraph.objects.order_by('section__position', 'position').first()\n"
        "words = p.text.split()\n"
        "quote = next(' '.join(words[i:i + 3]) for i in range(len(words)) if len(text.find_quote(p.text, ' '.join(words[i:i + 3]))) == 1)\n"
        "print(p.anchor); print(quote)\n"
    )
    anchor, quote = manage("shell", "--no-imports", "-c", script, env=env, capture=True).splitlines()[:2]
    return anchor, quote
