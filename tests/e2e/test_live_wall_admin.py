"""The live wall: a new entry shows on an open wall within two seconds, without a reload;
a marketer retires a wall's link in admin: the screen that had it loses the wall, the new
link from the campaign page opens it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from promotions.demo import demo_seed
from promotions.models import BrandMembership
from promotions.reports.live import live_wall_url
from tests.e2e.test_api_key_admin import login
from tests.factories import StaffUserFactory
from tests.factories.promotions import PersonFactory
from tests.promotions.entering import enter

pytestmark = pytest.mark.browser


def test_marketer_renews_the_live_wall_link(desktop, screenshot):
    # given: a screen showing the wall through the link given out last week
    campaign = demo_seed()
    user = StaffUserFactory(username="wallkeeper")
    BrandMembership.objects.create(brand=campaign.brand, user=user, role="manager")
    old_link = live_wall_url(campaign=campaign)
    screen = desktop.context.new_page()
    assert screen.goto(old_link).status == 200
    page = desktop
    login(page, "wallkeeper")

    # when: the marketer renews it from the campaigns list
    page.goto("/admin/promotions/campaign/")
    page.locator("#result_list tr", has_text=campaign.name).get_by_role("checkbox").check()
    page.get_by_label("Action:").select_option("renew_live_wall_links")
    screenshot(page, "admin-20-renew-live-wall")
    page.get_by_role("button", name="Go").click()

    # then: the old link opens nothing, the campaign page's new link opens the wall
    expect(page.locator(".messagelist .success")).to_contain_text("give the screens the new one")
    assert screen.goto(old_link).status == 404
    page.goto(f"/admin/promotions/campaign/{campaign.pk}/change/")
    new_link = page.get_by_role("link", name="Live wall").get_attribute("href")
    assert new_link and new_link != old_link
    assert screen.goto(new_link).status == 200
    expect(screen.locator("body")).to_contain_text(campaign.name)
    screenshot(screen, "admin-21-live-wall-new-link")


def test_the_wall_shows_a_new_entry_within_two_seconds_without_reloading(desktop, screenshot):
    # given: the wall open on a screen
    campaign = demo_seed()
    giveaway = campaign.promotions.get(slug="giveaway")
    desktop.goto(live_wall_url(campaign=campaign))
    before = int(desktop.locator("#c-entries").inner_text())
    desktop.evaluate("window.notReloaded = true")

    # when: someone enters
    enter(giveaway, PersonFactory(name="Marie Dupont"))

    # then: the counter and the newest entries change within 2 seconds, on the same page
    expect(desktop.locator("#c-entries")).to_have_text(str(before + 1), timeout=2_000)
    expect(desktop.locator("#entries li").first).to_contain_text("Marie D.", timeout=2_000)
    assert desktop.evaluate("window.notReloaded") is True
    screenshot(desktop, "live-wall-new-entry")
