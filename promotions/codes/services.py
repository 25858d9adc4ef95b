"""Coupon codes of offer promotions: the pool, the claim at entry and the shop's redemption.

A claim is ``SELECT ... FOR UPDATE SKIP LOCKED`` then ``UPDATE ... WHERE person_id IS
NULL``, and ``(promotion, person)`` is unique.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.campaigns.models import Promotion
from promotions.codes.models import CouponCode
from promotions.codes.rules import CodeImport, code_normalize, codes_generate, codes_sort
from promotions.entries.eligibility import Refusal
from promotions.entries.models import Entry
from promotions.entries.refusals import refuse


def code_claim(*, entry: Entry, at: datetime) -> CouponCode:
    """Hand the entrant a code nobody holds. ``SKIP LOCKED`` lets concurrent claimants take
    different codes; the ``WHERE person_id IS NULL`` update makes a code go to one person."""
    free = CouponCode.objects.filter(promotion_id=entry.promotion_id, person__isnull=True)
    for _attempt in range(200):
        code = free.select_for_update(skip_locked=True).order_by("id").first()
        if code is None:
            if not free.exists():
                break
            time.sleep(0.01)  # every free code is being claimed right now: look again
            continue
        if CouponCode.objects.filter(pk=code.pk, person__isnull=True).update(
            person=entry.person, entry=entry, claimed_at=at
        ):
            code.person, code.entry, code.claimed_at = entry.person, entry, at
            return code
    raise refuse(
        [Refusal("codes_exhausted", _("All codes have been claimed. Thank you for your interest!"))]
    )


@transaction.atomic
def code_pool_import(*, promotion: Promotion, codes: Iterable[str]) -> CodeImport:
    """Add codes to an offer promotion's pool (``promotions.codes.rules``: normalised,
    checked). Codes already in a pool of the brand are reported, never added twice; other
    brands' codes are neither seen nor told."""
    if promotion.kind != Promotion.Kind.OFFER:
        raise ValidationError(_("Only offer promotions have a code pool."))
    typed = codes_sort(codes)
    brand_id = promotion.campaign.brand_id
    in_brand = CouponCode.objects.filter(brand_id=brand_id)
    existing = set(in_brand.filter(code__in=typed.wanted).values_list("code", flat=True))
    fresh = [c for c in typed.wanted if c not in existing]
    CouponCode.objects.bulk_create(
        [CouponCode(brand_id=brand_id, promotion=promotion, code=c) for c in fresh],
        ignore_conflicts=True,  # a code another import of the brand adds at this moment
    )
    added = set(promotion.codes.filter(code__in=fresh).values_list("code", flat=True))
    return typed.import_result(taken=existing | (set(fresh) - added))


def code_pool_generate(
    *, promotion: Promotion, count: int, length: int = 10, prefix: str = ""
) -> int:
    """Generate ``count`` random codes (``promotions.codes.rules``) into the pool."""
    return codes_generate(
        count=count,
        prefix=prefix,
        length=length,
        add=lambda batch: code_pool_import(promotion=promotion, codes=batch).created,
    )


class CodeNotRedeemable(ValidationError):
    pass


@transaction.atomic
def promotion_code_redeem(
    *, brand_id: int, code: str, reference: str, at: datetime | None = None
) -> CouponCode:
    """For the shop: mark a claimed code of the brand used by an order (``reference``, e.g.
    the order id).

    A code is redeemed once: a conditional UPDATE (``WHERE redeemed_at IS NULL``) decides.
    Redeeming again with the same reference returns the code unchanged (a retried webhook);
    ``CodeNotRedeemable`` when the code is unknown, was never handed out, or was already
    used by another order.
    """
    at = at or timezone.now()
    normalized = code_normalize(code)
    reference = reference.strip()[:80]
    if not reference:
        raise CodeNotRedeemable(_("Say which order redeems the code."))
    obj = CouponCode.objects.filter(brand_id=brand_id, code=normalized).first()
    if obj is None or obj.person_id is None:
        raise CodeNotRedeemable(_("This code is not valid."))
    if CouponCode.objects.filter(pk=obj.pk, redeemed_at__isnull=True).update(
        redeemed_at=at, redemption_ref=reference
    ):
        obj.redeemed_at, obj.redemption_ref = at, reference
        return obj
    obj.refresh_from_db()
    if obj.redemption_ref == reference:
        return obj
    raise CodeNotRedeemable(_("This code has already been used."))
