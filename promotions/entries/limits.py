"""Rate limits per browser and per person on consumer actions (entering, voting, signing in),
counted by tracking's one fixed-window counter (``tracking.counters``), both in one round
trip."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from promotions.entrants.models import Person
from promotions.entries.eligibility import Refusal
from promotions.entries.refusals import Refused
from promotions.entries.senders import Sender
from tracking import counters


def rate_limit_or_refuse(*, scope: str, sender: Sender | None, person: Person | None) -> None:
    """Refuse (429) past the scope's rate per browser and per person, and, for the scopes
    ``PROMOTIONS_IP_RATES`` names (sending email), past a much higher ceiling per address:
    the browser's device cookie is the client's to change, the address is not (it stays
    high because a carrier puts many people behind one)."""
    rate = settings.PROMOTIONS_RATES[scope]
    keys = []
    if sender is not None:
        keys.append(f"v:{sender.viewer_hash}")
    if person is not None:
        keys.append(f"p:{person.pk}")
    wait = counters.rate_limit_many(scope=f"promotions:{scope}", keys=keys, rate=rate)
    ip_rate = settings.PROMOTIONS_IP_RATES.get(scope)
    if not wait and ip_rate and sender is not None and sender.ip:
        wait = counters.rate_limit(scope=f"promotions:{scope}", key=f"ip:{sender.ip}", rate=ip_rate)
    if wait:
        message = _("Too many attempts. Please wait %(s)d seconds and try again.") % {"s": wait}
        raise Refused([Refusal("rate_limited", message)], status=429, retry_after=wait)
