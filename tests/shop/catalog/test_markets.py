"""Prices per market: a brand's markets name a currency per country, products carry a price
per currency (never converted), and a visitor sees, is quoted and is charged in their
market's currency; what has no price there is not sold there. Against localstripe."""

from __future__ import annotations

import json
import time

import pytest

from promotions.facebook.client import signed_request_make
from shop.models import Market, Order, Price
from tests.factories import CodeFactory, OfferFactory, ProductFactory, VariantFactory
from tests.factories.promotions import PersonFactory
from tests.promotions.conftest import sign_in
from tests.shop.stripe_fixtures import payment_method_create, stripe_api, wait_for
from tracking.models import DailyRollup

US = {"REMOTE_ADDR": "10.0.0.5", "HTTP_CF_IPCOUNTRY": "US"}
FRANCE = {"REMOTE_ADDR": "10.0.0.6", "HTTP_CF_IPCOUNTRY": "FR"}


@pytest.fixture
def market(shop, settings):
    """Nova sells in EUR everywhere, in USD to visitors from the United States; the case
    costs 20.00 EUR or 21.99 USD; a charger has no dollar price."""
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]  # the CDN's country header is believed
    Market.objects.create(brand=shop.brand, country="US", currency="USD")
    Price.objects.create(product=shop.product, currency="USD", amount=2199)
    charger = ProductFactory(brand=shop.brand, slug="charger", title="Charger", price=3000)
    return charger


def post(client, path, body, **extra):
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def test_a_visitor_sees_their_markets_prices_and_what_is_not_sold_there_is_left_out(
    client, shop, market
):
    american = client.get("/shop/nova/", **US).content.decode()
    french = client.get("/shop/nova/", **FRANCE).content.decode()

    assert "$21.99" in american and "Nova X case" in american
    assert "Charger" not in american
    assert "1 product is not sold in your country." in american
    assert "€20.00" in french and "€30.00" in french and "not sold" not in french


def test_a_product_without_a_price_in_the_market_says_so_and_offers_no_checkout(
    client, shop, market
):
    page = client.get("/shop/nova/charger/", **US).content.decode()
    case = client.get("/shop/nova/case/", **US).content.decode()

    assert "Not sold in your country" in page and "(USD)" in page
    assert 'id="checkout"' not in page
    assert 'id="checkout"' in case and "$21.99" in case and "€20.00" not in case


def test_a_variant_priced_apart_is_quoted_at_its_own_price(client, shop, market):
    blue = VariantFactory(product=shop.product, name="Blue", stock=5)
    Price.objects.create(product=shop.product, variant=blue, currency="USD", amount=2499)

    plain = post(
        client, "/shop/nova/quote/", {"items": [{"variant": shop.variant.pk, "quantity": 2}]}, **US
    )
    priced_apart = post(
        client, "/shop/nova/quote/", {"items": [{"variant": blue.pk, "quantity": 1}]}, **US
    )

    assert (plain.json()["currency"], plain.json()["total"]) == ("USD", 4398)
    assert plain.json()["display"]["total"] == "$43.98"
    assert (priced_apart.json()["currency"], priced_apart.json()["total"]) == ("USD", 2499)
    page = client.get("/shop/nova/case/", **US).content.decode()
    assert "Blue · $24.99" in page
    assert '<p class="price" data-unit-price>$21.99\u2013$24.99</p>' in page
    assert (
        '<span class="price">$21.99\u2013$24.99</span>'
        in client.get("/shop/nova/", **US).content.decode()
    )


def test_a_cart_with_what_is_not_sold_in_the_market_is_refused_clearly(client, shop, market):
    charger = market.variants.get()

    response = post(
        client, "/shop/nova/quote/", {"items": [{"variant": charger.pk, "quantity": 1}]}, **US
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "not_sold_here"
    assert error["message"] == "Charger is not sold in your country (prices here are in USD)."


def test_an_amount_off_in_another_currency_is_refused_and_nothing_is_held(client, shop, market):
    offer = OfferFactory(brand=shop.brand, kind="amount", percent_off=None, amount_off=500)
    offer.currency = "EUR"
    offer.save()
    CodeFactory(offer=offer, code="FIVEOFF", max_uses=1)
    body = {"items": [{"variant": shop.variant.pk, "quantity": 1}], "code": "FIVEOFF"}

    american = post(client, "/shop/nova/quote/", body, **US)
    french = post(client, "/shop/nova/quote/", body, **FRANCE)

    assert american.status_code == 400
    assert american.json()["error"]["code"] == "code_wrong_currency"
    assert american.json()["error"]["message"] == "This code is for purchases in EUR."
    assert (french.status_code, french.json()["total"]) == (200, 1500)


def test_checkout_charges_in_the_markets_currency_and_reports_revenue_in_it(
    client, shop, market, stripe_webhooks, localstripe
):
    # given
    pm = payment_method_create(localstripe)
    body = {
        "items": [{"variant": shop.variant.pk, "quantity": 2}],
        "email": "sam@example.com",
        "payment_method": pm,
    }

    # when an American and a French buyer check out
    american = post(client, "/shop/nova/checkout/", body, **US)
    french = post(
        client,
        "/shop/nova/checkout/",
        {**body, "payment_method": payment_method_create(localstripe)},
        **FRANCE,
    )

    # then each order, and its PaymentIntent, is in the buyer's market's currency
    assert american.status_code == 201, american.content
    assert french.status_code == 201, french.content
    assert american.json()["order"]["currency"] == "USD"
    assert (american.json()["order"]["total"], french.json()["order"]["total"]) == (4398, 4000)
    orders = {o.currency: o for o in Order.objects.all()}
    assert sorted(orders) == ["EUR", "USD"]
    assert (orders["USD"].country, orders["EUR"].country) == ("US", "FR")  # the entry's judge
    assert [line.unit_price for line in orders["USD"].lines.all()] == [2199]
    intent = stripe_api(
        localstripe, "GET", f"/v1/payment_intents/{orders['USD'].payment_intent_id}"
    )
    assert (intent["amount"], intent["currency"]) == (4398, "usd")
    wait_for(
        lambda: Order.objects.filter(status=Order.Status.PAID).count() == 2, what="the webhooks"
    )


def test_prices_are_written_as_the_page_language_writes_them(client, shop, market):
    shop.brand.language = "fr"
    shop.brand.save()

    page = client.get("/shop/nova/", **US).content.decode()

    assert "21,99\N{NO-BREAK SPACE}$US" in page or "21,99\N{NARROW NO-BREAK SPACE}$US" in page


def test_paid_orders_in_two_currencies_are_two_revenues_in_the_reports(
    shop, market, django_capture_on_commit_callbacks
):
    # given: an attributed order in dollars (American market) and one in euros
    from promotions.reports import dashboard_page, dashboards
    from shop.checkout.selectors import CartItem
    from shop.checkout.services import order_create
    from shop.orders.services import order_mark_paid
    from tests.tracking.conftest import drain

    orders = []
    for currency in ("USD", None):
        order = order_create(
            brand=shop.brand,
            items=[CartItem(variant_id=shop.variant.pk, quantity=2)],
            email="sam@example.com",
            currency=currency,
        )
        Order.objects.filter(pk=order.pk).update(promotion=shop.promotion)
        orders.append(order)

    # when both are paid
    for order in orders:
        with django_capture_on_commit_callbacks(execute=True):
            order_mark_paid(
                order_id=order.pk,
                payment_intent_id=f"pi_{order.pk}",
                amount=order.total,
                currency=order.currency,
            )
    drain()

    # then: revenue per currency, never one sum
    rows = DailyRollup.objects.filter(promotion_id=shop.promotion.pk, orders__gt=0)
    assert sorted(rows.values_list("currency", "revenue")) == [("EUR", 4000), ("USD", 4398)]
    day = orders[0].created_at.astimezone(shop.brand.tzinfo).date()
    funnel = dashboards.funnel_get(
        subject=shop.promotion,
        since=day,
        until=day,
    )
    assert funnel.revenue_by_currency == {"EUR": 4000, "USD": 4398}
    board = dashboard_page.Dashboard(
        subject=shop.promotion,
        brand=shop.brand,
        since=day,
        until=day,
        series=[],
        funnel=funnel,
        comparison=None,
        lift=None,
        tables=[],
    )
    assert board.funnel_revenue == "40.00 EUR · 43.98 USD"


def test_the_hubs_shop_tab_shows_the_visitors_market_prices(client, shop, market):
    hub = client.get("/p/nova/launch/", **US)

    assert hub.status_code == 200
    html = hub.content.decode()
    assert "$21.99" in html and "Charger" not in html


def test_a_visitor_from_the_facebook_tab_is_in_the_market_its_signed_request_names(
    client, shop, market
):
    # given: a visitor who opened the brand's tab in Facebook, which says they are in the
    # United States; no CDN in front, so no country header
    signed = signed_request_make(
        {"issued_at": int(time.time()), "user": {"locale": "en_US", "country": "us"}}
    )
    assert client.post("/p/nova/launch/coupon/", {"signed_request": signed}).status_code == 200

    # when they go on to the hub's shop tab, the shop, and a quote
    hub = client.get("/p/nova/launch/").content.decode()
    home = client.get("/shop/nova/").content.decode()
    quote = post(
        client, "/shop/nova/quote/", {"items": [{"variant": shop.variant.pk, "quantity": 1}]}
    )

    # then: dollars everywhere, and what has no dollar price is not offered
    assert "$21.99" in hub and "Charger" not in hub
    assert "$21.99" in home and "1 product is not sold in your country." in home
    assert (quote.json()["currency"], quote.json()["total"]) == ("USD", 2199)


def test_a_signed_in_entrants_country_of_residence_beats_the_address_they_browse_from(
    client, shop, market
):
    # given: an entrant who lives in the United States, travelling in France
    sign_in(client, PersonFactory(country="US"))

    # when they open the shop from a French address
    home = client.get("/shop/nova/", **FRANCE).content.decode()
    quote = post(
        client,
        "/shop/nova/quote/",
        {"items": [{"variant": shop.variant.pk, "quantity": 1}]},
        **FRANCE,
    )

    # then: they are in their own market, as the rules' local terms already say
    assert "$21.99" in home and "€20.00" not in home
    assert quote.json()["currency"] == "USD"


def test_without_a_country_the_visitor_gets_the_brands_currency(client, shop, market):
    home = client.get("/shop/nova/").content.decode()

    assert "€20.00" in home and "€30.00" in home and "not sold" not in home
