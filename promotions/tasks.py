"""Background work of the promotions app: plain functions that call a service, safe to run
twice (declared in config/schedules.py)."""

from __future__ import annotations

import logging

from promotions import services

logger = logging.getLogger(__name__)


def draws_commit_due() -> int:
    """Every live sweepstakes has its draw committed (seed hash on the page) well before
    entries close, even one that has no entry yet."""
    made = services.draws_commit_due()
    if made:
        logger.info("promotions: committed %d draw(s)", made)
    return made


def alerts_evaluate() -> dict[str, int]:
    """Every minute: open and resolve alert incidents (promotions.alerts)."""
    from promotions import alerts

    return alerts.alerts_evaluate()
