"""
Benchmark: what a release costs — queries and time to make one, storage, and reading it back.

    .venv/bin/python bench/release_cost.py [--notes 1000] [--corrections 100]

Seeds a throwaway SQLite database (bench/out/releases.sqlite3; or the database in
BENCH_DATABASE_URL, which must be a throwaway one: it is migrated and emptied)
with the edition as ``load_edition`` ships it (which releases version 1), then:

* releases again after one moderation decision (one note accepted);
* adds ``--notes`` published notes and ``--corrections`` accepted corrections
  (bench/seed.py), releases, accepts one more note and releases again;

and prints, for each release, the queries and time it took, the rows it added
(``ReleaseItem``: one per row readers see; new stored ``Version``s: only for rows
without one that holds them as they are) and their bytes on disk, beside what a
copy of the page would take (the three reading modes' HTML); then what reading a
release back costs (/v/<N>/, rendered with every cache empty, and from the
cache). Not a test: figures vary with the machine.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.database import database_setup  # noqa: E402 - the project's root first

MODES = ("apparatus", "corrected", "original")


def table_bytes(model):
    """Bytes the model's table and its indexes take on disk."""
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_total_relation_size(%s)", [table])
        else:
            cursor.execute(
                "SELECT COALESCE(SUM(pgsize), 0) FROM dbstat WHERE name = %s OR name IN "
                "(SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = %s)", [table, table],
            )
        return cursor.fetchone()[0]


def clear():
    from django.core.cache import caches

    from annotations import edition

    for store in caches.all():
        store.clear()
    edition.recent_forget()


def page_bytes(client, url):
    return sum(len(client.get(url, {"mode": mode}).content) for mode in MODES)


def measured_release(client, summary):
    """Release now; returns the figures of what it cost."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from reversion.models import Version

    from annotations import releases
    from annotations.models import Essay, ReleaseItem

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    before = {"items": ReleaseItem.objects.count(), "versions": Version.objects.count(),
              "item_bytes": table_bytes(ReleaseItem), "version_bytes": table_bytes(Version)}
    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        release = releases.release_make(Essay.objects.get(), editor=None, summary=summary)
    elapsed = time.perf_counter() - started
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    clear()
    return {
        "release": release.number,
        "queries": len(queries),
        "seconds": elapsed,
        "items": ReleaseItem.objects.count() - before["items"],
        "new_versions": Version.objects.count() - before["versions"],
        "stored_bytes": table_bytes(ReleaseItem) - before["item_bytes"] + table_bytes(Version) - before["version_bytes"],
        "page_copy_bytes": page_bytes(client, release.get_absolute_url()),
    }


def read_cost(client, number, repeat=3):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = f"/v/{number}/"
    cold, cold_queries = [], 0
    for _ in range(repeat):
        clear()
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        cold.append(time.perf_counter() - started)
        cold_queries = len(queries)
    warm = []
    for _ in range(repeat):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        warm.append(time.perf_counter() - started)
    return {"cold_seconds": statistics.median(cold), "cold_queries": cold_queries,
            "warm_seconds": statistics.median(warm), "warm_queries": len(queries)}


def accept_one_note(text):
    from django.contrib.auth.models import User

    from annotations import moderation
    from annotations.models import Annotation, Paragraph, Status
    from annotations.text import selectors_for

    moderator, _ = User.objects.get_or_create(username="bench-moderator")
    paragraph = Paragraph.objects.order_by("pk").first()
    anchor = selectors_for(paragraph.text, 0, paragraph.text.index(" "))
    note = Annotation.objects.create(
        paragraph=paragraph, start=anchor.start, end=anchor.end, exact=anchor.exact, prefix=anchor.prefix,
        suffix=anchor.suffix, kind="comment", body=text, status=Status.PENDING,
    )
    moderation.item_approve(note, moderator=moderator)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--notes", type=int, default=1000)
    parser.add_argument("--corrections", type=int, default=100)
    options = parser.parse_args()
    database_setup("releases")

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from annotations.models import Annotation, Correction, Essay
    from bench.seed import seed_apparatus

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    client = Client(SERVER_NAME="127.0.0.1")
    rows = []

    started = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        call_command("load_edition", verbosity=0)
    rows.append(("load_edition (fixtures)", f"version 1 inside load_edition: {len(queries)} queries for the whole command,"
                 f" {time.perf_counter() - started:.2f} s"))
    accept_one_note("Accepted before version 2.")
    figures = [("the edition as shipped, after one decision", measured_release(client, "One more note."))]
    seed_apparatus(Essay.objects.get(), notes=options.notes, corrections=options.corrections)
    published = f"{Annotation.objects.published().count()} notes, {Correction.objects.published().count()} corrections"
    figures.append((f"{published}: first release of them", measured_release(client, "Seeded.")))
    accept_one_note("Accepted before the last version.")
    figures.append((f"{published} + 1 note: after one decision", measured_release(client, "One more.")))

    print(f"database: {connection.vendor}")
    for label, text in rows:
        print(f"{label}: {text}")
    print()
    print("| release | what it froze | queries | time | ReleaseItem rows | new Version rows | bytes stored | a copy of the page (3 modes) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for label, figure in figures:
        print(f"| {figure['release']} | {label} | {figure['queries']} | {figure['seconds'] * 1000:.0f} ms | {figure['items']} | "
              f"{figure['new_versions']} | {figure['stored_bytes'] / 1024:.0f} KiB | {figure['page_copy_bytes'] / 1024:.0f} KiB |")
    print()
    last = figures[-1][1]["release"]
    read = read_cost(client, last)
    print(f"reading /v/{last}/ back: rendered with every cache empty {read['cold_seconds'] * 1000:.0f} ms, "
          f"{read['cold_queries']} queries; from the cache {read['warm_seconds'] * 1000:.1f} ms, {read['warm_queries']} queries")


if __name__ == "__main__":
    main()
