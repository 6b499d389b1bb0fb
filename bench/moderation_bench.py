"""
Benchmark: deciding 1,000 pending items at once, on SQLite and on PostgreSQL.

    make bench-moderation      (or: .venv/bin/python bench/moderation_bench.py [--items 1000])

For each database — a throwaway SQLite file in bench/out/, and a throwaway
PostgreSQL cluster (started as the ``postgres`` user when run as root, as
.ci/run does; or the one BENCH_POSTGRES_URL names) — it migrates, seeds a class
at work (a third notes and a third corrections, each citing a new pending
source, and a third standalone sources) and accepts them all twice over, on two
identical batches:

* **set-based**: one bulk decision per queue, as the desk's confirmation pages
  make them (``moderation.items_decide``);
* **one at a time**: each item decided on its own (``moderation.item_decide``,
  one transaction per item), as the desk's bulk actions did before.

It prints the seconds and the queries of each. The old bulk path itself is
gone; the README keeps its figure (50 items: about 1,400 queries, 1.5 s on
SQLite and 1.9 s on PostgreSQL) beside these. Not a test: figures vary with the
machine and what else runs on it.
"""

import argparse
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run as a script: the project's packages by name

from bench.edition_bench import OUT, PYTHON, free_port  # noqa: E402


def postgres_bin():
    found = shutil.which("initdb")
    if found:
        return Path(found).resolve().parent
    return next((path.parent for path in sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))), None)


@contextmanager
def postgres_cluster():
    """A throwaway PostgreSQL cluster on a free port (fsync off: a benchmark, not a store); yields its URL."""
    if os.environ.get("BENCH_POSTGRES_URL"):
        yield os.environ["BENCH_POSTGRES_URL"]
        return
    bin_dir = postgres_bin()
    if bin_dir is None or os.geteuid() != 0:
        yield None
        return
    directory = Path(tempfile.mkdtemp(prefix="edition-bench-pg."))
    directory.chmod(0o755)
    shutil.chown(directory, "postgres", "postgres")
    port = free_port()

    def as_postgres(*args):
        subprocess.run(["runuser", "-u", "postgres", "--", *args], check=True, stdout=subprocess.DEVNULL)

    try:
        as_postgres(str(bin_dir / "initdb"), "-D", f"{directory}/data", "-U", "postgres", "-A", "trust", "-E", "UTF8",
                    "--locale=C.UTF-8", "--no-sync")
        as_postgres(str(bin_dir / "pg_ctl"), "-D", f"{directory}/data", "-l", f"{directory}/server.log", "-w",
                    "-t", "30", "-o", f"-k {directory} -h 127.0.0.1 -p {port} -c fsync=off", "start")
        as_postgres(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "bench")
        yield f"postgres://postgres@127.0.0.1:{port}/bench"
    finally:
        subprocess.run(["runuser", "-u", "postgres", "--", str(bin_dir / "pg_ctl"), "-D", f"{directory}/data",
                        "-m", "immediate", "-w", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(directory, ignore_errors=True)


def worker_env(database_url):
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "essay_site.settings", "PYTHONPATH": str(ROOT),
            "DATABASE_URL": database_url, "DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50),
            "LOG_LEVEL": "ERROR"}


def measure(database_url, items):
    """Run the worker against one database; returns its figures."""
    env = worker_env(database_url)
    subprocess.run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    done = subprocess.run([PYTHON, __file__, "--worker", "--items", str(items)], cwd=ROOT, env=env, check=True,
                          stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- In the worker process (Django set up against one database) ---------------------------------------------


def seed_batch(total, tag):
    """A third notes and a third corrections, each citing a new pending source, and a third standalone sources."""
    from annotations.models import Annotation, Correction, Source, Status
    from bench.seed import seed_pending

    third = total // 3
    notes = seed_pending(Annotation, third)
    corrections = seed_pending(Correction, third)
    sources = Source.objects.bulk_create(
        Source(title=f"Standalone source {tag}.{n}", status=Status.PENDING) for n in range(total - 2 * third)
    )
    return [notes, corrections, list(Source.objects.filter(pk__in=[s.pk for s in sources]).order_by("pk"))]


@contextmanager
def counted():
    """Count the queries run inside the block and time it."""
    from django.db import connection

    figures = {"queries": 0}

    def count(execute, sql, params, many, context):
        figures["queries"] += 1
        return execute(sql, params, many, context)

    started, cpu = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        yield figures
    figures["seconds"] = round(time.perf_counter() - started, 3)
    figures["cpu"] = round(time.process_time() - cpu, 3)  # this process only: less sensitive to a busy machine


def worker(items):
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.db import connection

    from annotations import moderation

    moderator = User.objects.create_user("bench-moderator", password=secrets.token_urlsafe(20))
    results = {"database": connection.vendor, "items": items}
    queues = seed_batch(items, "set")
    with counted() as figures:
        for queue in queues:
            moderation.items_decide(queue, decision="approve", moderator=moderator)
    results["set_based"] = figures
    queues = seed_batch(items, "one")
    with counted() as figures:
        for queue in queues:
            for item in queue:
                moderation.item_decide(item, decision="approve", moderator=moderator)
    results["one_at_a_time"] = figures
    print(json.dumps(results))


def main():
    parser = argparse.ArgumentParser(description="Deciding 1,000 pending items at once, on SQLite and PostgreSQL.")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.worker:
        worker(options.items)
        return
    shutil.rmtree(OUT / "moderation", ignore_errors=True)
    (OUT / "moderation").mkdir(parents=True)
    runs = [measure(f"sqlite:///{OUT / 'moderation' / 'bench.sqlite3'}", options.items)]
    with postgres_cluster() as url:
        if url is None:
            print("PostgreSQL: skipped (run as root with PostgreSQL installed, or set BENCH_POSTGRES_URL).")
        else:
            runs.append(measure(url, options.items))
    print(f"\nAccepting {options.items} pending items (a third notes and a third corrections, each citing a new "
          "pending source; a third sources):")
    print(f"{'':11} {'set-based: wall (Django CPU), queries':>38} {'one at a time: wall (Django CPU), queries':>43}"
          f" {'speed-up':>9}")
    for run in runs:
        fast, slow = run["set_based"], run["one_at_a_time"]
        print(f"{run['database']:11} {fast['seconds']:>12.2f} s ({fast['cpu']:>6.2f} s) {fast['queries']:>7} "
              f"{slow['seconds']:>16.2f} s ({slow['cpu']:>6.2f} s) {slow['queries']:>8} "
              f"{slow['seconds'] / fast['seconds']:>8.1f}×")
    print("\nBefore the set-based desk (README): 50 mixed items, about 1,400 queries, 1.5 s on SQLite, 1.9 s on "
          "PostgreSQL.")


if __name__ == "__main__":
    main()
