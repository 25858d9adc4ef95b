"""Rate limits per browser and per person on consumer actions (entering, voting, signing in)."""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from promotions.entrants.models import Person
from promotions.entries.eligibility import Refusal
from promotions.entries.refusals import Refused
from promotions.entries.senders import Sender

logger = logging.getLogger(__name__)


def _parse_rate(rate: str) -> tuple[int, int]:
    count, _sep, period = rate.partition("/")
    seconds = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400}
    return int(count), seconds[period]


def rate_limit_hit(*, scope: str, key: str, rate: str) -> int:
    """Count one action of ``key`` in a fixed window; the seconds to wait when over the rate
    (0 when allowed). A cache outage lets the action through rather than failing it."""
    limit, window = _parse_rate(rate)
    now = int(time.time())
    bucket = now // window
    cache_key = f"promotions:rl:{scope}:{key}:{bucket}"
    try:
        count = 1 if cache.add(cache_key, 1, window + 5) else cache.incr(cache_key)
    except Exception as exc:  # cache down: never a 5xx for the consumer
        logger.warning("promotions: rate limit cache unavailable: %s", exc)
        return 0
    if count > limit:
        return (bucket + 1) * window - now
    return 0


def rate_limit_or_refuse(*, scope: str, sender: Sender | None, person: Person | None) -> None:
    rate = settings.PROMOTIONS_RATES[scope]
    keys = []
    if sender is not None:
        keys.append(f"v:{sender.viewer_hash}")
    if person is not None:
        keys.append(f"p:{person.pk}")
    for key in keys:
        wait = rate_limit_hit(scope=scope, key=key, rate=rate)
        if wait:
            message = _("Too many attempts. Please wait %(s)d seconds and try again.") % {"s": wait}
            raise Refused([Refusal("rate_limited", message)], status=429, retry_after=wait)
