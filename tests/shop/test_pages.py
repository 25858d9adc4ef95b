"""The shop's pages: catalog, product (checkout form), order."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from shop.models import Order, Product, Variant
from tests.factories import BrandFactory, OrderFactory, ProductFactory, VariantFactory


def test_the_shop_lists_products_on_sale_in_a_few_queries(client, shop, django_assert_num_queries):
    now = timezone.now()
    ProductFactory(
        brand=shop.brand, slug="later", title="Coming soon", available_from=now + timedelta(days=1)
    )
    ProductFactory(
        brand=shop.brand, slug="gone", title="Was here", available_until=now - timedelta(days=1)
    )
    ProductFactory(brand=shop.brand, slug="off", title="Switched off", is_active=False)
    ProductFactory(brand=shop.brand, slug="empty", title="Nothing left", stock=0)
    ProductFactory(brand=BrandFactory(), slug="other", title="Other brand's")
    for i in range(5):
        ProductFactory(brand=shop.brand, slug=f"more-{i}", title=f"More {i}")

    with django_assert_num_queries(4):  # brand, products, variants, images
        response = client.get("/shop/nova/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "Nova X case" in html
    assert "More 4" in html
    assert "Nothing left" in html and "Sold out" in html
    for hidden in ("Coming soon", "Was here", "Switched off", "Other brand&#x27;s"):
        assert hidden not in html
    assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none'"


def test_the_product_page_loads_stripe_js_from_the_configured_url(client, shop, settings):
    settings.STRIPE_JS_URL = "http://127.0.0.1:8420/js.stripe.com/v3/"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_page"

    response = client.get("/shop/nova/case/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<script src="http://127.0.0.1:8420/js.stripe.com/v3/" defer></script>' in html
    assert '<script src="/static/shop/checkout.js" defer></script>' in html
    assert 'data-stripe-key="pk_test_page"' in html
    assert f'name="variant" value="{shop.variant.pk}"' in html
    assert "€20.00" in html
    assert "csrftoken" in response.cookies


def test_variants_are_offered_and_sold_out_ones_disabled(client, shop):
    Variant.objects.filter(pk=shop.variant.pk).update(name="Black")
    blue = VariantFactory(product=shop.product, name="Blue", stock=0, price=2500)

    html = client.get("/shop/nova/case/").content.decode()

    assert f'<option value="{shop.variant.pk}">Black · €20.00</option>' in html
    assert f'<option value="{blue.pk}" disabled>Blue · €25.00 (sold out)</option>' in html


def test_unknown_or_unavailable_products_are_404(client, shop):
    ProductFactory(brand=shop.brand, slug="off", is_active=False)
    ProductFactory(brand=BrandFactory(slug="other"), slug="theirs")

    assert client.get("/shop/nova/off/").status_code == 404
    assert client.get("/shop/nova/theirs/").status_code == 404
    assert client.get("/shop/nobody/").status_code == 404


def test_a_sold_out_product_shows_no_payment_form(client, shop):
    Variant.objects.update(stock=0)

    html = client.get("/shop/nova/case/").content.decode()

    assert "This product is sold out for now." in html
    assert 'id="checkout"' not in html
    assert "js.stripe.com" not in html


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


def test_pages_render_in_the_brand_language(client, shop):
    shop.brand.language = "fr"
    shop.brand.save()

    response = client.get("/shop/nova/")

    assert response.headers["Content-Language"] == "fr"
    assert '<html lang="fr">' in response.content.decode()


def test_the_campaign_hub_has_a_shop_tab_while_the_brand_sells_something(client, shop):
    html = client.get("/p/nova/launch/").content.decode()

    assert 'id="tab-shop" href="#panel-shop"' in html
    assert 'id="panel-shop"' in html
    assert 'href="/shop/nova/case/"' in html
    assert 'href="/shop/nova/"' in html

    Product.objects.update(is_active=False)
    html = client.get("/p/nova/launch/").content.decode()
    assert "tab-shop" not in html and "panel-shop" not in html
