from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from annotations.models import Essay


class Command(BaseCommand):
    help = (
        "Load the edition from fixtures/: the essay (essay.json) and, where present, the editorial "
        "apparatus (apparatus.json). Safe to run again: fixture rows keep their primary keys."
    )

    def handle(self, *args, **options):
        fixtures = ["essay"]
        if (settings.BASE_DIR / "fixtures" / "apparatus.json").exists():
            fixtures.append("apparatus")
        call_command("loaddata", *fixtures, verbosity=options["verbosity"])
        # Fixtures write the stored revision back; move past every cached rendering.
        Essay.revision_bump()
        essay = Essay.objects.first()
        self.stdout.write(f"Loaded the edition: {essay}.")
