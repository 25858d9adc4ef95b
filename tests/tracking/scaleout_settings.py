"""Settings of the processes that test_scaleout.py and test_postgres_restart.py start: the
test's database and stream (from SCALEOUT_DATABASE_NAME and SCALEOUT_STREAM)."""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

DATABASES["default"]["NAME"] = os.environ["SCALEOUT_DATABASE_NAME"]
TRACKING_STREAM = os.environ["SCALEOUT_STREAM"]
