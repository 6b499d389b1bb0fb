"""
System checks that need the database (run by ``migrate`` and ``check --database default``).

With DEBUG off, an active demo account (a published password) is an error
that names it: a deployment's ``migrate`` stops until ``manage.py
demo_accounts`` has deactivated it.
"""

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, checks.Tags.database)
def demo_accounts_inactive_in_production(app_configs, databases=None, **kwargs):
    if settings.DEBUG or not databases:
        return []
    from django.contrib.auth.models import User
    from django.db import DatabaseError

    from annotations.management.commands.demo_accounts import DEMO_USERNAMES

    try:
        active = list(User.objects.filter(username__in=DEMO_USERNAMES, is_active=True).values_list("username", flat=True))
    except DatabaseError:  # before the first migrate: no users yet
        return []
    if not active:
        return []
    return [
        checks.Error(
            f"Demo accounts with published passwords are active while DEBUG is off: {', '.join(sorted(active))}.",
            hint="Run `python manage.py demo_accounts` with DEBUG off: it deactivates them.",
            id="annotations.E001",
        )
    ]
