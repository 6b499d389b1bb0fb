"""
Development-only demo accounts: a contributor and a moderator, with known passwords.

``make run`` runs this. With DEBUG off it creates nothing and deactivates any
demo account it finds (a site with these well-known passwords would be open
to anyone; ``annotations.checks`` stops ``migrate`` while one is active).
Running it again in development resets the passwords and the moderator's
rights to what is printed.
"""

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand

DEMO_CONTRIBUTOR = ("demo-contributor", "contributor-demo-password")
DEMO_MODERATOR = ("demo-moderator", "moderator-demo-password")
DEMO_USERNAMES = (DEMO_CONTRIBUTOR[0], DEMO_MODERATOR[0])


class Command(BaseCommand):
    help = "Create the development-only demo contributor and moderator (with DEBUG off: deactivate them)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            deactivated = self._deactivate()
            self.stdout.write("DEBUG is off: the development-only demo accounts are not created.")
            if deactivated:
                self.stdout.write(f"Deactivated (their passwords are published): {', '.join(deactivated)}.")
            return
        contributor = self._account(*DEMO_CONTRIBUTOR, email="contributor@example.invalid")
        moderator = self._account(*DEMO_MODERATOR, email="moderator@example.invalid", is_staff=True)
        moderator.groups.add(Group.objects.get(name="Moderators"))
        self.stdout.write(
            "Development-only demo accounts (never use them on a public site):\n"
            f"  contributor: log in at /accounts/login/ as {contributor.username} / {DEMO_CONTRIBUTOR[1]}\n"
            f"  moderator:   log in at /admin/ (or /accounts/login/) as {moderator.username} / {DEMO_MODERATOR[1]}"
        )

    def _deactivate(self):
        users = list(User.objects.filter(username__in=DEMO_USERNAMES, is_active=True).order_by("username"))
        for user in users:
            user.is_active = False
            user.set_unusable_password()
            user.save(update_fields=["is_active", "password"])
        return [user.username for user in users]

    def _account(self, username, password, *, email, is_staff=False):
        user, _ = User.objects.get_or_create(username=username, defaults={"email": email})
        user.email = email
        user.is_staff = is_staff
        user.is_active = True
        user.set_password(password)
        user.save()
        return user
