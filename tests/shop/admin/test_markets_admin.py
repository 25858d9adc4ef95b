"""Markets and per-currency prices in admin: prices inline on the product (a variant may
have its own), markets on their own page, both scoped by brand."""

from __future__ import annotations

from shop.models import Market, Price
from tests.factories import BrandFactory, BrandMembershipFactory, MarketFactory, VariantFactory


def product_form(shop, **more):
    variant = shop.variant
    return {
        "brand": shop.brand.pk,
        "title": shop.product.title,
        "slug": shop.product.slug,
        "description": "",
        "price": 2000,
        "currency": "EUR",
        "max_per_order": 10,
        "is_active": "on",
        "position": 0,
        "variants-TOTAL_FORMS": 1,
        "variants-INITIAL_FORMS": 1,
        "variants-0-id": variant.pk,
        "variants-0-product": shop.product.pk,
        "variants-0-name": "",
        "variants-0-sku": "",
        "variants-0-price": "",
        "variants-0-is_active": "on",
        "variants-0-position": 0,
        "images-TOTAL_FORMS": 0,
        "images-INITIAL_FORMS": 0,
        "prices-TOTAL_FORMS": 0,
        "prices-INITIAL_FORMS": 0,
        **more,
    }


def test_a_manager_sets_prices_per_currency_inline(client, shop):
    client.force_login(BrandMembershipFactory(brand=shop.brand, role="manager").user)
    blue = VariantFactory(product=shop.product, name="Blue")
    url = f"/admin/shop/product/{shop.product.pk}/change/"

    page = client.get(url).content.decode()
    response = client.post(
        url,
        product_form(
            shop,
            **{
                "prices-TOTAL_FORMS": 2,
                "prices-0-currency": "usd",
                "prices-0-amount": 2199,
                "prices-0-variant": "",
                "prices-1-currency": "USD",
                "prices-1-amount": 2499,
                "prices-1-variant": blue.pk,
            },
        ),
    )

    assert "prices per currency" in page.lower()
    assert response.status_code == 302, response.context["errors"]
    assert sorted(Price.objects.values_list("currency", "amount", "variant")) == [
        ("USD", 2199, None),
        ("USD", 2499, blue.pk),
    ]


def test_two_prices_in_one_currency_for_a_product_are_refused(client, shop):
    client.force_login(BrandMembershipFactory(brand=shop.brand, role="manager").user)
    rows = {
        "prices-TOTAL_FORMS": 2,
        "prices-0-currency": "USD",
        "prices-0-amount": 2199,
        "prices-1-currency": "USD",
        "prices-1-amount": 1999,
    }

    response = client.post(
        f"/admin/shop/product/{shop.product.pk}/change/", product_form(shop, **rows)
    )

    assert response.status_code == 200
    assert "Two prices in USD for the same product or variant: keep one." in (
        response.content.decode()
    )
    assert not Price.objects.exists()


def test_markets_are_managed_per_brand_and_scoped(client, shop):
    other = BrandFactory(slug="other")
    MarketFactory(brand=other, country="GB", currency="GBP")
    client.force_login(BrandMembershipFactory(brand=shop.brand, role="manager").user)

    added = client.post(
        "/admin/shop/market/add/", {"brand": shop.brand.pk, "country": "us", "currency": "usd"}
    )
    listing = client.get("/admin/shop/market/").content.decode()
    foreign = client.post(
        "/admin/shop/market/add/", {"brand": other.pk, "country": "CA", "currency": "CAD"}
    )

    assert added.status_code == 302
    assert list(Market.objects.filter(brand=shop.brand).values_list("country", "currency")) == [
        ("US", "USD")
    ]
    assert "USD" in listing and "GBP" not in listing
    assert foreign.status_code == 200  # another brand is not among the choices
    assert not Market.objects.filter(country="CA").exists()
