"""Reads of checkout: a cart as the customer would buy it now, and its quote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from promotions.models import Brand
from shop.catalog.selectors import variant_prices_get
from shop.checkout.pricing import Priced, PricedLine, cart_price
from shop.errors import CartInvalid, SoldOut
from shop.models import Offer, Variant
from shop.offers.selectors import CodeMatch, code_check

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


def cart_get(
    *,
    brand: Brand,
    items: Sequence[CartItem],
    at: datetime | None = None,
    currency: str | None = None,
) -> Priced:
    """The cart priced at list prices; refuses what cannot be bought, with a reason.

    ``currency`` is the visitor's market's (``market_currency_get``): every line is priced
    in it (``variant_prices_get``) and a product without a price there is refused. Without
    a market (None), products are priced in their own currency, one currency per cart.
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
    market_prices = (
        variant_prices_get(variants=list(variants.values()), currency=currency) if currency else {}
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
        if currency:
            if variant_id not in market_prices:
                raise CartInvalid(
                    f"{variant} is not sold in your country (prices here are in {currency}).",
                    code="not_sold_here",
                    fields={"items": [f"{variant} has no price in {currency}."]},
                )
            lines.append(
                PricedLine(variant=variant, quantity=quantity, unit_price=market_prices[variant_id])
            )
            continue
        lines.append(PricedLine(variant=variant, quantity=quantity, unit_price=variant.unit_price))
    if currency:
        return Priced(currency=currency, lines=lines)
    currencies = {line.variant.product.currency for line in lines}
    if len(currencies) > 1:
        raise CartInvalid(
            "Products priced in different currencies cannot be bought together.",
            fields={"items": [f"Currencies: {', '.join(sorted(currencies))}."]},
        )
    return Priced(currency=currencies.pop(), lines=lines)


def cart_quote(
    *,
    brand: Brand,
    items: Sequence[CartItem],
    code_text: str = "",
    email: str = "",
    at: datetime | None = None,
    currency: str | None = None,
) -> Quote:
    """What the customer would pay (in their market's ``currency`` when they have one):
    the same computation the order charges."""
    at = at or timezone.now()
    priced = cart_get(brand=brand, items=items, at=at, currency=currency)
    match = None
    if code_text.strip():
        match = code_check(brand=brand, text=code_text, email=email, priced=priced, at=at)
    offer = match.offer if match else None
    return Quote(priced=cart_price(priced.lines, priced.currency, offer), match=match)
