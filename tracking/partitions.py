"""Monthly partitions of the raw event table (PostgreSQL only; a no-op elsewhere)."""

from __future__ import annotations

import logging
from datetime import date

from django.db import connection

logger = logging.getLogger(__name__)


def _month(d: date, add: int) -> date:
    m = d.year * 12 + d.month - 1 + add
    return date(m // 12, m % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"tracking_event_y{month.year}m{month.month:02d}"


def event_partitions_ensure(*, months_ahead: int = 3, today: date | None = None) -> int:
    """Create the partitions of this month and the next ``months_ahead``; returns how many
    were created. A month whose rows already sit in the default partition is left alone
    (and logged): moving them is an operator's decision (docs/operations.md)."""
    if connection.vendor != "postgresql":
        return 0
    today = today or date.today()
    created = 0
    with connection.cursor() as cursor:
        for add in range(months_ahead + 1):
            lo, hi = _month(today, add), _month(today, add + 1)
            name = partition_name(lo)
            cursor.execute("SELECT to_regclass(%s)", [name])
            if cursor.fetchone()[0] is not None:
                continue
            cursor.execute(
                "SELECT EXISTS (SELECT 1 FROM tracking_event_default WHERE ts >= %s AND ts < %s)",
                [lo, hi],
            )
            if cursor.fetchone()[0]:
                logger.error("tracking: rows for %s are in the default partition", name)
                continue
            cursor.execute(
                f"CREATE TABLE IF NOT EXISTS {name} PARTITION OF tracking_event "
                f"FOR VALUES FROM ('{lo.isoformat()} 00:00+00') TO ('{hi.isoformat()} 00:00+00')"
            )
            created += 1
    return created
