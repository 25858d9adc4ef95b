"""The shop's pages: the product list, a product, the hub's Shop tab."""

from __future__ import annotations

import json
from datetime import timedelta

from django.utils import timezone

from shop.models import Product, Variant
from tests.factories import BrandFactory, ProductFactory, VariantFactory


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


def test_pages_render_in_the_brand_language(client, shop):
    shop.brand.language = "fr"
    shop.brand.save()

    response = client.get("/shop/nova/")

    assert response.headers["Content-Language"] == "fr"
    assert '<html lang="fr" dir="ltr">' in response.content.decode()


def test_the_campaign_hub_has_a_shop_tab_while_the_brand_sells_something(client, shop):
    html = client.get("/p/nova/launch/").content.decode()

    assert 'id="tab-shop" href="#panel-shop"' in html
    assert 'id="panel-shop"' in html
    assert 'href="/shop/nova/case/"' in html
    assert 'href="/shop/nova/"' in html

    Product.objects.update(is_active=False)
    html = client.get("/p/nova/launch/").content.decode()
    assert "tab-shop" not in html and "panel-shop" not in html


def test_the_hub_shows_the_shop_only_through_the_section_the_shop_registers(
    client, shop, monkeypatch
):
    # given: the brand sells something, but no app has registered a hub section
    from promotions.pages import hub_sections

    monkeypatch.setattr(hub_sections, "_SECTIONS", [])
    assert "tab-shop" not in client.get("/p/nova/launch/").content.decode()

    # when: the shop registers its section (as ShopConfig.ready does), twice
    for _ in range(2):
        hub_sections.hub_section_register(
            tab_template="shop/_hub_tab.html", panel_template="shop/_hub_panel.html"
        )
    html = client.get("/p/nova/launch/").content.decode()

    # then: one shop tab and one panel, after the promotions' tabs
    assert html.count('id="tab-shop"') == 1 and html.count('id="panel-shop"') == 1
    assert html.index('role="tab" id="tab-') < html.index('id="tab-shop"')


def test_without_a_market_the_pages_show_the_price_its_variant_is_charged(client, shop):
    # given a product listed at 20.00 whose only option is priced 30.00
    Variant.objects.filter(pk=shop.variant.pk).update(price=3000)

    # when a visitor without a market looks at it and asks for a quote
    card = client.get("/shop/nova/").content.decode()
    page = client.get("/shop/nova/case/").content.decode()
    quote = client.post(
        "/shop/nova/quote/",
        data=json.dumps({"items": [{"variant": shop.variant.pk, "quantity": 1}]}),
        content_type="application/json",
    )

    # then every price shown is the 30.00 charged
    assert quote.json()["total"] == 3000
    assert '<span class="price">€30.00</span>' in card
    assert '<p class="price" data-unit-price>€30.00</p>' in page
    assert "<dd data-total>€30.00</dd>" in page
    assert "Pay · €30.00</button>" in page
    assert "€20.00" not in card + page


def test_variants_priced_apart_show_their_range_and_the_form_starts_on_one_in_stock(client, shop):
    # given a black case at 20.00, sold out, and a blue one at 25.00
    Variant.objects.filter(pk=shop.variant.pk).update(name="Black", stock=0)
    VariantFactory(product=shop.product, name="Blue", stock=5, price=2500)

    card = client.get("/shop/nova/").content.decode()
    page = client.get("/shop/nova/case/").content.decode()

    # then the lowest to the highest, and the totals of the blue one the form starts on
    assert '<span class="price">€20.00\u2013€25.00</span>' in card
    assert '<p class="price" data-unit-price>€20.00\u2013€25.00</p>' in page
    assert "<dd data-subtotal>€25.00</dd>" in page and "<dd data-total>€25.00</dd>" in page
    assert "Pay · €25.00</button>" in page
