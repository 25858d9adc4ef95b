"""Products in admin: stock as deltas, a variant for every product."""

from __future__ import annotations

from shop.models import Product, Variant
from tests.factories import BrandFactory, ProductFactory
from tests.shop.admin.test_markets_admin import product_form


def test_stock_is_changed_by_deltas_that_never_go_below_zero(admin_client, shop):
    product = shop.product
    variant = shop.variant
    form = {
        "brand": shop.brand.pk,
        "title": product.title,
        "slug": product.slug,
        "description": "",
        "price": 2000,
        "currency": "EUR",
        "max_per_order": 10,
        "is_active": "on",
        "position": 0,
        "variants-TOTAL_FORMS": 1,
        "variants-INITIAL_FORMS": 1,
        "variants-0-id": variant.pk,
        "variants-0-product": product.pk,
        "variants-0-name": "",
        "variants-0-sku": "CASE-1",
        "variants-0-price": "",
        "variants-0-adjust_by": 5,
        "variants-0-is_active": "on",
        "variants-0-position": 0,
        "images-TOTAL_FORMS": 0,
        "images-INITIAL_FORMS": 0,
        "prices-TOTAL_FORMS": 0,
        "prices-INITIAL_FORMS": 0,
    }
    # a reservation happens while the marketer's form is open
    Variant.objects.filter(pk=variant.pk).update(stock=7)

    response = admin_client.post(f"/admin/shop/product/{product.pk}/change/", form)

    assert response.status_code == 302
    variant.refresh_from_db()
    assert (variant.stock, variant.sku) == (12, "CASE-1")

    form["variants-0-adjust_by"] = -20
    admin_client.post(f"/admin/shop/product/{product.pk}/change/", form, follow=True)
    variant.refresh_from_db()
    assert variant.stock == 12


def test_a_new_product_gets_its_stock_holding_variant(admin_client, shop):
    response = admin_client.post(
        "/admin/shop/product/add/",
        {
            "brand": shop.brand.pk,
            "title": "Lanyard",
            "slug": "lanyard",
            "price": 500,
            "currency": "EUR",
            "max_per_order": 10,
            "is_active": "on",
            "position": 0,
            "variants-TOTAL_FORMS": 0,
            "variants-INITIAL_FORMS": 0,
            "images-TOTAL_FORMS": 0,
            "images-INITIAL_FORMS": 0,
            "prices-TOTAL_FORMS": 0,
            "prices-INITIAL_FORMS": 0,
        },
    )

    assert response.status_code == 302
    assert list(Product.objects.get(slug="lanyard").variants.values_list("name", "stock")) == [
        ("", 0)
    ]


def test_sale_dates_are_typed_and_shown_in_the_brands_zone(admin_client, shop):
    from datetime import UTC, datetime

    from promotions.models import Brand

    Brand.objects.filter(pk=shop.brand.pk).update(timezone="Europe/Paris")
    product = shop.product
    form = product_form(
        shop,
        available_from_0="2026-12-01",
        available_from_1="00:00:00",
        **{"variants-0-sku": shop.variant.sku},
    )

    saved = admin_client.post(f"/admin/shop/product/{product.pk}/change/", form)

    # then: midnight in Paris, which the list shows as typed and the form says so
    assert saved.status_code == 302
    product.refresh_from_db()
    assert product.available_from == datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
    assert "2026-12-01 00:00" in admin_client.get("/admin/shop/product/").content.decode()
    page = admin_client.get(f"/admin/shop/product/{product.pk}/change/").content.decode()
    assert "Times are in Europe/Paris." in page and 'value="00:00:00"' in page


def test_a_variant_price_stripe_cannot_charge_is_refused_in_the_variants_row(admin_client, shop):
    # given a product moved to dinars, its variant priced off Stripe's step of ten fils
    form = product_form(shop, price=5120, currency="KWD", **{"variants-0-price": 5125})

    # when it is saved
    response = admin_client.post(f"/admin/shop/product/{shop.product.pk}/change/", form)

    # then the variant's row says what to type, and nothing is saved
    assert response.status_code == 200
    assert response.context["inline_admin_formsets"][0].formset.errors == [
        {"price": ["Stripe charges KWD in steps of 10 minor units: type 5130."]}
    ]
    shop.product.refresh_from_db()
    shop.variant.refresh_from_db()
    assert (shop.product.currency, shop.variant.price) == ("EUR", None)


def test_a_product_keeps_its_brand_and_its_slug_is_still_unique_in_it(admin_client, shop):
    # given another brand, and another product of Nova
    other = BrandFactory(slug="other")
    ProductFactory(brand=shop.brand, slug="lanyard")
    url = f"/admin/shop/product/{shop.product.pk}/change/"

    # when the product's form names the other brand, then the other product's slug
    moved = admin_client.post(url, product_form(shop, brand=other.pk, title="Case"))
    taken = admin_client.post(url, product_form(shop, slug="lanyard"))

    # then the brand is kept, and the slug refused as it is when the product is created
    assert moved.status_code == 302
    shop.product.refresh_from_db()
    assert (shop.product.title, shop.product.brand_id) == ("Case", shop.brand.pk)
    assert taken.status_code == 200
    assert taken.context["adminform"].form.non_field_errors() == [
        "Product with this Brand and Slug already exists."
    ]
