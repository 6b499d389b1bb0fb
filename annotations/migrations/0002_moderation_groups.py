"""The Moderators and Editors groups with exactly their permissions.

Moderators review contributions: they may view and change notes, corrections,
citations and sources (change is what the admin's decision actions need), and
view the essay and the decision log. No user administration, no editing of the
essay's text. Editors may in addition edit the essay's attribution and
introduction, its headings, and repair paragraph text.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

MODERATOR_PERMISSIONS = [
    ("annotation", ["view", "change"]),
    ("correction", ["view", "change"]),
    ("citation", ["view", "change"]),
    ("source", ["view", "change"]),
    ("decision", ["view"]),
    ("essay", ["view"]),
    ("section", ["view"]),
    ("paragraph", ["view"]),
]
EDITOR_EXTRA_PERMISSIONS = [
    ("essay", ["change"]),
    ("section", ["change"]),
    ("paragraph", ["change"]),
]


def _permissions(apps, spec):
    Permission = apps.get_model("auth", "Permission")
    codenames = [f"{action}_{model}" for model, actions in spec for action in actions]
    found = list(Permission.objects.filter(content_type__app_label="annotations", codename__in=codenames))
    missing = set(codenames) - {permission.codename for permission in found}
    if missing:
        raise RuntimeError(f"permissions not created yet: {sorted(missing)}")
    return found


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; make them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    moderators, _ = Group.objects.get_or_create(name="Moderators")
    moderators.permissions.set(_permissions(apps, MODERATOR_PERMISSIONS))
    editors, _ = Group.objects.get_or_create(name="Editors")
    editors.permissions.set(_permissions(apps, MODERATOR_PERMISSIONS + EDITOR_EXTRA_PERMISSIONS))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=["Moderators", "Editors"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
