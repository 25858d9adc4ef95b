"""Reads of the shop: catalog pages, carts and codes as a customer would see them, orders,
and sales per promotion for reports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import formats, timezone

from promotions.codes.selectors import promotion_code_lookup
from promotions.models import Brand, CouponCode
from shop.errors import CartInvalid, CodeRefused, SoldOut
from shop.models import Code, Offer, OfferCustomerUsage, Order, Product, Variant
from shop.money import format_money
from shop.pricing import Priced, PricedLine, cart_price, eligible_lines

MAX_CART_LINES = 20


@dataclass(frozen=True)
class CartItem:
    variant_id: int
    quantity: int


@dataclass
class Quote:
    priced: Priced
    match: CodeMatch | None

    @property
    def offer(self) -> Offer | None:
        return self.match.offer if self.match else None


def customer_key(email: str) -> str:
    """Who a per-customer cap counts: the email, trimmed and lower-cased."""
    return email.strip().lower()


def code_normalize(text: str) -> str:
    return "".join(text.split()).upper()


# --- Catalog ---------------------------------------------------------------------------


def brand_get_for_shop(*, brand_slug: str) -> Brand:
    brand = Brand.objects.filter(slug=brand_slug).first()
    if brand is None:
        raise Http404("No such shop.")
    return brand


def _active_variants() -> Any:
    return Prefetch("variants", queryset=Variant.objects.filter(is_active=True))


def product_list_for_shop(
    *, brand: Brand, at: datetime | None = None, limit: int | None = None
) -> list[Product]:
    """Products on sale now, with their active variants and images (three queries)."""
    products = list(
        Product.objects.on_sale(at)
        .filter(brand=brand)
        .prefetch_related(_active_variants(), "images")[:limit]
    )
    for product in products:
        product.brand = brand  # their links need its slug
    return products


def product_get_for_page(*, brand: Brand, slug: str, at: datetime | None = None) -> Product:
    product = (
        Product.objects.on_sale(at)
        .filter(brand=brand, slug=slug)
        .prefetch_related(_active_variants(), "images")
        .first()
    )
    if product is None or not product.variants.all():
        raise Http404("This product is not on sale.")
    product.brand = brand
    return product


def brand_has_shop(*, brand_id: int, at: datetime | None = None) -> bool:
    return Product.objects.on_sale(at).filter(brand_id=brand_id).exists()


def order_get_for_page(*, brand: Brand, token: uuid.UUID | str) -> Order:
    order = (
        Order.objects.filter(brand=brand, token=token)
        .prefetch_related("lines")
        .select_related("redemption__code")
        .first()
    )
    if order is None:
        raise Http404("No such order.")
    order.brand = brand
    return order


# --- Carts and codes ---------------------------------------------------------------------


def cart_load(*, brand: Brand, items: Sequence[CartItem], at: datetime | None = None) -> Priced:
    """The cart priced at list prices; refuses what cannot be bought, with a reason.

    Stock is checked here only to answer early: the reservation in ``order_create`` is the
    check that counts.
    """
    at = at or timezone.now()
    if not items:
        raise CartInvalid("Your cart is empty.", fields={"items": ["Add at least one product."]})
    quantities: dict[int, int] = {}
    for item in items:
        quantities[item.variant_id] = quantities.get(item.variant_id, 0) + item.quantity
    if len(quantities) > MAX_CART_LINES:
        raise CartInvalid(
            f"A cart holds at most {MAX_CART_LINES} different products.",
            fields={"items": [f"At most {MAX_CART_LINES} lines."]},
        )
    variants = {
        v.pk: v
        for v in Variant.objects.select_related("product").filter(
            pk__in=list(quantities), product__brand=brand
        )
    }
    unknown = sorted(set(quantities) - set(variants))
    if unknown:
        raise CartInvalid(
            "Some products in your cart do not exist in this shop.",
            fields={"items": [f"Unknown product variant {pk}." for pk in unknown]},
        )
    lines: list[PricedLine] = []
    for variant_id, quantity in quantities.items():
        variant = variants[variant_id]
        product = variant.product
        if not variant.is_active or not product.is_on_sale(at):
            raise CartInvalid(
                f"{variant} is not on sale any more.",
                code="unavailable",
                fields={"items": [f"{variant} is not on sale."]},
            )
        if quantity > product.max_per_order:
            raise CartInvalid(
                f"You can buy at most {product.max_per_order} of {product.title} at once.",
                fields={"items": [f"At most {product.max_per_order} of {product.title}."]},
            )
        if variant.stock < quantity:
            raise SoldOut(
                f"{variant} is sold out."
                if variant.stock == 0
                else f"Only {variant.stock} left of {variant}.",
                fields={"items": [f"{variant}: {variant.stock} left."]},
            )
        lines.append(PricedLine(variant=variant, quantity=quantity, unit_price=variant.unit_price))
    currencies = {line.variant.product.currency for line in lines}
    if len(currencies) > 1:
        raise CartInvalid(
            "Products priced in different currencies cannot be bought together.",
            fields={"items": [f"Currencies: {', '.join(sorted(currencies))}."]},
        )
    return Priced(currency=currencies.pop(), lines=lines)


def _when(at: datetime, brand: Brand) -> str:
    return formats.date_format(timezone.localtime(at, brand.tzinfo), "j F Y, H:i")


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


def _promotion_coupon(brand: Brand, text: str) -> CodeMatch | None:
    """A code a promotion of this brand handed out (``promotion_code_lookup``: claimed codes
    only), with the brand's offer for that promotion; None when either is missing."""
    claim = promotion_code_lookup(code=text)
    if claim is None:
        return None
    offer = (
        Offer.objects.prefetch_related("products")
        .filter(brand=brand, promotion_id=claim.promotion_id)
        .order_by("-is_active", "-ends_at", "-id")
        .first()
    )
    coupon = CouponCode.objects.filter(code=text).first()
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
        raise CodeRefused("This code does not exist.", code="code_unknown")
    offer = match.offer
    if not offer.is_active:
        raise CodeRefused("This code is no longer valid.", code="code_inactive")
    if at < offer.starts_at:
        raise CodeRefused(
            f"This code is valid from {_when(offer.starts_at, brand)}.", code="code_not_yet_valid"
        )
    if at >= offer.ends_at:
        raise CodeRefused(
            f"This code expired on {_when(offer.ends_at, brand)}.", code="code_expired"
        )
    used = (
        code is not None and code.max_uses is not None and code.times_used >= code.max_uses
    ) or (match.coupon is not None and match.coupon.redeemed_at is not None)
    if used:
        raise CodeRefused("This code has already been used.", code="code_used", status=409)
    if offer.max_redemptions is not None and offer.redemptions_count >= offer.max_redemptions:
        raise CodeRefused("This offer has been fully redeemed.", code="offer_used_up", status=409)
    if offer.max_per_customer is not None:
        uses = (
            OfferCustomerUsage.objects.filter(offer=offer, customer_key=customer_key(email))
            .values_list("uses", flat=True)
            .first()
        )
        if uses is not None and uses >= offer.max_per_customer:
            raise CodeRefused(
                "You have already used this code.", code="code_used_by_customer", status=409
            )
    if offer.kind == Offer.Kind.AMOUNT and offer.currency != priced.currency:
        raise CodeRefused(
            f"This code is for purchases in {offer.currency}.", code="code_wrong_currency"
        )
    if not eligible_lines(offer, priced.lines):
        raise CodeRefused(
            "This code does not apply to the products in your cart.", code="code_not_applicable"
        )
    return match


def cart_quote(
    *,
    brand: Brand,
    items: Sequence[CartItem],
    code_text: str = "",
    email: str = "",
    at: datetime | None = None,
) -> Quote:
    """What the customer would pay: the same computation the order charges."""
    at = at or timezone.now()
    priced = cart_load(brand=brand, items=items, at=at)
    match = None
    if code_text.strip():
        match = code_check(brand=brand, text=code_text, email=email, priced=priced, at=at)
    offer = match.offer if match else None
    return Quote(priced=cart_price(priced.lines, priced.currency, offer), match=match)


def quote_as_dict(quote: Quote) -> dict[str, object]:
    p = quote.priced
    return {
        "currency": p.currency,
        "subtotal": p.subtotal,
        "discount": p.discount,
        "total": p.total,
        "display": {
            "subtotal": format_money(p.subtotal, p.currency),
            "discount": format_money(p.discount, p.currency),
            "total": format_money(p.total, p.currency),
        },
        "offer": {"name": quote.offer.name, "benefit": quote.offer.benefit_label}
        if quote.offer
        else None,
    }


# --- Reports -------------------------------------------------------------------------


@dataclass(frozen=True)
class PromotionSales:
    promotion_id: int
    currency: str
    orders: int
    revenue: int  # minor units, net of refunds


def promotion_sales(
    *, promotion_ids: Iterable[int], since: datetime | None = None, until: datetime | None = None
) -> list[PromotionSales]:
    """Paid orders and revenue per attributed promotion (and currency), for reports; the
    conversion rate is orders / clicks of the same promotion (tracking's rollups)."""
    qs: QuerySet[Order] = Order.objects.filter(
        promotion_id__in=list(promotion_ids),
        status__in=[Order.Status.PAID, Order.Status.REFUNDED],
    )
    if since is not None:
        qs = qs.filter(paid_at__gte=since)
    if until is not None:
        qs = qs.filter(paid_at__lt=until)
    rows = (
        qs.values("promotion_id", "currency")
        .annotate(orders=Count("id"), gross=Sum("total"), refunded=Sum("refunded_amount"))
        .order_by("promotion_id", "currency")
    )
    return [
        PromotionSales(
            promotion_id=r["promotion_id"],
            currency=r["currency"],
            orders=r["orders"],
            revenue=(r["gross"] or 0) - (r["refunded"] or 0),
        )
        for r in rows
    ]


def orders_paid_for_offer(*, offer: Offer) -> int:
    return Order.objects.filter(
        Q(redemption__offer=offer), status__in=[Order.Status.PAID, Order.Status.REFUNDED]
    ).count()
