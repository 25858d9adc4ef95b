"""Amounts are integers of the currency's minor units, as Stripe counts them: cents, yen,
and the thousandths of the dinars."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shop.money import format_money, to_major


@pytest.mark.parametrize(
    ("amount", "currency", "major", "english", "arabic"),
    [
        (2199, "EUR", Decimal("21.99"), "€21.99", None),
        (500, "JPY", Decimal("500"), "¥500", None),
        (5120, "KWD", Decimal("5.120"), "KWD5.120", "\u200f5.120\xa0د.ك.\u200f"),
        (12345, "TND", Decimal("12.345"), "TND12.345", None),
    ],
)
def test_minor_units_read_as_the_currency_says(amount, currency, major, english, arabic):
    assert to_major(amount, currency) == major
    assert format_money(amount, currency, language="en") == english
    if arabic:
        assert format_money(amount, currency, language="ar") == arabic
