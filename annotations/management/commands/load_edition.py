import json

from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from annotations.apparatus import apparatus_retire_superseded
from annotations.models import EDITORS_CREDIT, Essay

FIXTURES = settings.BASE_DIR / "fixtures"


def contributions_in_the_way(fixture_path):
    """Rows that loading the fixture would overwrite but that are not the editors' own.

    Fixture rows carry fixed primary keys; in a database where contributors have
    already created items with those keys, loading would silently replace them.
    """
    rows = json.loads(fixture_path.read_text(encoding="utf-8"))
    clashes = []
    for label in sorted({row["model"] for row in rows}):
        model = apps.get_model(label)
        if not hasattr(model, "credit"):
            continue  # cross-references: only the editors make them
        pks = [row["pk"] for row in rows if row["model"] == label]
        clashes += [
            f"{label} {pk}"
            for pk in model.objects.filter(pk__in=pks).exclude(credit=EDITORS_CREDIT, submitted_by=None).values_list("pk", flat=True)
        ]
    return clashes


class Command(BaseCommand):
    help = (
        "Load the edition from fixtures/: the essay (essay.json) and the editorial apparatus "
        "(apparatus.json). Safe to run again: fixture rows keep their primary keys, and the apparatus "
        "is never loaded over contributors' items."
    )

    def handle(self, *args, **options):
        call_command("loaddata", "essay", verbosity=options["verbosity"])
        apparatus = FIXTURES / "apparatus.json"
        if apparatus.exists():
            clashes = contributions_in_the_way(apparatus)
            if clashes:
                self.stderr.write(
                    "The editorial apparatus was not loaded: it would overwrite contributors' items "
                    f"({', '.join(clashes[:5])}{' …' if len(clashes) > 5 else ''})."
                )
            else:
                call_command("loaddata", "apparatus", verbosity=options["verbosity"])
                retired = apparatus_retire_superseded(json.loads(apparatus.read_text(encoding="utf-8")))
                if retired:
                    self.stdout.write(f"Retired {retired} editorial items that this apparatus no longer has.")
        # Fixtures write the stored revision back; move past every cached rendering.
        Essay.revision_bump()
        self.stdout.write(f"Loaded the edition: {Essay.objects.first()}.")
