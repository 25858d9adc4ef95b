"""For the shop: a promotion's coupon code, looked up by its text; for admin: a code
pool's counts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from django.db.models import Count, Q

from promotions.campaigns.models import Promotion
from promotions.codes.models import CouponCode
from promotions.codes.rules import code_is_valid, code_normalize


class PromotionCodeClaim(NamedTuple):
    promotion_id: int
    entrant_id: int
    claimed_at: datetime


def promotion_code_lookup(*, brand_id: int, code: str) -> PromotionCodeClaim | None:
    """For the brand's shop: the offer promotion, entrant and claim time of a code that a
    promotion of the brand handed out; None for an unknown code or one never handed out.

    Codes are unique within a brand and looked up case-insensitively (spaces ignored).
    Whether it was already used is ``CouponCode.redeemed_at``; an order marks its use with
    ``promotions.codes.services.promotion_code_redeem``.
    """
    normalized = code_normalize(code)
    if not code_is_valid(normalized):
        return None
    row = (
        CouponCode.objects.filter(brand_id=brand_id, code=normalized, person__isnull=False)
        .values_list("promotion_id", "person_id", "claimed_at")
        .first()
    )
    if row is None or row[2] is None:
        return None
    return PromotionCodeClaim(promotion_id=row[0], entrant_id=row[1], claimed_at=row[2])


@dataclass(frozen=True)
class CodePoolCounts:
    total: int
    claimed: int  # handed out to a person
    redeemed: int  # used in the shop


def code_pool_counts(*, promotion: Promotion) -> CodePoolCounts:
    """How many codes an offer's pool holds, has handed out and has seen used (one query)."""
    counts = promotion.codes.aggregate(
        total=Count("pk"),
        claimed=Count("pk", filter=Q(person__isnull=False)),
        redeemed=Count("pk", filter=Q(redeemed_at__isnull=False)),
    )
    return CodePoolCounts(**counts)
