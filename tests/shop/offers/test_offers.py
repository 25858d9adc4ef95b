"""Offers and codes: discounts on a cart, the offer's benefit, the shop's code pool."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from shop.checkout.pricing import PricedLine, cart_price
from shop.checkout.selectors import CartItem, cart_quote
from shop.models import Offer
from shop.offers.codes import codes_generate, codes_import
from tests.factories import CodeFactory, OfferFactory, ProductFactory


def lines(*subtotals: int, product=None):
    variant = product.variants.get()
    return [PricedLine(variant=variant, quantity=1, unit_price=s) for s in subtotals]


def test_percent_off_rounds_half_up_and_spreads_exactly_over_lines(shop):
    offer = OfferFactory(brand=shop.brand, percent_off=15)

    priced = cart_price(lines(1999, 999, 1, product=shop.product), "EUR", offer)

    # 15% of 29.99 = 4.4985 -> 4.50
    assert (priced.subtotal, priced.discount, priced.total) == (2999, 450, 2549)
    assert [line.discount for line in priced.lines] == [300, 150, 0]


def test_amount_off_never_exceeds_what_it_applies_to(shop):
    buds = ProductFactory(brand=shop.brand, slug="buds", price=500)
    offer = OfferFactory(
        brand=shop.brand, kind="amount", percent_off=None, amount_off=800, currency="EUR"
    )
    offer.products.set([buds])

    quote = cart_quote(
        brand=shop.brand,
        items=[
            CartItem(variant_id=shop.variant.pk, quantity=1),
            CartItem(variant_id=buds.variants.get().pk, quantity=1),
        ],
        code_text=CodeFactory(offer=offer).code,
    )

    assert (quote.priced.subtotal, quote.priced.discount, quote.priced.total) == (2500, 500, 2000)
    assert [(line.variant.product.slug, line.discount) for line in quote.priced.lines] == [
        ("case", 0),
        ("buds", 500),
    ]


def test_the_offer_checks_its_benefit(shop):
    offer = Offer(
        brand=shop.brand,
        name="x",
        kind=Offer.Kind.AMOUNT,
        starts_at=shop.promotion.starts_at,
        ends_at=shop.promotion.ends_at,
    )

    with pytest.raises(ValidationError) as error:
        offer.full_clean()

    assert error.value.message_dict == {
        "amount_off": ["Say how much is off, in minor units."],
        "currency": ["An amount off needs its currency."],
    }


def test_a_shared_offer_has_one_code(shop):
    offer = OfferFactory(brand=shop.brand, code_type=Offer.CodeType.SHARED)

    assert codes_import(offer=offer, codes=["welcome5"]).created == 1
    with pytest.raises(ValidationError):
        codes_import(offer=offer, codes=["another"])
    with pytest.raises(ValidationError):
        codes_generate(offer=offer, count=5)
