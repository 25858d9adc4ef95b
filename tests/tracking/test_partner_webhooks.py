"""Partner webhooks: events published where they happen reach a real local receiver once,
signed; failures are retried with backoff; re-sends; personal data only with entries:pii;
publishing costs one query and stores nothing when nobody subscribed."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from promotions.draws import services as draws_services
from promotions.entrants.services import person_anonymise
from promotions.entries import services as entries_services
from promotions.entries.eligibility import Answers
from promotions.models import Promotion
from shop.models import Order
from shop.orders.services import order_mark_paid
from tests.factories import BrandFactory, OrderFactory, PromotionFactory
from tests.factories.promotions import PersonFactory
from tracking import deliveries, partner_webhooks, tasks, webhooks
from tracking.models import OutboundState, WebhookAttempt, WebhookDelivery, WebhookEvent

pytestmark = pytest.mark.django_db
ALL_TYPES = ["entry.created", "draw.completed", "order.paid"]


@pytest.fixture
def brand():
    return BrandFactory(slug="nova")


def subscribe(make_api_key, brand, url, *, scopes=("webhooks:write", "entries:read"), types=None):
    key, _raw = make_api_key(brands=[brand], scopes=list(scopes))
    return partner_webhooks.webhook_subscription_create(
        api_key=key, brand_id=brand.pk, url=url, event_types=types or ALL_TYPES
    )


def answers():
    return Answers(
        name="Ana Lima",
        birth_date=date(1990, 3, 8),
        country="FR",
        consents=frozenset({"official_rules", "privacy", "facebook_release"}),
    )


def bodies(receiver):
    return [json.loads(r.body) for r in receiver.received]


def test_each_event_reaches_the_receiver_once_signed(
    make_api_key, brand, receiver, django_capture_on_commit_callbacks
):
    # given: a partner's endpoint that verifies our signature as docs/partners.md says
    subscription = subscribe(make_api_key, brand, receiver.url)
    receiver.secret = subscription.secret
    promotion = PromotionFactory(campaign__brand=brand, kind=Promotion.Kind.SWEEPSTAKES)
    person = PersonFactory(email="ana@example.com")

    # when: an entry, a draw and a paid order happen (each sent once its transaction commits)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = entries_services.entry_create(
            promotion=promotion, person=person, answers=answers()
        )
    draw = promotion.draws.get()
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        draws_services.draw_run(draw=draw)
    order = OrderFactory(brand=brand, status=Order.Status.PENDING, paid_at=None)
    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=order.pk, payment_intent_id="pi_1", amount=2000, currency="EUR")
    # the sweep runs too (and later): nothing is sent twice
    assert partner_webhooks.webhook_deliveries_deliver() == 0
    assert tasks.webhooks_run() == 0
    assert partner_webhooks.webhook_deliveries_deliver(now=timezone.now() + timedelta(days=1)) == 0

    # then: three POSTs, each signature verified by the receiver, each event once
    assert [r.path for r in receiver.received] == ["/hooks/reports"] * 3
    got = bodies(receiver)
    assert [b["type"] for b in got] == ["entry.created", "draw.completed", "order.paid"]
    assert len({b["id"] for b in got}) == 3
    for request, body in zip(receiver.received, got, strict=True):
        assert webhooks.signature_verify(
            header=request.headers["X-Signature"], body=request.body, secret=subscription.secret
        )
        assert request.headers["X-Webhook-Event"] == body["id"]
        assert request.headers["X-Webhook-Type"] == body["type"]
        assert body["api_version"] == partner_webhooks.API_VERSION
        assert body["brand"] == "nova"
        assert "pii" not in body  # the key has no entries:pii
    assert WebhookAttempt.objects.filter(succeeded=True, status_code=200).count() == 3
    assert set(WebhookDelivery.objects.values_list("state", flat=True)) == {"delivered"}
    entry_event = got[0]
    assert entry_event["data"]["entry"] == outcome.entry.public_id
    assert entry_event["data"]["promotion"] == {
        "id": promotion.pk,
        "slug": promotion.slug,
        "kind": "sweepstakes",
    }
    assert entry_event["data"]["entrant"].startswith("ent_")
    assert "ana@example.com" not in receiver.received[0].body.decode()
    assert "Ana" not in receiver.received[0].body.decode()
    assert got[1]["data"]["entry_count"] == 1
    assert got[1]["data"]["winners"] == [outcome.entry.public_id]
    assert got[2]["data"]["order"] == order.pk
    assert got[2]["data"]["total"] == {"amount": 2000, "currency": "EUR"}
    assert "buyer" not in receiver.received[2].body.decode()  # the order's email


def test_a_failed_delivery_is_retried_with_backoff_then_succeeds(make_api_key, brand, receiver):
    # given: an endpoint that fails twice (500), then answers 200
    subscription = subscribe(make_api_key, brand, receiver.url)
    receiver.secret = subscription.secret
    receiver.statuses = [500, 500]
    t0 = timezone.now()
    with transaction.atomic():
        event = partner_webhooks.event_publish(
            brand_id=brand.pk, event_type="order.paid", data={"order": 1}, at=t0
        )
    assert event is not None

    # when/then: the sweep tries at once, after 60 s, then 120 s later (doubling)
    assert partner_webhooks.webhook_deliveries_deliver(now=t0) == 1
    assert partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(seconds=59)) == 0
    assert partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(seconds=60)) == 1
    assert partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(seconds=179)) == 0
    assert partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(seconds=180)) == 1
    assert partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(days=1)) == 0

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts, delivery.next_attempt_at) == ("delivered", 3, None)
    log = list(delivery.log.order_by("attempt").values_list("attempt", "status_code", "error"))
    assert log == [(1, 500, "HTTP 500"), (2, 500, "HTTP 500"), (3, 200, "")]
    assert [a.started_at - t0 for a in delivery.log.order_by("attempt")] == [
        timedelta(0),
        timedelta(seconds=60),
        timedelta(seconds=180),
    ]
    assert {json.loads(r.body)["id"] for r in receiver.received} == {str(event.event_id)}
    assert len(receiver.received) == 3


def test_a_delivery_gives_up_after_the_last_attempt(make_api_key, brand, receiver, settings):
    settings.REPORT_PUSH_MAX_ATTEMPTS = 2
    subscribe(make_api_key, brand, receiver.url)
    receiver.statuses = [503, 503, 503]
    t0 = timezone.now()
    partner_webhooks.event_publish(brand_id=brand.pk, event_type="order.paid", data={}, at=t0)

    partner_webhooks.webhook_deliveries_deliver(now=t0)
    partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(hours=1))
    partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(hours=2))

    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (OutboundState.FAILED, 2)
    assert len(receiver.received) == 2


def test_an_endpoint_that_does_not_speak_http_fails_each_attempt_until_given_up(
    make_api_key, brand, raw_endpoint, settings
):
    # given: an endpoint that answers something that is not HTTP
    settings.REPORT_PUSH_MAX_ATTEMPTS = 2
    endpoint = raw_endpoint([b"NOT HTTP\r\n\r\n"])
    subscribe(make_api_key, brand, endpoint.url)
    t0 = timezone.now()
    partner_webhooks.event_publish(brand_id=brand.pk, event_type="order.paid", data={}, at=t0)

    # when: the sweep runs, and runs again once the backoff is over, and once more
    sent = [
        partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(hours=hours))
        for hours in range(3)
    ]

    # then: each attempt is logged as a failure, then the delivery is given up
    assert sent == [1, 1, 0]
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (OutboundState.FAILED, 2)
    error = "not a valid HTTP answer (BadStatusLine: NOT HTTP)"
    log = list(delivery.log.order_by("attempt").values_list("attempt", "status_code", "error"))
    assert log == [(1, None, error), (2, None, error)]
    assert endpoint.connections == 2


def test_a_delivery_whose_send_raises_does_not_hold_up_the_others(
    make_api_key, brand, receiver, post_raises_for_broken, caplog
):
    # given: two subscriptions' deliveries due, the first one's send failing as nobody foresaw
    subscribe(make_api_key, brand, receiver.url + "?broken")
    subscribe(make_api_key, brand, receiver.url + "?good")
    t0 = timezone.now()
    partner_webhooks.event_publish(brand_id=brand.pk, event_type="order.paid", data={}, at=t0)

    # when
    attempts = partner_webhooks.webhook_deliveries_deliver(now=t0)

    # then: the other delivery went; the broken one is logged and waits for its lease to end
    assert attempts == 1
    assert [r.path for r in receiver.received] == ["/hooks/reports?good"]
    stuck, sent = WebhookDelivery.objects.order_by("pk")
    assert (stuck.state, stuck.attempts, sent.state) == ("pending", 0, "delivered")
    assert f"tracking: webhook delivery {stuck.pk} failed again" in caplog.text


def test_a_resend_delivers_the_same_event_again(
    make_api_key, brand, receiver, django_capture_on_commit_callbacks
):
    subscription = subscribe(make_api_key, brand, receiver.url)
    receiver.secret = subscription.secret
    with django_capture_on_commit_callbacks(execute=True):
        event = partner_webhooks.event_publish(
            brand_id=brand.pk, event_type="draw.completed", data={"draw": 3}
        )
    first = WebhookDelivery.objects.get()
    assert first.state == "delivered"

    with django_capture_on_commit_callbacks(execute=True):
        again = partner_webhooks.webhook_delivery_resend(delivery=first)

    again.refresh_from_db()
    assert (again.state, again.resend_of_id, again.event_id) == ("delivered", first.pk, event.pk)
    one, two = receiver.received
    assert json.loads(one.body)["id"] == json.loads(two.body)["id"] == str(event.event_id)
    assert one.headers["X-Webhook-Delivery"] != two.headers["X-Webhook-Delivery"]
    assert tasks.webhook_delivery_send(again.pk) is False  # already delivered: nothing sent


def test_personal_data_goes_only_to_keys_with_entries_pii(
    make_api_key, brand, receiver, django_capture_on_commit_callbacks
):
    subscribe(make_api_key, brand, receiver.url + "?plain")
    subscribe(
        make_api_key,
        brand,
        receiver.url + "?pii",
        scopes=("webhooks:write", "entries:read", "entries:pii"),
    )
    promotion = PromotionFactory(campaign__brand=brand, kind=Promotion.Kind.SWEEPSTAKES)
    person = PersonFactory(email="ana@example.com")

    with django_capture_on_commit_callbacks(execute=True):
        entries_services.entry_create(promotion=promotion, person=person, answers=answers())

    by_path = {r.path: json.loads(r.body) for r in receiver.received}
    assert set(by_path) == {"/hooks/reports?plain", "/hooks/reports?pii"}
    assert "pii" not in by_path["/hooks/reports?plain"]
    assert by_path["/hooks/reports?pii"]["pii"] == {"email": "ana@example.com", "name": "Ana Lima"}
    assert by_path["/hooks/reports?pii"]["id"] == by_path["/hooks/reports?plain"]["id"]


def test_entries_pii_without_entries_read_gets_no_personal_data(make_api_key, brand, receiver):
    # given: one key with entries:pii and entries:read, one with entries:pii alone
    scopes = ("webhooks:write", "entries:read", "entries:pii")
    subscribe(make_api_key, brand, receiver.url + "?both", scopes=scopes, types=["order.paid"])
    subscribe(
        make_api_key,
        brand,
        receiver.url + "?pii_only",
        scopes=("webhooks:write", "entries:pii"),
        types=["order.paid"],
    )

    # when: an order is paid
    partner_webhooks.event_publish(
        brand_id=brand.pk, event_type="order.paid", data={"order": 1}, pii={"email": "b@x.io"}
    )
    partner_webhooks.webhook_deliveries_deliver()

    # then: entries:pii applies with entries:read only (docs/partners.md's scope table)
    by_path = {r.path: json.loads(r.body) for r in receiver.received}
    assert by_path["/hooks/reports?both"]["pii"] == {"email": "b@x.io"}
    assert "pii" not in by_path["/hooks/reports?pii_only"]
    assert set(by_path) == {"/hooks/reports?both", "/hooks/reports?pii_only"}


def test_a_forgotten_entrant_or_buyers_personal_data_is_never_sent_again(
    make_api_key, brand, receiver, django_capture_on_commit_callbacks
):
    # given: a key with entries:pii that received Ana's entry and order, and Bea's entry
    subscribe(
        make_api_key, brand, receiver.url, scopes=("webhooks:write", "entries:read", "entries:pii")
    )
    promotion = PromotionFactory(campaign__brand=brand, kind=Promotion.Kind.SWEEPSTAKES)
    ana = PersonFactory(email="ana@example.com")
    bea = PersonFactory(email="bea@example.com")
    order = OrderFactory(
        brand=brand, status=Order.Status.PENDING, paid_at=None, email="ana@example.com"
    )
    with django_capture_on_commit_callbacks(execute=True):
        entries_services.entry_create(promotion=promotion, person=ana, answers=answers())
        entries_services.entry_create(
            promotion=promotion, person=bea, answers=replace(answers(), name="Bea Costa")
        )
        order_mark_paid(order_id=order.pk, payment_intent_id="pi_1", amount=2000, currency="EUR")
    assert [b.get("pii") for b in bodies(receiver)] == [
        {"email": "ana@example.com", "name": "Ana Lima"},
        {"email": "bea@example.com", "name": "Bea Costa"},
        {"email": "ana@example.com"},
    ]

    # when: Ana asks to be forgotten, then each delivery is re-sent
    person_anonymise(person=ana)
    with django_capture_on_commit_callbacks(execute=True):
        for delivery in WebhookDelivery.objects.order_by("pk"):
            partner_webhooks.webhook_delivery_resend(delivery=delivery)

    # then: the re-sends carry Bea's personal data, never Ana's
    resent = bodies(receiver)[3:]
    assert [(b["type"], b.get("pii")) for b in resent] == [
        ("entry.created", None),
        ("entry.created", {"email": "bea@example.com", "name": "Bea Costa"}),
        ("order.paid", None),
    ]
    assert WebhookEvent.objects.filter(pii__isnull=False).count() == 1


def test_publishing_with_no_subscription_stores_nothing_in_one_query(
    make_api_key, brand, django_assert_num_queries, settings
):
    settings.WEBHOOK_ALLOW_PRIVATE = True  # no DNS here: the URLs are not resolved
    # a subscription of another brand, one of this brand for another type, an inactive one
    # and a revoked key's: none wants this brand's entry.created
    other = BrandFactory()
    subscribe(make_api_key, other, "https://hooks.example.com/a", types=["entry.created"])
    subscribe(make_api_key, brand, "https://hooks.example.com/b", types=["order.paid"])
    inactive = subscribe(make_api_key, brand, "https://hooks.example.com/c")
    partner_webhooks.webhook_subscription_update(subscription=inactive, active=False)
    revoked = subscribe(make_api_key, brand, "https://hooks.example.com/d")
    revoked.api_key.revoked_at = timezone.now()
    revoked.api_key.save()

    with django_assert_num_queries(1):
        event = partner_webhooks.event_publish(
            brand_id=brand.pk, event_type="entry.created", data={"entry": "x"}
        )

    assert event is None
    assert WebhookEvent.objects.count() == 0
    assert WebhookDelivery.objects.count() == 0


def test_an_entry_with_no_subscriber_stores_no_event(django_capture_on_commit_callbacks):
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)

    with django_capture_on_commit_callbacks(execute=True):
        entries_services.entry_create(
            promotion=promotion, person=PersonFactory(), answers=answers()
        )

    assert promotion.entries.count() == 1
    assert WebhookEvent.objects.count() == 0


def test_a_rolled_back_entry_publishes_nothing(make_api_key, brand, receiver):
    subscribe(make_api_key, brand, receiver.url)

    with pytest.raises(RuntimeError), transaction.atomic():
        partner_webhooks.event_publish(brand_id=brand.pk, event_type="entry.created", data={})
        raise RuntimeError("the caller's transaction fails")

    assert WebhookEvent.objects.count() == 0
    assert partner_webhooks.webhook_deliveries_deliver() == 0
    assert receiver.received == []


def test_an_unknown_event_type_is_a_programming_error(brand):
    with pytest.raises(ValueError):
        partner_webhooks.event_publish(brand_id=brand.pk, event_type="entry.deleted", data={})


def test_the_sweep_sends_a_delivery_whose_task_was_lost(make_api_key, brand, receiver):
    # the on-commit task never ran (worker lost it): the minute schedule sends it
    subscribe(make_api_key, brand, receiver.url)
    partner_webhooks.event_publish(brand_id=brand.pk, event_type="order.paid", data={})

    assert tasks.webhooks_run() == 1

    assert len(receiver.received) == 1
    assert WebhookDelivery.objects.get().state == "delivered"


def test_housekeeping_drops_old_events_personal_data(make_api_key, brand):
    old = timezone.now() - timedelta(days=8)
    subscribe(make_api_key, brand, "https://8.8.8.8/hooks")
    kept = partner_webhooks.event_publish(
        brand_id=brand.pk, event_type="order.paid", data={"order": 2}, pii={"email": "b@x.io"}
    )
    dropped = partner_webhooks.event_publish(
        brand_id=brand.pk,
        event_type="order.paid",
        data={"order": 1},
        pii={"email": "a@x.io"},
        at=old,
    )

    done = tasks.tracking_housekeep()

    assert done["webhook_pii_cleared"] == 1
    dropped.refresh_from_db()
    kept.refresh_from_db()
    assert (dropped.pii, dropped.data) == (None, {"order": 1})
    assert kept.pii == {"email": "b@x.io"}


def test_a_key_that_lost_the_brand_or_was_revoked_receives_nothing_more(
    make_api_key, brand, receiver
):
    # given: an event waiting to be delivered (the endpoint failed once)
    subscription = subscribe(make_api_key, brand, receiver.url)
    receiver.statuses = [500]
    t0 = timezone.now()
    partner_webhooks.event_publish(brand_id=brand.pk, event_type="order.paid", data={}, at=t0)
    assert partner_webhooks.webhook_deliveries_deliver(now=t0) == 1

    # when: the brand is taken off the partner's key
    subscription.api_key.brands.remove(brand)

    # then: the retry is not sent but logged and given up, and no new event is kept
    partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(hours=1))
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == OutboundState.FAILED
    assert "no longer holds the brand" in delivery.log.order_by("attempt").last().error
    assert len(receiver.received) == 1
    assert not partner_webhooks.event_wanted(brand_id=brand.pk, event_type="order.paid")

    # and a revoked key that holds the brand again is not wanted either
    subscription.api_key.brands.add(brand)
    assert partner_webhooks.event_wanted(brand_id=brand.pk, event_type="order.paid")
    subscription.api_key.revoked_at = timezone.now()
    subscription.api_key.save()
    assert not partner_webhooks.event_wanted(brand_id=brand.pk, event_type="order.paid")


def test_a_sweep_that_began_minutes_ago_still_holds_what_it_claims(make_api_key, brand, receiver):
    # given: two deliveries due, and a sweep whose clock is five minutes old by the time it
    # reaches them (its earlier endpoints were slow to answer)
    subscription = subscribe(make_api_key, brand, receiver.url)
    receiver.secret = subscription.secret
    started = timezone.now() - timedelta(minutes=5)
    with transaction.atomic():
        for n in range(2):
            partner_webhooks.event_publish(
                brand_id=brand.pk, event_type="order.paid", data={"order": n}, at=started
            )
    first, second = WebhookDelivery.objects.order_by("pk")
    meanwhile = []

    def send_while_another_worker_sweeps(delivery):
        # the next minute's sweep, another worker, runs while this one sends
        meanwhile.append(partner_webhooks.webhook_deliveries_deliver())
        return webhooks.DeliveryResult(True, 200, 5, "ok", "")

    # when: the old sweep claims the first one and sends it
    logged = deliveries.outbound_attempt(
        model=WebhookDelivery,
        pk=first.pk,
        send=send_while_another_worker_sweeps,
        log_model=WebhookAttempt,
        log_field="delivery",
        now=started,
    )

    # then: the other worker sent only the second; the first was sent once, by its claimant
    assert logged is not None and logged.succeeded
    assert meanwhile == [1]
    assert [json.loads(r.body)["data"]["order"] for r in receiver.received] == [1]
    assert WebhookDelivery.objects.get(pk=second.pk).state == OutboundState.DELIVERED
    assert WebhookDelivery.objects.get(pk=first.pk).attempts == 1


def test_entry_events_stop_when_the_key_loses_entries_read(make_api_key, brand, receiver):
    # given: a subscription to entry.created, then the marketer takes entries:read away
    subscription = subscribe(make_api_key, brand, receiver.url, types=["entry.created"])
    with transaction.atomic():
        waiting = partner_webhooks.event_publish(
            brand_id=brand.pk, event_type="entry.created", data={"entry": "e1"}
        )
    key = subscription.api_key
    key.scopes = ["webhooks:write"]
    key.save()

    # when: another entry comes, and the worker sends what waits
    with transaction.atomic():
        later = partner_webhooks.event_publish(
            brand_id=brand.pk, event_type="entry.created", data={"entry": "e2"}
        )
    partner_webhooks.webhook_deliveries_deliver(now=timezone.now() + timedelta(seconds=1))

    # then: nothing reached the partner; the waiting one is given up, saying why
    assert waiting is not None and later is None
    assert receiver.received == []
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == OutboundState.FAILED
    assert delivery.log.get().error == deliveries.NOT_ALLOWED


def test_a_paused_subscription_gets_nothing_and_no_backlog_once_switched_on(
    make_api_key, brand, receiver
):
    # given: a delivery waiting for its retry (the endpoint failed once)
    subscription = subscribe(make_api_key, brand, receiver.url, types=["order.paid"])
    receiver.statuses = [500]
    t0 = timezone.now()
    partner_webhooks.event_publish(brand_id=brand.pk, event_type="order.paid", data={}, at=t0)
    assert partner_webhooks.webhook_deliveries_deliver(now=t0) == 1

    # when: the partner pauses it ("active": false), the retry comes, an order is paid,
    # then the partner switches it on again and another order is paid
    partner_webhooks.webhook_subscription_update(subscription=subscription, active=False)
    partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(hours=1))
    paused = partner_webhooks.event_publish(
        brand_id=brand.pk, event_type="order.paid", data={"order": 2}, at=t0 + timedelta(hours=1)
    )
    partner_webhooks.webhook_subscription_update(subscription=subscription, active=True)
    later = partner_webhooks.event_publish(
        brand_id=brand.pk, event_type="order.paid", data={"order": 3}, at=t0 + timedelta(hours=2)
    )
    partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(hours=2))

    # then: the waiting retry was given up, saying why; only the order after it came back
    assert paused is None and later is not None
    assert [b["data"] for b in bodies(receiver)] == [{}, {"order": 3}]
    first, last = WebhookDelivery.objects.order_by("pk")
    assert (first.state, last.state) == (OutboundState.FAILED, OutboundState.DELIVERED)
    log = list(first.log.order_by("attempt").values_list("attempt", "status_code", "error"))
    assert log == [(1, 500, "HTTP 500"), (2, None, partner_webhooks.PAUSED)]


def test_a_type_the_subscription_dropped_is_not_sent_even_when_waiting(
    make_api_key, brand, receiver
):
    # given: an order.paid delivery waiting for its retry
    subscription = subscribe(
        make_api_key, brand, receiver.url, types=["order.paid", "draw.completed"]
    )
    receiver.statuses = [500]
    t0 = timezone.now()
    partner_webhooks.event_publish(brand_id=brand.pk, event_type="order.paid", data={}, at=t0)
    assert partner_webhooks.webhook_deliveries_deliver(now=t0) == 1

    # when: the partner keeps only draw.completed, and the retry comes
    partner_webhooks.webhook_subscription_update(
        subscription=subscription, event_types=["draw.completed"]
    )
    partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(hours=1))

    # then: nothing more was sent; the delivery is given up, saying why
    assert len(receiver.received) == 1
    delivery = WebhookDelivery.objects.get()
    assert (delivery.state, delivery.attempts) == (OutboundState.FAILED, 2)
    assert delivery.log.get(attempt=2).error == partner_webhooks.NOT_WANTED


def test_a_key_without_any_webhooks_scope_receives_no_event(make_api_key, brand, receiver):
    # given: a delivery waiting for its retry, then the marketer takes both webhooks
    # scopes away (entries:read and entries:pii stay)
    subscription = subscribe(
        make_api_key, brand, receiver.url, scopes=("webhooks:write", "entries:read")
    )
    receiver.statuses = [500]
    t0 = timezone.now()
    partner_webhooks.event_publish(brand_id=brand.pk, event_type="order.paid", data={}, at=t0)
    assert partner_webhooks.webhook_deliveries_deliver(now=t0) == 1
    key = subscription.api_key
    key.scopes = ["entries:read", "entries:pii"]
    key.save()

    # when: another order is paid, and the retry comes
    later = partner_webhooks.event_publish(
        brand_id=brand.pk, event_type="order.paid", data={"order": 2}, at=t0
    )
    partner_webhooks.webhook_deliveries_deliver(now=t0 + timedelta(hours=1))

    # then: the new event is not kept, the waiting one is given up, saying why
    assert later is None
    assert len(receiver.received) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.state == OutboundState.FAILED
    assert delivery.log.get(attempt=2).error == deliveries.NOT_ALLOWED


def test_webhooks_read_alone_is_enough_to_receive_events(make_api_key, brand, receiver):
    subscription = subscribe(make_api_key, brand, receiver.url, types=["order.paid"])
    key = subscription.api_key
    key.scopes = ["webhooks:read"]
    key.save()

    event = partner_webhooks.event_publish(brand_id=brand.pk, event_type="order.paid", data={})
    partner_webhooks.webhook_deliveries_deliver()

    assert event is not None
    assert [b["id"] for b in bodies(receiver)] == [str(event.event_id)]
