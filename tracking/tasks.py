"""Background tasks of the tracking app: plain functions, safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from tracking.models import ApiKey

logger = logging.getLogger(__name__)


def api_keys_log_expiring(days: int = 7) -> int:
    """Warn (in the worker log) about usable keys that expire within ``days``."""
    now = timezone.now()
    expiring = ApiKey.objects.usable(now).filter(expires_at__lte=now + timedelta(days=days))
    for key in expiring:
        logger.warning("API key %s (%s) expires at %s", key.prefix, key.name, key.expires_at)
    return len(expiring)
