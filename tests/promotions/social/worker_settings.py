"""Settings of the django-q worker that test_worker.py starts: the test's database and
Redis database, tasks really queued (not run in the caller)."""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES, Q_CLUSTER

DATABASES["default"]["NAME"] = os.environ["SOCIAL_WORKER_DATABASE_NAME"]
Q_CLUSTER = {**Q_CLUSTER, "sync": False, "workers": 1, "queue_limit": 1, "poll": 0.1}
