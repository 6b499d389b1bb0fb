from pathlib import Path

from django.core.management.base import BaseCommand

from annotations import releases
from annotations.edition_load import EDITION_FIXTURES, edition_load
from annotations.models import Essay


class Command(BaseCommand):
    help = (
        "Load the edition from fixtures/: the essay (essay.json) and the editorial apparatus (apparatus.json). "
        "Safe to run again, on every deploy: it adds what is missing, updates editorial rows no one has touched "
        "whose fixture changed, and never changes a row a moderator, editor or contributor touched "
        "(annotations/edition_load.py). On a site with no release yet, it releases version 1."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "fixtures", nargs="*", type=Path, default=list(EDITION_FIXTURES),
            help="fixture files, in order (default: fixtures/essay.json fixtures/apparatus.json)",
        )

    def handle(self, *args, fixtures, verbosity, **options):
        report = edition_load(fixtures=fixtures)
        for message in report.refused:
            self.stderr.write(message)
        # A new site starts with version 1 released: the edition as first loaded (not while a fixture was refused).
        first = None if report.refused else releases.release_first_ensure(Essay.objects.first())
        if verbosity:
            if report.retired:
                self.stdout.write(f"Retired {report.retired} editorial items that this apparatus no longer has.")
            self.stdout.write(f"Loaded the edition: {Essay.objects.first()} ({report.summary()}).")
            for row, why in report.skipped:
                self.stdout.write(f"  left as it is: {row}: {why}")
            if first is not None:
                self.stdout.write("Released version 1: the edition as first published.")
        if verbosity > 1:
            for row in report.added:
                self.stdout.write(f"  added: {row}")
            for row in report.updated:
                self.stdout.write(f"  updated: {row}")
