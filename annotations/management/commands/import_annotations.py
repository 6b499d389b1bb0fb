import json
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from annotations import exchange


class Command(BaseCommand):
    help = (
        "Import the W3C Web Annotations in FILE (as export_annotations writes them) as notes and corrections "
        "pending review. Each annotation is checked like a contribution; each refused one is reported with its "
        "reason and the rest are imported. Imported items are credited to the creator the file names."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the JSON-LD file to read")
        parser.add_argument(
            "--submitted-by", metavar="USERNAME",
            help="the account recorded as submitting the imported items (it sees them on /me/)",
        )
        parser.add_argument(
            "--base-url", default=settings.SITE_URL,
            help="this site's public address: annotations exported from it keep their numbers when free "
                 "(default: SITE_URL, %(default)s)",
        )

    def handle(self, *args, path, submitted_by, base_url, **options):
        user = None
        if submitted_by:
            user = get_user_model().objects.filter(username=submitted_by).first()
            if user is None:
                raise CommandError(f"There is no account called “{submitted_by}”.")
        document = self._read(path)
        try:
            outcome = exchange.annotations_import(document, submitted_by=user, base_url=base_url, origin=Path(path).name)
        except exchange.ImportFileError as error:
            raise CommandError(f"{path}: {error}") from None
        for label, reason in outcome.refused:
            self.stderr.write(f"Refused {label}: {reason}")
        self.stdout.write(
            f"Imported {len(outcome.imported)} annotations as pending review "
            f"({outcome.sources_created} new sources); refused {len(outcome.refused)}."
        )
        if outcome.refused:
            raise CommandError(f"{len(outcome.refused)} of {len(outcome.imported) + len(outcome.refused)} annotations were refused (see above).")

    @staticmethod
    def _read(path):
        file = Path(path)
        if not file.is_file():
            raise CommandError(f"{path}: no such file")
        try:
            return json.loads(file.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise CommandError(f"{path}: not a UTF-8 text file") from None
        except json.JSONDecodeError as error:
            raise CommandError(f"{path}: not JSON ({error.msg}, line {error.lineno})") from None
        except OSError as error:
            raise CommandError(f"{path}: cannot read it ({error.strerror})") from None
