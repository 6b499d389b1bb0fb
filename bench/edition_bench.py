"""
Benchmark: the edition page against a static copy of the same HTML, on the production server.

    make bench        (or: .venv/bin/python bench/edition_bench.py [--seconds 5] [--rounds 3] [--workers 3] [--connections 8])

Seeds a throwaway SQLite database (bench/out/) with the essay, 1,000 published
notes, 100 accepted corrections and a contributor with 5 pending notes; runs
collectstatic; serves the site with gunicorn (DEBUG=0, a generated SECRET_KEY,
127.0.0.1 only); saves the HTML of ``/`` as a static file, with its gzip and
brotli copies, served by the same server (WhiteNoise). Then loads each pair of
URLs with wrk, in turn for three rounds of 5 s (other work on the machine shifts
the figures; alternating shares the shift), and prints the median requests/s,
latency and ratio side by side:

* plain, gzip, brotli and conditional (If-None-Match → 304) requests for ``/``
  and for the static copy, and the ratio of each;
* the signed-in contributor's page against the anonymous one;

and, from one process without the network (bench/render_cost.py), what a render
costs: the edition with no notes, every passage of 1,000 notes rendered (as
every render was before passages were cached), and the render after one
moderation decision. Not a test: figures vary with the machine.
"""

import argparse
import gzip
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import brotli

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


def database(env, name):
    return {**env, "DATABASE_URL": f"sqlite:///{OUT / name}"}


def prepare(env, *, notes, corrections, pending):
    """Seed the benchmark's database (and one with the essay alone); returns the contributor's session key."""
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    for each in (env, database(env, "empty.sqlite3")):
        run(PYTHON, "manage.py", "migrate", "--noinput", "-v0", env=each)
        run(PYTHON, "manage.py", "loaddata", "essay", "-v0", env=each)
    seeded = subprocess.run(
        [PYTHON, "-m", "bench.seed", "--notes", str(notes), "--corrections", str(corrections),
         "--contributor-pending", str(pending)],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout
    run(PYTHON, "manage.py", "collectstatic", "--noinput", "-v0", env=env)
    return re.search(r"^session (\S+)$", seeded, re.M).group(1)


def render_cost(env, *args):
    output = subprocess.run(
        [PYTHON, "-m", "bench.render_cost", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(output.splitlines()[-1])


class Gunicorn:
    def __init__(self, env, *, workers, cwd=ROOT):
        self.port = free_port()
        self.process = subprocess.Popen(
            [PYTHON, "-m", "gunicorn", "essay_site.wsgi", "--bind", f"127.0.0.1:{self.port}",
             "--workers", str(workers), "--log-level", "warning", "--timeout", "120"],  # a cold render on a busy machine
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

    def get(self, path, headers=None):
        return self.fetch(path, headers)[1]

    def fetch(self, path, headers=None):
        """(status, body, headers); a 304 is an answer, not an error."""
        request = urllib.request.Request(self.base + path, headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
                return response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            if error.code != 304:
                raise
            return error.code, b"", error.headers

    def stop(self):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def wrk(url, *, seconds, connections, threads=2, headers=None):
    header_args = [arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")]
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", *header_args, url],
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


def warm_up(url, *, connections, headers=None, rounds=10):
    """Load until every worker has rendered and cached the page (its first render takes seconds)."""
    for _ in range(rounds):
        if seconds_of(wrk(url, seconds=3, connections=connections, headers=headers)["p99"]) < 0.5:
            return
    print(f"warning: {url} still has slow responses after warming up")


def alternate(targets, *, connections, seconds, rounds):
    """Load each of two targets in turn, ``rounds`` times: other work's load drifts, and alternating shares it.

    ``targets``: {name: (url, headers, response bytes)}. Returns ({name: the
    run with the median rate}, the median over rounds of first rate ÷ second).
    """
    runs, ratios = {name: [] for name in targets}, []
    for _ in range(rounds):
        rates = []
        for name, (url, headers, _) in targets.items():
            result = wrk(url, seconds=seconds, connections=connections, headers=headers)
            runs[name].append(result)
            rates.append(result["rate"])
        ratios.append(rates[0] / rates[1])
    medians = {
        name: {**sorted(results, key=lambda result: result["rate"])[len(results) // 2], "bytes": targets[name][2]}
        for name, results in runs.items()
    }
    return medians, statistics.median(ratios)


def print_table(title, rows):
    print(f"\n{title}")
    print(f"  {'':30} {'requests/s':>11} {'avg latency':>12} {'p50':>9} {'p99':>9} {'bytes':>9} {'non-2xx/3xx':>11}")
    for name, result in rows.items():
        print(f"  {name:30} {result['rate']:>11.1f} {result['average']:>12} {result['p50']:>9} {result['p99']:>9} "
              f"{result['bytes']:>9} {result['errors']:>11}")


def main():
    parser = argparse.ArgumentParser(description="Benchmark / against a static copy of the same HTML.")
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--corrections", type=int, default=100)
    parser.add_argument("--pending", type=int, default=5, help="the signed-in contributor's pending notes")
    parser.add_argument("--workers", type=int, default=3)  # 2 cores: one more worker than cores
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=8)
    options = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (Debian: apt-get install wrk).")

    env = bench_env()
    print(f"Seeding {options.notes} notes, {options.corrections} corrections and a contributor with "
          f"{options.pending} pending notes into {OUT.relative_to(ROOT)}/ …")
    session = prepare(env, notes=options.notes, corrections=options.corrections, pending=options.pending)

    # Render / once and keep its HTML as a static file, with the compressed copies WhiteNoise serves by
    # Accept-Encoding; WhiteNoise finds them when the server starts again.
    server = Gunicorn(env, workers=1)
    try:
        html = server.get("/")
    finally:
        server.stop()
    static = OUT / "static" / "bench" / "edition.html"
    static.parent.mkdir(parents=True, exist_ok=True)
    static.write_bytes(html)
    static.with_suffix(".html.gz").write_bytes(gzip.compress(html, compresslevel=9, mtime=0))
    static.with_suffix(".html.br").write_bytes(brotli.compress(html, mode=brotli.MODE_TEXT))

    requests = {
        "plain": {},
        "gzip": {"Accept-Encoding": "gzip"},
        "brotli": {"Accept-Encoding": "br"},
        "conditional (304)": None,  # If-None-Match with the ETag each one sent
    }
    paths = {"/": "/", "static": "/static/bench/edition.html"}
    server = Gunicorn(env, workers=options.workers)
    try:
        assert server.get("/static/bench/edition.html") == html
        etags = {name: server.fetch(path)[2]["ETag"] for name, path in paths.items()}
        signed_in = {"Cookie": f"sessionid={session}"}
        assert server.get("/", signed_in).count(b"yours \xe2\x80\x94 pending review") == options.pending
        for path in paths.values():
            warm_up(server.base + path, connections=options.connections)
        warm_up(server.base + "/", connections=options.connections, headers=signed_in)
        results, ratios = {}, {}
        load = {"connections": options.connections, "seconds": options.seconds, "rounds": options.rounds}
        for kind, headers in requests.items():
            compared = {}
            for name, path in paths.items():
                sent = headers if headers is not None else {"If-None-Match": etags[name]}
                status, body, _ = server.fetch(path, sent)
                assert status == (304 if headers is None else 200), (kind, name, status)
                compared[name] = (server.base + path, sent, len(body))
            medians, ratios[kind] = alternate(compared, **load)
            results.update({(kind, name): result for name, result in medians.items()})
        readers = {
            "anonymous": (server.base + "/", {}, len(html)),
            f"signed in, {options.pending} pending": (server.base + "/", signed_in, len(server.get("/", signed_in))),
        }
        reader_results, reader_ratio = alternate(readers, **load)
    finally:
        server.stop()

    print(f"\ngunicorn, {options.workers} sync workers; wrk -t2 -c{options.connections} -d{options.seconds}s, "
          f"{options.rounds} rounds alternating, medians; page {len(html) / 1024:.0f} KiB "
          f"({options.notes} notes, {options.corrections} corrections)")
    for kind in requests:
        print_table(kind, {name: results[(kind, name)] for name in paths})
        print(f"  ratio (/ ÷ static): {ratios[kind]:.2f}")
    print_table("who reads (plain)", reader_results)
    print(f"  signed-in time ÷ anonymous time: {reader_ratio:.2f} (goal ≤ 2)")
    print(f"  a returning reader (304 from /) ÷ the static file sent in full: "
          f"{results[('conditional (304)', '/')]['rate'] / results[('plain', 'static')]['rate']:.2f}")

    print("\nrender cost in one process (median of whole-page requests, no network)")
    empty = render_cost(database(env, "empty.sqlite3"), "--decisions", "0")
    full = render_cost(env, "--session", session)
    print(f"  the edition with no notes, rendered:                    {empty['cold'] * 1000:8.1f} ms")
    print(f"  {options.notes} notes, every passage rendered (as before):       {full['cold'] * 1000:8.1f} ms")
    print(f"  {options.notes} notes, after one decision (its passage only):    {full['after_decision'] * 1000:8.1f} ms")
    print(f"  signed-in contributor, {options.pending} pending (their passages kept):  {full['signed_in'] * 1000:8.1f} ms")
    print(f"  after one decision ÷ no notes: {full['after_decision'] / empty['cold']:.2f} (goal ≤ 3)")


if __name__ == "__main__":
    main()
