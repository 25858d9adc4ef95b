"""Reads of the tracking app: partner API key lookup, and reports (impressions, unique
viewers, clicks, CTR with its Wilson interval, conversions, invalid events) read from the
rollups only, so their cost grows with promotions x hours, never with raw events."""

from __future__ import annotations

import hmac
import math
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from django.conf import settings
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncDate

from tracking import stream
from tracking.models import (
    COUNT_FIELDS,
    ApiKey,
    BreakdownRollup,
    DailyRollup,
    DailyUnique,
    HourlyRollup,
    InvalidRollup,
    ViewerScope,
)
from tracking.services import KEY_PREFIX, api_key_hash
from tracking.zones import STORE_MAX_AGE_SECONDS, brand_zones


def api_key_get_by_token(token: str) -> ApiKey | None:
    """The key a bearer token names, whether or not it is still usable; None if none does."""
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    # One query for the key and its brands (one row per brand; the key's columns repeat),
    # as every partner request needs both.
    rows = list(
        ApiKey.objects.filter(prefix=parts[1])
        .annotate(scoped_brand_id=F("brands__id"))
        .order_by("scoped_brand_id")
    )
    if not rows or not hmac.compare_digest(rows[0].hashed_secret, api_key_hash(parts[2])):
        return None
    key = rows[0]
    brand_ids = [r.scoped_brand_id for r in rows if r.scoped_brand_id is not None]
    key._brand_ids = brand_ids  # type: ignore[attr-defined]  # read by api_key_brand_id_list
    return key


def api_key_brand_id_list(key: ApiKey) -> list[int]:
    cached: list[int] | None = getattr(key, "_brand_ids", None)
    if cached is None:
        cached = list(key.brands.values_list("id", flat=True))
        key._brand_ids = cached  # type: ignore[attr-defined]
    return cached


# --- Reports ----------------------------------------------------------------------------

Level = Literal["promotion", "campaign", "brand"]
TimeIncrement = Literal["1", "7", "monthly", "all_days"]
LEVELS: tuple[Level, ...] = ("promotion", "campaign", "brand")
BREAKDOWNS = ("country", "device", "source", "language")
Z_95 = 1.959963984540054


def wilson_interval(successes: int, trials: int, z: float = Z_95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion (95% by default); None without trials."""
    if trials <= 0:
        return None
    k = min(successes, trials)
    p = k / trials
    z2 = z * z
    denominator = 1 + z2 / trials
    centre = (p + z2 / (2 * trials)) / denominator
    half = z * math.sqrt(p * (1 - p) / trials + z2 / (4 * trials * trials)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Stats:
    """Counts of valid events (invalid ones apart) and what is computed from them.

    Revenue is kept per currency (``revenue_by_currency``, minor units): amounts in two
    currencies are never added. ``revenue`` and ``currency`` are that revenue when it is in
    one currency; with several, ``revenue`` is 0 and ``currency`` empty (``mixed_currency``
    says so); without orders, 0 and empty.
    """

    impressions: int = 0
    clicks: int = 0
    invalid_impressions: int = 0
    invalid_clicks: int = 0
    entries: int = 0
    orders: int = 0
    unique_viewers: int | None = None
    revenue_by_currency: Mapping[str, int] = field(default_factory=dict)

    @property
    def mixed_currency(self) -> bool:
        return len(self.revenue_by_currency) > 1

    @property
    def currency(self) -> str:
        return next(iter(self.revenue_by_currency)) if len(self.revenue_by_currency) == 1 else ""

    @property
    def revenue(self) -> int:
        return next(iter(self.revenue_by_currency.values())) if self.currency else 0

    @property
    def invalid_events(self) -> int:
        return self.invalid_impressions + self.invalid_clicks

    @property
    def ctr(self) -> float | None:
        """Valid clicks per valid impression; None without impressions."""
        return self.clicks / self.impressions if self.impressions else None

    @property
    def ctr_interval(self) -> tuple[float, float] | None:
        return wilson_interval(self.clicks, self.impressions)

    @property
    def conversion_rate(self) -> float | None:
        """Entries and orders per valid click; None without clicks."""
        return (self.entries + self.orders) / self.clicks if self.clicks else None

    def __add__(self, other: Stats) -> Stats:
        viewers = (
            None
            if self.unique_viewers is None and other.unique_viewers is None
            else (self.unique_viewers or 0) + (other.unique_viewers or 0)
        )
        return Stats(
            **{c: getattr(self, c) + getattr(other, c) for c in TALLY_FIELDS},
            unique_viewers=viewers,
            revenue_by_currency=_revenue_add(self.revenue_by_currency, other.revenue_by_currency),
        )


# The counts a Stats adds as plain numbers (revenue is added per currency).
TALLY_FIELDS = tuple(c for c in COUNT_FIELDS if c != "revenue")


def _revenue_add(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    total = dict(a)
    for currency, amount in b.items():
        total[currency] = total.get(currency, 0) + amount
    return dict(sorted(total.items()))


def _stats_from(counts: Mapping[str, int], revenue: Mapping[str, int], **extra: Any) -> Stats:
    """Stats from summed rollup rows; a currency is listed once it has orders."""
    return Stats(
        **{c: int(counts[c]) for c in TALLY_FIELDS},
        revenue_by_currency=dict(sorted(revenue.items())),
        **extra,
    )


@dataclass(frozen=True)
class StatsRow:
    """One report row: its level id, breakdown values, date range and stats."""

    level: Level
    id: int
    campaign_id: int | None
    brand_id: int
    date_start: date
    date_stop: date
    stats: Stats
    breakdown: dict[str, str] = field(default_factory=dict)


def _bounds(since: date, until: date, zone: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(since, datetime.min.time(), zone).astimezone(UTC)
    end = datetime.combine(until + timedelta(days=1), datetime.min.time(), zone).astimezone(UTC)
    return start, end


def _bucket(day: date, since: date, until: date, increment: TimeIncrement) -> tuple[date, date]:
    """The (date_start, date_stop) of the row a day falls in."""
    if increment == "all_days":
        return since, until
    if increment == "1":
        return day, day
    if increment == "7":
        start = since + timedelta(days=(day - since).days // 7 * 7)
        return start, min(start + timedelta(days=6), until)
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return max(first, since), min(following - timedelta(days=1), until)


def _level_field(level: Level) -> str:
    return f"{level}_id"


def _sum_counts() -> dict[str, Any]:
    return {c: Sum(c) for c in COUNT_FIELDS}


def stats_row_list(
    *,
    level: Level,
    since: date,
    until: date,
    timezone: str,
    time_increment: TimeIncrement = "all_days",
    brand_ids: Iterable[int],
    promotion_ids: Iterable[int] | None = None,
    campaign_ids: Iterable[int] | None = None,
    breakdowns: Sequence[str] = (),
) -> list[StatsRow]:
    """Report rows of the brands ``brand_ids`` (the caller's scope) at ``level``, from
    ``since`` to ``until`` inclusive, days read in ``timezone`` (the brand's IANA name).

    Filters narrow to ``promotion_ids`` / ``campaign_ids``; ``breakdowns`` splits rows by
    country, device, source and/or language (then ``unique_viewers`` is None: viewers are
    counted per promotion, campaign and brand only; so too when the filters narrow a row
    below its level). Rows with no events are left out.
    Unique viewers are distinct per day and summed over a row's days: a viewer's hash
    changes every day.
    """
    zone = zoneinfo.ZoneInfo(timezone)
    start, end = _bounds(since, until, zone)
    brand_ids = list(brand_ids)
    breakdowns = [b for b in BREAKDOWNS if b in breakdowns]
    daily = not breakdowns and _stored_in_zone(brand_ids, zone)
    model: Any = BreakdownRollup if breakdowns else DailyRollup if daily else HourlyRollup
    if daily:  # days in the brand's zone are stored as such: ~1 row per promotion and day
        scope = Q(brand_id__in=brand_ids, day__gte=since, day__lte=until)
    else:
        scope = Q(brand_id__in=brand_ids, hour__gte=start, hour__lt=end)
    if promotion_ids is not None:
        scope &= Q(promotion_id__in=list(promotion_ids))
    if campaign_ids is not None:
        scope &= Q(campaign_id__in=list(campaign_ids))
    key = _level_field(level)
    keys = {"promotion": ["promotion_id", "campaign_id", "brand_id"]}.get(
        level, ["campaign_id", "brand_id"] if level == "campaign" else ["brand_id"]
    )
    group = [*keys, *breakdowns]
    queryset = model.objects.filter(scope)
    if time_increment != "all_days":
        local_day = F("day") if daily else TruncDate("hour", tzinfo=zone)
        queryset = queryset.annotate(local_day=local_day)
        group.append("local_day")
    # One rollup row per currency: counts are added across them, revenue kept per currency.
    aggregated = queryset.values(*group, "currency").annotate(**_sum_counts())
    # (id, breakdown values..., date_start) -> [first row seen, date_stop, counts, revenue]
    acc: dict[tuple[Any, ...], list[Any]] = {}
    for r in aggregated:
        date_start, date_stop = _bucket(r.get("local_day", since), since, until, time_increment)
        row_key = (r[key], *(r[b] for b in breakdowns), date_start)
        found = acc.get(row_key)
        if found is None:
            found = acc[row_key] = [r, date_stop, dict.fromkeys(COUNT_FIELDS, 0), {}]
        counts, revenue = found[2], found[3]
        for c in COUNT_FIELDS:
            counts[c] += int(r[c] or 0)
        if r["currency"] and r["orders"]:
            revenue[r["currency"]] = revenue.get(r["currency"], 0) + int(r["revenue"] or 0)
    viewers: dict[tuple[int, date], int] | None = None
    # Viewers are counted per promotion, campaign and brand: a row narrowed to some of its
    # promotions or campaigns (level=campaign&promotion=...) has none to show (null), as
    # with breakdowns; the campaign's or brand's would count the others' viewers too.
    narrowed = (level != "promotion" and promotion_ids is not None) or (
        level == "brand" and campaign_ids is not None
    )
    if not breakdowns and not narrowed and acc:
        viewers = _unique_viewers(level, {k[0] for k in acc}, since, until, time_increment)
    rows = {}
    for row_key, (r, date_stop, counts, revenue) in acc.items():
        rows[row_key] = StatsRow(
            level=level,
            id=r[key],
            campaign_id=r.get("campaign_id"),
            brand_id=r["brand_id"],
            date_start=row_key[-1],
            date_stop=date_stop,
            stats=_stats_from(
                counts,
                revenue,
                unique_viewers=None if viewers is None else viewers.get((r[key], row_key[-1]), 0),
            ),
            breakdown={b: r[b] for b in breakdowns},
        )
    return sorted(rows.values(), key=lambda r: (r.id, *r.breakdown.values(), r.date_start))


def _stored_in_zone(brand_ids: list[int], zone: zoneinfo.ZoneInfo) -> bool:
    """Whether these brands' days were stored in ``zone`` (their current time zone)."""
    zones = brand_zones(brand_ids, max_age=STORE_MAX_AGE_SECONDS)
    return bool(zones) and all(z.key == zone.key for z in zones.values())


def _unique_viewers(
    level: Level, ids: set[int], since: date, until: date, increment: TimeIncrement
) -> dict[tuple[int, date], int]:
    scope = {"promotion": ViewerScope.PROMOTION, "campaign": ViewerScope.CAMPAIGN}.get(
        level, ViewerScope.BRAND
    )
    totals: dict[tuple[int, date], int] = defaultdict(int)
    days = DailyUnique.objects.filter(
        scope=scope, scope_id__in=ids, day__gte=since, day__lte=until
    ).values_list("scope_id", "day", "viewers")
    for scope_id, day, viewers in days:
        totals[(scope_id, _bucket(day, since, until, increment)[0])] += viewers
    return totals


def stats_total_get(
    *, level: Level, id: int, since: date, until: date, timezone: str, brand_ids: Iterable[int]
) -> Stats:
    """One promotion's, campaign's or brand's stats over a date range (zeros if none)."""
    filters: dict[str, Any] = {}
    if level == "promotion":
        filters["promotion_ids"] = [id]
    elif level == "campaign":
        filters["campaign_ids"] = [id]
    else:
        brand_ids = [b for b in brand_ids if b == id]
    rows = stats_row_list(
        level=level,
        since=since,
        until=until,
        timezone=timezone,
        brand_ids=brand_ids,
        **filters,
    )
    return rows[0].stats if rows else Stats(unique_viewers=0)


def invalid_event_counts_get(
    *, promotion_ids: Iterable[int], since: date, until: date, timezone: str
) -> dict[tuple[str, str], int]:
    """Invalid events of some promotions over a date range, by (event type, reason)."""
    start, end = _bounds(since, until, zoneinfo.ZoneInfo(timezone))
    found = (
        InvalidRollup.objects.filter(
            promotion_id__in=list(promotion_ids), hour__gte=start, hour__lt=end
        )
        .values("type", "reason")
        .annotate(n=Sum("events"))
    )
    return {(r["type"], r["reason"]): int(r["n"]) for r in found}


def stats_as_of_get() -> datetime | None:
    """Reports include every event received before this time: now on the direct path; on
    the stream path, the time of the oldest event still waiting (None if Redis is down)."""
    now = datetime.now(UTC)
    if not settings.REDIS_URL:
        return now
    try:
        _waiting, oldest = stream.stream_lag()
    except Exception:
        return None
    return now if oldest is None else min(now, datetime.fromtimestamp(oldest, UTC))


def campaign_hourly_stats_list(
    *, campaign_id: int, start: datetime, end: datetime
) -> list[tuple[datetime, Stats]]:
    """A campaign's totals per rollup hour in ``[start, end)``, newest hour first (for alerts:
    "the last N impressions" walks back hour by hour)."""
    found = (
        HourlyRollup.objects.filter(campaign_id=campaign_id, hour__gte=start, hour__lt=end)
        .values("hour", "currency")
        .annotate(**_sum_counts())
        .order_by("-hour", "currency")
    )
    rows: list[dict[str, Any]] = [dict(r) for r in found]
    hours: dict[datetime, Stats] = {}
    for r in rows:
        revenue = {r["currency"]: int(r["revenue"] or 0)} if r["currency"] and r["orders"] else {}
        stats = _stats_from({c: int(r[c] or 0) for c in COUNT_FIELDS}, revenue)
        hours[r["hour"]] = hours[r["hour"]] + stats if r["hour"] in hours else stats
    return list(hours.items())
