import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from annotations import exchange


class Command(BaseCommand):
    help = (
        "Write every published note and accepted correction to FILE as one W3C Web Annotation collection "
        "(JSON-LD), each with its cited sources in full. import_annotations reads it back."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the JSON-LD file to write ('-' for standard output)")
        parser.add_argument(
            "--base-url", default=settings.SITE_URL,
            help="the site's public address, for the annotations' IRIs (default: SITE_URL, %(default)s)",
        )
        parser.add_argument(
            "--include-pending", action="store_true",
            help="also items, citations and sources awaiting review (a moderators' copy; never for publication)",
        )

    def handle(self, *args, path, base_url, include_pending, **options):
        document = exchange.annotations_document(base_url=base_url, include_pending=include_pending)
        text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
        if path == "-":
            self.stdout.write(text, ending="")
            return
        try:
            Path(path).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"{path}: cannot write it ({error.strerror})") from None
        self.stdout.write(f"Exported {document['total']} annotations to {path}.")
