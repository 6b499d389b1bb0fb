from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the development-only demo accounts (placeholder until the contributing work lands)."

    def handle(self, *args, **options):
        self.stdout.write("No demo accounts yet.")
