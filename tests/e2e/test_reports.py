"""A marketer opens a promotion's dashboard and sees its CTR chart; the live wall updates by
itself while a consumer enters on a phone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from promotions.demo import demo_seed
from promotions.models import Brand, BrandMembership, Promotion
from promotions.reports.live import live_wall_url
from tests.e2e.test_promotions_consumer import fill_entry, sign_in_by_email
from tests.factories import StaffUserFactory
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent

pytestmark = pytest.mark.browser
PASSWORD = "correct-horse-battery"  # the factories' password


def traffic(promotion: Promotion, days: int) -> None:
    """A week of impressions and clicks, CTR drifting from about 9% to 15%."""
    ids = (promotion.pk, promotion.campaign_id, promotion.campaign.brand_id)
    now = datetime.now(UTC)
    hits = []
    for d in range(days):
        ts = now - timedelta(days=days - d, hours=-2)
        impressions = 150 + 40 * d
        clicks = int(impressions * (0.09 + 0.01 * d))
        hits += [TrackedEvent(uuid.uuid4(), ts, "impression", *ids) for _ in range(impressions)]
        hits += [TrackedEvent(uuid.uuid4(), ts, "click", *ids) for _ in range(clicks)]
    events_store(hits)


def test_a_marketer_opens_a_promotions_dashboard_and_sees_the_ctr_chart(desktop, screenshot):
    campaign = demo_seed()
    giveaway = Promotion.objects.get(campaign=campaign, slug="giveaway")
    campaign.starts_at = datetime.now(UTC) - timedelta(days=8)
    campaign.save(update_fields=["starts_at"])
    Promotion.objects.filter(campaign=campaign).update(starts_at=campaign.starts_at)
    traffic(giveaway, days=7)
    traffic(Promotion.objects.get(campaign=campaign, slug="instant"), days=3)
    marketer = StaffUserFactory(username="analyst")
    BrandMembership.objects.create(
        brand=Brand.objects.get(slug="demo"), user=marketer, role=BrandMembership.Role.ANALYST
    )
    page = desktop
    page.goto("/admin/")
    page.get_by_label("Username").fill("analyst")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.goto(f"/admin/promotions/promotion/{giveaway.pk}/change/")
    page.get_by_role("link", name="Dashboard", exact=True).click()

    chart = page.locator("svg.ph-chart")
    expect(chart).to_be_visible()
    expect(chart.locator("polygon.ph-band")).to_have_count(1)
    expect(chart.locator("polyline.ph-ctr")).to_have_count(1)
    expect(chart.locator("circle")).to_have_count(7)
    expect(page.locator("#verdict")).to_contain_text("two-proportion z-test")
    expect(page.get_by_role("heading", name="Funnel CSV")).to_be_visible()
    screenshot(page, "reports-01-promotion-dashboard")

    page.goto(f"/admin/promotions/campaign/{campaign.pk}/dashboard/")
    expect(page.locator("#lift")).to_be_visible()
    screenshot(page, "reports-02-campaign-dashboard")


def test_the_live_wall_updates_by_itself_when_someone_enters(
    desktop, phone, screenshot, mailoutbox
):
    campaign = demo_seed()
    wall = desktop
    wall.goto(live_wall_url(campaign=campaign))
    before = int(wall.locator("#c-entries").inner_text())  # the demo's contest films
    wall.evaluate("window.__notReloaded = true")
    screenshot(wall, "reports-03-live-wall-before", full_page=False)

    phone.goto("/p/demo/launch/giveaway/")
    sign_in_by_email(phone, mailoutbox, "camille@example.com")
    fill_entry(phone, name="Camille Martin")
    phone.get_by_role("button", name="Enter now").click()
    expect(phone.locator("#result")).to_contain_text("You're in!")

    expect(wall.locator("#c-entries")).to_have_text(str(before + 1), timeout=5_000)
    expect(wall.locator("#entries li").first).to_contain_text("Camille M.")
    expect(wall.locator("#entries")).not_to_contain_text("Martin")
    assert wall.evaluate("window.__notReloaded") is True
    screenshot(wall, "reports-04-live-wall-after", full_page=False)
