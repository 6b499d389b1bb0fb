"""A backup restored into an empty database gives back everything: contributions, decisions, history, accounts."""

import os
import sqlite3
import subprocess
import sys
import uuid

import psycopg
import pytest
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from reversion.models import Revision, Version

from annotations import moderation
from annotations.models import Annotation, Citation, Correction, Decision, Essay, LoadedRow, Paragraph, Section, Source, Status
from tests.conftest import ROOT
from tests.factories import make_citation, make_note, make_source, make_user

MODELS = (User, Essay, Section, Paragraph, Source, Correction, Annotation, Citation, Decision, Revision, Version, LoadedRow)


@pytest.fixture
def moderated_edition(db):
    """The edition with contributions in every state, decided, edited, with their history."""
    call_command("load_edition", verbosity=0)
    moderator = make_user("mod", groups=["Moderators"], is_staff=True)
    contributor = make_user("ada", email="ada@example.org")
    paragraph = Essay.objects.get().sections.get(position=1).paragraphs.get(position=1)
    accepted = make_note(paragraph, "November 1917", status=Status.PENDING, submitted_by=contributor, body="Mine.")
    make_citation(accepted, make_source(status=Status.PENDING, submitted_by=contributor, title="A new study"),
                  status=Status.PENDING, submitted_by=contributor)
    moderation.item_approve(accepted, moderator=moderator)
    rejected = make_note(paragraph, "autumn of 1941", status=Status.PENDING, submitted_by=contributor)
    moderation.item_reject(rejected, moderator=moderator, reason="Not a note.")
    pending = make_note(paragraph, "1917", status=Status.PENDING, submitted_by=contributor, body="Draft.")
    moderation.item_revise(pending, user=contributor, changes={"body": "Second draft."})
    return {"moderator": moderator}


def table_rows(cursor, table):
    cursor.execute(f'SELECT * FROM "{table}" ORDER BY 1')  # noqa: S608 - table names from the models
    return cursor.fetchall()


def rows_here():
    with connection.cursor() as cursor:
        return {model._meta.db_table: table_rows(cursor, model._meta.db_table) for model in MODELS}


def restore_into_a_new_database(backup):
    """Restore ``backup`` with `manage.py restore_database` into a database created for it; returns its rows."""
    database = connection.settings_dict
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}}
    if connection.vendor == "sqlite":
        target = backup.parent / "restored.sqlite3"
        env["DATABASE_URL"] = f"sqlite:///{target}"
        run = subprocess.run([sys.executable, "manage.py", "restore_database", str(backup)], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        # Read as Django reads SQLite (its converters for dates and booleans), to compare like with like.
        with sqlite3.connect(target, detect_types=sqlite3.PARSE_DECLTYPES | sqlite3.PARSE_COLNAMES) as restored:
            return {model._meta.db_table: table_rows(restored.cursor(), model._meta.db_table) for model in MODELS}
    name = f"restored_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        credentials = f"{database['USER']}:{database['PASSWORD']}@" if database["PASSWORD"] else f"{database['USER']}@"
        env["DATABASE_URL"] = f"postgres://{credentials}{database['HOST']}:{database['PORT']}/{name}"
        run = subprocess.run([sys.executable, "manage.py", "restore_database", str(backup)], cwd=ROOT, env=env,
                             capture_output=True, text=True)
        assert run.returncode == 0, run.stderr
        with psycopg.connect(
            dbname=name, user=database["USER"], password=database["PASSWORD"] or None,
            host=database["HOST"], port=database["PORT"],
        ) as restored:
            return {model._meta.db_table: table_rows(restored.cursor(), model._meta.db_table) for model in MODELS}
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_gives_back_everything(moderated_edition, tmp_path):
    backup = tmp_path / f"edition{'.sqlite3' if connection.vendor == 'sqlite' else '.pgdump'}"
    call_command("backup_database", output=str(backup), verbosity=0)
    before = rows_here()
    assert len(before["annotations_decision"]) >= 4 and len(before["reversion_version"]) >= 6  # there is history
    assert restore_into_a_new_database(backup) == before


@pytest.mark.django_db(transaction=True)
def test_a_restore_never_replaces_a_database_holding_contributions(moderated_edition, tmp_path):
    backup = tmp_path / f"edition{'.sqlite3' if connection.vendor == 'sqlite' else '.pgdump'}"
    call_command("backup_database", output=str(backup), verbosity=0)
    make_note(Paragraph.objects.first(), "November 1917", status=Status.PENDING, body="Typed after the backup.")
    with pytest.raises(CommandError, match="already holds accounts, contributions or decisions"):
        call_command("restore_database", str(backup))
    assert Annotation.objects.filter(body="Typed after the backup.").exists()


def test_a_backup_never_overwrites_a_file(db, tmp_path):
    existing = tmp_path / "edition.sqlite3"
    existing.write_text("an earlier backup")
    with pytest.raises(CommandError, match="exists already"):
        call_command("backup_database", output=str(existing))
    assert existing.read_text() == "an earlier backup"
