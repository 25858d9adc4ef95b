"""A paid order's entry and report count are recorded once, even when the queued task is
lost (the Redis broker does not give a killed worker's task to another): a sweep repeats
what never happened, and only that."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db.models import Sum
from django.utils import timezone

from promotions.models import Entry, Promotion
from shop import tasks
from shop.models import Order
from shop.orders import services as orders_services
from tests.factories.promotions import PromotionFactory
from tests.factories.shop import OrderFactory
from tests.tracking.conftest import _isolated_stream, drain  # noqa: F401 (autouse: own stream)
from tracking.models import HourlyRollup

pytestmark = pytest.mark.django_db


def _paid(promotion, *, execute: bool, capture, email="buyer@example.com") -> Order:
    order = OrderFactory(
        brand=promotion.campaign.brand,
        promotion=promotion,
        email=email,
        status=Order.Status.PENDING,
        paid_at=None,
    )
    with capture(execute=execute):  # execute=False: the queued tasks are lost
        assert orders_services.order_mark_paid(
            order_id=order.pk,
            payment_intent_id=f"pi_{order.pk}",
            amount=order.total,
            currency=order.currency,
        )
    order.refresh_from_db()
    return order


def _orders_counted(promotion) -> int | None:
    drain()
    return HourlyRollup.objects.filter(promotion_id=promotion.pk).aggregate(n=Sum("orders"))["n"]


@pytest.fixture
def sweepstakes():
    return PromotionFactory(
        kind=Promotion.Kind.SWEEPSTAKES, entry_methods=["free_form", "purchase"]
    )


def test_the_queued_task_records_the_order_and_the_sweep_leaves_it(
    sweepstakes, django_capture_on_commit_callbacks
):
    order = _paid(sweepstakes, execute=True, capture=django_capture_on_commit_callbacks)

    assert order.paid_recorded_at is not None
    assert Entry.objects.filter(promotion=sweepstakes, slot=f"p{order.pk}").count() == 1
    assert tasks.orders_paid_record_due(at=order.paid_at + timedelta(minutes=30)) == 0
    assert _orders_counted(sweepstakes) == 1


def test_a_lost_task_is_repeated_by_the_sweep_once(sweepstakes, django_capture_on_commit_callbacks):
    order = _paid(sweepstakes, execute=False, capture=django_capture_on_commit_callbacks)
    assert order.paid_recorded_at is None
    assert not Entry.objects.filter(promotion=sweepstakes).exists()

    # Not while the queued task may still be on its way...
    assert tasks.orders_paid_record_due(at=order.paid_at + timedelta(minutes=1)) == 0
    # ...then once: the entry, the count in the reports, the mark.
    later = order.paid_at + timedelta(minutes=6)
    assert tasks.orders_paid_record_due(at=later) == 1
    assert tasks.orders_paid_record_due(at=later + timedelta(minutes=10)) == 0

    order.refresh_from_db()
    assert order.paid_recorded_at is not None
    assert Entry.objects.filter(promotion=sweepstakes, slot=f"p{order.pk}").count() == 1
    assert _orders_counted(sweepstakes) == 1
    # A late duplicate of the lost task changes nothing either.
    assert orders_services.order_paid_record(order_id=order.pk) is False
    assert Entry.objects.filter(promotion=sweepstakes).count() == 1
    assert _orders_counted(sweepstakes) == 1


def test_the_sweep_skips_orders_without_a_promotion_unpaid_or_too_old(
    sweepstakes, django_capture_on_commit_callbacks
):
    now = timezone.now()
    old = _paid(sweepstakes, execute=False, capture=django_capture_on_commit_callbacks)
    Order.objects.filter(pk=old.pk).update(paid_at=now - timedelta(days=8))
    OrderFactory(brand=sweepstakes.campaign.brand, promotion=None, paid_at=now - timedelta(hours=1))
    OrderFactory(
        brand=sweepstakes.campaign.brand,
        promotion=sweepstakes,
        status=Order.Status.PENDING,
        paid_at=None,
    )

    assert tasks.orders_paid_record_due(at=now) == 0
    assert not Entry.objects.filter(promotion=sweepstakes).exists()
    assert Order.objects.filter(paid_recorded_at__isnull=False).count() == 0
