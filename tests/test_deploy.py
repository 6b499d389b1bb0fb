"""Production on one machine: every variable documented, `make serve` refusing or serving, gunicorn's workers."""

import ast
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT

ENV_EXAMPLE = ROOT / ".env.example"
# Modules whose environment variables an operator may set.
READERS = [ROOT / "essay_site" / "settings.py", ROOT / "deploy" / "gunicorn.conf.py"]
# Not the operator's: set by the test runner, or for make serve's own use.
NOT_OPERATORS = {"DJANGO_ALLOW_ASYNC_UNSAFE"}


def variables_read(path):
    """Names the module reads from the environment: os.environ[…], os.environ.get(…), os.getenv(…),
    an env_*(…) helper, and DATABASE_URL through dj_database_url.config()."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
            names.add(ast.literal_eval(node.slice))
        elif isinstance(node, ast.Call):
            function = ast.unparse(node.func)
            reads = function in {"os.environ.get", "os.getenv", "os.environ.setdefault"} or function.startswith("env_")
            if reads and node.args and isinstance(node.args[0], ast.Constant):
                names.add(node.args[0].value)
            if function == "dj_database_url.config":
                names.add("DATABASE_URL")
    return names - NOT_OPERATORS


def documented_variables():
    """KEY=… lines of .env.example, set or commented out, each under a comment that says what it is."""
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    documented = {}
    for number, line in enumerate(lines):
        match = re.match(r"^(?:# )?([A-Z][A-Z0-9_]*)=", line)
        if match:
            documented[match.group(1)] = any(previous.startswith("# ") for previous in lines[max(0, number - 3):number])
    return documented


def test_every_environment_variable_the_settings_read_is_in_env_example():
    read = set().union(*(variables_read(path) for path in READERS))
    assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "WEB_CONCURRENCY"} <= read  # the scan sees them
    documented = documented_variables()
    assert sorted(read - set(documented)) == []
    assert sorted(name for name, explained in documented.items() if not explained) == []


# --- make serve -------------------------------------------------------------------------------------


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_env(tmp_path, **overrides):
    """A production environment of its own: a throwaway SQLite database and static folder.

    Every variable that matters is set, even to nothing, so that a .env in the clone cannot fill it in.
    """
    env = {key: value for key, value in os.environ.items() if key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    env.update(
        DEBUG="", REDIS_URL="", EMAIL_HOST="", RATELIMIT_IP_META_KEY="", GUNICORN_CMD_ARGS="",
        SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="127.0.0.1", SITE_URL="http://127.0.0.1",
        DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}", STATIC_ROOT=str(tmp_path / "static"),
        SECURE_SSL_REDIRECT="0", SESSION_COOKIE_SECURE="0", CSRF_COOKIE_SECURE="0",
        GUNICORN_BIND=f"127.0.0.1:{free_port()}", WEB_CONCURRENCY="2", LOG_LEVEL="WARNING",
    )
    env.update(overrides)
    return env


def serve(env, **kwargs):
    return subprocess.Popen([sys.executable, "deploy/production.py", "serve"], cwd=ROOT, env=env, text=True, **kwargs)


def fetch(base, path):
    try:
        with urllib.request.urlopen(base + path, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def wait_until_serving(base, process, seconds=120):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the server stopped"
        try:
            return fetch(base, "/healthz")
        except OSError:
            time.sleep(0.3)
    raise AssertionError("the server did not answer")


def process_state(pid):
    """(state, parent pid) from /proc, or None when there is no such process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def alive(pid):
    state = process_state(pid)
    return state is not None and state[0] != "Z"


def children_of(pid):
    states = {int(name): process_state(int(name)) for name in os.listdir("/proc") if name.isdigit()}
    return [child for child, state in states.items() if state and state[0] != "Z" and state[1] == pid]


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS", "SITE_URL"])
def test_make_serve_refuses_to_start_without_a_required_variable(tmp_path, missing):
    process = serve(serve_env(tmp_path, **{missing: ""}), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 2
    assert f"Production (make serve, make upgrade) needs these variables (see .env.example):\n  {missing}: " in err
    assert not (tmp_path / "db.sqlite3").exists()  # nothing was started or created


def test_make_serve_refuses_debug_on(tmp_path):
    process = serve(serve_env(tmp_path, DEBUG="1"), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.communicate(timeout=60)[1].startswith("Production runs with DEBUG off")
    assert process.returncode == 2


def test_make_serve_sets_up_and_serves_the_edition_with_debug_off(tmp_path):
    env = serve_env(tmp_path)
    base = "http://" + env["GUNICORN_BIND"]
    process = serve(env, stdout=subprocess.DEVNULL)
    try:
        assert wait_until_serving(base, process) == (200, '{"status": "ok", "database": "ok", "cache": "ok"}')
        status, html = fetch(base, "/")
        assert status == 200 and "The Evaluation of Soviet Foreign Policy" in html  # migrated and loaded
        css = re.search(r'href="(/static/annotations/edition\.[0-9a-f]{12}\.css)"', html).group(1)
        assert fetch(base, css)[0] == 200  # collected, served under its hashed name
        status, html = fetch(base, "/no-such-page/")
        assert status == 404 and "There is no page here" in html and "Traceback" not in html  # DEBUG off
        assert len(children_of(process.pid)) == 2  # WEB_CONCURRENCY workers
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=60)


def test_gunicorn_workers_die_with_their_master(tmp_path):
    # The issue: after kill -9 of the master, its workers kept the port for about 40 s.
    env = serve_env(tmp_path)
    base = "http://" + env["GUNICORN_BIND"]
    master = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "deploy/gunicorn.conf.py"], cwd=ROOT, env=env,
        stderr=subprocess.DEVNULL,
    )
    workers = []
    try:
        wait_until_serving(base, master)
        workers = children_of(master.pid)
        assert len(workers) == 2
        master.send_signal(signal.SIGKILL)
        master.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not [pid for pid in workers if alive(pid)]
        with pytest.raises(OSError):
            fetch(base, "/healthz")  # nothing holds the port any more
    finally:
        for pid in [master.pid, *workers]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
