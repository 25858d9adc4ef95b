"""Report building shared by the insights endpoint and the scheduled pushes.

``insights_rows`` reads the rollups (``tracking.selectors.stats_row_list``) for brands that may
sit in different time zones, each read in its own; ``row_json`` is the documented row;
``rows_csv`` its CSV form. Rows are ordered by ``row_key`` (level id, breakdown values,
first day), which is also what an insights cursor remembers: a page starts after the last
row of the previous one, so it stays put when rows are added elsewhere.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from tracking import selectors
from tracking.zones import brand_zones

# CTR and its Wilson 95% interval, as every report names them (insights, pushes, the
# dashboards' CSV exports).
CTR_FIELDS = ("ctr", "ctr_ci_low", "ctr_ci_high")
# What a row always carries whatever ``fields`` asks for: its identity.
IDENTITY_FIELDS = (
    "promotion_id",
    "campaign_id",
    "brand",
    "country",
    "device",
    "source",
    "language",
)
ROW_FIELDS = [
    *IDENTITY_FIELDS,
    "date_start",
    "date_stop",
    "impressions",
    "unique_viewers",
    "clicks",
    *CTR_FIELDS,
    "entries",
    "orders",
    "revenue",
    "currency",
    "revenue_by_currency",
    "conversion_rate",
    "invalid_events",
]
METRIC_FIELDS = [f for f in ROW_FIELDS if f not in IDENTITY_FIELDS and f != "currency"]
# ... and its period: without them, a week of daily rows is seven rows nobody can tell apart.
PERIOD_FIELDS = ("date_start", "date_stop")
# The ids a row of each level carries (``row_json``).
LEVEL_IDS: dict[str, tuple[str, ...]] = {
    "promotion": ("promotion_id", "campaign_id", "brand"),
    "campaign": ("campaign_id", "brand"),
    "brand": ("brand",),
}

RowKey = tuple[int, tuple[str, ...], str]


def insights_rows(
    *,
    brand_ids: Iterable[int],
    level: selectors.Level,
    since: date,
    until: date,
    time_increment: selectors.TimeIncrement = "all_days",
    breakdowns: Sequence[str] = (),
    promotion_ids: Iterable[int] | None = None,
    campaign_ids: Iterable[int] | None = None,
) -> list[selectors.StatsRow]:
    """Rows of ``brand_ids`` (already checked to be the caller's), each brand's days read in
    its own time zone, sorted by ``row_key``."""
    by_zone: dict[str, list[int]] = defaultdict(list)
    for brand_id, brand_zone in brand_zones(brand_ids).items():
        by_zone[brand_zone.key].append(brand_id)
    rows: list[selectors.StatsRow] = []
    for zone, zone_brands in sorted(by_zone.items()):
        rows.extend(
            selectors.stats_row_list(
                level=level,
                since=since,
                until=until,
                timezone=zone,
                time_increment=time_increment,
                brand_ids=zone_brands,
                promotion_ids=list(promotion_ids) if promotion_ids is not None else None,
                campaign_ids=list(campaign_ids) if campaign_ids is not None else None,
                breakdowns=breakdowns,
            )
        )
    return sorted(rows, key=row_key)


def row_key(row: selectors.StatsRow) -> RowKey:
    return (row.id, tuple(row.breakdown.values()), row.date_start.isoformat())


def cursor_encode(key: RowKey) -> str:
    raw = json.dumps([key[0], list(key[1]), key[2]], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def cursor_decode(cursor: str) -> RowKey | None:
    """The row key a cursor names; None when it is not one this module handed out."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw)
        row_id, breakdown, day = value
        date.fromisoformat(day)
    except (ValueError, TypeError, UnicodeDecodeError, RecursionError):  # "[[[[…" nested deep
        return None
    if (
        type(row_id) is not int
        or not isinstance(breakdown, list)
        or not all(isinstance(b, str) for b in breakdown)
        or not isinstance(day, str)
    ):
        return None
    return (row_id, tuple(breakdown), day)


def rows_after(rows: Sequence[selectors.StatsRow], key: RowKey) -> list[selectors.StatsRow]:
    return [r for r in rows if row_key(r) > key]


def row_json(
    row: selectors.StatsRow, fields: Iterable[str] | None = None, *, slugs: Mapping[int, str]
) -> dict[str, Any]:
    """The documented row; with ``fields``, only those metrics (the row's ids, breakdown
    values and ``date_start``/``date_stop`` always stay). ``slugs`` names each brand
    (``tracking.brands.brand_slugs``): a brand is its slug in the partner API."""
    s = row.stats
    interval = s.ctr_interval
    out: dict[str, Any] = {}
    if row.level == "promotion":
        out["promotion_id"] = row.id
    if row.level in ("promotion", "campaign"):
        out["campaign_id"] = row.campaign_id
    out["brand"] = slugs.get(row.brand_id, "")
    out.update(row.breakdown)
    metrics: dict[str, Any] = {
        "date_start": row.date_start.isoformat(),
        "date_stop": row.date_stop.isoformat(),
        "impressions": s.impressions,
        "unique_viewers": s.unique_viewers,
        "clicks": s.clicks,
        "ctr": s.ctr,
        "ctr_ci_low": interval[0] if interval else None,
        "ctr_ci_high": interval[1] if interval else None,
        "entries": s.entries,
        "orders": s.orders,
        # In one currency: its amount. In several: amount and currency null, and the
        # amounts in revenue_by_currency (never added across currencies).
        "revenue": {
            "amount": None if s.mixed_currency else s.revenue,
            "currency": s.currency or None,
        },
        "revenue_by_currency": dict(s.revenue_by_currency),
        "conversion_rate": s.conversion_rate,
        "invalid_events": s.invalid_events,
    }
    if fields is not None:
        wanted = {*fields, *PERIOD_FIELDS}
        metrics = {k: v for k, v in metrics.items() if k in wanted}
    out.update(metrics)
    return out


def row_columns(
    *, level: str, breakdowns: Iterable[str] = (), fields: Iterable[str] | None = None
) -> list[str]:
    """The CSV columns of a report's rows, from what the report asks for rather than from
    its rows (an empty report has the same header): the level's ids, the breakdowns, the
    period and ``fields`` (every metric when None), ``currency`` beside ``revenue``."""
    metrics = METRIC_FIELDS if fields is None else [*PERIOD_FIELDS, *fields]
    wanted = {*LEVEL_IDS[level], *breakdowns, *metrics}
    if "revenue" in wanted:
        wanted.add("currency")
    return [f for f in ROW_FIELDS if f in wanted]


def rows_csv(rows: Iterable[dict[str, Any]], *, columns: Sequence[str]) -> str:
    """JSON rows (``row_json``) as CSV under ``columns`` (``row_columns``): revenue split
    into amount and currency columns, revenue per currency as ``EUR:12300 USD:4500``."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        flat = dict(row)
        if isinstance(flat.get("revenue"), dict):
            flat["currency"] = flat["revenue"]["currency"] or ""
            flat["revenue"] = flat["revenue"]["amount"]
        if isinstance(flat.get("revenue_by_currency"), dict):  # "EUR:12300 USD:4500"
            flat["revenue_by_currency"] = " ".join(
                f"{c}:{a}" for c, a in flat["revenue_by_currency"].items()
            )
        writer.writerow(flat)
    return out.getvalue()
