"""The site's own views: the health check, the CSRF failure page (settings.CSRF_FAILURE_VIEW) and the 500 page."""

import uuid

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.log import log_response
from django.views.decorators.cache import never_cache

from annotations import drafts


def _database_answers():
    for alias in settings.DATABASES:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()


def _caches_answer():
    # Every cache the site counts on (pages, sessions, rate-limit counters): a value written is read back.
    for alias in settings.CACHES:
        key, value = f"healthz:{uuid.uuid4().hex}", uuid.uuid4().hex
        cache = caches[alias]
        cache.set(key, value, timeout=10)
        try:
            if cache.get(key) != value:
                raise RuntimeError(f"the {alias!r} cache did not give back what was written")
        finally:
            cache.delete(key)


CHECKS = {"database": _database_answers, "cache": _caches_answer}


@never_cache
def healthz(request):
    """200 when the database and every cache answer, 503 (saying which did not) otherwise.

    For load balancers and monitors: reads no session and renders no template.
    """
    results, failures = {}, []
    for name, check in CHECKS.items():
        try:
            check()
            results[name] = "ok"
        except Exception as error:  # noqa: BLE001 - any failure means "not healthy", said in the answer
            results[name] = "failing"
            failures.append(f"the {name} does not answer ({error})")
    response = JsonResponse({"status": "failing" if failures else "ok", **results}, status=503 if failures else 200)
    if failures:
        # One line saying why, in place of Django's bare "Service Unavailable".
        log_response("Health check failed: %s", "; ".join(failures), response=response, request=request)
    return response


def csrf_failure(request, reason=""):
    """A form whose security token is stale: nothing was saved, and what was typed comes back.

    Signed in, the person can submit it again from this page (it carries a fresh
    token). Signed out — the session expired, or they logged out in another
    window — the text is kept in the session and the form opens with it after
    they log in again.
    """
    fields = drafts.draft_fields(request)
    kept_for_login = not request.user.is_authenticated and drafts.draft_keep(request)
    context = {
        "fields": [(name, drafts.TYPED_TEXT.get(name), value) for name, value in fields],
        "typed": drafts.typed_text(fields),
        "kept_for_login": kept_for_login,
        "action": request.get_full_path(),
    }
    return render(request, "403_csrf.html", context, status=403)


def server_error(request):
    """urls.handler500: the 500 page, given the request and nothing else.

    No context processor runs (the failure may be the database's, and the user
    is read from it); the header only needs the request for its log-in link.
    """
    return HttpResponseServerError(loader.get_template("500.html").render({"request": request}))
