"""A dashboard page: its numbers and tables (each also a CSV export), put together from
the reads in ``promotions.reports.dashboards`` for the admin's promotion and campaign
dashboards (``promotions.admin.dashboards``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from promotions.models import Brand, Campaign, Promotion
from promotions.reports.dashboards import (
    Comparison,
    CtrPoint,
    Funnel,
    Lift,
    campaign_lift_get,
    ctr_series_get,
    dashboard_brand,
    dashboard_range_get,
    funnel_get,
    language_table_get,
    promotion_table_get,
    promotions_compare,
)
from promotions.reports.numbers import NO_VALUE, money, percent, ratio
from tracking import selectors as tracking_selectors
from tracking.insights import CTR_FIELDS

MAX_DAYS = 366  # the longest range a dashboard shows at once
UTC = ZoneInfo("UTC")
# A stats row's counts and CTR (``_count_cells``), named as the partner insights name them.
COUNT_HEADER = ["impressions", "clicks", *CTR_FIELDS, "entries", "orders"]
STATS_HEADER = [*COUNT_HEADER, "revenue_minor_units", "currency", "conversion_rate"]
LANGUAGE_HEADER = ["language", *COUNT_HEADER, "conversion_rate"]
PROMOTION_HEADER = ["promotion_id", "promotion", *STATS_HEADER]


@dataclass(frozen=True)
class Rate:
    """A ratio cell: six decimals in the CSV, a percentage on the page."""

    value: float | None


@dataclass(frozen=True)
class Label:
    """A coded cell: the code in the CSV (what scripts match), its words on the page."""

    code: str
    text: str


# The page's words for the CSV's column names (a name not listed is shown as it is).
HEADER_LABELS = {
    "day": _lazy("Day"),
    "hour": _lazy("Hour"),
    "impressions": _lazy("Impressions"),
    "clicks": _lazy("Clicks"),
    "ctr": _lazy("CTR"),
    "ctr_ci_low": _lazy("95% CI from"),
    "ctr_ci_high": _lazy("95% CI to"),
    "entries": _lazy("Entries"),
    "orders": _lazy("Orders"),
    "revenue_minor_units": _lazy("Revenue (minor units)"),
    "currency": _lazy("Currency"),
    "conversion_rate": _lazy("Conversion rate"),
    "language": _lazy("Language"),
    "promotion_id": _lazy("ID"),
    "promotion": _lazy("Promotion"),
    "step": _lazy("Step"),
    "count": _lazy("Count"),
    "rate_from_previous_step": _lazy("Of the step before"),
    "phase": _lazy("Phase"),
    "activity": _lazy("Activity"),
    "platform": _lazy("Platform"),
    "post": _lazy("Post"),
    "comments_read": _lazy("Comments read"),
    "comments_entered": _lazy("Comments entered"),
    "last_import": _lazy("Last import"),
    "reason": _lazy("Reason"),
    "comments": _lazy("Comments"),
}


def _csv_cell(value: Any) -> Any:
    if isinstance(value, Rate):
        return ratio(value.value)
    if isinstance(value, Label):
        return value.code
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    return "" if value is None else value


def _shown_cell(value: Any, zone: ZoneInfo) -> str:
    if isinstance(value, Rate):
        return percent(value.value)
    if isinstance(value, Label):
        return value.text
    if isinstance(value, datetime):
        return date_format(value.astimezone(zone), "j M Y, H:i T")
    if isinstance(value, date):
        return date_format(value, "D j M Y")
    return NO_VALUE if value is None or value == "" else str(value)


@dataclass(frozen=True)
class Table:
    """One table of a dashboard, as shown and as exported to CSV (``?export=<name>``):
    ``cells`` are typed (``Rate``, ``Label``, dates and times, counts, words); ``rows`` are
    the CSV's values (ISO times, six-decimal ratios, codes), ``shown`` the page's
    (percentages, times in ``zone``, words)."""

    name: str
    title: str
    header: list[str]
    cells: list[list[Any]]
    note: str = ""
    zone: ZoneInfo = UTC

    @property
    def rows(self) -> list[list[Any]]:
        return [[_csv_cell(v) for v in row] for row in self.cells]

    @property
    def shown(self) -> list[list[str]]:
        return [[_shown_cell(v, self.zone) for v in row] for row in self.cells]

    @property
    def labels(self) -> list[str]:
        return [str(HEADER_LABELS.get(h, h)) for h in self.header]


@dataclass(frozen=True)
class Dashboard:
    subject: Promotion | Campaign
    brand: Brand
    since: date
    until: date
    series: list[CtrPoint]
    funnel: Funnel
    comparison: Comparison | None
    lift: Lift | None
    tables: list[Table]

    @property
    def is_campaign(self) -> bool:
        return isinstance(self.subject, Campaign)

    @property
    def overall_ctr(self) -> str:
        return percent(self.funnel.stats.ctr)

    @property
    def overall_interval(self) -> list[str]:
        return [percent(v) for v in (self.funnel.stats.ctr_interval or (None, None))]

    @property
    def funnel_revenue(self) -> str:
        """Revenue per currency, e.g. "123.00 EUR · 45.00 USD" (never one total)."""
        amounts = self.funnel.revenue_by_currency
        if not amounts:
            return money(0, "")
        return " · ".join(money(amount, currency) for currency, amount in amounts.items())

    @property
    def lift_pct(self) -> str | None:
        return None if self.lift is None else percent(self.lift.lift, digits=0, signed=True)

    @property
    def first_time_pct(self) -> str | None:
        return None if self.lift is None else percent(self.lift.first_time_share)


def dashboard_promotion_choices(*, brand: Brand) -> QuerySet[Promotion]:
    """The promotions a dashboard may compare: the brand's, with their campaigns."""
    return (
        Promotion.objects.filter(campaign__brand=brand)
        .select_related("campaign__brand")
        .order_by("campaign__name", "position", "pk")
    )


def _revenue_cells(s: tracking_selectors.Stats) -> list[Any]:
    """(amount, currency): with orders in several currencies, the amounts per currency
    ("12300 4500") and their currencies ("EUR USD") in the same order, never a sum."""
    if not s.mixed_currency:
        return [s.revenue, s.currency]
    amounts = s.revenue_by_currency
    return [" ".join(str(a) for a in amounts.values()), " ".join(amounts)]


def _count_cells(s: tracking_selectors.Stats) -> list[Any]:
    """The cells of ``COUNT_HEADER``."""
    low, high = s.ctr_interval or (None, None)
    return [s.impressions, s.clicks, *map(Rate, (s.ctr, low, high)), s.entries, s.orders]


def _stats_cells(s: tracking_selectors.Stats) -> list[Any]:
    return [*_count_cells(s), *_revenue_cells(s), Rate(s.conversion_rate)]


def _language_cells(code: str, s: tracking_selectors.Stats) -> list[Any]:
    return [code or _("unknown"), *_count_cells(s), Rate(s.conversion_rate)]


def _promotion_rows(pairs: Iterable[tuple[Promotion, tracking_selectors.Stats]]) -> list[list[Any]]:
    """The rows of ``PROMOTION_HEADER``: each promotion's id, title and stats."""
    return [[p.pk, p.title, *_stats_cells(s)] for p, s in pairs]


def _comparison_pair(
    subject: Promotion | Campaign,
    candidates: Sequence[Promotion],
    ranked: list[Promotion],
    a_id: int | None,
    b_id: int | None,
) -> tuple[Promotion, Promotion] | None:
    """The two promotions chosen, else for a promotion itself and a sibling, for a
    campaign its two promotions with the most impressions."""
    by_id = {p.pk: p for p in candidates}
    a = by_id.get(a_id or 0)
    b = by_id.get(b_id or 0)
    if isinstance(subject, Promotion):
        a = a or subject
        if b is None:
            siblings = [p for p in by_id.values() if p.campaign_id == subject.campaign_id]
            b = next((p for p in siblings if p.pk != a.pk), None)
    else:
        a = a or (ranked[0] if ranked else None)
        b = b or next((p for p in ranked if a is None or p.pk != a.pk), None)
    if a is None or b is None or a.pk == b.pk:
        return None
    return a, b


def _reason_text(code: str) -> str:
    from promotions.social.models import ExclusionReason

    return str(ExclusionReason(code).label) if code in ExclusionReason.values else code


def _social_tables(*, promotion: Promotion) -> list[Table]:
    """A comment giveaway's entries per post and per hour (promotions.social), and its
    exclusions per reason. Nothing for a promotion without posts."""
    from promotions.social import selectors as social_selectors

    sources = social_selectors.social_sources_list(promotion=promotion)
    if not sources:
        return []
    zone = promotion.campaign.brand.tzinfo
    counts = social_selectors.social_counts_get(promotion=promotion)
    return [
        Table(
            "posts",
            _("Entries per post"),
            ["platform", "post", "comments_read", "comments_entered", "last_import"],
            [
                [
                    s["platform"],
                    s["object_id"],
                    s["read"],
                    s["entered"],
                    s["imported_at"],
                ]
                for s in sources
            ],
            note=_("Entries from posts: %(n)s.") % {"n": counts.entries},
            zone=zone,
        ),
        Table(
            "post_hours",
            _("Entries from posts per hour (UTC)"),
            ["hour", "entries"],
            [[hour, n] for hour, n in social_selectors.social_entries_hourly(promotion=promotion)],
        ),
        Table(
            "post_exclusions",
            _("Comments not counted, by reason"),
            ["reason", "comments"],
            [[Label(reason, _reason_text(reason)), n] for reason, n in counts.excluded],
        ),
    ]


def dashboard_get(
    *,
    subject: Promotion | Campaign,
    candidates: Sequence[Promotion],
    since: date | None = None,
    until: date | None = None,
    a_id: int | None = None,
    b_id: int | None = None,
) -> Dashboard:
    """Everything a promotion's or campaign's dashboard shows, over ``since``..``until``
    (default: ``dashboard_range_get``): the CTR series, the funnel, per-promotion stats and
    the lift (campaigns), and a comparison of promotions ``a_id`` and ``b_id`` among
    ``candidates`` (``dashboard_promotion_choices``)."""
    default_since, default_until = dashboard_range_get(subject=subject)
    since = since or default_since
    until = until or default_until
    if since > until:
        since = until - timedelta(days=29)
    series = ctr_series_get(subject=subject, since=since, until=until)
    funnel = funnel_get(subject=subject, since=since, until=until)
    tables = [
        Table(
            "daily",
            _("CTR by day"),
            ["day", "impressions", "clicks", *CTR_FIELDS],
            [[p.day, p.impressions, p.clicks, *map(Rate, (p.ctr, p.low, p.high))] for p in series],
        ),
        Table(
            "funnel",
            _("Funnel"),
            ["step", "count", "rate_from_previous_step"],
            [[s.name, s.count, Rate(s.rate)] for s in funnel.steps]
            + [
                ["Revenue (minor units)", amount, currency]
                for currency, amount in (funnel.revenue_by_currency or {"": 0}).items()
            ],
        ),
        Table(
            "languages",
            _("CTR by language"),
            LANGUAGE_HEADER,
            [
                _language_cells(code, s)
                for code, s in language_table_get(subject=subject, since=since, until=until)
            ],
            note=_(
                "The language each page was shown in; unknown: clicks without JavaScript, "
                "partner events without a language, entries and orders."
            ),
        ),
    ]
    ranked: list[Promotion] = []
    if isinstance(subject, Campaign):
        per_promotion = promotion_table_get(campaign=subject, since=since, until=until)
        tables.append(
            Table("promotions", _("Promotions"), PROMOTION_HEADER, _promotion_rows(per_promotion))
        )
        ranked = [p for p, _s in sorted(per_promotion, key=lambda ps: -ps[1].impressions)]
    pair = _comparison_pair(subject, candidates, ranked, a_id, b_id)
    comparison = None
    if pair is not None:
        comparison = promotions_compare(a=pair[0], b=pair[1], since=since, until=until)
        tables.append(
            Table(
                "comparison",
                _("Comparison"),
                PROMOTION_HEADER,
                _promotion_rows(
                    [(comparison.a, comparison.a_stats), (comparison.b, comparison.b_stats)]
                ),
                note=comparison.verdict,
            )
        )
    if isinstance(subject, Promotion):
        tables += _social_tables(promotion=subject)
    lift = None
    if isinstance(subject, Campaign):
        lift = campaign_lift_get(campaign=subject)
        tables.append(
            Table(
                "lift",
                _("Daily activity, 14 days before launch and since"),
                ["day", "phase", "impressions", "clicks", "entries", "orders", "activity"],
                [d.cells() for d in lift.days],
            )
        )
    return Dashboard(
        subject=subject,
        brand=dashboard_brand(subject=subject),
        since=since,
        until=until,
        series=series,
        funnel=funnel,
        comparison=comparison,
        lift=lift,
        tables=tables,
    )
