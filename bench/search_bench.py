"""
Benchmark: /search/'s query cost against a plain scan of the same public rows.

    .venv/bin/python bench/search_bench.py [--notes 10000] [--corrections 300] [--repeat 15]

Seeds a throwaway SQLite database (bench/out/search.sqlite3; or the database in
BENCH_DATABASE_URL, which must be a throwaway one: it is migrated and filled)
with the essay and many published notes and corrections (bench/seed.py), then
runs each query through ``annotations.search.search_run`` (FTS5 on SQLite,
GIN-indexed tsvectors on PostgreSQL) and through the scan a search without an
index would make (``icontains`` for every word over every kind's public rows,
the first 20 of each and their count), and prints the median time of each and
the ratio. Not a test: figures vary with the machine.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.database import database_setup  # noqa: E402 - the project's root first

QUERIES = [
    ("a rare phrase (one note)", "Note 4242"),
    ("a word of the essay", "Litvinov"),
    ("a word in every note", "claims"),
    ("two common words", "Soviet passage"),
    ("one phrase repeated to 200 characters", ("the context of this passage " * 8)[:200]),
    ("20 different common words", "the Soviet Union and Germany in League of Nations was policy with France Britain war "
                                  "pact Stalin Hitler Poland for"),
]


def seed(*, notes, corrections):
    from django.core.management import call_command
    from django.db import connection

    from annotations.models import Essay
    from bench.seed import seed_apparatus

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    call_command("loaddata", "essay", verbosity=0)
    seed_apparatus(Essay.objects.get(), notes=notes, corrections=corrections)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics, as a running site has them


def scan(query):
    """What a search without an index does: every word as a substring of every searched column."""
    from django.db.models import Q

    from annotations import search

    words = [word for phrase in search.query_phrases(query) for word in phrase]
    groups = []
    for kind in search.KINDS:
        condition = Q()
        for word in words:
            condition &= Q(*[Q(**{f"{name}__icontains": word}) for name in kind.fields], _connector=Q.OR)
        rows = kind.public().filter(condition)
        groups.append((list(rows.order_by("pk")[:search.GROUP_LIMIT]), rows.count()))
    return groups


def median_seconds(function, query, repeat):
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function(query)
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--notes", type=int, default=10_000)
    parser.add_argument("--corrections", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=15)
    options = parser.parse_args()
    database_setup("search")
    from django.db import connection

    from annotations import search

    seed(notes=options.notes, corrections=options.corrections)
    print(f"{connection.vendor}: the essay, {options.notes:,} notes, {options.corrections:,} corrections; "
          f"median of {options.repeat} runs")
    print("| query | found | search (index) | scan (icontains) | scan ÷ search |")
    print("| --- | --- | --- | --- | --- |")
    for label, query in QUERIES:
        found = sum(group.total for group in search.search_run(query))
        indexed = median_seconds(search.search_run, query, options.repeat)
        scanned = median_seconds(scan, query, options.repeat)
        print(f"| {label} | {found:,} | {indexed * 1000:.1f} ms | {scanned * 1000:.1f} ms | {scanned / indexed:.1f} |")


if __name__ == "__main__":
    main()
