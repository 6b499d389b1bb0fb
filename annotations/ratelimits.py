"""
Who may do how much: rate limits and log-in lockouts, in one place.

**Per account first.** Every contribution (create, edit, withdraw, add a
source), every Markdown preview and every flag counts against the signed-in
account (``CONTRIBUTION_RATE_PER_ACCOUNT``, ``PREVIEW_RATE_PER_ACCOUNT``,
``FLAG_RATE_PER_ACCOUNT``); only while
the account is within its own limit does it count against its IP address too
(``…_RATE_PER_IP``), so one busy account cannot use up a shared address. The
per-IP rates are high enough for a class of 60 behind one address (a school's
NAT). Sign-ups, log-ins and password-reset requests have no account yet and
are limited per IP. Addresses in ``TRUSTED_NETWORKS`` skip every per-IP limit;
per-account limits still hold there.

**Counters** (django-ratelimit) live in the ``ratelimit`` cache: shared by all
processes, apart from the page cache, so neither a second worker nor a flood
of pages can reset them. By default that is the database cache table
(``CounterCache``, created by ``migrate``); with ``REDIS_URL``, Redis.

**Log-in**: django-axes counts wrong passwords per account in the database.
After ``LOGIN_FAILURES_PER_ACCOUNT`` the account refuses log-ins, without
checking the password, for ``LOGIN_COOL_OFF_MINUTES``; each further round of
failures within a day doubles the wait (at most a day). Refused attempts do
not prolong the wait, so nobody can keep someone else's account locked by
hammering it. Log-in attempts are also limited per IP (``LOGIN_RATE_PER_IP``).

Rates look like "30/h" and are read from settings (and so the environment)
at each request.
"""

import ipaddress
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone
from django_ratelimit.core import is_ratelimited

LONGEST_COOL_OFF = timedelta(days=1)
USERNAME_MAX_LENGTH = 150  # django.contrib.auth's User.username


# --- who is asking ------------------------------------------------------------------------------


def client_ip(request):
    """The client's address: ``REMOTE_ADDR``, or behind a proxy the header ``RATELIMIT_IP_META_KEY`` names.

    Of a list (X-Forwarded-For) the last address counts: the one the proxy
    itself saw, which a client cannot forge. Anything that is not an address
    falls back to ``REMOTE_ADDR``.
    """
    forwarded = request.META.get(settings.CLIENT_IP_META_KEY) or ""
    for candidate in (forwarded.split(",")[-1].strip(), request.META.get("REMOTE_ADDR") or ""):
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return "0.0.0.0"


def trusted_networks():
    return [ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_NETWORKS]


def is_trusted(request):
    """Whether the request comes from a network exempt from per-IP limits (a school's address)."""
    address = ipaddress.ip_address(client_ip(request))
    return any(address in network for network in trusted_networks())


# --- counters -----------------------------------------------------------------------------------


class CounterCache(DatabaseCache):
    """The database cache table, with an increment no two processes can interleave.

    django-ratelimit counts with ``add`` then ``incr``; Django's database cache
    increments by a read and a write, which two workers could both do at once
    and count one. Here the row is locked first (PostgreSQL), or the
    transaction holds SQLite's write lock from its start (IMMEDIATE mode).
    """

    def incr(self, key, delta=1, version=None):
        alias = router.db_for_write(self.cache_model_class)
        connection = connections[alias]
        with transaction.atomic(using=alias):
            if connection.features.has_select_for_update:
                table = connection.ops.quote_name(self._table)
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"SELECT cache_key FROM {table} WHERE cache_key = %s FOR UPDATE",  # noqa: S608 - our table
                        [self.make_and_validate_key(key, version=version)],
                    )
            return super().incr(key, delta, version)


def _counted(request, *, group, key, rate):
    """Count this request in ``group``; True when it is over ``rate`` (None: not limited)."""
    if rate is None:
        return False
    return is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)


def _per_ip(request, *, group, rate):
    return not is_trusted(request) and _counted(request, group=f"{group}:ip", key="ip", rate=rate)


def _per_account_then_ip(request, *, group, per_account, per_ip):
    if _counted(request, group=f"{group}:account", key="user", rate=per_account):
        return True
    return _per_ip(request, group=group, rate=per_ip)


def contribution_limited(request):
    """Count one contribution (any POST that would write); True when the account or the IP is over its rate."""
    return _per_account_then_ip(
        request, group="contribute",
        per_account=settings.CONTRIBUTION_RATE_PER_ACCOUNT, per_ip=settings.CONTRIBUTION_RATE_PER_IP,
    )


def preview_limited(request):
    """Count one Markdown preview of the editor (sent as the contributor pauses typing)."""
    return _per_account_then_ip(
        request, group="preview", per_account=settings.PREVIEW_RATE_PER_ACCOUNT, per_ip=settings.PREVIEW_RATE_PER_IP,
    )


def flag_limited(request):
    """Count one reader's flag on a published note or correction."""
    return _per_account_then_ip(
        request, group="flag", per_account=settings.FLAG_RATE_PER_ACCOUNT, per_ip=settings.FLAG_RATE_PER_IP,
    )


def signup_limited(request):
    return _per_ip(request, group="signup", rate=settings.SIGNUP_RATE_PER_IP)


def login_limited(request):
    """Log-in attempts per IP, right or wrong (wrong ones per account are django-axes' part, below)."""
    return _per_ip(request, group="login", rate=settings.LOGIN_RATE_PER_IP)


def password_reset_limited(request):
    """Reset requests per IP: each one sends an email, so the form must not become a mail cannon."""
    return _per_ip(request, group="password-reset", rate=settings.PASSWORD_RESET_RATE_PER_IP)


# --- log-in lockouts (django-axes) --------------------------------------------------------------


class LoginLockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first of ``AUTHENTICATION_BACKENDS``: a locked account is refused before its password is read.

    A log-in without a request (a script's or a test's ``authenticate``) has
    no attacker on the other end and no address to count: it is let through
    to the next backend.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


def login_username(request, credentials):
    """settings.AXES_USERNAME_CALLABLE: the account a log-in attempt is for, as django-axes records it.

    Cut to the longest user name an account can have: the log-in forms do not
    check the length, and a longer one (no account has it) would not fit the
    record.
    """
    username = (credentials or {}).get("username") if credentials else _posted_username(request)
    return (username or "")[:USERNAME_MAX_LENGTH] or None


def login_failure_limit(request, credentials):
    """settings.AXES_FAILURE_LIMIT: wrong passwords an account takes before it is locked."""
    return settings.LOGIN_FAILURES_PER_ACCOUNT


def login_cool_off(request):
    """settings.AXES_COOLOFF_TIME: how long a locked account waits; doubled for each earlier round within a day."""
    from axes.models import AccessFailureLog

    base = timedelta(minutes=settings.LOGIN_COOL_OFF_MINUTES)
    username = _posted_username(request)
    if not username:
        return base
    failures = AccessFailureLog.objects.filter(
        username=username, attempt_time__gte=timezone.now() - LONGEST_COOL_OFF
    ).count()
    # A failure being recorded is logged after its wait is set: count it already.
    rounds = (failures + 1) // settings.LOGIN_FAILURES_PER_ACCOUNT
    return min(base * 2 ** min(max(rounds - 1, 0), 16), LONGEST_COOL_OFF)


def _posted_username(request):
    if request is None or request.method != "POST":
        return ""
    return request.POST.get("username", "")[:USERNAME_MAX_LENGTH]
