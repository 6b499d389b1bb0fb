from django.core.management.base import BaseCommand, CommandError

from annotations.apparatus import ApparatusError, apparatus_build, apparatus_read
from annotations.models import Essay


class Command(BaseCommand):
    help = (
        "Create the editorial apparatus from fixtures/apparatus.toml in the current database "
        "(used by `make fixtures` on a throwaway database to write fixtures/apparatus.json)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", nargs="?", default="fixtures/apparatus.toml")

    def handle(self, *args, path, **options):
        essay = Essay.objects.first()
        if essay is None:
            raise CommandError("import the essay first (import_essay or loaddata essay)")
        try:
            counts = apparatus_build(apparatus_read(path), essay=essay)
        except (ApparatusError, OSError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"Built the apparatus: {counts['corrections']} corrections, {counts['notes']} notes, "
            f"{counts['sources']} sources."
        )
