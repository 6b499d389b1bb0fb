import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "essay_site.settings")

application = get_wsgi_application()
# Requests are built without decoding by a charset the client names (see annotations/middleware.py).
from annotations.middleware import GuardedWSGIRequest  # noqa: E402 - needs Django set up first

application.request_class = GuardedWSGIRequest
