"""An analyst reads the brand's campaign in admin and cannot change anything."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from promotions.demo import demo_seed
from promotions.models import BrandMembership
from tests.e2e.test_api_key_admin import login
from tests.factories import BrandFactory, CampaignFactory, StaffUserFactory

pytestmark = pytest.mark.browser


def test_analyst_reads_a_campaign_without_changing_it(desktop, screenshot):
    # given: the demo brand, another brand the analyst does not belong to
    campaign = demo_seed()
    CampaignFactory(brand=BrandFactory(name="Rival Cola"), name="Rival summer")
    analyst = StaffUserFactory(username="ana")
    BrandMembership.objects.create(brand=campaign.brand, user=analyst, role="analyst")
    page = desktop
    login(page, "ana")

    # when
    page.locator("tr.model-campaign").get_by_role("link", name="Campaigns").click()

    # then: only the brand's campaign, no actions, no add button
    expect(page.locator("#result_list tbody tr")).to_have_count(1)
    expect(page.locator("body")).not_to_contain_text("Rival")
    expect(page.get_by_role("link", name="Add campaign")).to_have_count(0)
    screenshot(page, "admin-20-analyst-campaigns")

    # when: the campaign opens
    page.get_by_role("link", name="Nova X launch").click()

    # then: read-only, with its promotions listed and the hub one click away
    expect(page.get_by_role("heading", name="View campaign")).to_be_visible()
    expect(page.get_by_role("button", name="Save")).to_have_count(0)
    expect(page.get_by_role("link", name="Add a promotion")).to_have_count(0)
    expect(page.locator("#promotions-group")).to_contain_text("Win the new Nova X phone")
    expect(page.locator("a.viewsitelink")).to_have_attribute("href", "/p/demo/launch/")
    inline_links = page.locator("#promotions-group").get_by_role("link", name="View on site")
    expect(inline_links.first).to_have_attribute("href", "/p/demo/launch/giveaway/")
    screenshot(page, "admin-21-analyst-campaign-view")
