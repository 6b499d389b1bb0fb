"""
Emails about moderation (a contributor's item was decided; the moderators' digest) and accounts.

Plain text from templates under ``annotations/email/``; the console backend
unless EMAIL_HOST is set (see settings). Links are absolute, built from
``settings.SITE_URL`` (the environment's SITE_URL; the development server by default).
"""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.text import Truncator

def site_url(path=""):
    return settings.SITE_URL.rstrip("/") + path


def item_label(item):
    """How an item is named to its contributor: “your note on “…””."""
    name = item._meta.verbose_name
    about = Truncator(getattr(item, "exact", None) or getattr(item, "title", None) or str(item)).words(8)
    return f"{name} on “{about}”" if hasattr(item, "exact") else f"{name} “{about}”"


def decision_message(*, item, decision):
    """The email telling the contributor their item was decided, or None when they left no address."""
    contributor = item.submitted_by
    if contributor is None or not contributor.email:
        return None
    context = {
        "contributor": contributor,
        "item": item,
        "label": item_label(item),
        "decision": decision,
        "accepted": decision.to_status == "accepted",
        "me_url": site_url(reverse("annotations:me")),
        "item_url": site_url(item.get_absolute_url()) if hasattr(item, "get_absolute_url") else "",
    }
    subject = render_to_string("annotations/email/decision_subject.txt", context).strip()
    body = render_to_string("annotations/email/decision.txt", context)
    return EmailMessage(subject, body, to=[contributor.email])


def decisions_notify(decided):
    """Tell each contributor about their decided items (``decided``: (item, decision) pairs), over one connection."""
    messages = [message for item, decision in decided if (message := decision_message(item=item, decision=decision))]
    if not messages:
        return 0
    return get_connection().send_messages(messages)


def address_in_use_notify(*, owner, new_username):
    """Someone signed up with the address of ``owner``'s account: tell its owner (the sign-up page does not)."""
    context = {
        "owner": owner,
        "new_username": new_username,
        "login_url": site_url(reverse("login")),
        "reset_url": site_url(reverse("password_reset")),
    }
    subject = render_to_string("registration/address_in_use_subject.txt", context).strip()
    body = render_to_string("registration/address_in_use_email.txt", context)
    return EmailMessage(subject, body, to=[owner.email]).send()


def moderators_with_email():
    return User.objects.filter(groups__name="Moderators", is_active=True).exclude(email="").distinct()


def digest_send(*, counts, oldest):
    """Send every moderator with an email the digest; returns how many were sent.

    ``counts`` is moderation.queue_counts(); ``oldest`` maps a queue's name to
    its oldest pending items.
    """
    context = {
        "counts": counts,
        "oldest": oldest,
        "total": counts["notes"] + counts["corrections"] + counts["sources"],
        "admin_url": site_url(reverse("admin:index")),
    }
    subject = render_to_string("annotations/email/digest_subject.txt", context).strip()
    body = render_to_string("annotations/email/digest.txt", context)
    messages = [EmailMessage(subject, body, to=[moderator.email]) for moderator in moderators_with_email()]
    if not messages:
        return 0
    return get_connection().send_messages(messages)
