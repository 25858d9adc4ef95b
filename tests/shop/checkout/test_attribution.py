"""A paid order records the promotion click (or coupon) that led to it, for reports."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from django.db.models import Sum

from shop.checkout.selectors import CartItem
from shop.checkout.services import Buyer, order_create
from shop.models import Order
from shop.orders.services import order_conversion_record, order_mark_paid
from tests.factories import (
    BrandFactory,
    CampaignFactory,
    CodeFactory,
    OfferFactory,
    PromotionFactory,
)
from tests.shop.stripe_fixtures import payment_method_create
from tests.tracking.conftest import _isolated_stream, click_cookie, drain  # noqa: F401 (autouse)
from tracking import tokens
from tracking.models import HourlyRollup


def checkout(client, shop, localstripe, **body):
    return client.post(
        "/shop/nova/checkout/",
        data=json.dumps(
            {
                "items": [{"variant": shop.variant.pk, "quantity": 1}],
                "email": "ana@example.com",
                "payment_method": payment_method_create(localstripe),
                **body,
            }
        ),
        content_type="application/json",
    )


def test_the_click_cookie_attributes_the_order_to_its_promotion(
    client, shop, localstripe, stripe_settings, monkeypatch
):
    value, click = click_cookie(shop.promotion, at=int(datetime.now(UTC).timestamp()) - 60)
    client.cookies[tokens.ATTRIBUTION_COOKIE] = value

    assert checkout(client, shop, localstripe).status_code == 201

    order = Order.objects.get()
    assert (order.promotion, order.attribution_source, order.click_event_id) == (
        shop.promotion,
        Order.AttributionSource.CLICK,
        click,
    )
    assert order.clicked_at is not None


def test_a_click_wins_over_the_coupon_and_the_coupon_keeps_its_entry(
    client, shop, localstripe, stripe_settings
):
    clicked = PromotionFactory(campaign=shop.promotion.campaign, slug="giveaway")
    value, _ = click_cookie(clicked, at=int(datetime.now(UTC).timestamp()))
    client.cookies[tokens.ATTRIBUTION_COOKIE] = value
    CodeFactory(
        offer=OfferFactory(brand=shop.brand, promotion=shop.promotion), code="WON1", entry_id=5
    )

    checkout(client, shop, localstripe, code="WON1")

    order = Order.objects.get()
    assert (order.promotion, order.attribution_source, order.entry_id) == (
        clicked,
        Order.AttributionSource.CLICK,
        5,
    )


def test_cookies_of_other_brands_forged_or_stale_attribute_nothing(
    client, shop, localstripe, stripe_settings
):
    foreign = PromotionFactory(campaign=CampaignFactory(brand=BrandFactory()))
    fresh = int(datetime.now(UTC).timestamp())
    for cookie in [
        click_cookie(foreign, at=fresh)[0],
        click_cookie(shop.promotion, at=fresh)[0][:-2] + "xx",
        click_cookie(shop.promotion, at=fresh - 40 * 24 * 3600)[0],
    ]:
        client.cookies[tokens.ATTRIBUTION_COOKIE] = cookie
        assert checkout(client, shop, localstripe).status_code == 201

    assert list(Order.objects.values_list("promotion", "attribution_source")) == [(None, "")] * 3


def test_a_paid_attributed_order_counts_in_the_promotion_reports(
    shop, django_capture_on_commit_callbacks
):
    now = int(datetime.now(UTC).timestamp())
    order = order_create(
        brand=shop.brand,
        items=[CartItem(variant_id=shop.variant.pk, quantity=2)],
        email="ana@example.com",
        buyer=Buyer(attribution=tokens.attribution_parse(click_cookie(shop.promotion, at=now)[0])),
    )

    with django_capture_on_commit_callbacks(execute=True):
        order_mark_paid(order_id=order.pk, payment_intent_id="pi_1", amount=4000, currency="EUR")
    with django_capture_on_commit_callbacks(execute=True):  # a replayed webhook counts nothing more
        order_mark_paid(order_id=order.pk, payment_intent_id="pi_1", amount=4000, currency="EUR")
    order_conversion_record(order_id=order.pk)  # nor does a retried task

    drain()
    totals = HourlyRollup.objects.filter(promotion_id=shop.promotion.pk).aggregate(
        orders=Sum("orders"), revenue=Sum("revenue")
    )
    assert totals == {"orders": 1, "revenue": 4000}
