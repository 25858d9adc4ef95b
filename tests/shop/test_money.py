"""Amounts are integers of the currency's minor units, as Stripe counts them: cents, yen,
and the thousandths of the dinars."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from shop.checkout.pricing import discount_amount
from shop.models import Offer, Price, Variant
from shop.money import charge_step, charge_step_check, format_money, minimum_charge, to_major
from tests.factories import BrandFactory, ProductFactory


@pytest.mark.parametrize(
    ("amount", "currency", "major", "english", "arabic"),
    [
        (2199, "EUR", Decimal("21.99"), "€21.99", None),
        (500, "JPY", Decimal("500"), "¥500", None),
        (5120, "KWD", Decimal("5.120"), "KWD5.120", "\u200f5.120\xa0د.ك.\u200f"),
        (12345, "TND", Decimal("12.345"), "TND12.345", None),
        # CLDR writes forints whole; Stripe charges them in hundredths (4990 Ft less 15 %)
        (424150, "HUF", Decimal("4241.50"), "HUF4,241.50", "\u200f4,241.50\xa0HUF"),
        (499000, "HUF", Decimal("4990.00"), "HUF4,990.00", None),
        (50000, "ISK", Decimal("500.00"), "ISK500", None),  # charged in whole krónur
    ],
)
def test_minor_units_read_as_the_currency_says(amount, currency, major, english, arabic):
    assert to_major(amount, currency) == major
    assert format_money(amount, currency, language="en") == english
    if arabic:
        assert format_money(amount, currency, language="ar") == arabic


@pytest.mark.parametrize(
    ("currency", "step"), [("KWD", 10), ("tnd", 10), ("ISK", 100), ("EUR", 1), ("JPY", 1)]
)
def test_what_stripe_charges_in(currency, step):
    assert charge_step(currency) == step
    assert charge_step_check(5 * step, currency) == ""


@pytest.mark.parametrize(
    ("currency", "smallest"),
    [
        ("EUR", 50),  # 0.50 €
        ("gbp", 30),
        ("JPY", 50),  # ¥50, no minor units
        ("HUF", 17500),  # 175 Ft
        ("KWD", 170),  # 0.170 KWD: about USD 0.50, not 0.050
        ("TND", 1700),
        ("ISK", 7500),
        ("XCD", 50),  # any other two-decimal currency: half its major unit
    ],
)
def test_the_smallest_card_payment_is_stripe_s_for_the_currency(currency, smallest):
    assert minimum_charge(currency) == smallest
    assert minimum_charge(currency) % charge_step(currency) == 0  # itself chargeable


def test_a_percentage_off_a_dinar_total_still_ends_in_zero():
    offer = Offer(kind=Offer.Kind.PERCENT, percent_off=15)

    # 15% of 5.120 KWD is 0.768: 0.770 off, 4.350 to pay; of 50.00 EUR exactly 7.50
    assert discount_amount(offer, 5120, charge_step("KWD")) == 770
    assert discount_amount(offer, 5000, charge_step("EUR")) == 750
    assert discount_amount(Offer(kind=Offer.Kind.PERCENT, percent_off=33), 999) == 330


@pytest.mark.django_db
def test_prices_and_amounts_off_stripe_cannot_charge_are_refused_with_the_amount_to_type():
    brand = BrandFactory()
    product = ProductFactory(brand=brand, price=5124, currency="KWD")
    price = Price(product=product, currency="ISK", amount=50050)
    variant = Variant(product=product, name="Gold", price=5125)
    offer = Offer(brand=brand, kind=Offer.Kind.AMOUNT, amount_off=1005, currency="JOD")

    for thing, field, typed in (
        (product, "price", 5120),
        (price, "amount", 50100),
        (variant, "price", 5130),
    ):
        with pytest.raises(ValidationError) as refused:
            thing.full_clean()
        assert f"type {typed}." in refused.value.message_dict[field][0]
    with pytest.raises(ValidationError) as refused:
        offer.clean()
    assert refused.value.message_dict["amount_off"] == [
        "Stripe charges JOD in steps of 10 minor units: type 1010."
    ]
