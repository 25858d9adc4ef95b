"""All-time totals per promotion, read straight from the daily rollups: what tests of the
capture path compare with what they sent (reports read through ``tracking.selectors``)."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Max, Sum

from tracking.models import COUNT_FIELDS, DailyRollup
from tracking.selectors import Stats


def promotion_totals(*, promotion_ids: Iterable[int]) -> dict[int, Stats]:
    """Impressions, clicks, CTR... of each promotion with any event, over all days."""
    found = (
        DailyRollup.objects.filter(promotion_id__in=list(promotion_ids))
        .values("promotion_id")
        .annotate(**{c: Sum(c) for c in COUNT_FIELDS}, currency_=Max("currency"))
    )
    return {
        r["promotion_id"]: Stats(
            **{c: int(r[c] or 0) for c in COUNT_FIELDS}, currency=r["currency_"] or ""
        )
        for r in found
    }
