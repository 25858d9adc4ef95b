"""Settings of the processes test_scaleout.py starts: the test's database and stream."""

import os

from config.settings.test import *  # noqa: F403
from config.settings.test import DATABASES

DATABASES["default"]["NAME"] = os.environ["SCALEOUT_DATABASE_NAME"]
TRACKING_STREAM = os.environ["SCALEOUT_STREAM"]
