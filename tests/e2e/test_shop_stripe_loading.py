"""stripe.js does not hold the product page up: the page is parsed (and shown) while a slow
stripe.js is still on its way, and checkout starts once it has arrived."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from playwright.sync_api import expect

from tests.factories import BrandFactory, ProductFactory
from tests.processes import free_port

pytestmark = pytest.mark.browser

STRIPE_DELAY_SECONDS = 3
FAKE_STRIPE_JS = b"""
window.Stripe = function (key) {
  return { elements: function () { return { create: function () { return {
    mount: function (selector) { document.querySelector(selector).dataset.mounted = key; }
  }; } }; } };
};
"""


class _SlowStripe(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        time.sleep(STRIPE_DELAY_SECONDS)
        self.send_response(200)
        self.send_header("Content-Type", "text/javascript")
        self.send_header("Content-Length", str(len(FAKE_STRIPE_JS)))
        self.end_headers()
        self.wfile.write(FAKE_STRIPE_JS)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def slow_stripe_js(settings) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), _SlowStripe)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.STRIPE_JS_URL = f"http://127.0.0.1:{server.server_port}/v3/"
    settings.STRIPE_PUBLISHABLE_KEY = "pk_test_slow"
    yield settings.STRIPE_JS_URL
    server.shutdown()
    server.server_close()


def test_a_slow_stripe_js_does_not_block_the_product_page(phone, slow_stripe_js, screenshot):
    brand = BrandFactory(slug="nova", name="Nova Mobile")
    ProductFactory(brand=brand, slug="case", title="Nova X case", price=2000, stock=3)
    started = time.monotonic()

    phone.goto("/shop/nova/case/", wait_until="commit")

    # the document is parsed and its content on screen before stripe.js arrives
    phone.wait_for_function("document.readyState !== 'loading'")
    parsed_after = time.monotonic() - started
    assert parsed_after < STRIPE_DELAY_SECONDS - 1, parsed_after
    assert phone.evaluate("typeof Stripe") == "undefined"
    expect(phone.get_by_role("heading", name="Nova X case")).to_be_visible()
    pay = phone.get_by_role("button", name="Pay · €20.00")
    expect(pay).to_be_disabled()  # nothing to pay with yet
    screenshot(phone, "shop-product-before-stripe-js")

    # then checkout.js waits for stripe.js and starts: the card field is mounted, Pay enabled
    expect(pay).to_be_enabled(timeout=(STRIPE_DELAY_SECONDS + 10) * 1000)
    expect(phone.locator("#card-element")).to_have_attribute("data-mounted", "pk_test_slow")
    assert time.monotonic() - started >= STRIPE_DELAY_SECONDS
