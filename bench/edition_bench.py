"""
Benchmark: the edition page against a static copy of the same HTML, on the production server.

    make bench        (or: .venv/bin/python bench/edition_bench.py [--seconds 10] [--workers 3] [--connections 8])

Seeds a throwaway SQLite database (bench/out/) with the essay, 1,000 published
notes and 100 accepted corrections; runs collectstatic; serves the site with
gunicorn (DEBUG=0, a generated SECRET_KEY, 127.0.0.1 only); saves the HTML of
``/`` as a static file served by the same server (WhiteNoise); then loads each
URL with wrk for a bounded time and prints requests/s and latency for both and
the ratio. Not a test: figures vary with the machine.
"""

import argparse
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
PYTHON = sys.executable


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def bench_env():
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "PYTHONPATH": str(ROOT),
        "BENCH_STATIC_ROOT": str(OUT / "static"),
        "DATABASE_URL": f"sqlite:///{OUT / 'bench.sqlite3'}",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "ALLOWED_HOSTS": "127.0.0.1",
        "LOG_LEVEL": "ERROR",
    }


def run(*args, env):
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def prepare(env, *, notes, corrections):
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    run(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=env)
    run(PYTHON, "manage.py", "loaddata", "essay", "-v0", env=env)
    run(PYTHON, "-m", "bench.seed", "--notes", str(notes), "--corrections", str(corrections), env=env)
    run(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)


class Gunicorn:
    def __init__(self, env, *, workers, cwd=ROOT):
        self.port = free_port()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "essay_site.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--log-level", "warning"],
            cwd=cwd, env=env,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                self.get("/static/annotations/edition.css")
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=30) as response:  # noqa: S310 - loopback
            return response.read()

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(url, *, seconds, connections, threads=2):
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True, capture_output=True, text=True,
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    average = re.search(r"Latency\s+([\d.]+\w+)", output).group(1)
    percentiles = dict(re.findall(r"^\s+(50|99)%\s+([\d.]+\w+)", output, re.M))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {"rate": rate, "average": average, "p50": percentiles.get("50"), "p99": percentiles.get("99"),
            "errors": int(errors.group(1)) if errors else 0}


def seconds_of(latency):
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", latency).groups()
    return float(value) * {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}[unit]


def warm_up(url, *, connections, rounds=10):
    """Load until every worker has rendered and cached the page (its first render takes seconds)."""
    for _ in range(rounds):
        if seconds_of(wrk(url, seconds=3, connections=connections)["p99"]) < 0.5:
            return
    print(f"warning: {url} still has slow responses after warming up")


def main():
    parser = argparse.ArgumentParser(description="Benchmark / against a static copy of the same HTML.")
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--corrections", type=int, default=100)
    parser.add_argument("--workers", type=int, default=3)  # 2 cores: one more worker than cores
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk).")

    env = bench_env()
    print(f"Seeding {options.notes} notes and {options.corrections} corrections into {OUT.relative_to(ROOT)}/ …")
    prepare(env, notes=options.notes, corrections=options.corrections)

    # Render / once and keep its HTML as a static file; WhiteNoise finds it when the server starts again.
    server = Gunicorn(env, workers=1)
    try:
        html = server.get("/")
    finally:
        server.stop()
    (OUT / "static" / "bench").mkdir(parents=True, exist_ok=True)
    (OUT / "static" / "bench" / "edition.html").write_bytes(html)

    server = Gunicorn(env, workers=options.workers)
    try:
        assert server.get("/static/bench/edition.html") == html
        urls = {"/ (Django, cached)": f"{server.base}/", "static copy": f"{server.base}/static/bench/edition.html"}
        for url in urls.values():
            warm_up(url, connections=options.connections)
        results = {name: wrk(url, seconds=options.seconds, connections=options.connections) for name, url in urls.items()}
    finally:
        server.stop()

    print(f"\ngunicorn, {options.workers} sync workers; wrk -t2 -c{options.connections} -d{options.seconds}s; "
          f"page {len(html) / 1024:.0f} KiB\n")
    print(f"{'':22} {'requests/s':>11} {'avg latency':>12} {'p50':>9} {'p99':>9} {'non-2xx':>8}")
    for name, result in results.items():
        print(f"{name:22} {result['rate']:>11.1f} {result['average']:>12} {result['p50']:>9} {result['p99']:>9} "
              f"{result['errors']:>8}")
    dynamic, static = results.values()
    print(f"\nratio (/ ÷ static): {dynamic['rate'] / static['rate']:.2f}")


if __name__ == "__main__":
    main()
