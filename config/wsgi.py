"""WSGI entry point (granian serves ``config.wsgi:application``).

Tracking's ``/t/*`` endpoints are answered in front of Django (tracking/wsgi_fastpath.py).
"""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

django_application = get_wsgi_application()

from django.urls import get_resolver  # noqa: E402  (needs django.setup())

from tracking.wsgi_fastpath import tracking_fastpath  # noqa: E402

application = tracking_fastpath(django_application)

# What is loaded now lives as long as the process. Import every view module (the URLconf)
# and move all of it out of the cyclic garbage collector's reach: otherwise each full
# collection rescans some 140k long-lived objects, about 15% of a partner batch's CPU.
get_resolver().url_patterns  # noqa: B018
gc.freeze()
