"""All-time totals per promotion, read straight from the daily rollups: what tests of the
capture path compare with what they sent (reports read through ``tracking.selectors``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Sum

from tracking.models import COUNT_FIELDS, DailyRollup
from tracking.selectors import Stats


def promotion_totals(*, promotion_ids: Iterable[int]) -> dict[int, Stats]:
    """Impressions, clicks, CTR... of each promotion with any event, over all days; revenue
    per currency (a rollup row per currency)."""
    found = (
        DailyRollup.objects.filter(promotion_id__in=list(promotion_ids))
        .values("promotion_id", "currency")
        .annotate(**{c: Sum(c) for c in COUNT_FIELDS})
    )
    totals: dict[int, Stats] = {}
    for r in found:
        revenue = {r["currency"]: int(r["revenue"])} if r["currency"] and r["orders"] else {}
        stats = Stats(
            **{c: int(r[c] or 0) for c in COUNT_FIELDS if c != "revenue"},
            revenue_by_currency=revenue,
        )
        pid = r["promotion_id"]
        totals[pid] = totals[pid] + stats if pid in totals else stats
    return totals
