"""A marketer connects the brand's Facebook Page from admin: Facebook's dialog (on the fake
Graph server) sends them back, they choose the Page, see it listed with its Instagram
account, and open its recent posts and Instagram media."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from promotions.models import BrandMembership, ConnectedPage
from tests.e2e.test_api_key_admin import login
from tests.factories import BrandFactory, StaffUserFactory
from tests.fakes import graph_pages

pytestmark = pytest.mark.browser


def test_marketer_connects_a_page_and_opens_its_recent_posts(desktop, screenshot, fake_pages):
    # given: a marketer who manages two Pages on Facebook, one with Instagram
    brand = BrandFactory(name="Acme Phones", slug="acme")
    user = StaffUserFactory(username="pagekeeper")
    BrandMembership.objects.create(brand=brand, user=user, role="manager")
    graph_pages.marketer_add(fake_pages, user_id="9001")
    graph_pages.page_add(fake_pages, page_id="5550001", name="Acme Phones Outlet")
    graph_pages.page_add(
        fake_pages,
        page_id="5550002",
        name="Acme Phones",
        instagram=("17841405550002", "acmephones"),
        posts=30,
        media=4,
    )
    page = desktop
    login(page, "pagekeeper")

    # when: they connect a Page
    page.goto("/admin/promotions/connectedpage/")
    screenshot(page, "admin-30-connected-pages-empty")
    page.get_by_role("link", name="Connect a Facebook Page").click()
    page.wait_for_url("**/connect/choose/")
    expect(page.get_by_text("Acme Phones Outlet")).to_be_visible()
    page.get_by_label("Acme Phones (Page id 5550002)").check()
    screenshot(page, "admin-31-choose-page")
    page.get_by_role("button", name="Connect this Page").click()

    # then: it is listed with its Instagram account, token valid, comments in real time
    expect(page.locator(".messagelist .success")).to_contain_text(
        "Connected the Page “Acme Phones” and its Instagram account @acmephones to Acme Phones."
    )
    row = page.locator("#result_list tbody tr", has_text="@acmephones")
    expect(row).to_contain_text("Valid")
    screenshot(page, "admin-32-page-connected")
    connected = ConnectedPage.objects.get()
    assert (connected.page_id, connected.connected_facebook_user_id) == ("5550002", "9001")
    assert graph_pages.world(fake_pages)["subscriptions"] == {"5550002": [["feed"]]}
    assert connected.access_token not in page.content()

    # and: the recent posts, then older ones, then the Instagram media
    row.get_by_role("link", name="Posts").click()
    expect(page.locator(".post-row")).to_have_count(25)
    expect(page.locator(".post-row").first).to_contain_text("5550002_1000")
    screenshot(page, "admin-33-recent-posts")
    page.get_by_role("link", name="Older posts").click()
    expect(page.locator(".post-row")).to_have_count(5)
    page.get_by_role("link", name="Instagram media (@acmephones)").click()
    expect(page.locator(".post-row")).to_have_count(4)
    expect(page.locator(".post-row").first).to_contain_text("Photo 0 #giveaway")
    screenshot(page, "admin-34-instagram-media")

    # and: when Facebook says the token expired, "Check now" turns it red with a message
    graph_pages.token_invalidate(fake_pages, connected.access_token, subcode=463)
    page.goto("/admin/promotions/connectedpage/")
    page.locator("#result_list tr", has_text="Acme Phones").get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("check_now")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist .info")).to_contain_text("will be checked in a moment")
    page.goto("/admin/promotions/connectedpage/")
    expect(page.locator(".messagelist .error")).to_contain_text(
        "1 Page needs connecting again (its token no longer works): Acme Phones."
    )
    expect(page.locator("#result_list .ph-badge--ended")).to_have_text("Expired")
    screenshot(page, "admin-35-token-expired")
