import sqlite3

from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


def _ensure_groups(sender, using, apps=global_apps, **kwargs):
    # migrate passes its project state's apps; flush passes none.
    from annotations.roles import groups_ensure

    groups_ensure(apps, using=using)


def _sqlite_variable_limit(sender, connection, **kwargs):
    """Let Django use as many query parameters as this SQLite allows.

    Django 5.2 assumes SQLite's old compile-time default of 999 variables per
    statement and splits a ``bulk_create`` of 1,000 decisions into nine;
    SQLite 3.32 and later allow 32,766. Django 6.0 reads the connection's real
    limit (ticket #36143); so do we, so a bulk decision writes its rows in one
    statement whatever its size.
    """
    if connection.vendor == "sqlite":
        connection.features.max_query_params = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)


def _ensure_search_index(sender, using, **kwargs):
    # A migration that rebuilds a table on SQLite drops the search index's triggers with it.
    from django.db import connections

    from annotations.search import search_index_ensure

    search_index_ensure(connections[using])


def _ensure_cache_tables(sender, using, **kwargs):
    # The rate-limit counters' table (settings.CACHES["ratelimit"]): made by
    # migrate itself, so neither `make run` nor the tests need another step.
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)


class AnnotationsConfig(AppConfig):
    name = "annotations"
    verbose_name = "Annotated edition"

    def ready(self):
        from annotations import moderation

        # After the auth app's own post_migrate handler has created the permissions.
        post_migrate.connect(_ensure_groups, sender=self, dispatch_uid="annotations_groups")
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="annotations_search_index")
        post_migrate.connect(_ensure_cache_tables, sender=self, dispatch_uid="annotations_cache_tables")
        from annotations import checks  # noqa: F401 - registers the checks
        connection_created.connect(_sqlite_variable_limit, dispatch_uid="annotations_sqlite_variable_limit")
        moderation.history_register()
