"""Reads of checkout: a cart as the customer would buy it now, and its quote."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
    check that counts. Refusals are written in the active language.
    """
    at = at or timezone.now()
    if not items:
        raise CartInvalid(
            _("Your cart is empty."), fields={"items": [_("Add at least one product.")]}
        )
    quantities: dict[int, int] = {}
    for item in items:
        quantities[item.variant_id] = quantities.get(item.variant_id, 0) + item.quantity
    if len(quantities) > MAX_CART_LINES:
        count = {"count": MAX_CART_LINES}
        raise CartInvalid(
            ngettext(
                "A cart holds at most %(count)s different product.",
                "A cart holds at most %(count)s different products.",
                MAX_CART_LINES,
            )
            % count,
            fields={
                "items": [
                    ngettext("At most %(count)s line.", "At most %(count)s lines.", MAX_CART_LINES)
                    % count
                ]
            },
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
            _("Some products in your cart do not exist in this shop."),
            fields={"items": [_("Unknown product variant %(id)s.") % {"id": pk} for pk in unknown]},
        )
    market_prices = (
        variant_prices_get(variants=list(variants.values()), currency=currency) if currency else {}
    )
    per_product: dict[int, int] = {}  # max_per_order counts a product's variants together
    for variant_id, quantity in quantities.items():
        product_id = variants[variant_id].product_id
        per_product[product_id] = per_product.get(product_id, 0) + quantity
    lines: list[PricedLine] = []
    for variant_id, quantity in quantities.items():
        variant = variants[variant_id]
        product = variant.product
        if not variant.is_active or not product.is_on_sale(at):
            raise CartInvalid(
                _("%(variant)s is not on sale any more.") % {"variant": variant},
                code="unavailable",
                fields={"items": [_("%(variant)s is not on sale.") % {"variant": variant}]},
            )
        if per_product[product.pk] > product.max_per_order:
            most = {"count": product.max_per_order, "product": product.title}
            raise CartInvalid(
                ngettext(
                    "You can buy at most %(count)s of %(product)s at once.",
                    "You can buy at most %(count)s of %(product)s at once.",
                    product.max_per_order,
                )
                % most,
                fields={
                    "items": [
                        ngettext(
                            "At most %(count)s of %(product)s.",
                            "At most %(count)s of %(product)s.",
                            product.max_per_order,
                        )
                        % most
                    ]
                },
            )
        if variant.stock < quantity:
            left = {"count": variant.stock, "variant": variant}
            raise SoldOut(
                _("%(variant)s is sold out.") % left
                if variant.stock == 0
                else ngettext(
                    "Only %(count)s left of %(variant)s.",
                    "Only %(count)s left of %(variant)s.",
                    variant.stock,
                )
                % left,
                fields={
                    "items": [
                        ngettext(
                            "%(variant)s: %(count)s left.",
                            "%(variant)s: %(count)s left.",
                            variant.stock,
                        )
                        % left
                    ]
                },
            )
        if currency:
            if variant_id not in market_prices:
                where = {"variant": variant, "currency": currency}
                raise CartInvalid(
                    _("%(variant)s is not sold in your country (prices here are in %(currency)s).")
                    % where,
                    code="not_sold_here",
                    fields={"items": [_("%(variant)s has no price in %(currency)s.") % where]},
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
            _("Products priced in different currencies cannot be bought together."),
            fields={
                "items": [
                    _("Currencies: %(currencies)s.") % {"currencies": ", ".join(sorted(currencies))}
                ]
            },
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
