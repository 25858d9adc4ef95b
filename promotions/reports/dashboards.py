"""Reads for marketers and partners beyond the promotion pages: pseudonymous entrant ids,
dashboards (CTR over time, funnel, comparison, campaign lift). A dashboard page's numbers
and tables are put together in ``promotions.reports.dashboard_page``; the live wall's
snapshot is in ``promotions.reports.live_snapshot``.

Counts of impressions, clicks, entries, orders and revenue come from tracking's rollups
(``tracking.selectors``): orders are recorded there by the shop, so this module never
imports the shop.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, Subquery
from django.utils import timezone
from django.utils.crypto import salted_hmac

from promotions.models import Brand, Campaign, Entry, Person, Promotion
from promotions.reports.numbers import percent
from tracking import selectors as tracking_selectors


def entrant_pseudonym(*, brand_id: int, person_id: int) -> str:
    """A stable pseudonym of a person within one brand: HMAC-SHA256 of the person's id
    under a key derived from SECRET_KEY for that brand (so ids differ between brands)."""
    brand_key = salted_hmac(
        "promotions.entrant-pseudonym", str(brand_id), algorithm="sha256"
    ).digest()
    digest = hmac.new(brand_key, str(person_id).encode(), hashlib.sha256).hexdigest()
    return f"ent_{digest[:32]}"


# --- Dashboards ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CtrPoint:
    """One day of a CTR series (the brand's time zone)."""

    day: date
    impressions: int
    clicks: int
    ctr: float | None
    low: float | None
    high: float | None


def _scope(subject: Promotion | Campaign) -> tuple[str, dict[str, Any], Brand]:
    if isinstance(subject, Promotion):
        return "promotion", {"promotion_ids": [subject.pk]}, subject.campaign.brand
    return "campaign", {"campaign_ids": [subject.pk]}, subject.brand


def dashboard_brand(*, subject: Promotion | Campaign) -> Brand:
    return _scope(subject)[2]


def dashboard_range_get(
    *, subject: Promotion | Campaign, today: date | None = None
) -> tuple[date, date]:
    """The default days of a dashboard: the window's, up to today (at most 92 days)."""
    _level, _filters, brand = _scope(subject)
    zone = brand.tzinfo
    today = today or timezone.now().astimezone(zone).date()
    start = subject.starts_at.astimezone(zone).date()
    end = min((subject.ends_at - timedelta(microseconds=1)).astimezone(zone).date(), today)
    end = max(end, start)
    return max(start, end - timedelta(days=91)), end


def _daily_stats(
    *, level: Any, brand: Brand, since: date, until: date, **filters: Any
) -> list[tuple[date, tracking_selectors.Stats]]:
    """Every day from ``since`` to ``until`` in the brand's time zone with its stats (empty
    stats for a day without data), from one read of the daily rollups."""
    rows = tracking_selectors.stats_row_list(
        level=level,
        since=since,
        until=until,
        timezone=brand.timezone,
        time_increment="1",
        brand_ids=[brand.pk],
        **filters,
    )
    by_day = {r.date_start: r.stats for r in rows}
    days = []
    day = since
    while day <= until:
        days.append((day, by_day.get(day, tracking_selectors.Stats())))
        day += timedelta(days=1)
    return days


def ctr_series_get(*, subject: Promotion | Campaign, since: date, until: date) -> list[CtrPoint]:
    """Daily impressions, clicks, CTR and its Wilson 95% interval; days without data are 0."""
    level, filters, brand = _scope(subject)
    points = []
    for day, stats in _daily_stats(level=level, brand=brand, since=since, until=until, **filters):
        interval = stats.ctr_interval
        points.append(
            CtrPoint(
                day=day,
                impressions=stats.impressions,
                clicks=stats.clicks,
                ctr=stats.ctr,
                low=interval[0] if interval else None,
                high=interval[1] if interval else None,
            )
        )
    return points


@dataclass(frozen=True)
class FunnelStep:
    name: str
    count: int
    rate: float | None  # of the previous step


@dataclass(frozen=True)
class Funnel:
    steps: list[FunnelStep]
    stats: tracking_selectors.Stats

    @property
    def revenue_by_currency(self) -> dict[str, int]:
        """Revenue per currency (minor units), never added across currencies."""
        return dict(self.stats.revenue_by_currency)

    @property
    def revenue(self) -> int:
        """The revenue when it is in one currency (0 with several: see revenue_by_currency)."""
        return self.stats.revenue

    @property
    def currency(self) -> str:
        return self.stats.currency


def funnel_get(*, subject: Promotion | Campaign, since: date, until: date) -> Funnel:
    """Impressions → clicks → entries → orders, and revenue (minor units)."""
    level, _filters, brand = _scope(subject)
    stats = tracking_selectors.stats_total_get(
        level=level,  # type: ignore[arg-type]
        id=subject.pk,
        since=since,
        until=until,
        timezone=brand.timezone,
        brand_ids=[brand.pk],
    )
    counts = [
        ("Impressions", stats.impressions),
        ("Clicks", stats.clicks),
        ("Entries", stats.entries),
        ("Orders", stats.orders),
    ]
    steps = []
    previous: int | None = None
    for name, count in counts:
        rate = None if previous is None or previous == 0 else count / previous
        steps.append(FunnelStep(name, count, rate))
        previous = count
    return Funnel(steps=steps, stats=stats)


def language_table_get(
    *, subject: Promotion | Campaign, since: date, until: date
) -> list[tuple[str, tracking_selectors.Stats]]:
    """The subject's stats per language the pages were rendered in ('' when unknown: a
    click without JavaScript, a partner event without one), most impressions first."""
    level, filters, brand = _scope(subject)
    rows = tracking_selectors.stats_row_list(
        level=level,  # type: ignore[arg-type]
        since=since,
        until=until,
        timezone=brand.timezone,
        brand_ids=[brand.pk],
        breakdowns=["language"],
        **filters,
    )
    by_language: dict[str, tracking_selectors.Stats] = {}
    for r in rows:
        code = r.breakdown["language"]
        by_language[code] = by_language[code] + r.stats if code in by_language else r.stats
    return sorted(by_language.items(), key=lambda item: (-item[1].impressions, item[0]))


def promotion_table_get(
    *, campaign: Campaign, since: date, until: date
) -> list[tuple[Promotion, tracking_selectors.Stats]]:
    """Each promotion of a campaign with its stats over the days (zeros when none)."""
    brand = campaign.brand
    rows = tracking_selectors.stats_row_list(
        level="promotion",
        since=since,
        until=until,
        timezone=brand.timezone,
        brand_ids=[brand.pk],
        campaign_ids=[campaign.pk],
    )
    by_id = {r.id: r.stats for r in rows}
    promotions = list(campaign.promotions.order_by("position", "pk"))
    return [(p, by_id.get(p.pk, tracking_selectors.Stats(unique_viewers=0))) for p in promotions]


@dataclass(frozen=True)
class Comparison:
    a: Promotion
    b: Promotion
    a_stats: tracking_selectors.Stats
    b_stats: tracking_selectors.Stats
    z: float | None
    p_value: float | None
    significant: bool
    verdict: str


def two_proportion_z_test(k1: int, n1: int, k2: int, n2: int) -> tuple[float, float] | None:
    """(z, two-sided p-value) of H0: both proportions are equal (pooled standard error)."""
    if n1 == 0 or n2 == 0:
        return None
    k1, k2 = min(k1, n1), min(k2, n2)
    pooled = (k1 + k2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 0.0, 1.0
    z = (k1 / n1 - k2 / n2) / se
    return z, math.erfc(abs(z) / math.sqrt(2))


def promotions_compare(*, a: Promotion, b: Promotion, since: date, until: date) -> Comparison:
    """Compare two promotions' CTR with a two-proportion z-test, said in plain words."""
    stats = []
    for p in (a, b):
        brand = p.campaign.brand
        stats.append(
            tracking_selectors.stats_total_get(
                level="promotion",
                id=p.pk,
                since=since,
                until=until,
                timezone=brand.timezone,
                brand_ids=[brand.pk],
            )
        )
    sa, sb = stats
    test = two_proportion_z_test(sa.clicks, sa.impressions, sb.clicks, sb.impressions)
    if test is None:
        verdict = (
            "Not enough data: each promotion needs impressions in these days before their "
            "click-through rates can be compared."
        )
        return Comparison(a, b, sa, sb, None, None, False, verdict)
    z, p_value = test
    significant = p_value < 0.05
    higher, lower = (a, b) if (sa.ctr or 0) >= (sb.ctr or 0) else (b, a)
    hs, ls = (sa, sb) if higher is a else (sb, sa)
    chance = percent(p_value) if p_value >= 0.001 else "less than 0.1%"
    if significant:
        verdict = (
            f"“{higher.title}” has a higher click-through rate than “{lower.title}” "
            f"({percent(hs.ctr)} against {percent(ls.ctr)}), and the difference is statistically "
            f"significant: if both really had the same rate, a gap this large would show "
            f"up by chance only {chance} of the time (two-proportion z-test, z = {z:.2f})."
        )
    else:
        verdict = (
            f"No clear winner yet: “{higher.title}” is ahead of “{lower.title}” "
            f"({percent(hs.ctr)} against {percent(ls.ctr)}), but a gap this large would show up "
            f"by chance {chance} of the time even if both had the same rate, which is too "
            f"often to call it "
            f"(two-proportion z-test, z = {z:.2f}; significant means below 5%)."
        )
    return Comparison(a, b, sa, sb, z, p_value, significant, verdict)


@dataclass(frozen=True)
class LiftDay:
    day: date
    phase: str  # "before" or "during"
    impressions: int
    clicks: int
    entries: int
    orders: int

    @property
    def activity(self) -> int:
        return self.impressions + self.clicks + self.entries + self.orders

    def cells(self) -> list[object]:
        """The row of the lift table (and its CSV)."""
        return [
            self.day,
            self.phase,
            self.impressions,
            self.clicks,
            self.entries,
            self.orders,
            self.activity,
        ]


@dataclass(frozen=True)
class Lift:
    days: list[LiftDay]
    before_daily: float
    during_daily: float
    lift: float | None  # during / before - 1
    participants: int
    first_timers: int

    @property
    def first_time_share(self) -> float | None:
        return self.first_timers / self.participants if self.participants else None


LIFT_BASELINE_DAYS = 14


def campaign_lift_get(*, campaign: Campaign, today: date | None = None) -> Lift:
    """The brand's daily activity (valid impressions + clicks + entries + orders, every
    promotion of the brand) during the campaign against the 14 days before its launch, and
    the share of the campaign's participants who had never entered the brand's promotions
    before (no entry of theirs for the brand earlier than their first in this campaign)."""
    brand = campaign.brand
    zone = brand.tzinfo
    today = today or timezone.now().astimezone(zone).date()
    launch = campaign.starts_at.astimezone(zone).date()
    last = min((campaign.ends_at - timedelta(microseconds=1)).astimezone(zone).date(), today)
    first = launch - timedelta(days=LIFT_BASELINE_DAYS)
    days = []
    for day, s in _daily_stats(level="brand", brand=brand, since=first, until=max(last, launch)):
        if day <= last:
            phase = "before" if day < launch else "during"
            days.append(LiftDay(day, phase, s.impressions, s.clicks, s.entries, s.orders))
    before = [d.activity for d in days if d.phase == "before"]
    during = [d.activity for d in days if d.phase == "during"]
    before_daily = sum(before) / len(before) if before else 0.0
    during_daily = sum(during) / len(during) if during else 0.0
    lift = during_daily / before_daily - 1 if before_daily and during else None
    in_campaign = Entry.objects.filter(promotion__campaign=campaign)
    participants = Person.objects.filter(pk__in=in_campaign.values("person_id")).annotate(
        first_at=Subquery(
            in_campaign.filter(person_id=OuterRef("pk"))
            .order_by("created_at")
            .values("created_at")[:1]
        )
    )
    earlier = Entry.objects.filter(
        person_id=OuterRef("pk"),
        promotion__campaign__brand_id=brand.pk,
        created_at__lt=OuterRef("first_at"),
    )
    total = participants.count()
    returning = participants.filter(Exists(earlier)).count()
    return Lift(
        days=days,
        before_daily=before_daily,
        during_daily=during_daily,
        lift=lift,
        participants=total,
        first_timers=total - returning,
    )
