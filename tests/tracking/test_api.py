"""The partner side of tracking: POST /api/v1/events/batch and GET /api/v1/reports/insights/."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import BrandFactory, CampaignFactory, PromotionFactory
from tests.tracking.conftest import drain
from tracking.models import Event
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent

pytestmark = pytest.mark.django_db

BATCH = "/api/v1/events/batch"
INSIGHTS = "/api/v1/reports/insights/"


def iso(ts):
    return ts.isoformat().replace("+00:00", "Z")


def event(promotion, kind="impression", **overrides):
    return {
        "event_id": str(uuid.uuid4()),
        "type": kind,
        "promotion": promotion.pk,
        "ts": iso(datetime.now(UTC) - timedelta(minutes=5)),
        **overrides,
    }


@pytest.fixture
def brand():
    return BrandFactory(timezone="Europe/Paris")


@pytest.fixture
def writer(api_client, make_api_key, brand):
    _key, raw = make_api_key(brands=[brand], scopes=["events:write", "reports:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api_client


def post_batch(client, events):
    return client.post(BATCH, events, format="json")


def test_a_batch_is_accepted_and_its_retry_counts_as_duplicates(writer, brand):
    promotion = PromotionFactory(campaign__brand=brand)
    events = [event(promotion) for _ in range(7)] + [event(promotion, "click") for _ in range(2)]

    first = post_batch(writer, events)
    drain()
    retry = post_batch(writer, events)
    drain()

    assert first.status_code == 202
    assert first.json() == {"accepted": 9, "duplicates": 0, "rejected": []}
    assert retry.status_code == 202
    assert retry.json() == {"accepted": 0, "duplicates": 9, "rejected": []}
    row = insights(writer, promotion=promotion.pk)["data"][0]
    assert (row["impressions"], row["clicks"]) == (7, 2)


def test_events_repeated_within_a_batch_are_duplicates(writer, brand):
    promotion = PromotionFactory(campaign__brand=brand)
    one = event(promotion)

    response = post_batch(writer, [one, one, dict(one), event(promotion)])

    assert response.json() == {"accepted": 2, "duplicates": 2, "rejected": []}


def test_each_bad_event_is_rejected_on_its_own(writer, brand):
    promotion = PromotionFactory(campaign__brand=brand)
    other_brands = PromotionFactory()
    now = datetime.now(UTC)
    events = [
        event(promotion),
        event(promotion, colour="red"),
        event(promotion, type="purchase"),
        event(other_brands),
        {**event(promotion), "promotion": 10**12},
        event(promotion, ts=iso(now + timedelta(hours=1))),
        event(promotion, ts=iso(now - timedelta(days=8))),
        event(promotion, ts="2026-05-01T12:00:00"),
        event(promotion, ts="yesterday"),
        event(promotion, country="France"),
        event(promotion, device="fridge"),
        "not an event",
        {**event(promotion), "event_id": ""},
        {**event(promotion), "promotion": "12"},
        event(promotion, "click", country="fr", device="mobile", source="Newsletter"),
    ]

    response = post_batch(writer, events)

    assert response.status_code == 202
    body = response.json()
    assert (body["accepted"], body["duplicates"]) == (2, 0)
    assert [r["index"] for r in body["rejected"]] == list(range(1, 14))
    errors = {r["index"]: r["error"] for r in body["rejected"]}
    assert errors[1] == "Unknown field(s): colour."
    assert errors[3] == errors[4] == "promotion: no such promotion among your brands'."
    assert errors[5] == "ts: lies in the future."
    assert errors[6] == "ts: older than 7 days; such events are not accepted."
    assert errors[7] == "ts: give a time zone (Z or +02:00)."


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (
            lambda p: event(p, ts=iso(datetime.now(UTC) + timedelta(hours=2))),
            "ts: lies in the future.",
        ),
        (
            lambda p: event(p, ts=iso(datetime.now(UTC) - timedelta(days=30))),
            "ts: older than 7 days; such events are not accepted.",
        ),
        (
            lambda p: {**event(p), "promotion": 10**12},
            "promotion: no such promotion among your brands'.",
        ),
        (lambda p: event(p, type="view"), "type: must be impression or click."),
        (lambda p: event(p, country="FR\n"), "country: a two-letter ISO 3166 code, e.g. FR."),
        (lambda p: event(p, country="É1"), "country: a two-letter ISO 3166 code, e.g. FR."),
        (lambda p: event(p, device=["mobile"]), "device: one of desktop, mobile, other, tablet."),
        (
            lambda p: {**event(p), "promotion": 2**63},
            "promotion: a promotion id (integer) is required.",
        ),
        (
            lambda p: {**event(p), "promotion": True},
            "promotion: a promotion id (integer) is required.",
        ),
    ],
)
def test_a_batch_with_no_valid_event_is_answered_event_by_event(writer, brand, make, error):
    promotion = PromotionFactory(campaign__brand=brand)

    response = post_batch(writer, [make(promotion), make(promotion)])

    assert response.status_code == 202
    assert response.json() == {
        "accepted": 0,
        "duplicates": 0,
        "rejected": [{"index": 0, "error": error}, {"index": 1, "error": error}],
    }
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [{"events": []}, [], "text", 12, None],
)
def test_a_body_that_is_not_a_list_of_events_is_a_400(writer, body):
    response = writer.post(BATCH, body, format="json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_more_than_1000_events_is_a_400_for_the_whole_batch(writer, brand):
    promotion = PromotionFactory(campaign__brand=brand)

    response = post_batch(writer, [event(promotion) for _ in range(1001)])
    drain()

    assert response.status_code == 400
    assert (
        response.json()["error"]["message"] == "At most 1000 events per batch; this one has 1001."
    )
    assert insights(writer, promotion=promotion.pk)["data"] == []


@pytest.mark.parametrize("body", [b"[{", b'[{"event_id": NaN}]', b"\xff\xfe[]"])
def test_malformed_json_is_a_400(writer, body):
    response = writer.post(BATCH, data=body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "parse_error"


def test_the_batch_needs_the_events_write_scope(api_client, make_api_key, brand):
    _key, raw = make_api_key(brands=[brand], scopes=["reports:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = post_batch(api_client, [])

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "missing_scope"


def test_the_batch_needs_a_key(api_client):
    assert post_batch(api_client, []).status_code == 401


def test_a_full_batch_of_1000_is_recorded(writer, brand, django_assert_max_num_queries):
    promotion = PromotionFactory(campaign__brand=brand)
    events = [event(promotion) for _ in range(1000)]

    with django_assert_max_num_queries(25):
        response = post_batch(writer, events)
    drain()

    assert response.json()["accepted"] == 1000
    assert insights(writer, promotion=promotion.pk)["data"][0]["impressions"] == 1000


# --- Insights ------------------------------------------------------------------------


def insights(client, **params):
    today = datetime.now(UTC).date()
    query = {"since": today - timedelta(days=2), "until": today + timedelta(days=1), **params}
    response = client.get(INSIGHTS, query)
    assert response.status_code == 200, response.content
    return response.json()


def record(promotion, *, impressions=0, clicks=0, ts=None, invalid=0, viewers=None):
    ts = ts or datetime.now(UTC)
    brand_id = promotion.campaign.brand_id
    events = []
    for i in range(impressions):
        pseudonym = viewers[i % len(viewers)] if viewers else uuid.uuid4().bytes
        events.append(
            TrackedEvent(
                uuid.uuid4(),
                ts,
                "impression",
                promotion.pk,
                promotion.campaign_id,
                brand_id,
                pseudonym=pseudonym,
            )
        )
    for _ in range(clicks):
        events.append(
            TrackedEvent(uuid.uuid4(), ts, "click", promotion.pk, promotion.campaign_id, brand_id)
        )
    for _ in range(invalid):
        events.append(
            TrackedEvent(
                uuid.uuid4(),
                ts,
                "impression",
                promotion.pk,
                promotion.campaign_id,
                brand_id,
                invalid_reason="bot",
            )
        )
    events_store(events)


def test_insights_name_brands_by_slug_in_rows_and_in_the_brand_filter(
    api_client, make_api_key, brand
):
    # given: a key of two brands, one of them with an all-digit slug, and a stranger brand
    digits = BrandFactory(slug="2026")
    stranger = BrandFactory(slug="stranger")
    for each in (brand, digits, stranger):
        record(PromotionFactory(campaign__brand=each), impressions=10, clicks=1)
    _key, raw = make_api_key(brands=[brand, digits], scopes=["reports:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    def brands_of(**params):
        return [r["brand"] for r in insights(api_client, level="brand", **params)["data"]]

    # then: rows say the slug; the filter takes slugs (a digit slug is a slug first) and,
    # deprecated, integer ids
    assert sorted(brands_of()) == sorted([brand.slug, "2026"])
    assert brands_of(brand=brand.slug) == [brand.slug]
    assert brands_of(brand="2026") == ["2026"]
    assert brands_of(brand=str(brand.pk)) == [brand.slug]
    assert sorted(brands_of(brand=f"{brand.slug},2026")) == sorted([brand.slug, "2026"])
    # another key's brand is a 404, as if it did not exist
    today = datetime.now(UTC).date()
    for ref in ("stranger", str(stranger.pk), "nobody"):
        response = api_client.get(INSIGHTS, {"since": today, "until": today, "brand": ref})
        assert response.status_code == 404, ref
        assert response.json()["error"]["code"] == "not_found"


def test_insights_per_promotion_carry_ctr_its_interval_and_freshness(writer, brand):
    promotion = PromotionFactory(campaign__brand=brand)
    record(promotion, impressions=100, clicks=13, invalid=4)

    body = insights(writer, level="promotion", promotion=promotion.pk)

    assert body["level"] == "promotion"
    assert body["as_of"] is not None
    [row] = body["data"]
    assert row["promotion_id"] == promotion.pk
    assert row["campaign_id"] == promotion.campaign_id
    assert row["brand"] == brand.slug
    assert (row["impressions"], row["clicks"], row["invalid_events"]) == (100, 13, 4)
    assert row["unique_viewers"] == 100
    assert row["ctr"] == 0.13
    assert round(row["ctr_ci_low"], 4) == 0.0776
    assert round(row["ctr_ci_high"], 4) == 0.2098
    assert row["revenue"] == {"amount": 0, "currency": None}
    assert row["conversion_rate"] == 0.0


def test_daily_rows_follow_the_brands_time_zone(writer, brand):
    promotion = PromotionFactory(campaign__brand=brand)
    # 22:30 UTC in winter is 23:30 in Paris; 23:30 UTC is already the next day there
    day = date(2026, 1, 14)
    record(promotion, impressions=2, ts=datetime(2026, 1, 14, 22, 30, tzinfo=UTC))
    record(promotion, impressions=3, ts=datetime(2026, 1, 14, 23, 30, tzinfo=UTC))

    response = writer.get(
        INSIGHTS,
        {"since": day, "until": day + timedelta(days=1), "time_increment": "1"},
    )

    rows = response.json()["data"]
    assert [(r["date_start"], r["date_stop"], r["impressions"]) for r in rows] == [
        ("2026-01-14", "2026-01-14", 2),
        ("2026-01-15", "2026-01-15", 3),
    ]


def test_campaign_and_brand_levels_add_up_their_promotions(writer, brand):
    campaign = CampaignFactory(brand=brand)
    first = PromotionFactory(campaign=campaign)
    second = PromotionFactory(campaign=campaign)
    elsewhere = PromotionFactory(campaign__brand=brand)
    viewer = uuid.uuid4().bytes
    record(first, impressions=10, clicks=1, viewers=[viewer])
    record(second, impressions=30, clicks=6, viewers=[viewer, uuid.uuid4().bytes])
    record(elsewhere, impressions=60, clicks=6)

    campaigns = insights(writer, level="campaign")["data"]
    brands = insights(writer, level="brand")["data"]

    by_campaign = {r["campaign_id"]: r for r in campaigns}
    assert (by_campaign[campaign.pk]["impressions"], by_campaign[campaign.pk]["clicks"]) == (40, 7)
    assert by_campaign[campaign.pk]["unique_viewers"] == 2  # the shared viewer once
    assert by_campaign[campaign.pk]["ctr"] == 7 / 40
    assert "promotion_id" not in by_campaign[campaign.pk]
    [row] = brands
    assert (row["brand"], row["impressions"], row["clicks"], row["ctr"]) == (
        brand.slug,
        100,
        13,
        0.13,
    )
    assert row["unique_viewers"] == 62


def test_breakdowns_split_rows(writer, brand):
    promotion = PromotionFactory(campaign__brand=brand)
    post_batch(
        writer,
        [event(promotion, country="FR", device="mobile")] * 1
        + [event(promotion, country="DE", device="mobile") for _ in range(2)]
        + [event(promotion, "click", country="DE", device="desktop")],
    )
    drain()

    rows = insights(writer, breakdowns="country,device")["data"]

    assert [(r["country"], r["device"], r["impressions"], r["clicks"]) for r in rows] == [
        ("DE", "desktop", 0, 1),
        ("DE", "mobile", 2, 0),
        ("FR", "mobile", 1, 0),
    ]
    assert {r["unique_viewers"] for r in rows} == {None}


def test_a_key_reports_on_its_own_brands_only(writer, brand):
    mine = PromotionFactory(campaign__brand=brand)
    theirs = PromotionFactory()
    record(mine, impressions=3)
    record(theirs, impressions=5)

    rows = insights(writer)["data"]
    forbidden = writer.get(
        INSIGHTS, {"since": "2026-01-01", "until": "2026-01-02", "promotion": theirs.pk}
    )
    other_campaign = writer.get(
        INSIGHTS, {"since": "2026-01-01", "until": "2026-01-02", "campaign": theirs.campaign_id}
    )

    assert [r["promotion_id"] for r in rows] == [mine.pk]
    assert forbidden.status_code == 404
    assert forbidden.json()["error"]["code"] == "not_found"
    assert other_campaign.status_code == 404


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"until": "2026-01-02"}, "since"),
        ({"since": "2026-01-05", "until": "2026-01-02"}, "until"),
        ({"since": "2026-01-01", "until": "2026-01-02", "level": "planet"}, "level"),
        ({"since": "2026-01-01", "until": "2026-01-02", "time_increment": "2"}, "time_increment"),
        ({"since": "2026-01-01", "until": "2026-01-02", "promotion": "1.5"}, "promotion"),
        ({"since": "2026-01-01", "until": "2026-01-02", "breakdowns": "age"}, "breakdowns"),
        ({"since": "2026-01-01", "until": "2026-01-02", "colour": "red"}, "colour"),
        ({"since": "2020-01-01", "until": "2026-01-02"}, "until"),
    ],
)
def test_bad_report_parameters_are_a_400_naming_them(writer, params, field):
    response = writer.get(INSIGHTS, params)

    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]


def test_reports_need_the_reports_read_scope(api_client, make_api_key, brand):
    _key, raw = make_api_key(brands=[brand], scopes=["events:write"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = api_client.get(INSIGHTS, {"since": "2026-01-01", "until": "2026-01-02"})

    assert response.status_code == 403


def test_insights_as_csv(writer, brand):
    promotion = PromotionFactory(campaign__brand=brand)
    record(promotion, impressions=4, clicks=1)
    today = datetime.now(UTC).date()

    response = writer.get(
        INSIGHTS,
        {"since": today - timedelta(days=1), "until": today + timedelta(days=1), "format": "csv"},
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    header, line = response.content.decode().strip().splitlines()
    assert header.startswith("promotion_id,campaign_id,brand,date_start,date_stop,impressions")
    assert line.startswith(f"{promotion.pk},{promotion.campaign_id},{brand.slug},")
    assert ",4,4,1,0.25," in line


def test_insights_as_csv_without_rows_still_names_the_id_columns(writer, brand):
    response = writer.get(
        INSIGHTS,
        {
            "since": "2026-01-01",
            "until": "2026-01-02",
            "level": "campaign",
            "breakdowns": "device",
            "format": "csv",
        },
    )

    assert response.status_code == 200
    assert response.content.decode().splitlines() == [
        "campaign_id,brand,device,date_start,date_stop,impressions,unique_viewers,clicks,ctr,"
        "ctr_ci_low,ctr_ci_high,entries,orders,revenue,currency,revenue_by_currency,"
        "conversion_rate,invalid_events"
    ]


def test_a_report_costs_a_fixed_number_of_queries(writer, brand, django_assert_max_num_queries):
    for _ in range(3):
        record(PromotionFactory(campaign__brand=brand), impressions=2, clicks=1)

    with django_assert_max_num_queries(6):
        body = insights(writer, time_increment="1")

    assert len(body["data"]) == 3


def test_a_row_narrowed_below_its_level_does_not_claim_the_wholes_viewers(writer, brand):
    campaign = CampaignFactory(brand=brand)
    one, other = PromotionFactory(campaign=campaign), PromotionFactory(campaign=campaign)
    record(one, impressions=1)
    record(other, impressions=50)

    narrowed = insights(writer, level="campaign", promotion=one.pk)["data"]
    whole = insights(writer, level="campaign")["data"]

    assert [(r["impressions"], r["unique_viewers"]) for r in narrowed] == [(1, None)]
    assert [(r["impressions"], r["unique_viewers"]) for r in whole] == [(51, 51)]
