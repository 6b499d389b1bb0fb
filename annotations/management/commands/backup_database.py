from django.core.management.base import BaseCommand, CommandError

from annotations.backup import BackupError, database_backup


class Command(BaseCommand):
    help = (
        "Back up the whole database to a new file (default: backups/edition-<date>.pgdump or .sqlite3): "
        "pg_dump on PostgreSQL, the online backup API on SQLite. Safe while the site is serving."
    )

    def add_arguments(self, parser):
        parser.add_argument("--output", help="the file to write (it must not exist)")

    def handle(self, *args, output, **options):
        try:
            path = database_backup(output)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Backed up the database to {path} ({path.stat().st_size:,} bytes).")
