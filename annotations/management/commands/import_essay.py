from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from annotations.importer import ImportFormatError, decode, essay_import, parse_essay


class Command(BaseCommand):
    help = "Import an essay from the essay-mill plain-text format (see fixtures/essay.txt)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="the plain-text essay")
        parser.add_argument("--slug", help="the essay's slug (default: from its title)")
        parser.add_argument("--introduction", help="a Markdown file with the editor's introduction")

    def handle(self, *args, path, slug=None, introduction=None, **options):
        text = self._read_text(path)
        intro_text = self._read_text(introduction) if introduction else None
        try:
            parsed = parse_essay(text)
            essay, created = essay_import(parsed, slug=slug, introduction=intro_text)
        except ImportFormatError as error:
            raise CommandError(f"{path}: {error}") from None
        paragraphs = sum(len(section.paragraphs) for section in parsed.sections)
        verb = "Imported" if created else "Re-imported"
        self.stdout.write(
            f"{verb} “{essay.title}”: {len(parsed.sections)} sections, {paragraphs} paragraphs."
        )

    @staticmethod
    def _read_text(path):
        file = Path(path)
        if not file.exists():
            raise CommandError(f"{path}: no such file")
        if not file.is_file():
            raise CommandError(f"{path}: not a file")
        try:
            return decode(file.read_bytes())
        except ImportFormatError as error:
            raise CommandError(f"{path}: {error}") from None
        except OSError as error:
            raise CommandError(f"{path}: cannot read it ({error.strerror})") from None
