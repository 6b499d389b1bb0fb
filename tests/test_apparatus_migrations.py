"""The apparatus's migrations carry existing items over (run on the real migration graph)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

APP = "annotations"


def migrate_to(name):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate([(APP, name)])
    return executor.loader.project_state([(APP, name)]).apps


def corrections_at(apps, *categories):
    essay = apps.get_model(APP, "Essay").objects.create(title="E", slug="e")
    section = apps.get_model(APP, "Section").objects.create(essay=essay, position=1, heading="H", slug="h")
    paragraph = apps.get_model(APP, "Paragraph").objects.create(section=section, position=1, text="Signed in 1922.", anchor="p-abc")
    return [
        apps.get_model(APP, "Correction").objects.create(
            paragraph=paragraph, start=10, end=14, exact="1922", category=category, replacement="x", rationale="r",
        ).pk
        for category in categories
    ]


@pytest.mark.django_db(transaction=True)
def test_language_corrections_become_wording_and_go_back():
    old = migrate_to("0002_moderation_groups")
    language, kept = corrections_at(old, "language", "date")
    new = migrate_to("0003_apparatus_categories")
    assert new.get_model(APP, "Correction").objects.get(pk=language).category == "wording"
    assert new.get_model(APP, "Correction").objects.get(pk=kept).category == "date"
    back = migrate_to("0002_moderation_groups")
    assert back.get_model(APP, "Correction").objects.get(pk=language).category == "language"
    migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes(APP)[0][1])
