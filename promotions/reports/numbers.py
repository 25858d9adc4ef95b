"""How numbers read in reports, dashboards and alerts: one way to write a percentage, a
ratio for CSV and an amount of money, and one sign for "no value"."""

from __future__ import annotations

NO_VALUE = "\N{EN DASH}"  # no impressions yet, nothing to divide by


def percent(value: float | None, *, digits: int = 1, signed: bool = False) -> str:
    """``0.153`` → ``"15.3%"`` (``signed``: ``"+15.3%"``); None → an en dash (``NO_VALUE``)."""
    if value is None:
        return NO_VALUE
    sign = "+" if signed else ""
    return f"{value * 100:{sign}.{digits}f}%"


def ratio(value: float | None) -> str:
    """A ratio for CSV exports: six decimals, None as an empty cell."""
    return "" if value is None else f"{value:.6f}"


def money(amount: int, currency: str) -> str:
    """Minor units with their currency: ``449900, "EUR"`` → ``"4,499.00 EUR"``."""
    return f"{amount / 100:,.2f} {currency}".strip() if currency else f"{amount / 100:,.2f}"
