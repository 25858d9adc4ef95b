"""Writes of offers for the codes promotions hand out from their own pool: the shop keeps a
single-use twin that carries the counts, and tells the promotion when its order is paid."""

from __future__ import annotations

import logging
from datetime import datetime

from django.utils.translation import gettext as _

from promotions.codes.services import CodeNotRedeemable, promotion_code_redeem
from promotions.models import Brand, CouponCode
from shop.errors import CodeRefused
from shop.models import Code, Offer, Order, Redemption

logger = logging.getLogger(__name__)


def coupon_twin_get_or_create(*, brand: Brand, offer: Offer, coupon: CouponCode | None) -> Code:
    """The shop's single-use twin of a code a promotion handed out: it carries the counts
    (held, released, confirmed) like any shop code. Created at its first checkout."""
    if coupon is None:
        raise CodeRefused(_("This code does not exist."), code="code_unknown")
    code, _created = Code.objects.get_or_create(
        brand=brand,
        code=coupon.code,
        defaults={
            "offer": offer,
            "max_uses": 1,
            "entry_id": coupon.entry_id,
            "issued_at": coupon.claimed_at,
            "promotion_coupon": True,
        },
    )
    return code


def coupon_redeem(*, order: Order, at: datetime) -> None:
    """Tell the promotion its coupon was used by this (paid) order; a retry is a no-op."""
    redemption = Redemption.objects.select_related("code").filter(order=order).first()
    if redemption is None or not redemption.code.promotion_coupon:
        return
    try:
        promotion_code_redeem(
            brand_id=redemption.code.brand_id,
            code=redemption.code.code,
            reference=str(order.token),
            at=at,
        )
    except CodeNotRedeemable as exc:
        logger.error("shop: coupon %s of order %s: %s", redemption.code.code, order.pk, exc)
