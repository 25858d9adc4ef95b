"""Conversions, housekeeping, partitions and the consumer's entry points."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection

from tests.factories import PromotionFactory
from tests.tracking.conftest import drain, token_for
from tests.tracking.totals import promotion_totals
from tracking import partitions, services, tasks
from tracking.models import DailySalt, SeenEvent, UniqueViewer
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent

pytestmark = pytest.mark.django_db


def ids(promotion):
    return {
        "promotion_id": promotion.pk,
        "campaign_id": promotion.campaign_id,
        "brand_id": promotion.campaign.brand_id,
    }


def test_entries_and_orders_are_counted_once_with_revenue_and_conversion_rate(wsgi):
    promotion = PromotionFactory()
    for _ in range(4):
        wsgi.request("GET", f"/t/i.gif?p={token_for(promotion)}&e={uuid.uuid4()}")
    entry_id = services.conversion_event_id(kind="entry", object_id=41)
    order_id = services.conversion_event_id(kind="order", object_id=7)

    for _ in range(2):  # a retried task
        services.conversion_record(event_id=entry_id, type="entry", **ids(promotion))
        services.conversion_record(
            event_id=order_id, type="order", value=2599, currency="EUR", **ids(promotion)
        )
    drain()

    stats = promotion_totals(promotion_ids=[promotion.pk])[promotion.pk]
    assert (stats.impressions, stats.entries, stats.orders) == (4, 1, 1)
    assert (stats.revenue, stats.currency) == (2599, "EUR")
    assert stats.conversion_rate is None  # no clicks yet


@pytest.mark.parametrize(
    "kwargs",
    [
        {"type": "click"},
        {"type": "order"},
        {"type": "order", "value": 10, "currency": "eur"},
        {"type": "order", "value": -1, "currency": "EUR"},
    ],
)
def test_a_bad_conversion_is_refused(kwargs):
    with pytest.raises(ValidationError):
        services.conversion_record(
            event_id=uuid.uuid4(), promotion_id=1, campaign_id=1, brand_id=1, **kwargs
        )


def test_conversion_event_ids_are_stable_per_object():
    first = services.conversion_event_id(kind="entry", object_id=5)

    assert first == services.conversion_event_id(kind="entry", object_id=5)
    assert first != services.conversion_event_id(kind="order", object_id=5)


def test_housekeeping_forgets_old_ids_salts_and_viewer_rows_but_keeps_the_counts():
    promotion = PromotionFactory()
    old = datetime.now(UTC) - timedelta(days=20)
    events_store(
        [
            TrackedEvent(uuid.uuid4(), old, "impression", **ids(promotion), pseudonym=b"v" * 16),
            TrackedEvent(
                uuid.uuid4(), datetime.now(UTC), "impression", **ids(promotion), pseudonym=b"w" * 16
            ),
        ]
    )
    assert SeenEvent.objects.count() == 2
    assert DailySalt.objects.count() == 2

    done = services.tracking_housekeep()

    assert (done["event_ids_forgotten"], done["salts_deleted"]) == (1, 1)
    assert done["viewer_rows_deleted"] == 3  # the old day's promotion, campaign and brand rows
    assert UniqueViewer.objects.count() == 3
    assert promotion_totals(promotion_ids=[promotion.pk])[promotion.pk].impressions == 2


@pytest.mark.postgres
def test_monthly_partitions_are_created_ahead_once():
    far = date(2031, 1, 15)

    created = partitions.event_partitions_ensure(months_ahead=2, today=far)
    again = partitions.event_partitions_ensure(months_ahead=2, today=far)

    assert (created, again) == (3, 0)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relname LIKE 'tracking_event_y2031m%%' ORDER BY 1"
        )
        assert [r[0] for r in cursor.fetchall()] == [
            "tracking_event_y2031m01",
            "tracking_event_y2031m02",
            "tracking_event_y2031m03",
        ]


@pytest.mark.redis
def test_the_consume_command_and_the_scheduled_task_drain_the_stream(wsgi, capsys):
    promotion = PromotionFactory()
    for _ in range(3):
        wsgi.beacon(token_for(promotion), str(uuid.uuid4()))

    call_command("tracking_consume", "--once")
    wsgi.beacon(token_for(promotion), str(uuid.uuid4()))
    stored = tasks.events_consume(seconds=1)

    assert "stored 3 new event(s) of 3 in 3 entries" in capsys.readouterr().out
    assert stored == 1
    assert promotion_totals(promotion_ids=[promotion.pk])[promotion.pk].impressions == 4


def test_without_redis_the_consumer_has_nothing_to_do(settings):
    settings.REDIS_URL = ""

    assert tasks.events_consume(seconds=1) == 0
    with pytest.raises(Exception, match="REDIS_URL is not set"):
        call_command("tracking_consume", "--once")
