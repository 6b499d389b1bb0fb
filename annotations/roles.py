"""
The moderation roles: which permissions the Moderators and Editors groups hold.

Moderators review contributions: they may view and change notes, corrections,
citations and sources (change is what the admin's decision actions need), view
and resolve readers' flags, view contributors and change their standing
(suspend, reinstate, revoke or restore trust), keep the site's reason templates,
and view the essay and the decision log. No user administration, no editing of
the essay's text. Editors may in addition edit the essay's attribution and
introduction, its headings, repair paragraph text, and release a version of the
edition (annotations.releases).

``groups_ensure`` is run by data migration 0002 and again after every
``migrate`` or ``flush`` (post_migrate, see apps.py), so the groups are never
missing, e.g. after a test database is flushed.
"""

MODERATOR_PERMISSIONS = [
    ("annotation", ["view", "change"]),
    ("correction", ["view", "change"]),
    ("citation", ["view", "change"]),
    ("source", ["view", "change"]),
    ("decision", ["view"]),
    ("flag", ["view", "change"]),
    ("contributor", ["view", "change"]),
    ("standingchange", ["view"]),
    ("reasontemplate", ["view", "add", "change", "delete"]),
    ("essay", ["view"]),
    ("section", ["view"]),
    ("paragraph", ["view"]),
]
EDITOR_PERMISSIONS = MODERATOR_PERMISSIONS + [
    ("essay", ["change"]),
    ("section", ["change"]),
    ("paragraph", ["change"]),
    ("release", ["view", "add"]),
]
GROUPS = {"Moderators": MODERATOR_PERMISSIONS, "Editors": EDITOR_PERMISSIONS}


def _permissions(apps, spec, using):
    Permission = apps.get_model("auth", "Permission")
    # A migration's historical state lacks the models of later migrations; the
    # groups get those permissions after the migration that creates them.
    present = {model._meta.model_name for model in apps.get_app_config("annotations").get_models()}
    codenames = [f"{action}_{model}" for model, actions in spec for action in actions if model in present]
    found = list(Permission.objects.using(using).filter(content_type__app_label="annotations", codename__in=codenames))
    missing = set(codenames) - {permission.codename for permission in found}
    if missing:
        raise RuntimeError(f"permissions not created yet: {sorted(missing)}")
    return found


def groups_ensure(apps, using="default"):
    """Create the groups if missing and give each exactly its permissions."""
    Group = apps.get_model("auth", "Group")
    for name, spec in GROUPS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        group.permissions.set(_permissions(apps, spec, using))
