"""Background work for draws: plain functions that call a service, safe to run twice
(declared in config/schedules.py)."""

from __future__ import annotations

import logging

from promotions.draws.services import draws_commit_due as _draws_commit_due

logger = logging.getLogger(__name__)


def draws_commit_due() -> int:
    """Every live sweepstakes has its draw committed (seed hash on the page) well before
    entries close, even one that has no entry yet."""
    made = _draws_commit_due()
    if made:
        logger.info("promotions: committed %d draw(s)", made)
    return made
