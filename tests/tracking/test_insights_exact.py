"""Insights equal what the raw events say, counted here independently of the rollups:
every level, time increment and combination of breakdowns (language included), for three
brands whose days start at different UTC hours (Auckland, Los Angeles, and Kathmandu, whose
day starts at a quarter past a UTC hour), across a month's end and a daylight-saving
change, read page by page through the cursor. Each brand sells in
two currencies: revenue is reported per currency, never added across them."""

from __future__ import annotations

import math
import random
import uuid
import zoneinfo
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from itertools import combinations

import pytest

from promotions.models import Brand
from tests.factories import BrandFactory, CampaignFactory, PromotionFactory
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent

pytestmark = pytest.mark.django_db

INSIGHTS = "/api/v1/reports/insights/"
SINCE = date(2026, 3, 28)
UNTIL = date(2026, 4, 12)  # New Zealand leaves daylight saving time on 5 April 2026
BREAKDOWNS = ("country", "device", "source", "language")
Z = 1.959963984540054


@dataclass
class Raw:
    ts: datetime
    type: str
    promotion: object
    invalid: str
    country: str
    device: str
    source: str
    language: str
    viewer: bytes | None
    value: int | None
    currency: str


def wilson(k: int, n: int) -> tuple[float, float]:
    p = min(k, n) / n  # a proportion: clicks beyond impressions (odd, but possible) cap it
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def bucket(day: date, increment: str) -> tuple[date, date]:
    if increment == "all_days":
        return SINCE, UNTIL
    if increment == "1":
        return day, day
    if increment == "7":
        n = (day - SINCE).days // 7
        start = SINCE + timedelta(days=7 * n)
        return start, min(start + timedelta(days=6), UNTIL)
    first = date(day.year, day.month, 1)
    last = date(day.year + (day.month == 12), day.month % 12 + 1, 1) - timedelta(days=1)
    return max(first, SINCE), min(last, UNTIL)


@pytest.fixture
def world(make_api_key):
    rng = random.Random(20260405)
    auckland = BrandFactory(slug="kiwi", timezone="Pacific/Auckland")
    angeles = BrandFactory(slug="angel", timezone="America/Los_Angeles")
    kathmandu = BrandFactory(slug="himal", timezone="Asia/Kathmandu")  # UTC+05:45
    currencies = {auckland: ["NZD", "AUD"], angeles: ["USD", "EUR"], kathmandu: ["NPR", "INR"]}
    promotions = []
    for brand, campaigns in ((auckland, 2), (angeles, 1), (kathmandu, 1)):
        for _ in range(campaigns):
            campaign = CampaignFactory(brand=brand)
            promotions += [PromotionFactory(campaign=campaign) for _ in range(2)]
    viewers = [uuid.uuid4().bytes for _ in range(12)]
    raws: list[Raw] = []
    start = datetime(2026, 3, 26, tzinfo=UTC)
    for _ in range(900):
        promotion = rng.choice(promotions)
        zone = zoneinfo.ZoneInfo(promotion.campaign.brand.timezone)
        # Half the events fall within 90 minutes of a local midnight.
        if rng.random() < 0.5:
            local_day = (start + timedelta(days=rng.randrange(20))).astimezone(zone).date()
            midnight = datetime.combine(local_day, datetime.min.time(), zone)
            ts = midnight + timedelta(minutes=rng.randrange(-90, 90))
        else:
            ts = start + timedelta(seconds=rng.randrange(20 * 86400))
        kind = rng.choices(["impression", "click", "entry", "order"], [60, 20, 12, 8])[0]
        invalid = "bot" if kind in ("impression", "click") and rng.random() < 0.1 else ""
        is_order = kind == "order"
        raws.append(
            Raw(
                ts=ts.astimezone(UTC),
                type=kind,
                promotion=promotion,
                invalid=invalid,
                country=rng.choice(["FR", "NZ", "US", ""]),
                device=rng.choice(["mobile", "desktop", "tablet"]),
                source=rng.choice(["facebook", "instagram", "direct"]),
                language=rng.choice(["en", "fr", "ar", ""]),
                viewer=rng.choice(viewers) if kind == "impression" else None,
                value=rng.randrange(100, 10_000) if is_order else None,
                currency=rng.choice(currencies[promotion.campaign.brand]) if is_order else "",
            )
        )
    events = [
        TrackedEvent(
            event_id=uuid.uuid4(),
            ts=r.ts,
            type=r.type,
            promotion_id=r.promotion.pk,
            campaign_id=r.promotion.campaign_id,
            brand_id=r.promotion.campaign.brand_id,
            pseudonym=r.viewer,
            country=r.country,
            device=r.device,
            source=r.source,
            language=r.language,
            invalid_reason=r.invalid,
            value=r.value,
            currency=r.currency,
        )
        for r in raws
    ]
    for i in range(0, len(events), 200):
        events_store(events[i : i + 200])
    _key, raw_key = make_api_key(brands=[auckland, angeles, kathmandu], scopes=["reports:read"])
    return raws, raw_key


def expected_rows(raws, level, increment, breakdowns):
    counts: dict[tuple, dict] = defaultdict(
        lambda: {
            "impressions": 0,
            "clicks": 0,
            "entries": 0,
            "orders": 0,
            "revenue": defaultdict(int),
            "invalid_events": 0,
            "viewers": defaultdict(set),
        }
    )
    for r in raws:
        brand = r.promotion.campaign.brand
        day = r.ts.astimezone(zoneinfo.ZoneInfo(brand.timezone)).date()
        if not SINCE <= day <= UNTIL:
            continue
        ident = {
            "promotion": (r.promotion.pk, r.promotion.campaign_id, brand.pk),
            "campaign": (r.promotion.campaign_id, brand.pk),
            "brand": (brand.pk,),
        }[level]
        key = (ident, tuple(getattr(r, b) for b in breakdowns), bucket(day, increment))
        row = counts[key]
        if r.invalid:
            row["invalid_events"] += 1
            continue
        plural = {"impression": "impressions", "click": "clicks", "entry": "entries"}
        if r.type == "order":
            row["orders"] += 1
            row["revenue"][r.currency] += r.value
        else:
            row[plural[r.type]] += 1
        if r.type == "impression":
            row["viewers"][day].add(r.viewer)
    rows = {}
    slugs = dict(Brand.objects.values_list("pk", "slug"))
    for (ident, values, (start, stop)), c in counts.items():
        row = {}
        if level == "promotion":
            row["promotion_id"] = ident[0]
        if level in ("promotion", "campaign"):
            row["campaign_id"] = ident[-2]
        row["brand"] = slugs[ident[-1]]  # a brand is its slug in the API
        row.update(dict(zip(breakdowns, values, strict=True)))
        n, k = c["impressions"], c["clicks"]
        revenue = dict(sorted(c["revenue"].items()))
        one = next(iter(revenue.items())) if len(revenue) == 1 else None
        low_high = wilson(k, n) if n else (None, None)
        row.update(
            {
                "date_start": start.isoformat(),
                "date_stop": stop.isoformat(),
                "impressions": n,
                "unique_viewers": None
                if breakdowns
                else sum(len(v) for v in c["viewers"].values()),
                "clicks": k,
                "ctr": k / n if n else None,
                "ctr_ci_low": low_high[0],
                "ctr_ci_high": low_high[1],
                "entries": c["entries"],
                "orders": c["orders"],
                "revenue": {
                    "amount": one[1] if one else (0 if not revenue else None),
                    "currency": one[0] if one else None,
                },
                "revenue_by_currency": revenue,
                "conversion_rate": (c["entries"] + c["orders"]) / k if k else None,
                "invalid_events": c["invalid_events"],
            }
        )
        rows[(ident[0], values, start.isoformat())] = row
    return rows


def fetch_all(client, **params):
    """Every row of a report, page by page through ``next``."""
    response = client.get(INSIGHTS, {"since": SINCE, "until": UNTIL, "page_size": 40, **params})
    rows, pages = [], 0
    while True:
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["data"]
        pages += 1
        if body["next"] is None:
            return rows, pages
        response = client.get(body["next"])


def close(a, b):
    if a is None or b is None:
        return a is b
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("level", ["promotion", "campaign", "brand"])
@pytest.mark.parametrize("increment", ["1", "7", "monthly", "all_days"])
def test_insights_equal_counts_from_the_raw_events(api_client, world, level, increment):
    raws, raw_key = world
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    combos = [c for n in range(len(BREAKDOWNS) + 1) for c in combinations(BREAKDOWNS, n)]
    for breakdowns in combos:
        # when
        got, pages = fetch_all(
            api_client, level=level, time_increment=increment, breakdowns=",".join(breakdowns)
        )
        # then: the same rows, in the documented order, with the same numbers
        want = expected_rows(raws, level, increment, breakdowns)
        id_field = {"promotion": "promotion_id", "campaign": "campaign_id", "brand": "brand"}
        ids = dict(Brand.objects.values_list("slug", "pk"))
        for r in got:
            r["_id"] = ids[r["brand"]] if level == "brand" else r[id_field[level]]
        keys = [(r["_id"], tuple(r[b] for b in breakdowns), r["date_start"]) for r in got]
        assert keys == sorted(want), (breakdowns, len(keys), len(want))
        assert pages == max(1, math.ceil(len(want) / 40))
        for row in got:
            expected = want[(row.pop("_id"), tuple(row[b] for b in breakdowns), row["date_start"])]
            for name in ("ctr", "ctr_ci_low", "ctr_ci_high", "conversion_rate"):
                assert close(row.pop(name), expected.pop(name)), (name, breakdowns, row)
            assert row == expected, breakdowns


def test_a_campaign_filter_reads_only_that_campaigns_rows(api_client, world):
    raws, raw_key = world
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    campaign_id = raws[0].promotion.campaign_id
    mine = [r for r in raws if r.promotion.campaign_id == campaign_id]

    got, _pages = fetch_all(api_client, level="promotion", campaign=campaign_id, time_increment="1")

    want = expected_rows(mine, "promotion", "1", ())
    assert [(r["promotion_id"], (), r["date_start"]) for r in got] == sorted(want)
    assert sum(r["impressions"] for r in got) == sum(w["impressions"] for w in want.values())


def test_a_cursor_that_was_not_handed_out_is_a_400_naming_it(api_client, world):
    _raws, raw_key = world
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw_key}")

    response = api_client.get(INSIGHTS, {"since": SINCE, "until": UNTIL, "cursor": "bm9wZQ"})

    assert response.status_code == 400
    assert list(response.json()["error"]["fields"]) == ["cursor"]
