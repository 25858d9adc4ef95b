"""Reads for marketers and partners beyond the promotion pages: pseudonymous entrant ids,
dashboards (CTR over time, funnel, comparison, campaign lift) and the live wall's snapshot.

Counts of impressions, clicks, entries, orders and revenue come from tracking's rollups
(``tracking.selectors``): orders are recorded there by the shop, so this module never
imports the shop.
"""

from __future__ import annotations

import hashlib
import hmac

from django.utils.crypto import salted_hmac


def entrant_pseudonym(*, brand_id: int, person_id: int) -> str:
    """A stable pseudonym of a person within one brand: HMAC-SHA256 of the person's id
    under a key derived from SECRET_KEY for that brand (so ids differ between brands)."""
    brand_key = salted_hmac(
        "promotions.entrant-pseudonym", str(brand_id), algorithm="sha256"
    ).digest()
    digest = hmac.new(brand_key, str(person_id).encode(), hashlib.sha256).hexdigest()
    return f"ent_{digest[:32]}"
