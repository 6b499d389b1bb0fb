"""Users in each role and a queue of contributions, for the moderation tests (fixtures: conftest.py)."""

from django.contrib.auth.models import User

from annotations.models import Status
from tests.factories import make_citation, make_correction, make_note, make_paragraph, make_source, make_user

ROLES = ["anonymous", "contributor", "moderator", "editor", "superuser"]


def make_role_user(role, username=None):
    """A user of ``role`` (None for anonymous); moderators and editors are staff in their group."""
    username = username or role
    if role == "anonymous":
        return None
    if role == "contributor":
        return make_user(username, email=f"{username}@example.org")
    if role == "moderator":
        return make_user(username, groups=["Moderators"], is_staff=True, email=f"{username}@example.org")
    if role == "editor":
        return make_user(username, groups=["Editors"], is_staff=True, email=f"{username}@example.org")
    if role == "superuser":
        return User.objects.create_superuser(username, f"{username}@example.org", "a-long-test-password")
    raise ValueError(role)


def client_as(client, role):
    user = make_role_user(role)
    if user is not None:
        client.force_login(user)
    return client, user


PARAGRAPH_TEXT = (
    "The Treaty of Rapallo was signed in 1922 at Genoa. Litvinov became Commissar in 1930, "
    "and the Soviet Union joined the League of Nations in 1934."
)
QUOTES = ["Rapallo", "1922", "Genoa", "Litvinov", "Commissar", "1930", "Soviet Union", "League of Nations", "1934"]


def make_pending_queue(count, *, contributor=None, paragraph=None):
    """``count`` pending items in the three queues: notes, corrections (each citing a
    source from the bibliography) and new sources, in turn."""
    items = []
    for index in range(count):
        # A fresh paragraph for each round of quotes, so no two corrections overlap.
        if index % len(QUOTES) == 0:
            paragraph = make_paragraph(PARAGRAPH_TEXT) if paragraph is None or index else paragraph
        quote = QUOTES[index % len(QUOTES)]
        kind = index % 3
        if kind == 0:
            item = make_note(paragraph, quote, status=Status.PENDING, submitted_by=contributor, body=f"Note {index}.")
        elif kind == 1:
            item = make_correction(
                paragraph, quote, replacement=f"{quote} ({index})", status=Status.PENDING, submitted_by=contributor
            )
            make_citation(item, make_source(title=f"Source for {index}"), status=Status.PENDING)
        else:
            item = make_source(title=f"Standalone source {index}", status=Status.PENDING, submitted_by=contributor)
        items.append(item)
    return items


def make_many_pending(model, count, *, contributor=None, cited=True):
    """``count`` pending notes or corrections, in bulk (bench.seed.seed_pending): each citing a new pending source."""
    from bench.seed import seed_pending

    return seed_pending(model, count, contributor=contributor, cited=cited)


def make_established(username, **overrides):
    """A reader whose account is old enough for their flags to count towards hiding an item."""
    from datetime import timedelta

    from django.utils import timezone

    return make_user(username, date_joined=timezone.now() - timedelta(days=365), **overrides)


def logged_in(client_class, user):
    """A fresh test client logged in as ``user`` (several people at once in one test)."""
    client = client_class()
    client.force_login(user)
    return client
