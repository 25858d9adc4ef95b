"""A person's data deletion reaches the shop: their orders keep the accounting record and
lose what matched them to Facebook's ads; nobody else's order changes."""

from __future__ import annotations

import time

import pytest
from django.test import Client

from promotions.entries.models import PURCHASE_SOURCE
from promotions.facebook.client import signed_request_make
from promotions.models import DataDeletionRequest
from shop.models import Order
from tests.factories.promotions import EntryFactory, IdentityFactory, PersonFactory
from tests.factories.shop import OrderFactory

pytestmark = pytest.mark.django_db

MATCHING = {"client_ip": "203.0.113.9", "user_agent": "Phone", "fbp": "fb.1.1.2", "fbc": "fb.1.1.x"}


def _matching(order: Order) -> tuple:
    order.refresh_from_db()
    return (order.client_ip, order.user_agent, order.fbp, order.fbc)


def test_a_data_deletion_clears_the_ad_matching_data_of_the_persons_orders_only():
    # given: a Facebook entrant with three orders (their address in another case, a coupon
    # one of their entries won, a purchase that earned an entry) and someone else's order
    person = PersonFactory(email="Leaving@Example.com", email_normalized="leaving@example.com")
    IdentityFactory(person=person, provider="facebook", subject="777")
    by_address = OrderFactory(email="leaving@example.com", **MATCHING)
    won = EntryFactory(person=person)
    by_coupon = OrderFactory(email="gift@example.com", entry_id=won.pk, **MATCHING)
    by_purchase = OrderFactory(email="work@example.com", **MATCHING)
    EntryFactory(person=person, slot=f"p{by_purchase.pk}", source=PURCHASE_SOURCE)
    theirs = OrderFactory(email="stays@example.com", **MATCHING)

    # when: Facebook calls the data deletion callback
    answer = Client().post(
        "/facebook/data-deletion/",
        {"signed_request": signed_request_make({"issued_at": int(time.time()), "user_id": "777"})},
    )

    # then: the three orders lose the matching data and keep the accounting record
    assert answer.status_code == 200
    for order in (by_address, by_coupon, by_purchase):
        assert _matching(order) == (None, "", "", "")
        assert (order.status, order.total) == (Order.Status.PAID, 2000)
    assert _matching(theirs) == tuple(MATCHING.values())
    assert DataDeletionRequest.objects.get().summary["deleted"]["order_ad_matching"] == 3
    status = Client().get(answer.json()["url"]).content.decode()
    assert "What matched 3 orders to Facebook ads" in status
    assert "the orders are kept for accounting" in status
