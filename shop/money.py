"""Money is an integer number of minor units plus an ISO 4217 currency, everywhere.

Only presentation (templates, the Conversions API, which wants major units) converts.
"""

from __future__ import annotations

from copy import copy
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, get_currency_precision
from django.conf import settings
from django.core.validators import RegexValidator
from django.utils import translation
from django.utils.translation import gettext as _

currency_validator = RegexValidator(r"^[A-Z]{3}$", "A currency is three capital letters (EUR).")

# Currencies Stripe charges without minor units (https://docs.stripe.com/currencies).
ZERO_DECIMAL = frozenset(
    {"BIF", "CLP", "DJF", "GNF", "JPY", "KMF", "KRW", "MGA"}
    | {"PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF"}
)

# Stripe's smallest charge per currency, in major units (docs.stripe.com/currencies,
# "Minimum and maximum charge amounts"). Another currency's is USD 0.50 converted at the
# day's rate: the second group is that at 2025's rates with a margin of about a tenth,
# and any other currency's is taken as half its major unit. Below it the cart says so,
# instead of Stripe refusing the payment as if the card were wrong.
MINIMUM_CHARGE_MAJOR = {
    **dict.fromkeys(("USD", "AUD", "BRL", "CAD", "CHF", "EUR", "INR", "NZD", "SGD"), "0.50"),
    **{"GBP": "0.30", "AED": "2", "BGN": "1", "CZK": "15", "DKK": "2.50", "HKD": "4"},
    **{"HUF": "175", "JPY": "50", "MXN": "10", "MYR": "2", "NOK": "3", "PLN": "2"},
    **{"RON": "2", "SEK": "3", "THB": "10"},
    **{"BHD": "0.210", "JOD": "0.390", "KWD": "0.170", "OMR": "0.210", "TND": "1.700"},
    **{"ISK": "75", "KRW": "750", "TRY": "20", "ZAR": "10", "ILS": "2", "SAR": "2"},
}
# The largest: an amount of at most eight digits (99999999 is 999,999.99 USD).
MAXIMUM_CHARGE = 99_999_999


# Dinars and the Omani rial have 1,000 minor units (fils, baisa, millimes): 5120 is 5.120.
THREE_DECIMAL = frozenset({"BHD", "JOD", "KWD", "OMR", "TND"})


# What Stripe charges in: three-decimal amounts end in 0 (5.120 KWD, not 5.124), and
# Icelandic krónur are whole (ISK keeps two decimals in the API: 500 is 5 kr).
CHARGE_STEP = {**dict.fromkeys(THREE_DECIMAL, 10), "ISK": 100}


def charge_step(currency: str) -> int:
    """The minor units a charge in ``currency`` is a multiple of (1 for most)."""
    return CHARGE_STEP.get(currency.upper(), 1)


def charge_step_check(amount: int | None, currency: str) -> str:
    """'' when ``amount`` can be charged as it is; otherwise what to type instead."""
    step = charge_step(currency)
    if amount is None or amount % step == 0:
        return ""
    return _("Stripe charges %(currency)s in steps of %(step)d minor units: type %(amount)d.") % {
        "currency": currency.upper(),
        "step": step,
        "amount": (amount + step // 2) // step * step,
    }


def exponent(currency: str) -> int:
    """How many decimals the currency's minor units stand for (what Stripe counts in)."""
    code = currency.upper()
    return 0 if code in ZERO_DECIMAL else 3 if code in THREE_DECIMAL else 2


def to_major(amount: int, currency: str) -> Decimal:
    """12345 EUR -> Decimal("123.45"); 500 JPY -> Decimal("500")."""
    return Decimal(amount).scaleb(-exponent(currency))


@lru_cache(maxsize=64)
def _locale(language: str) -> Locale:
    try:
        return Locale.parse(translation.to_locale(language))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _decimals(currency: str) -> int:
    """The decimals an amount is written with: CLDR's for the currency, but never fewer
    than a charge can have (CLDR writes HUF, COP and IDR whole, Stripe charges them in
    hundredths: 4241.50 Ft; ISK it charges in whole krónur, as CLDR writes them)."""
    step_digits = len(str(charge_step(currency))) - 1  # a step of 10: the last digit is 0
    return max(get_currency_precision(currency), exponent(currency) - step_digits)


def format_money(amount: int, currency: str, *, language: str | None = None) -> str:
    """The amount as the active language writes it (Babel's ``format_currency``, CLDR
    data): ``€12.50`` in English, ``12,50 €`` in French, ``¥500``, ``HUF4,241.50``, with
    every decimal charged (``_decimals``). ``language`` overrides the active one (an email
    in the entrant's language)."""
    locale = _locale(language or translation.get_language() or settings.LANGUAGE_CODE)
    code = currency.upper()
    pattern = copy(locale.currency_formats["standard"])
    pattern.frac_prec = (_decimals(code),) * 2
    return format_currency(
        to_major(amount, code), code, format=pattern, locale=locale, currency_digits=False
    )


def format_money_range(
    lowest: int, highest: int, currency: str, *, language: str | None = None
) -> str:
    """``€20.00`` and ``€30.00`` joined by an en dash, or ``€20.00`` when they
    agree: what a product's variants cost."""
    low = format_money(lowest, currency, language=language)
    if highest == lowest:
        return low
    return f"{low}\u2013{format_money(highest, currency, language=language)}"


def minimum_charge(currency: str) -> int:
    """The smallest amount (minor units) a card payment in ``currency`` can be."""
    code = currency.upper()
    if code in MINIMUM_CHARGE_MAJOR:
        return int(Decimal(MINIMUM_CHARGE_MAJOR[code]).scaleb(exponent(code)))
    return 50 if code in ZERO_DECIMAL else 10 ** exponent(code) // 2
