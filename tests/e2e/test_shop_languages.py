"""A phone opens a product page in Arabic: the shop's refusals (an unknown code, more than
is left) come back in Arabic, because the page names its language to the endpoints it
calls, even when the language cookie is gone and the browser itself asks for English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.factories import BrandFactory, ProductFactory

pytestmark = pytest.mark.browser

# Enough of stripe.js for checkout.js to start (the card field is never used here).
FAKE_STRIPE_JS = """
window.Stripe = function () {
  return { elements: function () { return { create: function () {
    return { mount: function () {} };
  } }; } };
};
"""


def test_an_arabic_product_page_shows_the_shop_refusals_in_arabic(phone, screenshot):
    # given an English brand's product with two left, and a phone whose browser says en-GB
    brand = BrandFactory(slug="nova", name="Nova Mobile")
    ProductFactory(brand=brand, slug="buds", title="Nova Buds earbuds", price=5900, stock=2)
    phone.route(
        re.compile(r".*/js\.stripe\.com/v3/$"),
        lambda route: route.fulfill(body=FAKE_STRIPE_JS, content_type="text/javascript"),
    )

    # when the buyer opens the page in Arabic (and the language cookie does not stay)
    phone.goto("/shop/nova/buds/?lang=ar")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    phone.context.clear_cookies(name="ph_lang")

    # then an unknown code is refused in Arabic
    phone.get_by_label("رمز القسيمة").fill("NOPE")
    phone.get_by_role("button", name="تطبيق").click()
    expect(phone.locator("[data-code-status]")).to_have_text("هذا الرمز غير موجود.")

    # and so is asking for three when two are left
    quantity = phone.get_by_label("الكمية")
    quantity.fill("3")
    quantity.press("Tab")
    expect(phone.locator("[data-error]")).to_have_text("لم يتبقَّ من Nova Buds earbuds سوى 2 قطعتين.")
    screenshot(phone, "shop-product-refusal-ar")
