"""Production settings plus a trivial Django view to compare the beacon with (make bench)."""

import os

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
TRACKING_STREAM = os.environ.get("BENCH_STREAM", "bench:tracking:events")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
