from django.core.management.base import BaseCommand, CommandError

from annotations.backup import BackupError, database_restore


class Command(BaseCommand):
    help = (
        "Restore a backup made by backup_database into the configured database, which should be new and empty "
        "(pg_restore in one transaction on PostgreSQL, the online backup API on SQLite)."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the backup file")
        parser.add_argument(
            "--replace", action="store_true",
            help="replace a database that already holds accounts, contributions or decisions",
        )

    def handle(self, *args, path, replace, **options):
        try:
            database_restore(path, replace=replace)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored the database from {path}. Run `manage.py migrate` if the code is newer.")
