"""The throwaway database a benchmark script fills: bench/out/<name>.sqlite3, or BENCH_DATABASE_URL's.

BENCH_DATABASE_URL must name a throwaway database: it is migrated and filled.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def database_setup(name):
    """Point Django at the benchmark's database (a new SQLite file unless BENCH_DATABASE_URL is set) and set it up."""
    OUT.mkdir(parents=True, exist_ok=True)
    database_url = os.environ.get("BENCH_DATABASE_URL")
    if not database_url:
        (OUT / f"{name}.sqlite3").unlink(missing_ok=True)
        database_url = f"sqlite:///{OUT / f'{name}.sqlite3'}"
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "essay_site.settings"
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
