"""WSGI entry point (granian serves ``config.wsgi:application``).

Tracking's ``/t/*`` endpoints are answered in front of Django (tracking/wsgi_fastpath.py).
"""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

django_application = get_wsgi_application()

from tracking.wsgi_fastpath import tracking_fastpath  # noqa: E402  (needs django.setup())

application = tracking_fastpath(django_application)
