"""A tab embedded in an iframe on the brand's own site (another site than this service's):
the visitor signs in and enters without leaving the brand's page. Chromium sends a cookie
into a cross-site iframe only when it says ``SameSite=None; Secure; Partitioned``
(promotions/pages/cookies.py).

The brand's page is served by a small HTTP server of the test at ``127.0.0.1``; the live
server answers at ``localhost``: two different sites for the browser."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from promotions.demo import demo_seed
from promotions.models import Brand, Entry
from tests.e2e.test_promotions_consumer import fill_entry

pytestmark = pytest.mark.browser


@pytest.fixture
def brand_site(live_server) -> Iterator[str]:
    """The brand's own page, framing the giveaway tab; its address (http://127.0.0.1:port)."""
    tab = live_server.url.replace("127.0.0.1", "localhost") + "/p/demo/launch/giveaway/"
    page = (
        '<!doctype html><html lang="en"><title>Nova Mobile</title><h1>Nova Mobile</h1>'
        f'<iframe id="promo" title="Giveaway" src="{tab}" width="380" height="1400"></iframe>'
    ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(page)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def production_cookies(settings):
    """The cookies as production sets them (config/settings/production.py). Chromium takes
    ``Secure`` cookies from http://localhost, a secure context."""
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_SAMESITE = settings.CSRF_COOKIE_SAMESITE = "None"


def embed_the_giveaway(brand_site: str) -> None:
    demo_seed()
    Brand.objects.filter(slug="demo").update(embed_domains=brand_site.split("//", 1)[1])


def ask_for_a_link_inside(phone, brand_site: str, mailoutbox) -> tuple[object, str]:
    """Open the brand's page and ask for a sign-in link inside its frame: the frame, and
    the link's path."""
    phone.goto(brand_site)
    frame = phone.frame_locator("#promo")
    frame.get_by_label("Your email address").fill("camille@example.com")
    frame.get_by_role("button", name="Email me a sign-in link").click()
    expect(frame.locator(".messages")).to_contain_text("We sent a link to camille@example.com.")
    return frame, re.search(r"https?://[^/\s]+(/p/\S+)", mailoutbox[-1].body).group(1)


def test_a_visitor_signs_in_and_enters_inside_the_brands_page(
    phone, brand_site, production_cookies, screenshot, mailoutbox
):
    # given: the brand embeds the giveaway on its own site
    embed_the_giveaway(brand_site)

    # when the visitor asks for a sign-in link inside the frame, and the link is opened
    # there (a phone's mail app would open a tab of its own: see the test below)
    frame, link = ask_for_a_link_inside(phone, brand_site, mailoutbox)
    inside = next(f for f in phone.frames if "/p/demo/" in f.url)
    inside.goto(inside.url.split("/p/", 1)[0] + link)
    expect(frame.locator(".messages")).to_contain_text("Your email address is confirmed.")

    # then: they enter there, and the brand's page stays the page they are on
    fill_entry(frame)
    frame.get_by_role("button", name="Enter now").click()
    expect(frame.locator("#result")).to_contain_text("You're in!")
    assert phone.url.startswith(brand_site)
    assert Entry.objects.filter(promotion__slug="giveaway").count() == 1
    screenshot(phone, "embedded-01-entered-inside-the-brands-page")
    cookies = {c["name"]: c for c in phone.context.cookies() if c["domain"] == "localhost"}
    for name in ("sessionid", "csrftoken", "ph_dev"):
        assert (cookies[name]["sameSite"], cookies[name]["secure"]) == ("None", True)
        assert cookies[name]["partitionKey"] == "http://127.0.0.1"


def test_the_link_opened_in_a_tab_of_its_own_signs_in_there(
    phone, brand_site, production_cookies, live_server, mailoutbox
):
    # A partitioned frame keeps its own jar: the email's link, opened as a page of its own,
    # signs the visitor in on that page (the promotion's tab), where they can enter.
    embed_the_giveaway(brand_site)
    _frame, link = ask_for_a_link_inside(phone, brand_site, mailoutbox)

    own_tab = phone.context.new_page()
    own_tab.goto(live_server.url.replace("127.0.0.1", "localhost") + link)

    expect(own_tab.locator(".messages")).to_contain_text("Your email address is confirmed.")
    expect(own_tab.get_by_role("button", name="Enter now")).to_be_visible()


def test_with_first_party_cookies_only_the_embedded_tab_cannot_sign_in(
    phone, brand_site, mailoutbox
):
    # COOKIE_SAMESITE=Lax (as on the plain-HTTP development server): the frame keeps no
    # cookie, so its CSRF check refuses the form
    embed_the_giveaway(brand_site)

    phone.goto(brand_site)
    frame = phone.frame_locator("#promo")
    with phone.expect_response(re.compile(r"/identify/$")) as answer:
        frame.get_by_label("Your email address").fill("camille@example.com")
        frame.get_by_role("button", name="Email me a sign-in link").click()

    assert answer.value.status == 403
    assert mailoutbox == []
