"""Reads of offers and codes: whether a typed code may be used on a cart (refused in the
active language), what an offer takes off as the customer reads it, and the counts the
admin shows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.campaigns.zones import moment_format
from promotions.codes.rules import code_normalize
from promotions.codes.selectors import promotion_code_lookup
from promotions.models import Brand, CouponCode
from shop.checkout.pricing import Priced, eligible_lines
from shop.errors import CodeRefused
from shop.models import Code, Offer, OfferCustomerUsage
from shop.money import format_money


def customer_key(email: str) -> str:
    """Who a per-customer cap counts: the email, trimmed and lower-cased."""
    return email.strip().lower()


@dataclass(frozen=True)
class CodeMatch:
    """What a typed code is: the shop's own ``code``, or a ``coupon`` a promotion handed out
    from its pool (promotions.CouponCode), and the shop ``offer`` that says what it takes off."""

    offer: Offer
    code: Code | None = None
    coupon: CouponCode | None = None

    @property
    def text(self) -> str:
        return self.code.code if self.code is not None else self.coupon.code if self.coupon else ""

    @property
    def entry_id(self) -> int | None:
        if self.code is not None:
            return self.code.entry_id
        return self.coupon.entry_id if self.coupon is not None else None


def _when(at: datetime, brand: Brand) -> str:
    """The moment in the brand's time zone, written the active language's way."""
    return moment_format(at, brand.tzinfo)


def _promotion_coupon(brand: Brand, text: str) -> CodeMatch | None:
    """A code a promotion of this brand handed out (``promotion_code_lookup``: claimed codes
    only), with the brand's offer for that promotion; None when either is missing."""
    claim = promotion_code_lookup(brand_id=brand.pk, code=text)
    if claim is None:
        return None
    offer = (
        Offer.objects.prefetch_related("products")
        .filter(brand=brand, promotion_id=claim.promotion_id)
        .order_by("-is_active", "-ends_at", "-id")
        .first()
    )
    coupon = CouponCode.objects.filter(brand=brand, code=text).first()
    if offer is None or coupon is None:
        return None
    return CodeMatch(offer=offer, coupon=coupon)


def code_check(
    *,
    brand: Brand,
    text: str,
    email: str,
    priced: Priced,
    at: datetime | None = None,
) -> CodeMatch:
    """The offer and code ``text`` names, if this customer may use it on this cart now;
    ``CodeRefused`` with the reason otherwise. The caps are checked again, atomically,
    when the order holds the redemption."""
    at = at or timezone.now()
    normalized = code_normalize(text)
    code = (
        Code.objects.select_related("offer")
        .prefetch_related("offer__products")
        .filter(brand=brand, code=normalized)
        .first()
    )
    match = CodeMatch(offer=code.offer, code=code) if code else _promotion_coupon(brand, normalized)
    if match is None:
        raise CodeRefused(_("This code does not exist."), code="code_unknown")
    offer = match.offer
    if not offer.is_active:
        raise CodeRefused(_("This code is no longer valid."), code="code_inactive")
    if at < offer.starts_at:
        raise CodeRefused(
            _("This code is valid from %(moment)s.") % {"moment": _when(offer.starts_at, brand)},
            code="code_not_yet_valid",
        )
    if at >= offer.ends_at:
        raise CodeRefused(
            _("This code expired on %(moment)s.") % {"moment": _when(offer.ends_at, brand)},
            code="code_expired",
        )
    used = (
        code is not None and code.max_uses is not None and code.times_used >= code.max_uses
    ) or (match.coupon is not None and match.coupon.redeemed_at is not None)
    if used:
        raise CodeRefused(_("This code has already been used."), code="code_used", status=409)
    if offer.max_redemptions is not None and offer.redemptions_count >= offer.max_redemptions:
        raise CodeRefused(
            _("This offer has been fully redeemed."), code="offer_used_up", status=409
        )
    if offer.max_per_customer is not None:
        uses = (
            OfferCustomerUsage.objects.filter(offer=offer, customer_key=customer_key(email))
            .values_list("uses", flat=True)
            .first()
        )
        if uses is not None and uses >= offer.max_per_customer:
            raise CodeRefused(
                _("You have already used this code."), code="code_used_by_customer", status=409
            )
    if offer.kind == Offer.Kind.AMOUNT and offer.currency != priced.currency:
        raise CodeRefused(
            _("This code is for purchases in %(currency)s.") % {"currency": offer.currency},
            code="code_wrong_currency",
        )
    if not eligible_lines(offer, priced.lines):
        raise CodeRefused(
            _("This code does not apply to the products in your cart."),
            code="code_not_applicable",
        )
    return match


def offer_benefit_get(*, offer: Offer) -> str:
    """What the offer takes off, as the customer reads it in the active language ("10% off",
    "€5.00 off"); admin shows ``Offer.benefit_label``, in English."""
    if offer.kind == Offer.Kind.PERCENT:
        return _("%(percent)s%% off") % {"percent": offer.percent_off}
    return _("%(amount)s off") % {"amount": format_money(offer.amount_off or 0, offer.currency)}


@dataclass(frozen=True)
class OfferCodeCounts:
    total: int
    issued: int
    used: int


def offer_code_counts(*, offer: Offer) -> OfferCodeCounts:
    """How many codes an offer has, how many were handed out and how many used (one query)."""
    counts = Code.objects.filter(offer=offer).aggregate(
        total=Count("id"),
        issued=Count("id", filter=Q(issued_at__isnull=False)),
        used=Count("id", filter=Q(times_used__gt=0)),
    )
    return OfferCodeCounts(total=counts["total"], issued=counts["issued"], used=counts["used"])
