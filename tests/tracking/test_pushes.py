"""Report subscriptions: partner CRUD, signed pushes to a local receiver, retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import uuid
from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.factories import BrandFactory, PromotionFactory
from tests.tracking.api.conftest import assert_error
from tracking import deliveries, report_pushes, tasks, webhooks
from tracking.models import ReportDelivery, ReportPush, ReportSubscription
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent

pytestmark = pytest.mark.django_db
SUBSCRIPTIONS = "/api/v1/reports/subscriptions/"


@pytest.fixture
def brand():
    return BrandFactory(slug="nova", timezone="Europe/Paris")


@pytest.fixture
def partner(api_client, make_api_key, brand):
    _key, raw = make_api_key(brands=[brand], scopes=["reports:read"])
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api_client


def record(promotion, ts, impressions, clicks):
    events = [
        TrackedEvent(
            uuid.uuid4(), ts, kind, promotion.pk, promotion.campaign_id, promotion.campaign.brand_id
        )
        for kind, n in (("impression", impressions), ("click", clicks))
        for _ in range(n)
    ]
    events_store(events)


def subscribe(client, brand, url, **extra):
    response = client.post(
        SUBSCRIPTIONS,
        {"brand": brand.slug, "url": url, "schedule": "daily", **extra},
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_a_daily_push_arrives_signed_and_verifies(partner, brand, receiver):
    # given: yesterday's traffic (Paris time) and a daily subscription
    promotion = PromotionFactory(campaign__brand=brand)
    created = subscribe(partner, brand, receiver.url, fields=["impressions", "clicks", "ctr"])
    subscription = ReportSubscription.objects.get(pk=created["id"])
    run_at = subscription.next_run_at
    record(promotion, run_at - timedelta(hours=12), impressions=40, clicks=6)

    # when: the worker's schedule runs at the due time
    assert report_pushes.report_pushes_prepare(now=run_at) == 1
    assert report_pushes.report_pushes_deliver(now=run_at) == 1

    # then: one POST, signed with the secret given at creation, carrying yesterday's row
    [request] = receiver.received
    header = request.headers["X-Signature"]
    t, v1 = (part.split("=", 1)[1] for part in header.split(","))
    expected = hmac.new(
        created["secret"].encode(), f"{t}.".encode() + request.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(v1, expected)
    assert webhooks.signature_verify(header=header, body=request.body, secret=created["secret"])
    assert not webhooks.signature_verify(
        header=header, body=request.body + b" ", secret=created["secret"]
    )
    body = json.loads(request.body)
    yesterday = (run_at - timedelta(hours=12)).astimezone(brand.tzinfo).date().isoformat()
    assert body["since"] == body["until"] == yesterday
    assert body["data"] == [
        {
            "promotion_id": promotion.pk,
            "campaign_id": promotion.campaign_id,
            "brand": "nova",
            "date_start": yesterday,
            "date_stop": yesterday,
            "impressions": 40,
            "clicks": 6,
            "ctr": 0.15,
        }
    ]
    assert request.headers["X-Report-Subscription"] == str(subscription.pk)
    assert request.headers["X-Report-Period"] == f"{yesterday}/{yesterday}"
    [delivery] = ReportDelivery.objects.all()
    assert (delivery.succeeded, delivery.status_code, delivery.response_excerpt) == (
        True,
        200,
        "ok",
    )
    subscription.refresh_from_db()
    assert subscription.next_run_at == run_at + timedelta(days=1)


def test_a_weekly_push_of_daily_rows_tells_its_seven_days_apart(partner, brand, receiver):
    # given: a weekly subscription of daily rows with docs/partners.md's fields, and
    # traffic on each day of the week it will report (Monday to Sunday, Paris time)
    promotion = PromotionFactory(campaign__brand=brand)
    created = subscribe(
        partner,
        brand,
        receiver.url,
        schedule="weekly",
        level="campaign",
        time_increment="1",
        fields=["impressions", "clicks", "ctr", "entries", "revenue"],
    )
    subscription = ReportSubscription.objects.get(pk=created["id"])
    run_at = subscription.next_run_at
    since, until = report_pushes.schedule_period(
        schedule="weekly", zone=brand.tzinfo, run_at=run_at
    )
    assert (until - since).days == 6 and since.weekday() == 0
    for day in range(7):
        noon = datetime.combine(since + timedelta(days=day), datetime.min.time(), brand.tzinfo)
        record(promotion, noon + timedelta(hours=12), impressions=10 + day, clicks=1)

    # when: the week's report is built and sent
    assert report_pushes.report_pushes_prepare(now=run_at) == 1
    assert report_pushes.report_pushes_deliver(now=run_at) == 1

    # then: seven rows, one per day, each saying its day; the body names its parameters
    [request] = receiver.received
    body = json.loads(request.body)
    days = [(since + timedelta(days=n)).isoformat() for n in range(7)]
    assert [row["date_start"] for row in body["data"]] == days
    assert [row["date_stop"] for row in body["data"]] == days
    assert [row["impressions"] for row in body["data"]] == [10 + n for n in range(7)]
    assert {row["campaign_id"] for row in body["data"]} == {promotion.campaign_id}
    assert {k: v for k, v in body.items() if k not in ("as_of", "data")} == {
        "subscription": subscription.pk,
        "brand": "nova",
        "schedule": "weekly",
        "level": "campaign",
        "since": since.isoformat(),
        "until": until.isoformat(),
        "time_increment": "1",
        "breakdowns": [],
        "fields": ["impressions", "clicks", "ctr", "entries", "revenue"],
    }
    assert request.headers["X-Report-Period"] == f"{since}/{until}"


def test_a_receiver_failing_twice_gets_one_success_after_two_logged_failures(
    partner, brand, receiver
):
    receiver.statuses = [503, 500]
    created = subscribe(partner, brand, receiver.url, format="csv")
    run_at = ReportSubscription.objects.get(pk=created["id"]).next_run_at
    report_pushes.report_pushes_prepare(now=run_at)

    # first attempt fails; nothing is retried before the backoff (60 s, then 120 s)
    assert report_pushes.report_pushes_deliver(now=run_at) == 1
    assert report_pushes.report_pushes_deliver(now=run_at + timedelta(seconds=59)) == 0
    assert report_pushes.report_pushes_deliver(now=run_at + timedelta(seconds=60)) == 1
    assert report_pushes.report_pushes_deliver(now=run_at + timedelta(seconds=179)) == 0
    assert report_pushes.report_pushes_deliver(now=run_at + timedelta(seconds=180)) == 1
    assert report_pushes.report_pushes_deliver(now=run_at + timedelta(days=1)) == 0

    deliveries = list(ReportDelivery.objects.order_by("attempt"))
    assert [(d.attempt, d.succeeded, d.status_code) for d in deliveries] == [
        (1, False, 503),
        (2, False, 500),
        (3, True, 200),
    ]
    assert deliveries[0].response_excerpt == "temporarily broken"
    assert len(receiver.received) == 3
    assert len({r.body for r in receiver.received}) == 1  # the same report each time
    assert receiver.received[0].headers["Content-Type"].startswith("text/csv")
    push = ReportPush.objects.get()
    assert (push.state, push.attempts) == ("delivered", 3)


@pytest.mark.parametrize(
    ("extra", "header"),
    [
        (
            {"fields": ["impressions", "clicks"]},
            "promotion_id,campaign_id,brand,date_start,date_stop,impressions,clicks",
        ),
        (
            {"level": "campaign", "breakdowns": ["country"], "fields": ["revenue"]},
            "campaign_id,brand,country,date_start,date_stop,revenue,currency",
        ),
    ],
)
def test_a_csv_push_of_a_day_without_traffic_has_the_columns_it_asked_for(
    partner, brand, extra, header
):
    # given: a CSV subscription, and no event on the day it reports
    created = subscribe(partner, brand, "https://8.8.8.8/hook", format="csv", **extra)
    run_at = ReportSubscription.objects.get(pk=created["id"]).next_run_at

    # when
    assert report_pushes.report_pushes_prepare(now=run_at) == 1

    # then: the header names the level's ids, the breakdowns, the period and the fields
    assert ReportPush.objects.get().body.splitlines() == [header]


def test_a_push_gives_up_after_the_last_attempt_and_can_be_resent(
    partner, brand, receiver, settings
):
    settings.REPORT_PUSH_MAX_ATTEMPTS = 2
    receiver.statuses = [500, 500]
    created = subscribe(partner, brand, receiver.url)
    run_at = ReportSubscription.objects.get(pk=created["id"]).next_run_at
    report_pushes.report_pushes_prepare(now=run_at)
    report_pushes.report_pushes_deliver(now=run_at)
    report_pushes.report_pushes_deliver(now=run_at + timedelta(hours=1))
    push = ReportPush.objects.get()
    assert (push.state, push.attempts) == ("failed", 2)

    again = report_pushes.report_push_resend(push=push, now=run_at + timedelta(hours=2))
    report_pushes.report_pushes_deliver(now=run_at + timedelta(hours=2))

    again.refresh_from_db()
    assert (again.state, again.resend_of_id, again.body) == ("delivered", push.pk, push.body)


def test_a_push_whose_send_raises_does_not_hold_up_the_others(
    partner, brand, receiver, post_raises_for_broken, caplog
):
    # given: two subscriptions' pushes due, the first one's send failing as nobody foresaw
    broken = subscribe(partner, brand, receiver.url + "?broken")
    good = subscribe(partner, brand, receiver.url + "?good")
    run_at = ReportSubscription.objects.get(pk=good["id"]).next_run_at
    assert report_pushes.report_pushes_prepare(now=run_at) == 2

    # when
    attempts = report_pushes.report_pushes_deliver(now=run_at)

    # then: the other push went; the broken one is logged and waits for its lease to end
    assert attempts == 1
    assert [r.path for r in receiver.received] == ["/hooks/reports?good"]
    assert ReportPush.objects.get(subscription_id=good["id"]).state == "delivered"
    stuck = ReportPush.objects.get(subscription_id=broken["id"])
    assert (stuck.state, stuck.attempts) == ("pending", 0)
    assert f"tracking: report push {stuck.pk} failed again" in caplog.text


def test_a_subscription_whose_report_fails_does_not_hold_up_the_others(
    partner, brand, receiver, monkeypatch, caplog
):
    # given: two subscriptions due, the first one's report failing as nobody foresaw
    broken = subscribe(partner, brand, receiver.url + "?broken")
    good = subscribe(partner, brand, receiver.url + "?good")
    run_at = ReportSubscription.objects.get(pk=good["id"]).next_run_at
    body = report_pushes.report_body

    def body_or_raise(*, subscription, **kwargs):
        if subscription.pk == broken["id"]:
            raise RuntimeError("unforeseen")
        return body(subscription=subscription, **kwargs)

    monkeypatch.setattr(report_pushes, "report_body", body_or_raise)

    # when
    made = report_pushes.report_pushes_prepare(now=run_at)

    # then: the other's push is made; the broken one is logged, and due again next round
    assert made == 1
    assert list(ReportPush.objects.values_list("subscription_id", flat=True)) == [good["id"]]
    assert ReportSubscription.objects.get(pk=broken["id"]).next_run_at == run_at
    assert f"tracking: report subscription {broken['id']}: its pushes failed again" in caplog.text
    monkeypatch.setattr(report_pushes, "report_body", body)
    assert report_pushes.report_pushes_prepare(now=run_at) == 1


def test_the_backoff_doubles_up_to_its_cap(settings):
    settings.REPORT_PUSH_RETRY_BASE_SECONDS = 60
    settings.REPORT_PUSH_RETRY_MAX_SECONDS = 600

    delays = [report_pushes.retry_delay(n).total_seconds() for n in range(1, 7)]

    assert delays == [60, 120, 240, 480, 600, 600]


@pytest.mark.parametrize(
    "url",
    [
        "http://reports.example.com/in",
        "https://127.0.0.1/in",
        "https://10.1.2.3/in",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/in",
        "https://localhost/in",
        "https://user:pw@8.8.8.8/in",
        "ftp://8.8.8.8/in",
    ],
)
def test_destinations_must_be_public_https(partner, brand, url):
    response = partner.post(
        SUBSCRIPTIONS, {"brand": brand.slug, "url": url, "schedule": "daily"}, format="json"
    )

    assert_error(response, 400, "invalid", ["url"])


def test_subscriptions_are_validated_field_by_field(partner, brand):
    other = BrandFactory()
    response = partner.post(
        SUBSCRIPTIONS,
        {
            "brand": other.slug,
            "url": "https://8.8.8.8/in",
            "schedule": "yearly",
            "breakdowns": ["city"],
            "fields": ["clicks", "likes"],
            "colour": "red",
        },
        format="json",
    )

    assert_error(response, 400, "invalid", ["brand", "schedule", "breakdowns", "fields", "colour"])


def test_a_key_sees_only_its_own_subscriptions(partner, brand, api_client, make_api_key):
    mine = subscribe(partner, brand, "https://8.8.8.8/in")
    _key, raw = make_api_key(brands=[brand], scopes=["reports:read"])
    from rest_framework.test import APIClient

    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert other.get(SUBSCRIPTIONS).json()["results"] == []
    assert_error(other.get(f"{SUBSCRIPTIONS}{mine['id']}/"), 404, "not_found")
    assert_error(other.delete(f"{SUBSCRIPTIONS}{mine['id']}/"), 404, "not_found")
    listed = partner.get(SUBSCRIPTIONS).json()["results"]
    assert [s["id"] for s in listed] == [mine["id"]]
    assert "secret" not in listed[0]


def test_a_subscription_can_be_changed_and_deleted(partner, brand):
    created = subscribe(partner, brand, "https://8.8.8.8/in")
    url = f"{SUBSCRIPTIONS}{created['id']}/"

    changed = partner.patch(url, {"schedule": "weekly", "level": "campaign"}, format="json")
    refused = partner.patch(url, {"url": "https://192.168.1.1/"}, format="json")
    deleted = partner.delete(url)

    assert changed.status_code == 200, changed.content
    assert (changed.json()["schedule"], changed.json()["level"]) == ("weekly", "campaign")
    next_run = datetime.fromisoformat(changed.json()["next_run_at"])
    assert next_run.astimezone(brand.tzinfo).weekday() == 0  # Monday, 00:05 Paris time
    assert_error(refused, 400, "invalid", ["url"])
    assert deleted.status_code == 204
    assert not ReportSubscription.objects.exists()


def test_an_hourly_subscription_reports_the_day_so_far():
    zone = BrandFactory.build(timezone="Asia/Tokyo").tzinfo
    at = datetime(2026, 4, 30, 14, 59, tzinfo=UTC)  # 23:59 in Tokyo

    run = report_pushes.schedule_next_run(schedule="hourly", zone=zone, after=at)

    assert run == datetime(2026, 4, 30, 15, 5, tzinfo=UTC)
    since_until = report_pushes.schedule_period(schedule="hourly", zone=zone, run_at=run)
    assert [d.isoformat() for d in since_until] == ["2026-04-30", "2026-04-30"]


@pytest.mark.parametrize(
    ("zone_name", "last_day"),
    [
        ("America/Santiago", "2026-09-05"),  # midnight of 6 September is skipped (00:00 -> 01:00)
        ("America/Havana", "2026-03-07"),
        ("Asia/Beirut", "2026-03-28"),
    ],
)
def test_a_daily_report_where_midnight_is_skipped_covers_the_day_that_ended(zone_name, last_day):
    # given: the run after the day that ended at a skipped midnight (local 01:05)
    zone = BrandFactory.build(timezone=zone_name).tzinfo
    day_before = date.fromisoformat(last_day)
    run = report_pushes.schedule_next_run(
        schedule="daily", zone=zone, after=datetime.combine(day_before, time(12), zone)
    )

    # then: it reports that day, and the next run the day after
    since_until = report_pushes.schedule_period(schedule="daily", zone=zone, run_at=run)
    assert [d.isoformat() for d in since_until] == [last_day, last_day]
    following = report_pushes.schedule_next_run(schedule="daily", zone=zone, after=run)
    next_day = (day_before + timedelta(days=1)).isoformat()
    assert [
        d.isoformat()
        for d in report_pushes.schedule_period(schedule="daily", zone=zone, run_at=following)
    ] == [next_day, next_day]


@pytest.mark.parametrize(
    ("schedule", "made_at", "first_run", "period"),
    [
        # 00:02 on a Tuesday, Paris: today's 00:05 run, for yesterday
        ("daily", datetime(2026, 3, 10, 0, 2), datetime(2026, 3, 10, 0, 5), ("03-09", "03-09")),
        # 14:03: the 14:05 run, for today so far
        ("hourly", datetime(2026, 3, 10, 14, 3), datetime(2026, 3, 10, 14, 5), ("03-10", "03-10")),
        # 00:01 on a Monday: this Monday's run, for last week
        ("weekly", datetime(2026, 3, 9, 0, 1), datetime(2026, 3, 9, 0, 5), ("03-02", "03-08")),
        # 00:05 exactly: that run is not after it, the next one is
        ("daily", datetime(2026, 3, 10, 0, 5), datetime(2026, 3, 11, 0, 5), ("03-10", "03-10")),
        ("weekly", datetime(2026, 3, 9, 0, 5), datetime(2026, 3, 16, 0, 5), ("03-09", "03-15")),
    ],
)
def test_a_subscription_made_before_its_periods_run_gets_that_run(
    schedule, made_at, first_run, period
):
    # given: a brand in Paris, and a subscription made at ``made_at``, local time
    zone = BrandFactory.build(timezone="Europe/Paris").tzinfo

    # when
    run = report_pushes.schedule_next_run(
        schedule=schedule, zone=zone, after=made_at.replace(tzinfo=zone)
    )

    # then: its first run is the current period's when that run is still to come
    assert run.astimezone(zone) == first_run.replace(tzinfo=zone)
    since, until = report_pushes.schedule_period(schedule=schedule, zone=zone, run_at=run)
    assert (since.strftime("%m-%d"), until.strftime("%m-%d")) == period


def test_hourly_runs_go_on_through_the_hour_repeated_when_clocks_go_back():
    zone = BrandFactory.build(timezone="America/New_York").tzinfo
    at = datetime(2026, 11, 1, 5, 0, tzinfo=UTC)  # 01:00 EDT; 06:00Z is 01:00 EST

    runs = [at]
    for _ in range(3):
        runs.append(report_pushes.schedule_next_run(schedule="hourly", zone=zone, after=runs[-1]))

    # the current hour's run first (it is still to come), then 01:05 again, in EST
    assert [r.strftime("%H:%M") for r in runs[1:]] == ["05:05", "06:05", "07:05"]
    local = [r.astimezone(zone).strftime("%H:%M %Z") for r in runs[1:]]
    assert local == ["01:05 EDT", "01:05 EST", "02:05 EST"]


def test_a_marketer_subscribes_in_admin_and_resends_a_push(
    brand, receiver, django_capture_on_commit_callbacks
):
    from django.test import Client

    from tests.factories import BrandMembershipFactory

    manager = BrandMembershipFactory(brand=brand).user
    client = Client()
    client.force_login(manager)

    response = client.post(
        "/admin/tracking/reportsubscription/add/",
        {
            "brand": brand.pk,
            "name": "Agency daily",
            "url": receiver.url,
            "schedule": "daily",
            "level": "campaign",
            "time_increment": "1",
            "fields": ["impressions", "clicks"],
            "format": "json",
            "active": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    subscription = ReportSubscription.objects.get()
    assert (subscription.name, subscription.level, subscription.api_key) == (
        "Agency daily",
        "campaign",
        None,
    )
    assert subscription.secret.startswith("whsec_")
    report_pushes.report_pushes_prepare(now=subscription.next_run_at)
    report_pushes.report_pushes_deliver(now=subscription.next_run_at)
    push = ReportPush.objects.get()

    with django_capture_on_commit_callbacks(execute=True):  # the re-send is queued on commit
        resent = client.post(
            "/admin/tracking/reportpush/",
            {"action": "resend", "_selected_action": [push.pk]},
        )

    assert resent.status_code == 302
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body
    assert ReportPush.objects.filter(resend_of=push, state="delivered").count() == 1
    log = client.get(f"/admin/tracking/reportpush/{push.pk}/change/").content.decode()
    assert "ok" in log and "200" in log


def test_admin_refuses_a_private_destination(brand, settings):
    from django.test import Client

    from tests.factories import BrandMembershipFactory

    client = Client()
    client.force_login(BrandMembershipFactory(brand=brand).user)

    response = client.post(
        "/admin/tracking/reportsubscription/add/",
        {
            "brand": brand.pk,
            "url": "https://10.0.0.8/in",
            "schedule": "daily",
            "level": "brand",
            "time_increment": "1",
            "format": "json",
        },
    )

    assert response.status_code == 200
    assert "private or reserved address" in response.content.decode()
    assert not ReportSubscription.objects.exists()


def test_a_resend_is_sent_by_the_worker_once_committed_and_only_once(
    partner, brand, receiver, django_capture_on_commit_callbacks
):
    # given: a delivered push
    created = subscribe(partner, brand, receiver.url)
    run_at = ReportSubscription.objects.get(pk=created["id"]).next_run_at
    report_pushes.report_pushes_prepare(now=run_at)
    report_pushes.report_pushes_deliver(now=run_at)
    push = ReportPush.objects.get()

    # when: it is re-sent (the test settings run django-q's tasks in process)
    with django_capture_on_commit_callbacks() as callbacks:
        again = report_pushes.report_push_resend(push=push)
        assert len(receiver.received) == 1  # nothing sent before the commit
    for callback in callbacks:
        callback()
    sent_twice = tasks.report_push_send(again.pk)  # the task delivered again: a no-op

    # then
    again.refresh_from_db()
    assert len(callbacks) == 1
    assert (again.state, again.attempts, again.resend_of_id) == ("delivered", 1, push.pk)
    assert sent_twice is False
    assert len(receiver.received) == 2
    assert receiver.received[0].body == receiver.received[1].body


# --- test deliveries ------------------------------------------------------------------


def test_a_partner_tests_a_subscription_named_by_slug_against_a_verifying_receiver(
    partner, brand, receiver
):
    # given: a subscription naming its brand by slug, and an endpoint that verifies our
    # signature with the secret the creation answer gave
    created = subscribe(partner, brand, receiver.url, fields=["impressions"])
    assert created["brand"] == "nova"
    receiver.secret = created["secret"]

    # when
    response = partner.post(f"{SUBSCRIPTIONS}{created['id']}/test/")

    # then: the receiver's own answer comes back, and it got one signed test delivery
    assert response.status_code == 200, response.content
    answer = response.json()
    assert answer == {
        "delivered": True,
        "status_code": 200,
        "latency_ms": answer["latency_ms"],
        "response_excerpt": "ok (signature verified)",
        "error": "",
    }
    assert 0 <= answer["latency_ms"] < 10_000
    [request] = receiver.received
    assert request.headers["X-Report-Test"] == "true"
    assert request.headers["X-Report-Subscription"] == str(created["id"])
    assert "X-Report-Push" not in request.headers
    body = json.loads(request.body)
    assert (body["test"], body["subscription"], body["brand"]) == (True, created["id"], "nova")
    assert body["since"] == body["until"]  # daily: the day the latest run reported
    assert request.headers["X-Report-Period"] == f"{body['since']}/{body['until']}"
    assert not ReportPush.objects.exists()  # a test is not a push: nothing retried or logged


def test_a_test_delivery_says_what_a_refusing_receiver_answered(partner, brand, receiver):
    created = subscribe(partner, brand, receiver.url)
    receiver.secret = "whsec_not_the_one"  # the partner stored the wrong secret

    answer = partner.post(f"{SUBSCRIPTIONS}{created['id']}/test/").json()

    assert {k: v for k, v in answer.items() if k != "latency_ms"} == {
        "delivered": False,
        "status_code": 401,
        "response_excerpt": "bad signature",
        "error": "HTTP 401",
    }


def test_a_test_delivery_to_an_endpoint_that_does_not_speak_http_says_so(
    partner, brand, raw_endpoint
):
    # given: an endpoint that answers something that is not HTTP
    endpoint = raw_endpoint([b"NOT HTTP\r\n\r\n"])
    created = subscribe(partner, brand, endpoint.url)

    # when
    response = partner.post(f"{SUBSCRIPTIONS}{created['id']}/test/")

    # then: the answer says the delivery failed, and why
    assert response.status_code == 200, response.content
    assert {k: v for k, v in response.json().items() if k != "latency_ms"} == {
        "delivered": False,
        "status_code": None,
        "response_excerpt": "",
        "error": "not a valid HTTP answer (BadStatusLine: NOT HTTP)",
    }
    assert endpoint.connections == 1


@pytest.mark.parametrize(
    "chunks",
    [
        # the status and headers at once, then the body a byte at a time
        [b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", *(bytes([c]) for c in b"0123456789")],
        # the status line, then one header after another
        [b"HTTP/1.1 200 OK\r\n", *(b"X-Slow: %d\r\n" % n for n in range(10)), b"\r\n"],
    ],
    ids=["body", "headers"],
)
def test_a_test_delivery_to_an_endpoint_that_dribbles_its_answer_fails_at_the_timeout(
    partner, brand, raw_endpoint, settings, chunks
):
    # given: a 1 s timeout, and an endpoint answering a piece every 0.5 s (5 s in all),
    # each piece well within the timeout of one read
    settings.WEBHOOK_TIMEOUT_SECONDS = 1
    endpoint = raw_endpoint(chunks, pause=0.5)
    created = subscribe(partner, brand, endpoint.url)

    # when
    answer = partner.post(f"{SUBSCRIPTIONS}{created['id']}/test/").json()

    # then: a failure once the second is over, not a delivery five seconds later (the
    # upper bound leaves room for a loaded machine)
    assert (answer["delivered"], answer["error"]) == (False, "no complete answer within 1 s")
    assert 1000 <= answer["latency_ms"] < 4000
    assert "0123456789".startswith(answer["response_excerpt"])


@pytest.mark.parametrize(("status", "delivered"), [(200, True), (503, False)])
def test_a_test_delivery_shows_the_first_500_characters_of_a_non_ascii_answer(
    partner, brand, raw_endpoint, status, delivered
):
    # given: an endpoint answering 601 characters, all but the first three bytes long
    body = ("a" + "€" * 600).encode()
    head = b"HTTP/1.1 %d Status\r\nContent-Length: %d\r\n\r\n" % (status, len(body))
    endpoint = raw_endpoint([head + body])
    created = subscribe(partner, brand, endpoint.url)

    # when
    answer = partner.post(f"{SUBSCRIPTIONS}{created['id']}/test/").json()

    # then: 500 characters of it, whole
    assert (answer["delivered"], answer["status_code"]) == (delivered, status)
    assert answer["response_excerpt"] == "a" + "€" * 499


def test_the_integer_brand_id_still_works_while_deprecated(partner, brand, receiver):
    response = partner.post(
        SUBSCRIPTIONS,
        {"brand": brand.pk, "url": receiver.url, "schedule": "daily"},
        format="json",
    )

    assert response.status_code == 201, response.content
    created = response.json()
    assert created["brand"] == "nova"  # answers always say the slug
    assert partner.get(f"{SUBSCRIPTIONS}{created['id']}/").json()["brand"] == "nova"
    assert ReportSubscription.objects.get(pk=created["id"]).brand_id == brand.pk


def test_testing_another_brands_or_an_unknown_subscription_is_a_404(
    partner, brand, receiver, make_api_key
):
    other = BrandFactory(slug="rival")
    theirs = report_pushes.report_subscription_create(
        brand_id=other.pk, url=receiver.url, schedule="daily"
    )
    other_key, _raw = make_api_key(brands=[brand], scopes=["reports:read"])
    same_brand_other_key = report_pushes.report_subscription_create(
        brand_id=brand.pk, url=receiver.url, schedule="daily", api_key=other_key
    )

    for pk in (theirs.pk, same_brand_other_key.pk, 999_999):
        assert_error(partner.post(f"{SUBSCRIPTIONS}{pk}/test/"), 404, "not_found")
    assert receiver.received == []


def test_test_deliveries_are_limited_per_subscription(partner, brand, receiver):
    created = subscribe(partner, brand, receiver.url)
    url = f"{SUBSCRIPTIONS}{created['id']}/test/"

    answers = [partner.post(url) for _ in range(7)]

    assert [a.status_code for a in answers[:6]] == [200] * 6
    assert_error(answers[6], 429, "throttled")
    assert int(answers[6]["Retry-After"]) >= 1
    assert len(receiver.received) == 6


def test_a_test_delivery_needs_the_reports_scope(api_client, make_api_key, brand, receiver):
    key, raw = make_api_key(brands=[brand], scopes=["events:write"])
    subscription = report_pushes.report_subscription_create(
        brand_id=brand.pk, url=receiver.url, schedule="daily", api_key=key
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = api_client.post(f"{SUBSCRIPTIONS}{subscription.pk}/test/")

    assert_error(response, 403, "missing_scope")
    assert receiver.received == []


def test_a_marketer_sends_a_test_delivery_from_admin_and_sees_the_answer(brand, receiver):
    from django.test import Client

    from tests.factories import BrandMembershipFactory

    subscription = report_pushes.report_subscription_create(
        brand_id=brand.pk, url=receiver.url, schedule="weekly", name="Agency weekly"
    )
    receiver.secret = subscription.secret
    client = Client()
    client.force_login(BrandMembershipFactory(brand=brand).user)

    response = client.post(
        "/admin/tracking/reportsubscription/",
        {"action": "send_test", "_selected_action": [subscription.pk]},
        follow=True,
    )

    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"]]
    assert "delivered, HTTP 200 in" in message
    assert message.endswith("ok (signature verified)")
    [request] = receiver.received
    body = json.loads(request.body)
    assert body["test"] is True and body["schedule"] == "weekly"
    since, until = (datetime.fromisoformat(body[k]).date() for k in ("since", "until"))
    assert (until - since).days == 6 and since.weekday() == 0


def test_a_revoked_narrowed_or_deleted_key_gets_no_more_reports(
    partner, brand, receiver, make_api_key
):
    # given: a partner's daily subscription and a marketer's (no key), both due
    created = subscribe(partner, brand, receiver.url)
    subscription = ReportSubscription.objects.get(pk=created["id"])
    key = subscription.api_key
    run_at = subscription.next_run_at
    mine = ReportSubscription.objects.create(
        brand=brand, url=receiver.url, schedule="daily", next_run_at=run_at, secret="s" * 32
    )

    # when: the key loses the brand, then the worker prepares the day's pushes
    key.brands.remove(brand)
    assert report_pushes.report_pushes_prepare(now=run_at) == 1

    # then: only the marketer's subscription got a push
    assert list(ReportPush.objects.values_list("subscription", flat=True)) == [mine.pk]

    # when: a push of the partner's was pending when its key was revoked
    key.brands.add(brand)
    assert report_pushes.report_pushes_prepare(now=run_at) == 1
    key.revoked_at = run_at
    key.save()
    report_pushes.report_pushes_deliver(now=run_at)

    # then: it is not sent, and says why
    push = ReportPush.objects.get(subscription=subscription)
    assert push.state == "failed"
    assert "revoked" in ReportDelivery.objects.get(push=push).error
    assert [r.headers["X-Report-Subscription"] for r in receiver.received] == [str(mine.pk)]

    # when: the key is deleted, its subscription stops (it does not become a marketer's)
    key.delete()
    subscription.refresh_from_db()
    assert (subscription.api_key, subscription.active) == (None, False)


def test_a_key_that_loses_reports_read_gets_no_more_reports(partner, brand, receiver):
    # given: a partner's daily subscription with a push waiting, then the day's run
    created = subscribe(partner, brand, receiver.url)
    subscription = ReportSubscription.objects.get(pk=created["id"])
    run_at = subscription.next_run_at
    assert report_pushes.report_pushes_prepare(now=run_at) == 1

    # when: a marketer takes reports:read from the key; the worker sends and prepares
    key = subscription.api_key
    key.scopes = []
    key.save()
    report_pushes.report_pushes_deliver(now=run_at)
    made = report_pushes.report_pushes_prepare(now=run_at + timedelta(days=1))

    # then: the waiting push is given up, saying why, and no new one is made
    assert receiver.received == [] and made == 0
    push = ReportPush.objects.get()
    assert push.state == "failed"
    assert ReportDelivery.objects.get(push=push).error == deliveries.NOT_ALLOWED
    subscription.refresh_from_db()
    assert subscription.next_run_at > run_at + timedelta(days=1)  # moved on, not retried


def _periods(subscription):
    return [
        (p.period_start.isoformat(), p.period_end.isoformat())
        for p in ReportPush.objects.filter(subscription=subscription).order_by("pk")
    ]


def test_after_an_outage_each_missed_day_is_pushed_once_oldest_first(partner, brand, receiver):
    # given: a daily subscription, and traffic on each of the four days the worker missed
    promotion = PromotionFactory(campaign__brand=brand)
    created = subscribe(partner, brand, receiver.url, fields=["impressions"])
    subscription = ReportSubscription.objects.get(pk=created["id"])
    first_run = subscription.next_run_at
    days = [(first_run - timedelta(hours=12) + timedelta(days=n)) for n in range(4)]
    for n, moment in enumerate(days):
        record(promotion, moment, impressions=n + 1, clicks=0)

    # when: the worker comes back three days late, and runs again a minute later
    back = first_run + timedelta(days=3, hours=2)
    made = report_pushes.report_pushes_prepare(now=back)
    again = report_pushes.report_pushes_prepare(now=back + timedelta(minutes=1))
    report_pushes.report_pushes_deliver(now=back + timedelta(minutes=1))

    # then: the four days, oldest first, each with its own numbers; the next run tomorrow
    local_days = [d.astimezone(brand.tzinfo).date().isoformat() for d in days]
    assert (made, again) == (4, 0)
    assert _periods(subscription) == [(d, d) for d in local_days]
    bodies = [json.loads(r.body) for r in receiver.received]
    assert [(b["since"], b["data"][0]["impressions"]) for b in bodies] == [
        (d, n + 1) for n, d in enumerate(local_days)
    ]
    subscription.refresh_from_db()
    assert subscription.next_run_at == first_run + timedelta(days=4)


def test_missed_hourly_runs_are_one_push_per_day(partner, brand):
    hourly = ReportSubscription.objects.get(
        pk=subscribe(partner, brand, "https://8.8.8.8/hourly", schedule="hourly")["id"]
    )
    # given: the hourly run of 22:05 Paris time on 10 June, missed until 03:05 the next day
    evening = datetime(2026, 6, 10, 20, 5, tzinfo=UTC)
    ReportSubscription.objects.filter(pk=hourly.pk).update(next_run_at=evening)

    made = report_pushes.report_pushes_prepare(now=evening + timedelta(hours=5))

    # then: 10 June, complete (its last run was 00:05), and 11 June so far
    assert made == 2
    assert _periods(hourly) == [("2026-06-10", "2026-06-10"), ("2026-06-11", "2026-06-11")]
    hourly.refresh_from_db()
    assert hourly.next_run_at == evening + timedelta(hours=6)


def test_a_long_outage_sends_the_latest_periods_only(partner, brand):
    daily = ReportSubscription.objects.get(pk=subscribe(partner, brand, "https://8.8.8.8/d")["id"])
    # given: the run for 11 June (00:05 on the 12th, Paris), missed until 22 July
    ReportSubscription.objects.filter(pk=daily.pk).update(
        next_run_at=datetime(2026, 6, 11, 22, 5, tzinfo=UTC)
    )

    made = report_pushes.report_pushes_prepare(now=datetime(2026, 7, 21, 22, 10, tzinfo=UTC))

    # then: of the 41 days missed, the last 31
    days = _periods(daily)
    assert made == len(days) == report_pushes.BACKFILL_MAX == 31
    assert (days[0], days[-1]) == (("2026-06-21", "2026-06-21"), ("2026-07-21", "2026-07-21"))


def test_a_paused_subscription_switched_on_again_does_not_catch_up(partner, brand):
    created = subscribe(partner, brand, "https://8.8.8.8/p")
    url = f"{SUBSCRIPTIONS}{created['id']}/"
    subscription = ReportSubscription.objects.get(pk=created["id"])
    partner.patch(url, {"active": False}, format="json")
    ReportSubscription.objects.filter(pk=subscription.pk).update(
        next_run_at=subscription.next_run_at - timedelta(days=20)
    )

    switched = partner.patch(url, {"active": True}, format="json")
    made = report_pushes.report_pushes_prepare()

    assert switched.status_code == 200, switched.content
    assert made == 0
    next_run = datetime.fromisoformat(switched.json()["next_run_at"])
    assert timedelta(0) < next_run - datetime.now(UTC) <= timedelta(days=1, minutes=5)


def test_admin_style_updates_compare_with_what_is_stored(brand):
    """Admin's form sets the new values on the object before the service runs."""
    subscription = report_pushes.report_subscription_create(
        brand_id=brand.pk, url="https://8.8.8.8/in", schedule="daily", active=False
    )
    ReportSubscription.objects.filter(pk=subscription.pk).update(
        next_run_at=subscription.next_run_at - timedelta(days=20)
    )
    subscription.refresh_from_db()
    subscription.active, subscription.url = True, "https://10.0.0.1/in"

    with pytest.raises(ValidationError):
        report_pushes.report_subscription_update(
            subscription=subscription, active=True, url="https://10.0.0.1/in"
        )
    report_pushes.report_subscription_update(
        subscription=subscription, active=True, url="https://8.8.8.8/in"
    )

    subscription.refresh_from_db()
    assert subscription.next_run_at > datetime.now(UTC)  # switched on: no catch-up
