"""Prices and discounts, computed on the server only, in integer minor units.

Pure functions over loaded rows: the quote a page shows and the amount an order charges
come from the same ``cart_price`` call.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from shop.models import Offer, Variant
from shop.money import charge_step


@dataclass
class PricedLine:
    variant: Variant
    quantity: int
    unit_price: int
    discount: int = 0

    @property
    def subtotal(self) -> int:
        return self.unit_price * self.quantity

    @property
    def total(self) -> int:
        return self.subtotal - self.discount


@dataclass
class Priced:
    currency: str
    lines: list[PricedLine] = field(default_factory=list)

    @property
    def subtotal(self) -> int:
        return sum(line.subtotal for line in self.lines)

    @property
    def discount(self) -> int:
        return sum(line.discount for line in self.lines)

    @property
    def total(self) -> int:
        return self.subtotal - self.discount


def eligible_lines(offer: Offer, lines: Sequence[PricedLine]) -> list[PricedLine]:
    """The lines an offer takes off from: all of them, or those of its products."""
    product_ids = {p.pk for p in offer.products.all()}
    if not product_ids:
        return list(lines)
    return [line for line in lines if line.variant.product_id in product_ids]


def discount_amount(offer: Offer, base: int, step: int = 1) -> int:
    """What ``offer`` takes off ``base`` (minor units); percentages round half up, to a
    whole ``step`` (``money.charge_step``: a total in dinars still ends in 0)."""
    if offer.kind == Offer.Kind.PERCENT:
        exact = base * int(offer.percent_off or 0)
        return min(base, (exact + 50 * step) // (100 * step) * step)
    return min(base, int(offer.amount_off or 0))


def discount_allocate(total: int, lines: Sequence[PricedLine]) -> None:
    """Spread ``total`` over ``lines`` in proportion to their subtotals (largest remainder),
    so that line discounts add up to the order's exactly and none exceeds its line."""
    base = sum(line.subtotal for line in lines)
    if not lines or base == 0:
        return
    shares = [(total * line.subtotal) // base for line in lines]
    remainders = sorted(range(len(lines)), key=lambda i: (-((total * lines[i].subtotal) % base), i))
    for i in remainders[: total - sum(shares)]:
        shares[i] += 1
    for line, share in zip(lines, shares, strict=True):
        line.discount = share


def cart_price(lines: Sequence[PricedLine], currency: str, offer: Offer | None) -> Priced:
    priced = Priced(currency=currency, lines=list(lines))
    if offer is not None:
        eligible = eligible_lines(offer, priced.lines)
        base = sum(line.subtotal for line in eligible)
        amount = discount_amount(offer, base, charge_step(currency))
        discount_allocate(amount, eligible)
    return priced
