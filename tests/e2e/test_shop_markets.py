"""A phone in the United States opens a brand's shop that sells there in dollars: it sees
dollar prices, and what has no dollar price is left out with a clear note (screenshots)."""

from __future__ import annotations

import pytest

from shop.models import Market, Price
from tests.factories import BrandFactory, ProductFactory

pytestmark = pytest.mark.browser


def test_a_visitor_from_the_united_states_shops_in_dollars(phone, settings, screenshot):
    # given: the CDN in front of the site says where the visitor is
    settings.TRUSTED_PROXIES = ["127.0.0.1/32"]
    phone.set_extra_http_headers({"CF-IPCountry": "US"})
    brand = BrandFactory(slug="nova", name="Nova Mobile")
    Market.objects.create(brand=brand, country="US", currency="USD")
    case = ProductFactory(brand=brand, slug="case", title="Nova X case", price=2000)
    Price.objects.create(product=case, currency="USD", amount=2199)
    ProductFactory(brand=brand, slug="charger", title="Charger", price=3000)

    # when
    phone.goto("/shop/nova/")
    screenshot(phone, "shop-market-us-home")
    home = phone.content()
    phone.goto("/shop/nova/charger/")
    screenshot(phone, "shop-market-us-not-sold")
    charger = phone.content()

    # then
    assert "$21.99" in home and "Charger" not in home
    assert "1 product is not sold in your country." in home
    assert "Not sold in your country" in charger and 'id="checkout"' not in charger
