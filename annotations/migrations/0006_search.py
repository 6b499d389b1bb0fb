"""Full-text search indexes: FTS5 tables kept by triggers on SQLite; tsvector columns kept by triggers, with GIN
indexes, on PostgreSQL.

Nothing changes in the models' state: each index belongs to one database
engine, and annotations.search owns its definition (and, on SQLite, puts back
after every migrate any trigger that a later migration's table rebuild dropped).
"""

from django.db import migrations

from annotations import search


def search_indexes_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for kind in search.KINDS:
            for statement in search.postgresql_index_statements(kind):
                schema_editor.execute(statement)
    else:
        search.search_index_ensure(schema_editor.connection, create=True)


def search_indexes_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for kind in search.KINDS:
            for statement in search.postgresql_drop_statements(kind):
                schema_editor.execute(statement)
    else:
        search.search_index_drop(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("annotations", "0005_apparatus_cross_references")]

    operations = [migrations.RunPython(search_indexes_create, search_indexes_drop)]
