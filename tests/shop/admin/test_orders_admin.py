"""Orders in admin: filtered and searched, found by the number the customer quotes."""

from __future__ import annotations

from shop.models import Order
from tests.factories import (
    OrderFactory,
)


def test_orders_are_filtered_and_searched(admin_client, shop):
    paid = OrderFactory(brand=shop.brand, email="paid@example.com")
    OrderFactory(brand=shop.brand, email="failed@example.com", status=Order.Status.FAILED)

    by_status = admin_client.get("/admin/shop/order/?status__exact=failed").content.decode()
    by_search = admin_client.get(f"/admin/shop/order/?q={paid.token}").content.decode()

    assert "failed@example.com" in by_status and "paid@example.com" not in by_status
    assert "paid@example.com" in by_search and "failed@example.com" not in by_search


def test_an_order_is_found_by_the_number_the_customer_quotes(admin_client, shop):
    paid = OrderFactory(brand=shop.brand, email="paid@example.com")
    OrderFactory(brand=shop.brand, email="other@example.com")

    for term in (paid.number, paid.number.lower(), f"#{paid.number}"):
        page = admin_client.get("/admin/shop/order/", {"q": term}).content.decode()
        assert "paid@example.com" in page and "other@example.com" not in page, term
    miss = admin_client.get("/admin/shop/order/", {"q": "0000000G"}).content.decode()
    assert "paid@example.com" not in miss
