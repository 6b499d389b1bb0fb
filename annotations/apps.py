from django.apps import AppConfig
from django.apps import apps as global_apps
from django.db.models.signals import post_migrate


def _ensure_groups(sender, using, apps=global_apps, **kwargs):
    # migrate passes its project state's apps; flush passes none.
    from annotations.roles import groups_ensure

    groups_ensure(apps, using=using)


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
        # After the auth app's own post_migrate handler has created the permissions.
        post_migrate.connect(_ensure_groups, sender=self, dispatch_uid="annotations_groups")
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="annotations_search_index")
        post_migrate.connect(_ensure_cache_tables, sender=self, dispatch_uid="annotations_cache_tables")
        from annotations import checks  # noqa: F401 - registers the checks
