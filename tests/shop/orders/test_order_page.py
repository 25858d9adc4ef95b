"""The customer's order page."""

from __future__ import annotations

from shop.models import Order
from tests.factories import BrandFactory, OrderFactory


def test_the_order_page_shows_its_state(client, shop):
    order = OrderFactory(brand=shop.brand, subtotal=4000, discount=600)

    response = client.get(f"/shop/nova/orders/{order.token}/")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Thank you! Your order is paid." in html
    assert f"<strong>{order.number}</strong>" in html
    assert "€34.00" in html
    assert 'http-equiv="refresh"' not in html

    Order.objects.filter(pk=order.pk).update(status=Order.Status.PENDING)
    pending = client.get(f"/shop/nova/orders/{order.token}/").content.decode()
    assert "Confirming your payment…" in pending
    assert '<meta http-equiv="refresh" content="3">' in pending


def test_an_order_is_found_only_in_its_own_shop(client, shop):
    order = OrderFactory(brand=BrandFactory(slug="other"))

    assert client.get(f"/shop/nova/orders/{order.token}/").status_code == 404
    assert client.get("/shop/nova/orders/not-a-uuid/").status_code == 404
