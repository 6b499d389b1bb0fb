"""
Backing up and restoring the whole database (`make backup`, `make restore FILE=…`).

PostgreSQL: ``pg_dump`` in its custom format, restored with ``pg_restore``
(one transaction: all or nothing). SQLite: the online backup API, which copies
a consistent database while the site keeps serving. Either way the backup is
the whole database — the essay, every contribution, decision, account and
history entry.

A restore goes into an empty database (a new one after a loss): it refuses to
replace one that already holds accounts, contributions or decisions unless
told to (``replace=True``), because replacing them would roll the edition back.
"""

import os
import sqlite3
import subprocess
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone

from annotations.models import Annotation, Citation, Correction, Decision, Source

BACKUP_DIR = settings.BASE_DIR / "backups"
SUFFIXES = {"postgresql": ".pgdump", "sqlite": ".sqlite3"}


class BackupError(Exception):
    """A backup or restore that cannot be made; the message says why."""


def _vendor():
    if connection.vendor not in SUFFIXES:
        raise BackupError(f"Backups are made for PostgreSQL and SQLite, not {connection.vendor}.")
    return connection.vendor


def backup_path_default():
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    return BACKUP_DIR / f"edition-{stamp}{SUFFIXES[_vendor()]}"


def _pg_environment():
    """libpq's variables for the configured database (no password on any command line)."""
    database = connection.settings_dict
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if database.get(key):
            env[variable] = str(database[key])
    return env, database["NAME"]


def _run(command, env):
    try:
        result = subprocess.run(command, env=env, capture_output=True, text=True)
    except FileNotFoundError:
        raise BackupError(f"{command[0]} is not installed (Debian: apt-get install postgresql-client).") from None
    if result.returncode:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def database_backup(path=None):
    """Write a backup of the configured database to ``path`` (a new file); returns the path."""
    path = Path(path or backup_path_default())
    if path.exists():
        raise BackupError(f"{path} exists already; a backup never overwrites a file.")
    path.parent.mkdir(parents=True, exist_ok=True)
    if _vendor() == "postgresql":
        env, name = _pg_environment()
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", f"--file={path}", name], env)
    else:
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    return path


def database_holds_data():
    """True when the database has accounts, contributions or decisions that a restore would replace."""
    tables = set(connection.introspection.table_names())
    models = (get_user_model(), Annotation, Correction, Source, Citation, Decision)
    return any(model._meta.db_table in tables and model.objects.exists() for model in models)


def database_restore(path, *, replace=False):
    """Restore the backup at ``path`` into the configured database."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    expected = SUFFIXES[_vendor()]
    if path.suffix != expected:
        raise BackupError(f"{path.name} is not a {connection.vendor} backup (those end in {expected}).")
    if not replace and database_holds_data():
        raise BackupError(
            "The database already holds accounts, contributions or decisions: restoring would replace them. "
            "Restore into a new, empty database, or say --replace if replacing them is what you want."
        )
    if _vendor() == "postgresql":
        env, name = _pg_environment()
        connection.close()
        _run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--no-privileges", "--single-transaction",
              "--exit-on-error", f"--dbname={name}", str(path)], env)
    else:
        connection.ensure_connection()
        source = sqlite3.connect(path)
        try:
            source.backup(connection.connection)
        finally:
            source.close()
