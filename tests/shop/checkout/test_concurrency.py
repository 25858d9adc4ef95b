"""Stock and redemption caps hold under concurrency (PostgreSQL, real threads).

Each thread has its own database connection (closed when it ends); a barrier releases
them together so the checkouts really overlap.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import requests
from django.db import connection

from shop.checkout.selectors import CartItem
from shop.checkout.services import order_create
from shop.errors import ShopError
from shop.models import Code, Offer, OfferCustomerUsage, Order, Redemption, Variant
from shop.orders.services import order_fail
from tests.factories import CodeFactory, OfferFactory
from tests.shop.conftest import Shop, claimed_coupon, make_shop
from tests.shop.stripe_fixtures import payment_method_create, stripe_list, wait_for

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_shop(transactional_db) -> Shop:
    return make_shop(stock=10)


def concurrently(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released at once; results or exceptions."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except Exception as exc:
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def outcome(result: Any) -> str:
    if isinstance(result, ShopError):
        return result.code
    if isinstance(result, Exception):
        return f"crash: {type(result).__name__}: {result}"
    return "ok"


def test_fifty_buyers_for_ten_units_get_ten_paid_orders_and_forty_sold_outs(
    pg_shop, stripe_webhooks, live_server, localstripe
):
    # given 50 buyers on the product page, each with a card
    intents_before = {i["id"] for i in stripe_list(localstripe, "/v1/payment_intents")}
    buyers = []
    for i in range(50):
        session = requests.Session()
        assert session.get(f"{live_server.url}/shop/nova/case/", timeout=10).status_code == 200
        buyers.append((session, payment_method_create(localstripe), f"buyer{i}@example.com"))

    # when they all press "Pay" at once
    def pay(i: int) -> tuple[int, dict[str, Any]]:
        session, pm, email = buyers[i]
        response = session.post(
            f"{live_server.url}/shop/nova/checkout/",
            json={
                "items": [{"variant": pg_shop.variant.pk, "quantity": 1}],
                "email": email,
                "payment_method": pm,
            },
            headers={"X-CSRFToken": session.cookies["csrftoken"]},
            timeout=60,
        )
        return response.status_code, response.json()

    results = concurrently(50, pay)

    # then ten got an order and a payment, forty a clear "sold out" before paying
    assert Counter(status for status, _ in results) == {201: 10, 409: 40}
    refusals = {
        (body["error"]["code"], body["error"]["message"]) for s, body in results if s == 409
    }
    assert refusals == {("sold_out", "Nova X case is sold out.")}
    assert Order.objects.count() == 10
    assert Variant.objects.get().stock == 0
    tokens = {str(o.token) for o in Order.objects.all()}
    made = [
        i["metadata"]["order"]
        for i in stripe_list(localstripe, "/v1/payment_intents")
        if i["id"] not in intents_before
    ]
    assert sorted(made) == sorted(tokens)  # a PaymentIntent for each order, none for the rest

    # and the webhooks mark exactly those ten paid
    wait_for(
        lambda: Order.objects.filter(status=Order.Status.PAID).count() == 10,
        timeout=60,
        what="ten paid orders",
    )
    assert Variant.objects.get().stock == 0


def test_stock_is_never_oversold_by_concurrent_reservations(pg_shop):
    Variant.objects.update(stock=7)

    results = concurrently(
        25,
        lambda i: order_create(
            brand=pg_shop.brand,
            items=[CartItem(variant_id=pg_shop.variant.pk, quantity=1)],
            email=f"b{i}@example.com",
        ),
    )

    assert Counter(map(outcome, results)) == {"ok": 7, "sold_out": 18}
    assert Variant.objects.get().stock == 0
    assert Order.objects.count() == 7


def test_a_per_customer_cap_of_one_gives_one_discount_to_concurrent_redemptions(pg_shop):
    Variant.objects.update(stock=100)
    offer = OfferFactory(brand=pg_shop.brand, code_type=Offer.CodeType.SHARED, max_per_customer=1)
    CodeFactory(offer=offer, code="TWICE", max_uses=None)

    for round_ in range(10):  # ten customers, each redeeming the code twice at the same moment
        email = f"same{round_}@example.com"
        results = concurrently(
            2,
            lambda i, email=email: order_create(
                brand=pg_shop.brand,
                items=[CartItem(variant_id=pg_shop.variant.pk, quantity=1)],
                email=email,
                code_text="TWICE",
            ),
        )
        assert sorted(map(outcome, results)) == ["code_used_by_customer", "ok"]
        refused = next(r for r in results if isinstance(r, ShopError))
        assert refused.message == "You have already used this code."

    assert Order.objects.filter(discount=400).count() == 10
    assert Order.objects.count() == 10
    assert list(OfferCustomerUsage.objects.values_list("uses", flat=True).distinct()) == [1]
    offer.refresh_from_db()
    assert offer.redemptions_count == 10


def test_a_total_cap_holds_against_many_customers(pg_shop):
    Variant.objects.update(stock=100)
    offer = OfferFactory(brand=pg_shop.brand, code_type=Offer.CodeType.SHARED, max_redemptions=5)
    CodeFactory(offer=offer, code="FIRST5", max_uses=None)

    results = concurrently(
        30,
        lambda i: order_create(
            brand=pg_shop.brand,
            items=[CartItem(variant_id=pg_shop.variant.pk, quantity=1)],
            email=f"c{i}@example.com",
            code_text="FIRST5",
        ),
    )

    assert Counter(map(outcome, results)) == {"ok": 5, "offer_used_up": 25}
    offer.refresh_from_db()
    assert offer.redemptions_count == 5
    assert Redemption.objects.count() == 5
    assert Variant.objects.get().stock == 95  # the refused checkouts took no stock


def test_a_unique_code_is_used_once(pg_shop):
    code = CodeFactory(offer=OfferFactory(brand=pg_shop.brand, max_per_customer=None), code="ONLY1")

    results = concurrently(
        10,
        lambda i: order_create(
            brand=pg_shop.brand,
            items=[CartItem(variant_id=pg_shop.variant.pk, quantity=1)],
            email=f"u{i}@example.com",
            code_text="ONLY1",
        ),
    )

    assert Counter(map(outcome, results)) == {"ok": 1, "code_used": 9}
    assert Code.objects.get(pk=code.pk).times_used == 1


def test_concurrent_failures_release_an_order_once(pg_shop):
    offer = OfferFactory(brand=pg_shop.brand, max_per_customer=1)
    CodeFactory(offer=offer, code="BACK")
    order = order_create(
        brand=pg_shop.brand,
        items=[CartItem(variant_id=pg_shop.variant.pk, quantity=4)],
        email="r@example.com",
        code_text="BACK",
    )
    assert Variant.objects.get().stock == 6

    results = concurrently(8, lambda i: order_fail(order_id=order.pk, reason=f"try {i}"))

    assert sorted(results) == [False] * 7 + [True]
    assert Variant.objects.get().stock == 10
    offer.refresh_from_db()
    assert offer.redemptions_count == 0
    assert Code.objects.get(code="BACK").times_used == 0
    assert OfferCustomerUsage.objects.get().uses == 0


def test_a_promotion_coupon_is_held_by_one_order_at_a_time(pg_shop):
    OfferFactory(brand=pg_shop.brand, promotion=pg_shop.promotion, max_per_customer=None)
    claimed_coupon(pg_shop.promotion, "WIN-CONC")

    results = concurrently(
        8,
        lambda i: order_create(
            brand=pg_shop.brand,
            items=[CartItem(variant_id=pg_shop.variant.pk, quantity=1)],
            email=f"p{i}@example.com",
            code_text="WIN-CONC",
        ),
    )

    assert Counter(map(outcome, results)) == {"ok": 1, "code_used": 7}
    assert Code.objects.get(code="WIN-CONC").times_used == 1
