"""Money is an integer number of minor units plus an ISO 4217 currency, everywhere.

Only presentation (templates, the Conversions API, which wants major units) converts.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.validators import RegexValidator

currency_validator = RegexValidator(r"^[A-Z]{3}$", "A currency is three capital letters (EUR).")

# Currencies Stripe charges without minor units (https://docs.stripe.com/currencies).
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}

# Stripe refuses charges below about 0.50 of the major unit; 50 minor units is the common
# floor (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
MINIMUM_CHARGE = {"GBP": 30, "JPY": 50}
DEFAULT_MINIMUM_CHARGE = 50


def exponent(currency: str) -> int:
    return 0 if currency.upper() in ZERO_DECIMAL else 2


def to_major(amount: int, currency: str) -> Decimal:
    """12345 EUR -> Decimal("123.45"); 500 JPY -> Decimal("500")."""
    return Decimal(amount).scaleb(-exponent(currency))


def format_money(amount: int, currency: str) -> str:
    """A short human form: ``€12.50``, ``¥500``, ``12.50 SEK``."""
    major = to_major(amount, currency)
    text = f"{major:,.{exponent(currency)}f}"
    symbol = SYMBOLS.get(currency.upper())
    return f"{symbol}{text}" if symbol else f"{text} {currency.upper()}"


def minimum_charge(currency: str) -> int:
    return MINIMUM_CHARGE.get(currency.upper(), DEFAULT_MINIMUM_CHARGE)
