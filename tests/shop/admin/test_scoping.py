"""Shop admin: scoped by brand like the rest of the admin; every page renders."""

from __future__ import annotations

from tests.factories import (
    BrandFactory,
    BrandMembershipFactory,
    CapiAttemptFactory,
    CodeFactory,
    MarketFactory,
    OfferFactory,
    OrderFactory,
    ProductFactory,
    ProductImageFactory,
    RedemptionFactory,
    RefundFactory,
    StripeEventFactory,
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


def test_every_shop_admin_page_renders(
    admin_client, shop, django_capture_on_commit_callbacks, settings
):
    settings.FACEBOOK_PIXEL_ID, settings.FACEBOOK_CAPI_TOKEN = "", ""
    offer = OfferFactory(brand=shop.brand, promotion=shop.promotion)
    code = CodeFactory(offer=offer)
    order = OrderFactory(brand=shop.brand)
    RedemptionFactory(order=order, offer=offer, code=CodeFactory(offer=offer))
    RefundFactory(order=order)
    ProductImageFactory(product=shop.product)
    event = StripeEventFactory()
    delivery = CapiAttemptFactory(delivery__order=order).delivery

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


def test_forms_offer_only_the_managed_brands_shop_objects(client, shop):
    other = BrandFactory(slug="other", name="Other")
    ProductFactory(brand=other, title="Their product")
    analyst_of = BrandFactory(slug="read", name="Read only")
    read_product = ProductFactory(brand=analyst_of, title="Read-only product")
    user = manager_of(shop.brand)
    BrandMembershipFactory(brand=analyst_of, user=user, role="analyst")
    client.force_login(user)

    offer_form = client.get("/admin/shop/offer/add/").content.decode()

    assert "Nova X case" in offer_form
    assert "Their product" not in offer_form and "Read-only product" not in offer_form
    assert client.get(f"/admin/shop/product/{read_product.pk}/change/").status_code == 200
    assert client.post(f"/admin/shop/product/{read_product.pk}/change/", {}).status_code == 403


def test_the_markets_list_edits_only_the_rows_the_user_may_change(client, shop):
    # given: a manager of the shop's brand who is an analyst of another brand
    read_only = BrandFactory(slug="read", name="Read only")
    theirs = MarketFactory(brand=read_only, country="US", currency="USD")
    ours = MarketFactory(brand=shop.brand, country="CH", currency="CHF")
    user = manager_of(shop.brand)
    BrandMembershipFactory(brand=read_only, user=user, role="analyst")
    client.force_login(user)
    listed = client.get("/admin/shop/market/").content.decode()
    assert "read" in listed.lower()  # the list shows the other brand's market too

    def edit(market, currency):
        return client.post(
            "/admin/shop/market/",
            {
                "form-TOTAL_FORMS": "1",
                "form-INITIAL_FORMS": "1",
                "form-0-id": str(market.pk),
                "form-0-currency": currency,
                "_save": "Save",
            },
        )

    # when: they edit the other brand's row, then their own
    refused = edit(theirs, "EUR")
    saved = edit(ours, "EUR")

    # then: the other brand's market is unchanged; their own is saved
    assert refused.status_code == 200 and "You may not change" in refused.content.decode()
    theirs.refresh_from_db()
    ours.refresh_from_db()
    assert (theirs.currency, ours.currency) == ("USD", "EUR")
    assert saved.status_code == 302
