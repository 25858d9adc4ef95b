"""A phone buys a product with a promotion's coupon, through 3-D Secure, and sees it paid.

Everything goes through the page and localstripe's stripe.js, except one step: that
stripe.js has no ``createPaymentMethod`` (it is an empty stub), which real stripe.js runs
when the buyer presses Pay. The test creates that PaymentMethod through localstripe's API,
with the same test card the buyer types, and fills the stub in (see ``_with_payment_method``).
"""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Route, expect

from promotions.models import Promotion
from shop.models import Order, Variant
from tests.factories import (
    BrandFactory,
    CampaignFactory,
    OfferFactory,
    ProductFactory,
    PromotionFactory,
)
from tests.shop.conftest import claimed_coupon
from tests.shop.stripe_fixtures import *  # noqa: F403 (localstripe fixtures)
from tests.shop.stripe_fixtures import payment_method_create

CARD_3DS = "4000002500003155"


def _with_payment_method(route: Route, payment_method: str) -> None:
    """Serve localstripe's stripe.js with its empty createPaymentMethod filled in."""
    original = route.fetch()
    patch = (
        "\n;(function(){var make=Stripe;Stripe=function(key){var s=make(key);"
        "s.createPaymentMethod=async function(){return {paymentMethod:{id:"
        + json.dumps(payment_method)
        + "}};};return s;};})();\n"
    )
    route.fulfill(response=original, body=original.text() + patch)


@pytest.mark.browser
def test_a_phone_buys_with_a_promotion_coupon_through_3d_secure(
    phone, screenshot, stripe_webhooks, localstripe
):
    # given a brand's shop and a coupon its promotion handed to a winner
    brand = BrandFactory(slug="nova", name="Nova Mobile")
    campaign = CampaignFactory(brand=brand, slug="launch", name="Nova X launch")
    promotion = PromotionFactory(campaign=campaign, slug="coupon", kind=Promotion.Kind.OFFER)
    ProductFactory(brand=brand, slug="buds", title="Nova Buds earbuds", price=5900, stock=3)
    OfferFactory(brand=brand, promotion=promotion, name="15% off", percent_off=15)
    coupon = claimed_coupon(promotion, "NOVA-7QK2M4PX")  # claimed by entering the promotion
    phone.route(
        re.compile(r".*/js\.stripe\.com/v3/$"),
        lambda route: _with_payment_method(route, payment_method_create(localstripe, CARD_3DS)),
    )

    # when the buyer opens the campaign hub's Shop tab, picks the earbuds, applies the coupon
    phone.goto("/p/nova/launch/")
    phone.get_by_role("tab", name="Shop").click()
    panel = phone.get_by_role("tabpanel", name="Shop")
    expect(panel).to_be_visible()
    screenshot(phone, "shop-hub-tab")
    panel.get_by_role("link", name=re.compile("Nova Buds earbuds")).click()
    expect(phone.get_by_role("heading", name="Nova Buds earbuds")).to_be_visible()
    phone.get_by_label("Email (for your receipt)").fill("ana@example.com")
    expect(phone.locator("[data-discount-row]")).to_be_hidden()
    phone.get_by_label("Coupon code").fill("nova-7qk2m4px")
    phone.get_by_role("button", name="Apply").click()
    expect(phone.get_by_text("Code applied: 15% off")).to_be_visible()
    expect(phone.locator("[data-total]")).to_have_text("€50.15")

    # and types the 3-D Secure test card into the card field (localstripe's Element)
    card = phone.locator("#card-element")
    card.get_by_placeholder("number").fill(CARD_3DS)
    card.get_by_placeholder("exp_month").fill("12")
    card.get_by_placeholder("exp_year").fill("34")
    card.get_by_placeholder("cvc").fill("123")
    card.get_by_placeholder("postal_code").fill("75001")
    screenshot(phone, "shop-product-coupon-applied")
    phone.get_by_role("button", name=re.compile(r"^Pay")).click()

    # then the bank asks for 3-D Secure, the buyer confirms...
    confirm = phone.get_by_role("button", name="Complete authentication")
    expect(confirm).to_be_visible()
    screenshot(phone, "shop-3d-secure")
    confirm.click()

    # ...and lands on the order page (in the product page's language), which turns paid
    # when Stripe's webhook comes
    expect(phone).to_have_url(re.compile(r"/shop/nova/orders/[0-9a-f-]+/\?lang=en$"))
    expect(phone.get_by_role("heading", name="Thank you! Your order is paid.")).to_be_visible(
        timeout=20_000
    )
    expect(phone.locator("[data-order-total]")).to_have_text("€50.15")
    screenshot(phone, "shop-order-paid")
    order = Order.objects.get()
    assert (order.status, order.total, order.discount) == (Order.Status.PAID, 5015, 885)
    assert (order.promotion, order.attribution_source, order.entry_id) == (
        promotion,
        Order.AttributionSource.COUPON,
        coupon.entry_id,
    )
    coupon.refresh_from_db()
    assert coupon.redemption_ref == str(order.token)  # the promotion sees its coupon used
    assert Variant.objects.get().stock == 2
    # the page fits the phone: nothing scrolls sideways
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
