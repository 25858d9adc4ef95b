"""Admin dashboards: CTR chart with its band, funnel, comparison in plain words, campaign
lift and first-time participants, CSV of every table, brand scoping."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import UTC, datetime, time, timedelta

import pytest
from django.test import Client

from promotions.reports import dashboard_page, dashboards, numbers
from promotions.reports.numbers import NO_VALUE
from tests.factories import (
    BrandFactory,
    BrandMembershipFactory,
    CampaignFactory,
    PromotionFactory,
)
from tests.factories.promotions import EntryFactory, PersonFactory
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent

pytestmark = pytest.mark.django_db


def record(promotion, ts, *, impressions=0, clicks=0, entries=0, orders=(), invalid=0):
    ids = (promotion.pk, promotion.campaign_id, promotion.campaign.brand_id)
    events = [TrackedEvent(uuid.uuid4(), ts, "impression", *ids) for _ in range(impressions)]
    events += [TrackedEvent(uuid.uuid4(), ts, "click", *ids) for _ in range(clicks)]
    events += [TrackedEvent(uuid.uuid4(), ts, "entry", *ids) for _ in range(entries)]
    events += [
        TrackedEvent(uuid.uuid4(), ts, "order", *ids, value=v, currency="EUR") for v in orders
    ]
    events += [
        TrackedEvent(uuid.uuid4(), ts, "impression", *ids, invalid_reason="bot")
        for _ in range(invalid)
    ]
    events_store(events)


@pytest.fixture
def brand():
    return BrandFactory(slug="nova", timezone="UTC")


@pytest.fixture
def marketer(brand):
    membership = BrandMembershipFactory(brand=brand, role="analyst")
    client = Client()
    client.force_login(membership.user)
    return client


@pytest.fixture
def promotions(brand):
    campaign = CampaignFactory(brand=brand, name="Launch")
    a = PromotionFactory(campaign=campaign, title="Giveaway")
    b = PromotionFactory(campaign=campaign, title="Instant win")
    yesterday = datetime.now(UTC) - timedelta(days=1)
    record(a, yesterday, impressions=1000, clicks=150, entries=40, orders=[1999, 2500], invalid=7)
    record(b, yesterday, impressions=1000, clicks=100, entries=10)
    return a, b


def test_a_promotion_dashboard_shows_the_ctr_chart_funnel_and_comparison(marketer, promotions):
    a, _b = promotions

    response = marketer.get(f"/admin/promotions/promotion/{a.pk}/dashboard/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg class="ph-chart"' in html
    assert 'class="ph-band"' in html and 'class="ph-ctr"' in html
    assert "15.0%" in html  # overall CTR
    funnel = response.context["funnel"]
    assert [(s.name, s.count) for s in funnel.steps] == [
        ("Impressions", 1000),
        ("Clicks", 150),
        ("Entries", 40),
        ("Orders", 2),
    ]
    assert (funnel.revenue, funnel.currency) == (4499, "EUR")
    assert response.context["overall"].invalid_events == 7
    verdict = response.context["comparison"].verdict
    assert verdict.startswith("“Giveaway” has a higher click-through rate than “Instant win”")
    assert "statistically significant" in verdict and "less than 0.1%" in verdict
    assert "https://" not in html.split('id="ctr-chart"')[1].split("</figure>")[0]
    # The page shows percentages and words; the CSV export keeps ratios and column names.
    daily = next(t for t in response.context["tables"] if t.name == "daily")
    assert daily.labels[:4] == ["Day", "Impressions", "Clicks", "CTR"]
    assert [row[1:4] for row in daily.shown if row[1] == "1000"] == [["1000", "150", "15.0%"]]
    assert [row[1:4] for row in daily.rows if row[1] == 1000] == [[1000, 150, "0.150000"]]
    assert "0.150000" not in html and '<th scope="col">CTR</th>' in html


def test_the_comparison_says_when_a_gap_is_not_significant():
    brand = BrandFactory(timezone="UTC")
    a = PromotionFactory(campaign__brand=brand, title="Blue")
    b = PromotionFactory(campaign=a.campaign, title="Red")
    today = datetime.now(UTC).date()
    record(a, datetime.now(UTC), impressions=100, clicks=13)
    record(b, datetime.now(UTC), impressions=100, clicks=10)

    comparison = dashboards.promotions_compare(a=a, b=b, since=today, until=today)

    assert not comparison.significant
    assert comparison.verdict.startswith("No clear winner yet: “Blue” is ahead of “Red”")
    assert round(comparison.z, 3) == 0.665
    assert round(comparison.p_value, 3) == 0.506


def test_campaign_lift_against_the_14_days_before_launch_and_first_timers(brand):
    # given: 10 interactions a day in the 14 days before launch, 25 a day since
    now = datetime.now(UTC)
    launch_day = now.date() - timedelta(days=4)
    launch = datetime.combine(launch_day, time(0), UTC)
    campaign = CampaignFactory(brand=brand, starts_at=launch, ends_at=now + timedelta(days=20))
    promotion = PromotionFactory(campaign=campaign)
    older = PromotionFactory(
        campaign=CampaignFactory(brand=brand, starts_at=launch - timedelta(days=60), ends_at=launch)
    )
    for offset in range(-14, 5):
        day = datetime.combine(launch_day + timedelta(days=offset), time(0, 30), UTC)
        if offset < 0:
            record(older, day, impressions=8, clicks=2)
        else:
            record(promotion, day, impressions=20, clicks=4, entries=1)
    record(older, launch - timedelta(days=20), impressions=500)  # outside the baseline
    # ten participants; three had entered the brand's promotions before
    people = [PersonFactory() for _ in range(10)]
    for person in people[:3]:
        EntryFactory(promotion=older, person=person, created_at=launch - timedelta(days=3))
    for person in people:
        EntryFactory(promotion=promotion, person=person, created_at=launch + timedelta(hours=5))
    EntryFactory(promotion=older, person=people[5], created_at=launch + timedelta(days=9))
    EntryFactory(promotion__campaign__brand=BrandFactory(), person=people[6])

    lift = dashboards.campaign_lift_get(campaign=campaign)

    assert (lift.before_daily, lift.during_daily) == (10.0, 25.0)
    assert lift.lift == 1.5  # +150%
    assert (lift.first_timers, lift.participants) == (7, 10)
    assert lift.first_time_share == 0.7
    assert [d.phase for d in lift.days] == ["before"] * 14 + ["during"] * 5


def test_the_campaign_dashboard_shows_lift_and_every_table_exports_as_csv(marketer, promotions):
    a, _b = promotions
    url = f"/admin/promotions/campaign/{a.campaign_id}/dashboard/"

    page = marketer.get(url)

    assert page.status_code == 200
    names = [t.name for t in page.context["tables"]]
    assert names == ["daily", "funnel", "languages", "promotions", "comparison", "lift"]
    assert 'id="lift"' in page.content.decode()
    for name in names:
        response = marketer.get(url, {"export": name})
        assert response.status_code == 200, name
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        table = next(t for t in page.context["tables"] if t.name == name)
        assert rows[0] == table.header
        assert rows[1:] == [[str(c) for c in row] for row in table.rows]
    promotions_csv = marketer.get(url, {"export": "promotions"}).content.decode().splitlines()
    assert promotions_csv[1].startswith(f"{a.pk},Giveaway,1000,150,0.150000,")
    assert marketer.get(url, {"export": "nope"}).status_code == 404


def test_another_brands_dashboard_and_promotions_are_out_of_reach(marketer, promotions):
    theirs = PromotionFactory(campaign__brand=BrandFactory(slug="rival"), title="Rival secret")
    a, _b = promotions

    assert marketer.get(f"/admin/promotions/promotion/{theirs.pk}/dashboard/").status_code in (
        302,
        404,
    )
    assert marketer.get(
        f"/admin/promotions/campaign/{theirs.campaign_id}/dashboard/"
    ).status_code in (
        302,
        404,
    )
    compared = marketer.get(f"/admin/promotions/promotion/{a.pk}/dashboard/", {"b": theirs.pk})
    assert compared.status_code == 200
    assert "Rival secret" not in compared.content.decode()


def test_a_chosen_range_and_a_bad_range(marketer, promotions):
    a, _b = promotions
    url = f"/admin/promotions/promotion/{a.pk}/dashboard/"
    today = datetime.now(UTC).date()

    chosen = marketer.get(url, {"since": today - timedelta(days=2), "until": today})
    backwards = marketer.get(url, {"since": today, "until": today - timedelta(days=5)})

    days = [row[0] for row in chosen.context["tables"][0].rows]
    assert days == [(today - timedelta(days=n)).isoformat() for n in (2, 1, 0)]
    assert backwards.status_code == 200
    assert "must not come before" in backwards.content.decode()


def test_a_dashboard_without_impressions_shows_a_dash_for_every_rate(marketer, brand):
    quiet = PromotionFactory(campaign=CampaignFactory(brand=brand), title="Quiet")

    response = marketer.get(f"/admin/promotions/promotion/{quiet.pk}/dashboard/")

    assert response.status_code == 200
    assert (response.context["overall_ctr"], response.context["overall_interval"]) == (
        NO_VALUE,
        [NO_VALUE, NO_VALUE],
    )
    assert response.context["funnel_revenue"] == "0.00"
    assert NO_VALUE == "\N{EN DASH}"  # as the template's own default for the lift


def test_dashboard_get_builds_the_campaign_tables(promotions):
    a, b = promotions
    candidates = list(dashboard_page.dashboard_promotion_choices(brand=a.campaign.brand))

    board = dashboard_page.dashboard_get(subject=a.campaign, candidates=candidates)

    assert [t.name for t in board.tables] == [
        "daily",
        "funnel",
        "languages",
        "promotions",
        "comparison",
        "lift",
    ]
    assert (board.comparison.a, board.comparison.b) == (a, b)  # the most impressions first
    promotions_table = next(t for t in board.tables if t.name == "promotions")
    assert [row[:5] for row in promotions_table.rows] == [
        [a.pk, "Giveaway", 1000, 150, "0.150000"],
        [b.pk, "Instant win", 1000, 100, "0.100000"],
    ]
    assert (board.overall_ctr, board.funnel_revenue) == ("12.5%", "44.99 EUR")


@pytest.mark.parametrize(
    ("value", "options", "shown"),
    [
        (0.153, {}, "15.3%"),
        (0.025, {}, "2.5%"),
        (None, {}, NO_VALUE),
        (1.5, {"digits": 0, "signed": True}, "+150%"),
        (-0.2, {"digits": 0, "signed": True}, "-20%"),
        (None, {"digits": 0, "signed": True}, NO_VALUE),
    ],
)
def test_percentages_read_one_way(value, options, shown):
    assert numbers.percent(value, **options) == shown


def test_the_dashboard_shows_ctr_per_language_and_revenue_per_currency(marketer, brand):
    # given: a promotion seen in French and German, and paid in euros and dollars
    promotion = PromotionFactory(campaign=CampaignFactory(brand=brand), title="Multilingual")
    ids = (promotion.pk, promotion.campaign_id, promotion.campaign.brand_id)
    ts = datetime.now(UTC) - timedelta(days=1)
    events = []
    for language, impressions, clicks in (("fr", 200, 30), ("de", 100, 5)):
        events += [
            TrackedEvent(uuid.uuid4(), ts, "impression", *ids, language=language)
            for _ in range(impressions)
        ]
        events += [
            TrackedEvent(uuid.uuid4(), ts, "click", *ids, language=language) for _ in range(clicks)
        ]
    events += [
        TrackedEvent(uuid.uuid4(), ts, "order", *ids, value=1999, currency="EUR"),
        TrackedEvent(uuid.uuid4(), ts, "order", *ids, value=2500, currency="USD"),
    ]
    events_store(events)

    # when
    response = marketer.get(f"/admin/promotions/promotion/{promotion.pk}/dashboard/")

    # then
    assert response.status_code == 200
    languages = next(t for t in response.context["tables"] if t.name == "languages")
    assert [row[:4] for row in languages.rows] == [
        ["fr", 200, 30, "0.150000"],
        ["de", 100, 5, "0.050000"],
        ["unknown", 0, 0, ""],  # the orders: a conversion has no page language
    ]
    assert response.context["funnel_revenue"] == "19.99 EUR · 25.00 USD"
    assert "19.99 EUR · 25.00 USD" in response.content.decode()
    export = marketer.get(
        f"/admin/promotions/promotion/{promotion.pk}/dashboard/", {"export": "funnel"}
    )
    assert "Revenue (minor units),1999,EUR" in export.content.decode()
    assert "Revenue (minor units),2500,USD" in export.content.decode()
