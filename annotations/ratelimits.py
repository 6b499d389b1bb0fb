"""
Rate limits on contributions and sign-ups (django-ratelimit).

Counters live in the default cache: per process without REDIS_URL, shared
between servers with it. Rates come from settings (and so from the
environment): ``CONTRIBUTION_RATE_PER_ACCOUNT``, ``CONTRIBUTION_RATE_PER_IP``,
``SIGNUP_RATE_PER_IP``, ``LOGIN_RATE_PER_IP``, ``PASSWORD_RESET_RATE_PER_IP``,
``FLAG_RATE_PER_ACCOUNT``, ``FLAG_RATE_PER_IP``, each like "30/h".
"""

from django.conf import settings
from django_ratelimit.core import is_ratelimited


def _counted(request, *, group, key, rate):
    return is_ratelimited(request, group=group, key=key, rate=rate, method="POST", increment=True)


def contribution_limited(request):
    """Count one contribution (any POST that would write); True when the account or the IP is over its rate."""
    by_account = _counted(request, group="contribute:account", key="user", rate=settings.CONTRIBUTION_RATE_PER_ACCOUNT)
    by_ip = _counted(request, group="contribute:ip", key="ip", rate=settings.CONTRIBUTION_RATE_PER_IP)
    return by_account or by_ip


def signup_limited(request):
    return _counted(request, group="signup:ip", key="ip", rate=settings.SIGNUP_RATE_PER_IP)


def login_rate(group, request):
    """For the log-in view's decorator: read at request time, so tests and the environment can change it."""
    return settings.LOGIN_RATE_PER_IP


def password_reset_rate(group, request):
    """Reset requests per IP: each one sends an email, so the form must not become a mail cannon."""
    return settings.PASSWORD_RESET_RATE_PER_IP


def flag_limited(request):
    """Count one flag; True when the account or the IP is over its rate (``FLAG_RATE_PER_ACCOUNT``, ``…_PER_IP``)."""
    by_account = _counted(request, group="flag:account", key="user", rate=settings.FLAG_RATE_PER_ACCOUNT)
    by_ip = _counted(request, group="flag:ip", key="ip", rate=settings.FLAG_RATE_PER_IP)
    return by_account or by_ip
