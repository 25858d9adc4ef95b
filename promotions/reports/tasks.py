"""Background work for reports: plain functions that call a service, safe to run twice
(declared in config/schedules.py)."""

from __future__ import annotations

from promotions.reports.alerts import alerts_evaluate as _alerts_evaluate


def alerts_evaluate() -> dict[str, int]:
    """Every minute: open and resolve alert incidents (promotions.reports.alerts)."""
    return _alerts_evaluate()
