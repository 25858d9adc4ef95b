"""For the shop: a promotion's coupon code, looked up by its text."""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from promotions.codes.models import CouponCode


class PromotionCodeClaim(NamedTuple):
    promotion_id: int
    entrant_id: int
    claimed_at: datetime


def promotion_code_lookup(*, code: str) -> PromotionCodeClaim | None:
    """For the shop: the offer promotion, entrant and claim time of a code that a
    promotion handed out; None for an unknown code or one never handed out.

    Codes are unique across promotions and looked up case-insensitively (spaces ignored).
    Whether it was already used is ``CouponCode.redeemed_at``; mark use with
    ``promotions.codes.services.promotion_code_redeem(code=..., reference=<order id>)``.
    """
    normalized = "".join(code.split()).upper()
    if not normalized or len(normalized) > 40:
        return None
    row = (
        CouponCode.objects.filter(code=normalized, person__isnull=False)
        .values_list("promotion_id", "person_id", "claimed_at")
        .first()
    )
    if row is None or row[2] is None:
        return None
    return PromotionCodeClaim(promotion_id=row[0], entrant_id=row[1], claimed_at=row[2])
