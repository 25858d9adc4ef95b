"""Shop admin: scoped by brand, stock as deltas, codes generated and imported, orders."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from shop.models import CapiDelivery, Code, Offer, Order, Product, StripeEvent, Variant
from tests.factories import (
    BrandFactory,
    BrandMembershipFactory,
    CodeFactory,
    OfferFactory,
    OrderFactory,
    ProductFactory,
)


def manager_of(brand, role="manager"):
    return BrandMembershipFactory(brand=brand, role=role).user


def test_staff_see_only_their_brands_shop(client, shop):
    other = BrandFactory(slug="other", name="Other")
    theirs = OrderFactory(brand=other, email="theirs@example.com")
    ours = OrderFactory(brand=shop.brand, email="ours@example.com")
    ProductFactory(brand=other, title="Their product")
    client.force_login(manager_of(shop.brand))

    orders = client.get("/admin/shop/order/").content.decode()
    products = client.get("/admin/shop/product/").content.decode()

    assert "ours@example.com" in orders and "theirs@example.com" not in orders
    assert "Nova X case" in products and "Their product" not in products
    assert client.get(f"/admin/shop/order/{theirs.pk}/change/").status_code == 302  # as if absent
    assert client.get(f"/admin/shop/order/{ours.pk}/change/").status_code == 200
    assert client.get("/admin/shop/stripeevent/").status_code == 403


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


def test_an_analyst_cannot_refund(client, shop, localstripe, stripe_settings):
    order = OrderFactory(brand=shop.brand)
    client.force_login(manager_of(shop.brand, role="analyst"))

    response = client.post(
        "/admin/shop/order/", {"action": "refund_orders", "_selected_action": [order.pk]}
    )

    # the action is not offered to analysts: Django answers with the list, nothing done
    assert response.status_code == 200
    assert "refund_orders" not in response.content.decode()
    assert order.refunds.count() == 0


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
        },
    )

    assert response.status_code == 302
    assert list(Product.objects.get(slug="lanyard").variants.values_list("name", "stock")) == [
        ("", 0)
    ]


def test_codes_are_generated_and_imported(admin_client, shop):
    offer = OfferFactory(brand=shop.brand)
    CodeFactory(offer=offer, code="TAKEN")
    url = f"/admin/shop/offer/{offer.pk}/codes/"

    assert admin_client.get(url).status_code == 200
    admin_client.post(url, {"generate": "1", "count": 25, "code_prefix": "nova"})
    upload = SimpleUploadedFile("codes.csv", b"code,email\nFILE-1,a@x\nFILE-2,b@x\n")
    response = admin_client.post(
        url,
        {"import": "1", "codes": "paste-1, paste-2\nTAKEN bad!code", "file": upload},
        follow=True,
    )

    codes = set(Code.objects.filter(offer=offer).values_list("code", flat=True))
    generated = {c for c in codes if c.startswith("NOVA-")}
    assert len(generated) == 25
    assert codes - generated == {"TAKEN", "PASTE-1", "PASTE-2", "FILE-1", "FILE-2"}
    assert all(len(c) == len("NOVA-") + 8 for c in generated)
    assert set(Code.objects.filter(offer=offer).values_list("max_uses", flat=True)) == {1}
    html = response.content.decode()
    assert "4 codes imported." in html
    assert "Already used in this brand, skipped: TAKEN" in html
    assert "skipped: BAD!CODE" in html


def test_offer_products_must_be_the_brands(admin_client, shop):
    foreign = ProductFactory(brand=BrandFactory(), title="Foreign thing")

    response = admin_client.post(
        "/admin/shop/offer/add/",
        {
            "brand": shop.brand.pk,
            "name": "Bad",
            "is_active": "on",
            "kind": "percent",
            "percent_off": 10,
            "products": [foreign.pk],
            "starts_at_0": "2026-01-01",
            "starts_at_1": "00:00:00",
            "ends_at_0": "2026-12-31",
            "ends_at_1": "00:00:00",
            "code_type": "unique",
            "max_per_customer": 1,
        },
    )

    assert response.status_code == 200
    assert "Not products of this brand: Foreign thing." in response.content.decode()
    assert Offer.objects.count() == 0


def test_every_shop_admin_page_renders(
    admin_client, shop, django_capture_on_commit_callbacks, settings
):
    settings.FACEBOOK_PIXEL_ID, settings.FACEBOOK_CAPI_TOKEN = "", ""
    offer = OfferFactory(brand=shop.brand, promotion=shop.promotion)
    code = CodeFactory(offer=offer)
    order = OrderFactory(brand=shop.brand)
    event = StripeEvent.objects.create(id="evt_1", type="payment_intent.succeeded", payload={})
    delivery = CapiDelivery.objects.create(order=order, event_id=str(order.pk))

    pages = [
        "/admin/shop/",
        "/admin/shop/product/",
        f"/admin/shop/product/{shop.product.pk}/change/",
        "/admin/shop/product/add/",
        "/admin/shop/offer/",
        f"/admin/shop/offer/{offer.pk}/change/",
        "/admin/shop/offer/add/",
        f"/admin/shop/offer/{offer.pk}/codes/",
        "/admin/shop/code/",
        f"/admin/shop/code/{code.pk}/change/",
        "/admin/shop/order/",
        f"/admin/shop/order/{order.pk}/change/",
        "/admin/shop/stripeevent/",
        f"/admin/shop/stripeevent/{event.pk}/change/",
        "/admin/shop/capidelivery/",
        f"/admin/shop/capidelivery/{delivery.pk}/change/",
    ]

    assert {page: admin_client.get(page).status_code for page in pages} == dict.fromkeys(pages, 200)
