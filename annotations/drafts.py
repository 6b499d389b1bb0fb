"""
What a person typed into a form, kept across a log-in.

A form left open overnight comes back after the session expired (the view sends
the person to log in) or with a stale CSRF token (logging in or out in another
window rotates it). Either way nothing is saved, and the typed text must not be
lost: ``draft_keep`` stores the submitted fields in the session, under the
form's path, and the form's page, once the person is logged in, opens with
them filled in (``draft_take``). Passwords and the CSRF token are never kept.

Bounded: a draft keeps at most FIELDS_KEPT fields of at most VALUE_KEPT
characters each (a note's longest text fits), one draft per path, the last
few paths only — a forged post cannot fill the session store.
"""

from django.conf import settings
from django.http import QueryDict

SESSION_KEY = "drafts"
PATHS_KEPT = 3
FIELDS_KEPT = 40
VALUE_KEPT = 12_000  # a note or a rationale is at most 10,000 characters
# The fields a person typed, labelled as they appear on the CSRF failure page
# (the others — hidden selectors, versions, choices — travel with them unseen).
TYPED_TEXT = {
    "exact": "The words you quoted",
    "body": "Your note",
    "replacement": "Your corrected wording",
    "rationale": "Your rationale",
    "cite-locator": "Page or chapter",
    "source-authors": "Authors of the new source",
    "source-title": "Title of the new source",
    "source-container": "Journal, book or site",
    "source-publisher": "Publisher",
    "source-url": "URL",
    "locator": "Page or chapter",
    "reason": "Your reason",
}


def _kept(name):
    return name != "csrfmiddlewaretoken" and "password" not in name


def draft_fields(request):
    """The submitted fields worth keeping, as (name, value) pairs in the form's order (bounded)."""
    fields = [(name, value) for name, values in request.POST.lists() if _kept(name) for value in values]
    return [(name[:100], value[:VALUE_KEPT]) for name, value in fields[:FIELDS_KEPT]]


def typed_text(fields):
    """The fields someone typed text into, with their labels: (name, label, value)."""
    return [(name, TYPED_TEXT[name], value) for name, value in fields if name in TYPED_TEXT and value.strip()]


def draft_keep(request):
    """Keep what was posted to ``request.path`` until the form is opened again.

    Only in a session the browser already holds: a cross-site post carries no
    session cookie, and must not be able to replace the person's session.
    """
    fields = draft_fields(request)
    if not fields or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return False
    drafts = {path: kept for path, kept in request.session.get(SESSION_KEY, {}).items() if path != request.path}
    drafts[request.path] = fields
    request.session[SESSION_KEY] = dict(list(drafts.items())[-PATHS_KEPT:])
    return True


def draft_take(request):
    """The draft kept for ``request.path`` as a QueryDict (forget it), or None."""
    drafts = request.session.get(SESSION_KEY)
    if not drafts or request.path not in drafts:
        return None
    fields = drafts.pop(request.path)
    request.session[SESSION_KEY] = drafts
    data = QueryDict(mutable=True)
    for name, value in fields:
        data.appendlist(name, value)
    return data
