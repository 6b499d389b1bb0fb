"""gunicorn's settings for the edition: `make serve` and deploy/edition.service use this file.

Anything here can be overridden on the command line or with gunicorn's own
GUNICORN_CMD_ARGS (e.g. GUNICORN_CMD_ARGS="--access-logfile -" to log every request).
"""

import ctypes
import os
import signal

wsgi_app = "essay_site.wsgi"
bind = [os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")]
# Sync workers: the edition's pages are CPU-bound renders or cache hits.
workers = int(os.environ.get("WEB_CONCURRENCY") or (2 * (os.cpu_count() or 1) + 1))
timeout = 30
graceful_timeout = 20  # a stop lets requests in flight finish, then systemd's KillMode=mixed ends the rest
max_requests = 5000  # recycle workers now and then (memory), not all at once
max_requests_jitter = 500
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "warning").lower()

_PR_SET_PDEATHSIG = 1


def post_fork(server, worker):
    """A worker dies with its master: if the master is killed (kill -9, an OOM kill), the kernel
    sends the worker SIGTERM at once, so no orphan keeps the port and serves a stale process."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
