"""Background work for draws: plain functions that call a service, safe to run twice
(declared in config/schedules.py)."""

from __future__ import annotations

import logging

from promotions.claims.services import draws_run_due as _draws_run_due
from promotions.draws.services import draws_commit_due as _draws_commit_due

logger = logging.getLogger(__name__)


def draws_commit_due() -> int:
    """Every live sweepstakes has its draw committed (seed hash on the page) well before
    entries close, even one that has no entry yet."""
    made = _draws_commit_due()
    if made:
        logger.info("promotions: committed %d draw(s)", made)
    return made


def draws_run_due() -> int:
    """Every committed sweepstakes draw is made once, its promotion's grace after entries
    close; its winners' claims are opened and they and the managers are told."""
    made = _draws_run_due()
    if made:
        logger.info("promotions: made %d draw(s)", made)
    return made
