"""POST /shop/<brand>/checkout/ and /quote/ against a real localstripe server."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from promotions.codes.services import code_pool_import
from shop.checkout.selectors import CartItem
from shop.checkout.services import order_create
from shop.models import Code, Order, Product, Redemption, Variant
from shop.orders.services import order_fail, order_mark_paid
from shop.payments.reconciliation import orders_expire_due
from shop.payments.webhooks import payment_intent_succeeded
from tests.factories import (
    BrandFactory,
    CodeFactory,
    OfferFactory,
    ProductFactory,
    PromotionFactory,
    VariantFactory,
)
from tests.shop.conftest import claimed_coupon
from tests.shop.stripe_fixtures import (
    payment_method_create,
    stripe_api,
    stripe_list,
    three_d_secure_complete,
    wait_for,
)

CARD_OK = "4242424242424242"
CHECKOUT = "3f0c9e4e-6a59-4a1b-9d0e-2b7f5c1d8a11"  # the page's checkout_id
CARD_3DS = "4000002500003155"
CARD_DECLINED = "4000000000000341"


def post(client, path: str, body: object, **extra):
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def buy(client, shop, *, pm: str, quantity: int = 1, email: str = "ana@example.com", **more):
    body = {"items": [{"variant": shop.variant.pk, "quantity": quantity}], "email": email}
    return post(client, "/shop/nova/checkout/", {**body, "payment_method": pm, **more})


def test_checkout_charges_the_server_total_and_the_webhook_marks_the_order_paid(
    client, shop, stripe_webhooks, localstripe, mailoutbox
):
    # given a 20.00 EUR product with 10 units
    pm = payment_method_create(localstripe, CARD_OK)

    # when a buyer checks out two units
    response = buy(client, shop, pm=pm, quantity=2)

    # then the order is created pending, the stock reserved, and Stripe asked for 40.00 EUR
    assert response.status_code == 201
    body = response.json()
    order = Order.objects.get()
    assert body["order"] == {
        "number": order.number,
        "status": "pending",
        "currency": "EUR",
        "subtotal": 4000,
        "discount": 0,
        "total": 4000,
        "url": f"/shop/nova/orders/{order.token}/?lang=en",
    }
    assert body["payment"] == {"status": "succeeded", "client_secret": ""}
    assert Variant.objects.get().stock == 8
    intent = stripe_api(localstripe, "GET", f"/v1/payment_intents/{order.payment_intent_id}")
    assert (intent["amount"], intent["currency"], intent["status"]) == (4000, "eur", "succeeded")
    assert intent["metadata"] == {"order": str(order.token), "brand": "nova"}

    # and the payment_intent.succeeded webhook marks it paid and mails the buyer
    wait_for(lambda: Order.objects.get().status == Order.Status.PAID, what="the webhook")
    order.refresh_from_db()
    assert order.paid_at is not None
    wait_for(lambda: len(mailoutbox) == 1, what="the confirmation email")
    assert mailoutbox[0].to == ["ana@example.com"]
    assert mailoutbox[0].subject == f"Nova Mobile: your order {order.number}"
    assert "Total paid: €40.00" in mailoutbox[0].body


def test_three_d_secure_card_needs_action_then_is_paid(client, shop, stripe_webhooks, localstripe):
    pm = payment_method_create(localstripe, CARD_3DS)

    response = buy(client, shop, pm=pm)

    assert response.status_code == 201
    payment = response.json()["payment"]
    assert payment["status"] == "requires_action"
    assert payment["client_secret"].startswith(Order.objects.get().payment_intent_id + "_secret_")
    assert Order.objects.get().status == Order.Status.PENDING

    # what stripe.js' confirmCardPayment does once the buyer passes 3-D Secure
    assert three_d_secure_complete(localstripe, payment["client_secret"])["status"] == "succeeded"
    wait_for(lambda: Order.objects.get().status == Order.Status.PAID, what="the webhook")


def test_declined_card_fails_the_order_and_gives_the_stock_back(
    client, shop, localstripe, stripe_settings
):
    pm = payment_method_create(localstripe, CARD_DECLINED)

    response = buy(client, shop, pm=pm, quantity=3)

    assert response.status_code == 402
    assert response.json() == {
        "error": {"code": "card_declined", "message": "Your card was declined.", "fields": {}}
    }
    order = Order.objects.get()
    assert (order.status, order.failure_reason, order.stock_released) == (
        Order.Status.FAILED,
        "Your card was declined.",
        True,
    )
    assert Variant.objects.get().stock == 10


def test_sold_out_is_refused_before_any_payment(client, shop, localstripe, stripe_settings):
    Variant.objects.update(stock=1)
    pm = payment_method_create(localstripe, CARD_OK)
    intents_before = len(stripe_list(localstripe, "/v1/payment_intents"))

    response = buy(client, shop, pm=pm, quantity=2)

    assert response.status_code == 409
    assert response.json()["error"]["code"] == "sold_out"
    assert response.json()["error"]["message"] == "Only 1 left of Nova X case."
    assert Order.objects.count() == 0
    assert len(stripe_list(localstripe, "/v1/payment_intents")) == intents_before


def test_a_checkout_posted_twice_makes_one_order_and_one_payment(
    client, shop, localstripe, stripe_settings
):
    pm = payment_method_create(localstripe, CARD_OK)
    checkout_id = str(uuid.uuid4())

    first = buy(client, shop, pm=pm, checkout_id=checkout_id)
    second = buy(client, shop, pm=pm, checkout_id=checkout_id)

    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["order"] == second.json()["order"]
    assert Order.objects.count() == 1
    assert Variant.objects.get().stock == 9


def test_an_expired_reservation_frees_its_unit_for_the_next_buyer(
    client, shop, localstripe, stripe_settings
):
    # given the last unit reserved by a buyer who never finishes 3-D Secure
    Variant.objects.update(stock=1)
    stuck = buy(client, shop, pm=payment_method_create(localstripe, CARD_3DS), email="a@x.example")
    assert stuck.json()["payment"]["status"] == "requires_action"
    other = payment_method_create(localstripe, CARD_OK)
    assert buy(client, shop, pm=other, email="b@x.example").status_code == 409

    # when the expiry task runs after the reservation is over
    later = timezone.now() + timedelta(minutes=16)
    assert orders_expire_due(at=later) == {"expired": 1}

    # then the order is expired, its PaymentIntent canceled, and the unit is back on sale
    order = Order.objects.get()
    assert order.status == Order.Status.EXPIRED
    intent = stripe_api(localstripe, "GET", f"/v1/payment_intents/{order.payment_intent_id}")
    assert intent["status"] == "canceled"
    assert Variant.objects.get().stock == 1
    assert buy(client, shop, pm=other, email="b@x.example").status_code == 201
    assert Variant.objects.get().stock == 0


def test_expiry_leaves_an_order_whose_payment_went_through_to_its_webhook(
    client, shop, localstripe, stripe_settings
):
    # no webhook configured here: the payment succeeded but nobody told us yet
    buy(client, shop, pm=payment_method_create(localstripe, CARD_OK))

    outcome = orders_expire_due(at=timezone.now() + timedelta(minutes=16))

    assert outcome == {"payment_in_flight": 1}
    assert Order.objects.get().status == Order.Status.PENDING
    assert Variant.objects.get().stock == 9

    # and when the webhook is lost for good, the payment is reconciled from Stripe's API
    outcome = orders_expire_due(at=timezone.now() + timedelta(minutes=50))

    assert outcome == {"paid_by_reconciliation": 1}
    assert Order.objects.get().status == Order.Status.PAID
    assert Variant.objects.get().stock == 9


def test_a_late_payment_takes_its_units_back_when_its_single_use_code_went_to_another(shop):
    # given an order that held 2 units and a single-use code, released (it expired), then
    # the code used by another order
    CodeFactory(offer=OfferFactory(brand=shop.brand, max_per_customer=None), code="ONCE-1")
    late = order_create(
        brand=shop.brand,
        items=[CartItem(shop.variant.pk, 2)],
        email="a@example.com",
        code_text="ONCE-1",
    )
    order_fail(order_id=late.pk, reason="expired")
    order_create(
        brand=shop.brand,
        items=[CartItem(shop.variant.pk, 1)],
        email="b@example.com",
        code_text="ONCE-1",
    )

    # when its payment succeeds after all
    assert order_mark_paid(
        order_id=late.pk, payment_intent_id="pi_late", amount=late.total, currency="EUR"
    )

    # then its units are taken again (10 - 1 - 2), the code stays with the other order
    late.refresh_from_db()
    assert (late.status, late.stock_released, late.failure_reason) == (
        Order.Status.PAID,
        False,
        "Paid after its reservation was released; its code was refused meanwhile "
        "(code_used): its use is not counted.",
    )
    assert Variant.objects.get().stock == 7
    assert Code.objects.get(code="ONCE-1").times_used == 1
    assert Redemption.objects.get(order=late).status == Redemption.Status.RELEASED


def test_a_late_payment_takes_back_the_units_still_there_and_names_the_sold_out_ones(shop):
    # given an order of two variants, released, then the last blue one sold
    blue = VariantFactory(product=shop.product, name="Blue", stock=1)
    late = order_create(
        brand=shop.brand,
        items=[CartItem(shop.variant.pk, 2), CartItem(blue.pk, 1)],
        email="a@example.com",
    )
    order_fail(order_id=late.pk, reason="expired")
    order_create(brand=shop.brand, items=[CartItem(blue.pk, 1)], email="b@example.com")

    # when its payment succeeds after all
    order_mark_paid(
        order_id=late.pk, payment_intent_id="pi_late", amount=late.total, currency="EUR"
    )

    # then the case's units are taken again, and the reason says what is missing
    late.refresh_from_db()
    assert (late.status, late.stock_released, late.failure_reason) == (
        Order.Status.PAID,
        True,
        "Paid after its reservation was released; the stock of Nova X case · Blue is gone: "
        "refund or fulfil by hand.",
    )
    assert dict(Variant.objects.values_list("name", "stock")) == {"": 8, "Blue": 0}


# --- Codes -----------------------------------------------------------------------------


def test_a_promotion_coupon_takes_its_discount_and_attributes_the_order(
    client, shop, localstripe, stripe_settings
):
    offer = OfferFactory(brand=shop.brand, promotion=shop.promotion, percent_off=15)
    code = CodeFactory(offer=offer, code="NOVA-ABCD1234", entry_id=77)

    response = buy(
        client, shop, pm=payment_method_create(localstripe), quantity=3, code="nova-abcd1234"
    )

    assert response.status_code == 201
    assert response.json()["order"] | {"url": ""} == {
        "number": Order.objects.get().number,
        "status": "pending",
        "currency": "EUR",
        "subtotal": 6000,
        "discount": 900,
        "total": 5100,
        "url": "",
    }
    order = Order.objects.get()
    assert (order.promotion, order.attribution_source, order.entry_id) == (
        shop.promotion,
        Order.AttributionSource.COUPON,
        77,
    )
    intent = stripe_api(localstripe, "GET", f"/v1/payment_intents/{order.payment_intent_id}")
    assert intent["amount"] == 5100
    code.refresh_from_db()
    offer.refresh_from_db()
    assert (code.times_used, offer.redemptions_count) == (1, 1)
    assert Redemption.objects.get().status == Redemption.Status.HELD


@pytest.mark.parametrize(
    ("window", "error_code", "message"),
    [
        ((-10, -2), "code_expired", "This code expired on "),
        ((2, 10), "code_not_yet_valid", "This code is valid from "),
    ],
)
def test_a_code_outside_its_window_is_refused_with_the_reason(
    client, shop, localstripe, stripe_settings, window, error_code, message
):
    now = timezone.now()
    offer = OfferFactory(
        brand=shop.brand,
        starts_at=now + timedelta(days=window[0]),
        ends_at=now + timedelta(days=window[1]),
    )
    CodeFactory(offer=offer, code="OLD2024")

    response = buy(client, shop, pm=payment_method_create(localstripe), code="OLD2024")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == error_code
    assert error["message"].startswith(message)
    assert error["fields"] == {"code": [error["message"]]}
    assert Order.objects.count() == 0
    assert Variant.objects.get().stock == 10


def test_code_refusals_name_their_reason(client, shop):
    other_product = ProductFactory(brand=shop.brand, slug="buds")
    offer = OfferFactory(brand=shop.brand)
    offer.products.set([other_product])
    CodeFactory(offer=offer, code="BUDSONLY")
    CodeFactory(offer=OfferFactory(brand=BrandFactory()), code="ELSEWHERE")
    used = CodeFactory(offer=OfferFactory(brand=shop.brand), code="USEDONCE")
    used.times_used = 1
    used.save()
    items = [{"variant": shop.variant.pk, "quantity": 1}]

    answers = {
        text: post(client, "/shop/nova/quote/", {"items": items, "code": text}).json()["error"]
        for text in ["NOPE", "BUDSONLY", "ELSEWHERE", "USEDONCE"]
    }

    assert {text: (e["code"], e["message"]) for text, e in answers.items()} == {
        "NOPE": ("code_unknown", "This code does not exist."),
        "BUDSONLY": (
            "code_not_applicable",
            "This code does not apply to the products in your cart.",
        ),
        "ELSEWHERE": ("code_unknown", "This code does not exist."),
        "USEDONCE": ("code_used", "This code has already been used."),
    }


def test_quote_prices_on_the_server(client, shop):
    offer = OfferFactory(
        brand=shop.brand, kind="amount", percent_off=None, amount_off=500, currency="EUR"
    )
    CodeFactory(offer=offer, code="FIVE")

    response = post(
        client,
        "/shop/nova/quote/",
        {"items": [{"variant": shop.variant.pk, "quantity": 2}], "code": "five"},
    )

    assert response.status_code == 200
    assert response.json() == {
        "currency": "EUR",
        "subtotal": 4000,
        "discount": 500,
        "total": 3500,
        "display": {"subtotal": "€40.00", "discount": "€5.00", "total": "€35.00"},
        "offer": {"name": offer.name, "benefit": "€5.00 off"},
    }


# --- Bad input: 4xx with a clear message, nothing reserved, Stripe never called ------------


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ("not json", 400, "malformed_json", None),
        ([1, 2], 400, "malformed_json", None),
        ({"email": "a@example.com", "payment_method": "pm_x"}, 400, "invalid", "items"),
        (
            {"items": [], "email": "a@example.com", "payment_method": "pm_x"},
            400,
            "invalid",
            "items",
        ),
        (
            {"items": [{"variant": "1"}], "email": "a@example.com", "payment_method": "pm_x"},
            400,
            "invalid",
            "items",
        ),
        (
            {
                "items": [{"variant": 1, "quantity": 0}],
                "email": "a@example.com",
                "payment_method": "pm_x",
            },
            400,
            "invalid",
            "items",
        ),
        (
            {"items": [{"variant": 1, "quantity": 1}], "email": "nope", "payment_method": "pm_x"},
            400,
            "invalid",
            "email",
        ),
        (
            {
                "items": [{"variant": 1, "quantity": 1}],
                "email": "a@example.com",
                "payment_method": "tok_1",
            },
            400,
            "invalid",
            "payment_method",
        ),
        (
            {
                "items": [{"variant": 1, "quantity": 1}],
                "email": "a@example.com",
                "payment_method": "pm_x",
                "amount": 1,
            },
            400,
            "invalid",
            "non_field",
        ),
        (
            {
                "items": [{"variant": 1, "quantity": 1}],
                "email": "a@example.com",
                "payment_method": "pm_x",
                "checkout_id": "x",
            },
            400,
            "invalid",
            "checkout_id",
        ),
    ],
)
def test_bad_checkout_bodies_are_refused_with_a_reason(client, shop, body, status, code, field):
    raw = body if isinstance(body, str) else json.dumps(body)

    response = client.post("/shop/nova/checkout/", data=raw, content_type="application/json")

    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"]
    if field:
        assert list(error["fields"]) == [field]
    assert Order.objects.count() == 0


def test_the_most_per_order_counts_every_variant_of_the_product_together(client, shop):
    # given a product sold at most three at once, in two colours
    Product.objects.filter(pk=shop.product.pk).update(max_per_order=3)
    blue = VariantFactory(product=shop.product, name="Blue", stock=5)

    def quote(plain: int, blues: int):
        items = [
            {"variant": shop.variant.pk, "quantity": plain},
            {"variant": blue.pk, "quantity": blues},
        ]
        return post(client, "/shop/nova/quote/", {"items": items})

    # when three are asked for, then four, split across the colours
    three, four = quote(2, 1), quote(2, 2)

    # then three is a cart, four is refused as four of one colour would be
    assert (three.status_code, three.json()["total"]) == (200, 6000)
    assert four.status_code == 400
    assert four.json()["error"] == {
        "code": "invalid",
        "message": "You can buy at most 3 of Nova X case at once.",
        "fields": {"items": ["At most 3 of Nova X case."]},
    }


def test_cart_problems_are_refused_with_a_reason(client, shop):
    foreign = ProductFactory(brand=BrandFactory(), slug="foreign").variants.get()
    off_sale = ProductFactory(brand=shop.brand, slug="old", is_active=False).variants.get()
    dollars = ProductFactory(brand=shop.brand, slug="usd", currency="USD").variants.get()

    def error(items):
        body = {"items": items, "email": "a@example.com", "payment_method": "pm_card"}
        response = post(client, "/shop/nova/checkout/", body)
        return response.status_code, response.json()["error"]["message"]

    assert error([{"variant": foreign.pk, "quantity": 1}]) == (
        400,
        "Some products in your cart do not exist in this shop.",
    )
    assert error([{"variant": off_sale.pk, "quantity": 1}]) == (
        400,
        f"{off_sale} is not on sale any more.",
    )
    assert error([{"variant": shop.variant.pk, "quantity": 11}]) == (
        400,
        "You can buy at most 10 of Nova X case at once.",
    )
    assert error(
        [{"variant": shop.variant.pk, "quantity": 1}, {"variant": dollars.pk, "quantity": 1}]
    ) == (
        400,
        "Products priced in different currencies cannot be bought together.",
    )
    assert Order.objects.count() == 0


def test_checkout_needs_json_and_post(client, shop):
    get = client.get("/shop/nova/checkout/")
    assert (get.status_code, get.headers["Allow"], get.json()["error"]["code"]) == (
        405,
        "POST",
        "method_not_allowed",
    )
    response = client.post("/shop/nova/checkout/", data={"email": "a@example.com"})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_media_type"
    unknown = post(client, "/shop/nobody/checkout/", {})
    assert (unknown.status_code, unknown.json()["error"]["message"]) == (404, "No such shop.")


def test_checkout_is_csrf_protected(shop):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(
        "/shop/nova/checkout/", data="{}", content_type="application/json"
    )

    assert response.status_code == 403


@pytest.mark.parametrize(
    ("forwarded", "recorded"),
    [("203.0.113.7:41234", "203.0.113.7"), ("[2001:db8::7]:443", "2001:db8::7"), ("bad", None)],
)
def test_an_address_forwarded_with_its_port_is_recorded_without_it(
    client, shop, localstripe, stripe_settings, forwarded, recorded
):
    # given a trusted proxy that writes the client's port, or something not an address
    stripe_settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    # when a buyer checks out through it
    body = {
        "items": [{"variant": shop.variant.pk, "quantity": 1}],
        "email": "ana@example.com",
        "payment_method": payment_method_create(localstripe, CARD_OK),
    }
    response = post(
        client,
        "/shop/nova/checkout/",
        body,
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR=forwarded,
    )

    # then the order is made, with the address alone
    assert response.status_code == 201, response.content
    assert Order.objects.get().client_ip == recorded


def test_stripe_down_is_a_503_and_releases_the_stock(client, shop, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_x"
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port

    response = buy(client, shop, pm="pm_anything")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "payment_unavailable"
    assert Order.objects.get().status == Order.Status.FAILED
    assert Variant.objects.get().stock == 10


# --- Coupons handed out by a promotion (promotions' own code pool) --------------------------


def test_a_coupon_claimed_in_the_promotion_is_redeemed_when_the_order_is_paid(
    client, shop, localstripe, stripe_settings, django_capture_on_commit_callbacks
):
    OfferFactory(brand=shop.brand, promotion=shop.promotion, percent_off=10)
    click = uuid.uuid4()
    coupon = claimed_coupon(shop.promotion, "WIN-4242", click_event_id=click)

    response = buy(client, shop, pm=payment_method_create(localstripe), quantity=2, code="win-4242")

    assert response.status_code == 201
    order = Order.objects.get()
    assert (order.discount, order.total, order.entry_id) == (400, 3600, coupon.entry_id)
    assert (order.promotion, order.attribution_source) == (shop.promotion, "coupon")
    assert order.click_event_id == click  # the click that led to the entry
    coupon.refresh_from_db()
    assert coupon.redeemed_at is None  # held for the order, not used until it is paid

    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(
            order_id=order.pk,
            payment_intent_id=order.payment_intent_id,
            amount=3600,
            currency="eur",
        )

    coupon.refresh_from_db()
    assert (coupon.redeemed_at is not None, coupon.redemption_ref) == (True, str(order.token))
    other = buy(
        client, shop, pm=payment_method_create(localstripe), email="b@example.com", code="WIN-4242"
    )
    assert other.status_code == 409
    assert other.json()["error"]["message"] == "This code has already been used."


def test_a_failed_order_gives_the_promotion_coupon_back(client, shop, localstripe, stripe_settings):
    OfferFactory(brand=shop.brand, promotion=shop.promotion, percent_off=10)
    claimed_coupon(shop.promotion, "WIN-0341")

    declined = buy(
        client, shop, pm=payment_method_create(localstripe, CARD_DECLINED), code="WIN-0341"
    )
    retried = buy(client, shop, pm=payment_method_create(localstripe, CARD_OK), code="WIN-0341")

    assert (declined.status_code, retried.status_code) == (402, 201)
    assert retried.json()["order"]["discount"] == 200


def test_promotion_codes_not_claimed_or_without_a_shop_offer_do_not_exist_here(client, shop):
    OfferFactory(brand=shop.brand, promotion=shop.promotion)
    code_pool_import(promotion=shop.promotion, codes=["FREE-0001"])  # in the pool, never claimed
    no_offer = PromotionFactory(campaign=shop.promotion.campaign, slug="other", kind="offer")
    claimed_coupon(no_offer, "LONE-0001")
    items = [{"variant": shop.variant.pk, "quantity": 1}]

    for text in ("FREE-0001", "LONE-0001"):
        error = post(client, "/shop/nova/quote/", {"items": items, "code": text}).json()["error"]
        assert (error["code"], error["message"]) == ("code_unknown", "This code does not exist.")


def test_checkout_attempts_are_limited_per_client(client, shop, localstripe, stripe_settings):
    stripe_settings.SHOP_CHECKOUT_RATE = "2/hour"
    declined = [payment_method_create(localstripe, CARD_DECLINED) for _ in range(3)]

    answers = [buy(client, shop, pm=pm) for pm in declined]

    assert [a.status_code for a in answers] == [402, 402, 429]
    assert answers[2].json()["error"]["code"] == "rate_limited"
    assert 0 < int(answers[2].headers["Retry-After"]) <= 3600
    assert Order.objects.count() == 2


def test_checkout_limits_count_each_shopper_not_everyone_behind_one_address(
    client, shop, localstripe, stripe_settings
):
    # given: two shoppers behind one carrier address (the test client's), each browser with
    # its own device cookie, given by the product page
    stripe_settings.SHOP_CHECKOUT_RATE = "1/hour"  # an hour's window: no boundary mid-test
    other = Client()
    for browser in (client, other):
        assert browser.get("/shop/nova/case/").cookies["ph_dev"].value

    # when each pays twice with declined cards
    answers = [
        buy(browser, shop, pm=payment_method_create(localstripe, CARD_DECLINED))
        for browser in (client, other, client, other)
    ]

    # then: each shopper has their own budget
    assert [a.status_code for a in answers] == [402, 402, 429, 429]


def test_a_free_order_is_paid_without_stripe_and_a_tiny_one_is_refused(
    client, shop, django_capture_on_commit_callbacks, mailoutbox
):
    CodeFactory(offer=OfferFactory(brand=shop.brand, percent_off=100), code="ALLFREE")
    CodeFactory(offer=OfferFactory(brand=shop.brand, percent_off=99), code="ALMOST")

    with django_capture_on_commit_callbacks(execute=True):
        free = buy(client, shop, pm="pm_never_used", code="ALLFREE")
    tiny = buy(client, shop, pm="pm_never_used", email="b@example.com", code="ALMOST")

    assert free.status_code == 201
    assert free.json()["payment"] == {"status": "succeeded", "client_secret": ""}
    order = Order.objects.get()
    assert (order.status, order.total, order.payment_intent_id) == (Order.Status.PAID, 0, "")
    assert len(mailoutbox) == 1
    assert tiny.status_code == 400
    assert tiny.json()["error"] == {
        "code": "amount_too_small",
        "message": "Card payments start at €0.50; add something to your cart.",
        "fields": {},
    }


def test_a_cart_card_payments_cannot_carry_is_refused_before_stripe_with_its_limit(
    client, shop, stripe_settings, localstripe
):
    # given: one product at 0.150 KWD (below Stripe's smallest, about USD 0.50) and one at
    # 600,000.00 € that may be bought twice (above its largest, eight digits)
    tiny = ProductFactory(brand=shop.brand, slug="sticker", price=150, currency="KWD", stock=5)
    huge = ProductFactory(brand=shop.brand, slug="car", price=60_000_000, stock=5)
    Product.objects.filter(pk=huge.pk).update(max_per_order=2)
    pm = payment_method_create(localstripe, CARD_OK)

    def checkout(product, quantity):
        items = [{"variant": product.variants.get().pk, "quantity": quantity}]
        body = {"items": items, "email": "ana@example.com", "payment_method": pm}
        return post(client, "/shop/nova/checkout/", body)

    small, large = checkout(tiny, 1), checkout(huge, 2)

    # then: each is a 400 that says the limit, and nothing is reserved or ordered
    assert small.status_code == large.status_code == 400
    assert small.json()["error"]["code"] == "amount_too_small"
    assert "KWD0.170" in small.json()["error"]["message"]
    assert large.json()["error"] == {
        "code": "amount_too_large",
        "message": "Card payments go up to €999,999.99; split your order into smaller ones.",
        "fields": {},
    }
    assert not Order.objects.exists()
    assert [p.variants.get().stock for p in (tiny, huge)] == [5, 5]
    # a cart within the limits goes through
    assert checkout(huge, 1).status_code == 201


def test_quotes_are_limited_per_client_so_codes_cannot_be_guessed_fast(client, shop, settings):
    settings.SHOP_QUOTE_RATE = "2/hour"
    items = [{"variant": shop.variant.pk, "quantity": 1}]

    answers = [
        post(client, "/shop/nova/quote/", {"items": items, "code": f"GUESS-{n}"}) for n in range(3)
    ]

    assert [a.status_code for a in answers] == [400, 400, 429]
    error = answers[2].json()["error"]
    assert error["code"] == "rate_limited"
    assert 0 < int(answers[2].headers["Retry-After"]) <= 3600
    wait = int(answers[2].headers["Retry-After"])
    assert f"wait {wait} {'second' if wait == 1 else 'seconds'} and" in error["message"]


def test_quotes_count_each_shopper_and_an_address_only_against_its_high_ceiling(
    client, shop, settings
):
    # given: shoppers behind one address; per shopper 2 an hour, per address 5 (windows of an
    # hour, aligned on the clock: none ends in the middle of the test)
    settings.SHOP_QUOTE_RATE = "2/hour"
    settings.SHOP_QUOTE_IP_RATE = "5/hour"
    items = [{"variant": shop.variant.pk, "quantity": 1}]
    browsers = [Client() for _ in range(3)]
    for n, browser in enumerate(browsers):
        browser.cookies["ph_dev"] = f"device-{n}"

    # when the first two ask twice each, then the third asks twice
    answers = [
        post(browser, "/shop/nova/quote/", {"items": items}).status_code
        for browser in (
            browsers[0],
            browsers[0],
            browsers[1],
            browsers[1],
            browsers[2],
            browsers[2],
        )
    ]

    # then: nobody is over their own budget; the address's ceiling stops the sixth
    assert answers == [200, 200, 200, 200, 200, 429]


class _AnswerLost:
    """A proxy in front of localstripe that forwards every request and, for the first
    PaymentIntent creations, drops the connection instead of answering: Stripe made the
    payment and its answer never came back (a read timeout, a proxy's reset). The
    ``rate_limited`` creations after those are answered with Stripe's 429 without being
    forwarded."""

    def __init__(self, upstream: str, drops: int, rate_limited: int = 0) -> None:
        import http.server
        import threading

        import requests

        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                creation = self.path.startswith("/v1/payment_intents") and self.command == "POST"
                if creation:
                    proxy.creations += 1
                    proxy.keys.append(self.headers.get("Idempotency-Key", ""))
                if creation and drops < proxy.creations <= drops + rate_limited:
                    refusal = {"error": {"type": "invalid_request_error", "code": "rate_limit"}}
                    self._answer(429, {"Content-Type": "application/json"}, json.dumps(refusal))
                    return
                answer = requests.request(
                    self.command, upstream + self.path, headers=headers, data=body, timeout=10
                )
                if creation and proxy.creations <= drops:
                    self.close_connection = True
                    self.connection.shutdown(2)  # no answer at all
                    return
                self._answer(answer.status_code, answer.headers, answer.text)

            def _answer(self, status: int, headers: Mapping[str, str], text: str) -> None:
                content = text.encode()
                self.send_response(status)
                for name in ("Content-Type", "Request-Id", "Idempotency-Key"):
                    if name in headers:
                        self.send_header(name, headers[name])
                self.send_header("Content-Length", str(len(content)))
                self.end_headers()
                self.wfile.write(content)

            do_GET = do_POST = do_DELETE = _forward

        self.creations = 0
        self.keys: list[str] = []
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_no_answer_from_stripe_keeps_the_order_pending_and_never_asks_to_pay_again(
    client, shop, localstripe, stripe_settings
):
    # given: Stripe takes the payment, but none of the three attempts gets its answer back
    lost = _AnswerLost(localstripe, drops=3)
    stripe_settings.STRIPE_API_BASE = lost.url
    try:
        # when
        response = buy(client, shop, pm=payment_method_create(localstripe), checkout_id=CHECKOUT)
        again = buy(client, shop, pm=payment_method_create(localstripe), checkout_id=CHECKOUT)
    finally:
        lost.close()

    # then: accepted, not failed; the page goes to the order, which waits for Stripe
    assert response.status_code == 202, response.content
    body = response.json()
    assert body["payment"]["status"] == "unknown"
    order = Order.objects.get()
    assert (order.status, order.payment_intent_id) == (Order.Status.PENDING, "")
    assert body["order"]["url"] == f"{order.get_absolute_url()}?lang=en"
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Confirming your payment" in page and "Nothing was charged" not in page
    # the same checkout again makes no second order and no second payment
    assert again.status_code == 409 and Order.objects.count() == 1
    # three attempts with one idempotency key: Stripe makes one payment of them (the test
    # server does not keep keys, so it made three; Stripe's webhook names the first)
    assert lost.creations == 3 and lost.keys == [f"order-{order.token}"] * 3
    intents = stripe_list(localstripe, "/v1/payment_intents")
    mine = [i for i in intents if i["metadata"].get("order") == str(order.token)]
    # and Stripe's webhook, when it comes, marks it paid
    payment_intent_succeeded(mine[0])
    assert Order.objects.get().status == Order.Status.PAID


def test_a_rate_limit_after_an_unanswered_attempt_keeps_the_order_pending(
    client, shop, localstripe, stripe_settings
):
    # given: the first attempt reaches Stripe and its answer is lost, the second is
    # refused with a 429 (too many requests)
    lost = _AnswerLost(localstripe, drops=1, rate_limited=1)
    stripe_settings.STRIPE_API_BASE = lost.url
    try:
        # when
        response = buy(client, shop, pm=payment_method_create(localstripe))
    finally:
        lost.close()

    # then: the first attempt may have charged the card: the order waits for Stripe (no
    # third attempt)
    assert lost.creations == 2
    assert response.status_code == 202, response.content
    assert response.json()["payment"] == {"status": "unknown", "client_secret": ""}
    order = Order.objects.get()
    assert (order.status, order.failure_reason) == (Order.Status.PENDING, "")
    assert Variant.objects.get().stock == 9
    page = client.get(order.get_absolute_url()).content.decode()
    assert "Confirming your payment" in page and "Nothing was charged" not in page


def test_a_payment_stripe_will_not_start_is_a_400_that_says_so(client, shop, stripe_settings):
    response = buy(client, shop, pm="pm_does_not_exist")

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "payment_refused"
    assert error["message"] == (
        "This payment could not be started: check your card details and try again."
    )
    order = Order.objects.get()
    assert (order.status, order.failure_reason) == (Order.Status.FAILED, error["message"])
    assert Variant.objects.get().stock == 10
