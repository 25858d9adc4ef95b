"""Exactly once, end to end: retries, duplicates, consumers killed mid-batch, a database
connection lost mid-batch, Redis or the database down, two consumers at once."""

import itertools
import threading
import uuid
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from django.db import DataError, connection
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from tests.factories import CampaignFactory, PromotionFactory
from tests.tracking.conftest import DESKTOP_UA, click_path_for, drain, token_for
from tests.tracking.totals import promotion_totals
from tracking import selectors, services, stream
from tracking.models import Event
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent


class Crash(BaseException):
    """Stands for the process being killed: nothing after it runs, `except Exception` included."""


def crash_at(point):
    def checkpoint(name):
        if name == point:
            raise Crash(name)

    return checkpoint


def totals(*promotions):
    return promotion_totals(promotion_ids=[p.pk for p in promotions])


def level_totals(level, ids, brand_id):
    today = datetime.now(UTC).date()
    rows = selectors.stats_row_list(
        level=level,
        since=today - timedelta(days=1),
        until=today + timedelta(days=1),
        timezone="UTC",
        brand_ids=[brand_id],
        **({"promotion_ids": ids} if level == "promotion" else {}),
    )
    return {r.id: r.stats for r in rows}


def send_traffic(wsgi, promotions, impressions, clicks):
    """Each impression and click sent twice (a retry), from a viewer per event index."""
    for i in range(impressions):
        promotion = promotions[i % len(promotions)]
        event_id = str(uuid.uuid4())
        for _ in range(2):
            assert (
                wsgi.beacon(token_for(promotion), event_id, ua=f"{DESKTOP_UA} v/{i}").status == 204
            )
    for i in range(clicks):
        promotion = promotions[i % len(promotions)]
        path = f"{click_path_for(promotion)}?e={uuid.uuid4()}"
        for _ in range(2):
            assert wsgi.request("GET", path, ua=f"{DESKTOP_UA} v/{i}").status == 302


@pytest.mark.django_db
def test_n_impressions_and_m_clicks_with_retries_count_exactly_at_every_level(wsgi):
    campaign = CampaignFactory()
    promotions = [PromotionFactory(campaign=campaign) for _ in range(3)]
    other = PromotionFactory(campaign__brand=campaign.brand)

    send_traffic(wsgi, promotions, impressions=90, clicks=12)
    send_traffic(wsgi, [other], impressions=10, clicks=1)
    drain()

    by_promotion = level_totals("promotion", [p.pk for p in promotions], campaign.brand_id)
    assert [(s.impressions, s.clicks) for s in by_promotion.values()] == [(30, 4)] * 3
    assert {s.ctr for s in by_promotion.values()} == {4 / 30}
    by_campaign = level_totals("campaign", None, campaign.brand_id)
    assert (by_campaign[campaign.pk].impressions, by_campaign[campaign.pk].clicks) == (90, 12)
    assert by_campaign[campaign.pk].ctr == 12 / 90
    assert by_campaign[campaign.pk].unique_viewers == 90
    brand = level_totals("brand", None, campaign.brand_id)[campaign.brand_id]
    assert (brand.impressions, brand.clicks, brand.ctr) == (100, 13, 0.13)
    assert Event.objects.count() == 113


_examples = itertools.count(1)


@pytest.mark.django_db
@hsettings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sent=st.lists(st.integers(0, 25), max_size=80),
    cuts=st.lists(st.integers(1, 15), max_size=8),
    replay=st.booleans(),
)
def test_any_batching_and_replay_counts_each_event_once(sent, cuts, replay):
    # given: events by index (duplicates among them), type and validity fixed by index
    promotion_id = 10_000_000 + next(_examples)
    nonce = uuid.uuid4()
    now = datetime.now(UTC)

    def event(i):
        return TrackedEvent(
            event_id=uuid.uuid5(nonce, str(i)),
            ts=now,
            type="click" if i % 3 == 0 else "impression",
            promotion_id=promotion_id,
            campaign_id=promotion_id,
            brand_id=promotion_id,
            pseudonym=bytes([i % 7]) * 16,
            invalid_reason="bot" if i % 5 == 0 else "",
        )

    events = [event(i) for i in sent]
    batches, start = [], 0
    for cut in cuts:
        batches.append(events[start : start + cut])
        start += cut
    batches.append(events[start:])

    # when: stored in those batches, perhaps all over again
    stored = sum(events_store(b) for b in batches)
    if replay:
        stored += sum(events_store(b) for b in reversed(batches))

    # then: each distinct event once, wherever it fell
    distinct = set(sent)
    valid = {i for i in distinct if i % 5}
    stats = promotion_totals(promotion_ids=[promotion_id]).get(promotion_id)
    assert stored == len(distinct)
    if distinct:
        assert stats.impressions == len({i for i in valid if i % 3})
        assert stats.clicks == len({i for i in valid if i % 3 == 0})
        assert stats.invalid_events == len(distinct - valid)
        viewers = level_totals("promotion", [promotion_id], promotion_id)[promotion_id]
        assert viewers.unique_viewers == len({i % 7 for i in valid if i % 3})


# --- The stream path: consumers killed, connections lost, two consumers ---------------------


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_consumer_killed_after_copy_before_commit_loses_nothing(wsgi):
    promotion = PromotionFactory()
    send_traffic(wsgi, [promotion], impressions=20, clicks=3)

    with pytest.raises(Crash):
        stream.stream_consume(consumer="c1", until_empty=True, checkpoint=crash_at("stored"))
    assert totals(promotion) == {}  # the transaction never committed

    stream.stream_consume(consumer="c1", until_empty=True)  # restarted under the same name

    stats = totals(promotion)[promotion.pk]
    assert (stats.impressions, stats.clicks) == (20, 3)
    assert stream.client().xlen(stream.stream_key()) == 0


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_consumer_killed_after_commit_before_ack_is_not_counted_twice(wsgi, settings):
    promotion = PromotionFactory()
    send_traffic(wsgi, [promotion], impressions=20, clicks=3)

    with pytest.raises(Crash):
        stream.stream_consume(consumer="dead", until_empty=True, checkpoint=crash_at("committed"))
    r = stream.client()
    pending = r.xpending(stream.stream_key(), "tracking")["pending"]
    assert pending == 46  # stored, never acknowledged
    settings.TRACKING_CLAIM_IDLE_MS = 0  # "dead" is presumed dead at once

    result = stream.stream_consume(consumer="survivor", until_empty=True)

    assert (result.entries, result.stored) == (46, 0)  # claimed, all already stored
    stats = totals(promotion)[promotion.pk]
    assert (stats.impressions, stats.clicks) == (20, 3)
    assert r.xlen(stream.stream_key()) == 0
    assert r.xpending(stream.stream_key(), "tracking")["pending"] == 0


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_connection_lost_mid_batch_loses_no_event(wsgi):
    promotion = PromotionFactory()
    send_traffic(wsgi, [promotion], impressions=15, clicks=2)
    r = stream.client()
    terminated = []

    def kill_our_backend(point):
        if point == "stored" and not terminated:
            pid = connection.connection.info.backend_pid
            params = connection.get_connection_params()
            with psycopg.connect(
                **{
                    k: v
                    for k, v in params.items()
                    if k in ("dbname", "user", "host", "port", "password")
                },
                autocommit=True,
            ) as other:
                other.execute("SELECT pg_terminate_backend(%s)", [pid])
            terminated.append(pid)

    result = stream.stream_consume(
        consumer="c1",
        block_ms=50,
        checkpoint=kill_our_backend,
        should_stop=lambda: r.xlen(stream.stream_key()) == 0,
    )

    assert terminated
    assert result.stored == 17
    stats = totals(promotion)[promotion.pk]
    assert (stats.impressions, stats.clicks) == (15, 2)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_two_consumers_at_once_count_exactly(settings):
    promotions = [PromotionFactory() for _ in range(2)]
    now = datetime.now(UTC)
    ids = [uuid.uuid4() for _ in range(500)]
    # 250 entries of 4 events; every id is published twice, in different entries
    sequence = ids + ids[::-1]
    for start in range(0, len(sequence), 4):
        services.events_record(
            events=[
                TrackedEvent(
                    event_id=e,
                    ts=now,
                    type="impression",
                    promotion_id=promotions[e.int % 2].pk,
                    campaign_id=promotions[e.int % 2].campaign_id,
                    brand_id=promotions[e.int % 2].campaign.brand_id,
                    pseudonym=e.bytes,
                )
                for e in sequence[start : start + 4]
            ]
        )
    results = {}

    def consume(name):
        try:
            results[name] = stream.stream_consume(consumer=name, until_empty=True, count=10)
        finally:
            connection.close()

    threads = [threading.Thread(target=consume, args=(f"c{i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sum(r.entries for r in results.values()) == 250
    assert sum(r.stored for r in results.values()) == 500
    expected = {p.pk: sum(1 for e in ids if e.int % 2 == i) for i, p in enumerate(promotions)}
    assert {pk: s.impressions for pk, s in totals(*promotions).items()} == expected


# --- Outages: no 2xx for an event that was not stored ------------------------------------


@pytest.mark.django_db
def test_with_redis_stopped_the_beacon_still_stores_before_answering(wsgi, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/4"
    promotion = PromotionFactory()
    event_id = str(uuid.uuid4())

    first = wsgi.beacon(token_for(promotion), event_id)
    retry = wsgi.beacon(token_for(promotion), event_id)

    assert (first.status, retry.status) == (204, 204)
    assert totals(promotion)[promotion.pk].impressions == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_redis_and_the_database_down_nothing_gets_a_2xx(
    wsgi, settings, api_client, make_api_key
):
    settings.REDIS_URL = "redis://127.0.0.1:1/4"  # Redis stopped
    promotion = PromotionFactory()
    _key, raw = make_api_key(brands=[promotion.campaign.brand], scopes=["events:write"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    event_id = str(uuid.uuid4())
    params = connection.get_connection_params()
    blocker = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")}
    )
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        # the event tables are unavailable to us, as in a database outage
        blocker.execute("LOCK TABLE tracking_seenevent IN ACCESS EXCLUSIVE MODE")

        beacon = wsgi.beacon(token_for(promotion), event_id)
        pixel = wsgi.request("GET", f"/t/i.gif?p={token_for(promotion)}&e={uuid.uuid4()}")
        click = wsgi.request("GET", click_path_for(promotion))
        batch = api_client.post(
            "/api/v1/events/batch",
            [
                {
                    "event_id": str(uuid.uuid4()),
                    "type": "impression",
                    "promotion": promotion.pk,
                    "ts": datetime.now(UTC).isoformat(),
                }
            ],
            format="json",
        )
    finally:
        blocker.rollback()
        blocker.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert beacon.status == 503
    assert beacon.header("Retry-After") == "1"
    assert beacon.json()["error"]["code"] == "unavailable"
    assert (pixel.status, pixel.header("Content-Type")) == (503, "image/gif")
    assert click.status == 503
    assert click.header("Location") is None
    assert batch.status_code == 503
    assert totals(promotion) == {}
    # the page retries with the same event id once the database is back: counted once
    assert wsgi.beacon(token_for(promotion), event_id).status == 204
    assert wsgi.beacon(token_for(promotion), event_id).status == 204
    assert totals(promotion)[promotion.pk].impressions == 1


# --- Partner batches: large ones straight to the database, the stream as their fallback ---


def partner_events(promotion, n):
    ts = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    return [
        {"event_id": str(uuid.uuid4()), "type": "impression", "promotion": promotion.pk, "ts": ts}
        for _ in range(n)
    ]


@pytest.fixture
def partner(api_client, make_api_key):
    def as_partner_of(promotion):
        _key, raw = make_api_key(brands=[promotion.campaign.brand], scopes=["events:write"])
        api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api_client

    return as_partner_of


@pytest.mark.redis
@pytest.mark.django_db
def test_a_large_batch_is_counted_before_the_answer_and_a_small_one_waits_in_the_stream(
    settings, partner
):
    settings.TRACKING_BATCH_DIRECT_MIN_EVENTS = 5
    promotion = PromotionFactory()
    client = partner(promotion)

    large = client.post("/api/v1/events/batch", partner_events(promotion, 5), format="json")

    assert large.json() == {"accepted": 5, "duplicates": 0, "rejected": []}
    assert stream.client().xlen(stream.stream_key()) == 0
    assert totals(promotion)[promotion.pk].impressions == 5

    small = client.post("/api/v1/events/batch", partner_events(promotion, 4), format="json")

    assert small.json() == {"accepted": 4, "duplicates": 0, "rejected": []}
    assert stream.client().xlen(stream.stream_key()) == 1
    assert totals(promotion)[promotion.pk].impressions == 5
    drain()
    assert totals(promotion)[promotion.pk].impressions == 9


@pytest.mark.redis
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_with_the_database_down_a_large_batch_waits_in_the_stream_and_counts_once(
    settings, partner
):
    settings.TRACKING_BATCH_DIRECT_MIN_EVENTS = 5
    promotion = PromotionFactory()
    client = partner(promotion)
    events = partner_events(promotion, 8)
    params = connection.get_connection_params()
    blocker = psycopg.connect(
        **{k: v for k, v in params.items() if k in ("dbname", "user", "host", "port", "password")}
    )
    with connection.cursor() as cursor:
        cursor.execute("SET lock_timeout = '200ms'")
    try:
        # the event tables are unavailable, as in a database outage; Redis is up
        blocker.execute("LOCK TABLE tracking_seenevent IN ACCESS EXCLUSIVE MODE")
        during = client.post("/api/v1/events/batch", events, format="json")
    finally:
        blocker.rollback()
        blocker.close()
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")

    assert during.status_code == 202
    assert during.json() == {"accepted": 8, "duplicates": 0, "rejected": []}
    assert stream.client().xlen(stream.stream_key()) == 1
    assert totals(promotion) == {}
    # the partner retries anyway once the database is back: stored then...
    retry = client.post("/api/v1/events/batch", events, format="json")
    assert retry.json() == {"accepted": 8, "duplicates": 0, "rejected": []}
    # ...and the copy waiting in the stream adds nothing
    assert stream.stream_consume(until_empty=True, block_ms=0).stored == 0
    assert totals(promotion)[promotion.pk].impressions == 8
    again = client.post("/api/v1/events/batch", events, format="json")
    assert again.json() == {"accepted": 0, "duplicates": 8, "rejected": []}


@pytest.mark.redis
@pytest.mark.django_db
def test_a_batch_the_database_refuses_for_another_reason_is_a_503_and_not_queued(
    settings, partner, monkeypatch
):
    settings.TRACKING_BATCH_DIRECT_MIN_EVENTS = 5
    promotion = PromotionFactory()
    client = partner(promotion)

    def refuse(events, **kwargs):
        raise DataError("value too long for type character varying(2)")

    monkeypatch.setattr(services.store, "events_store", refuse)
    response = client.post("/api/v1/events/batch", partner_events(promotion, 5), format="json")

    # a consumer would fail on the same batch: it must not wait in the stream
    assert response.status_code == 503
    assert stream.client().xlen(stream.stream_key()) == 0
