"""
The edition in production: `make serve`, `make upgrade`, `make backup`, `make restore`.

Every command reads the environment, and `.env` beside manage.py when there is
one (KEY=value lines, as in .env.example; the environment wins; systemd reads
the same file), so they all act on the database the site serves.

    python deploy/production.py serve      # upgrade, then gunicorn in this process's place
    python deploy/production.py upgrade    # checks, migrate, createcachetable, load_edition, collectstatic
    python deploy/production.py manage …   # any manage.py command in that environment

``serve`` and ``upgrade`` refuse to run, saying which variable is missing and
what it is for, when production cannot work without it, and run with DEBUG
off. ``load_edition`` is safe on every upgrade: it never undoes a decision.
gunicorn runs with deploy/gunicorn.conf.py (WEB_CONCURRENCY workers).
"""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV_FILE = ROOT / ".env"
# What production cannot run without, and what each is for.
REQUIRED = {
    "SECRET_KEY": "a long random secret (50+ characters) that signs sessions and tokens",
    "ALLOWED_HOSTS": "the host names the site answers to, comma-separated (e.g. edition.example.org)",
    "SITE_URL": "the public address used in links in emails (e.g. https://edition.example.org)",
}
TRUE = {"1", "true", "yes", "on"}


def env_file_read(path):
    """KEY=value lines; blank lines and # comments skipped, one level of quotes removed."""
    values = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, equals, value = line.partition("=")
        if not equals or not key.strip().isidentifier():
            raise SystemExit(f"{path.name}, line {number}: expected KEY=value, found {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[key.strip()] = value
    return values


def environment():
    env = dict(os.environ)
    if ENV_FILE.exists():
        for key, value in env_file_read(ENV_FILE).items():
            env.setdefault(key, value)
    return env


def refusal(env):
    """Why production cannot start with ``env``, or None."""
    if env.get("DEBUG", "").strip().lower() in TRUE:
        return "Production runs with DEBUG off, and DEBUG is on in the environment or .env (make run is for development)."
    missing = [name for name in REQUIRED if not env.get(name, "").strip()]
    if missing:
        lines = [f"  {name}: {REQUIRED[name]}" for name in missing]
        return "Production (make serve, make upgrade) needs these variables (see .env.example):\n" + "\n".join(lines)
    return None


def manage(*args, env):
    result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env)
    if result.returncode:
        raise SystemExit(f"`manage.py {' '.join(args)}` failed (exit {result.returncode}); stopping here.")


def upgrade(env):
    manage("check", "--deploy", env=env)
    manage("migrate", "--noinput", env=env)
    manage("createcachetable", env=env)  # for a cache kept in the database, if one is configured
    manage("load_edition", env=env)
    manage("collectstatic", "--noinput", "-v0", env=env)


def serve(env):
    upgrade(env)
    gunicorn = [sys.executable, "-m", "gunicorn", "--config", str(ROOT / "deploy" / "gunicorn.conf.py")]
    print(f"Serving on {env.get('GUNICORN_BIND', '127.0.0.1:8000')} (DEBUG off); Ctrl-C stops.", flush=True)
    os.chdir(ROOT)
    os.execve(sys.executable, gunicorn, env)


def main(argv):
    env = environment()
    command, args = (argv[0], argv[1:]) if argv else ("", [])
    if command == "manage":
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "manage.py", *args], env)
    if command not in {"serve", "upgrade"}:
        print(__doc__, file=sys.stderr)
        return 2
    why = refusal(env)
    if why:
        print(why, file=sys.stderr)
        return 2
    env["DEBUG"] = "0"
    (serve if command == "serve" else upgrade)(env)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
