"""A consumer on a phone: the demo hub, its tabs (click and keyboard), a promotion tab."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from promotions.demo import demo_seed

pytestmark = pytest.mark.browser


def test_demo_hub_tabs_on_a_phone(phone, screenshot):
    # given
    campaign = demo_seed()
    live = list(campaign.promotions.live().order_by("position"))
    assert len(live) == 4

    # when: the hub opens
    phone.goto("/p/demo/launch/")

    # then: one tab per live promotion, the first selected with its panel shown
    tabs = phone.get_by_role("tab")
    expect(tabs).to_have_count(len(live))
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    for promotion, tab in zip(live, tabs.all(), strict=True):
        expect(tab).to_have_attribute("aria-controls", f"panel-{promotion.slug}")
    expect(phone.locator("#panel-giveaway")).to_be_visible()
    expect(phone.locator("#panel-instant")).to_be_hidden()
    expect(phone.get_by_role("tabpanel")).to_have_count(1)  # hidden panels leave the tree
    screenshot(phone, "hub-01-phone-first-tab")

    # when: a tap on the third tab
    tabs.nth(2).tap()

    # then
    expect(tabs.nth(2)).to_have_attribute("aria-selected", "true")
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "false")
    expect(phone.locator("#panel-shorts")).to_be_visible()
    expect(phone.locator("#panel-giveaway")).to_be_hidden()
    assert phone.evaluate("location.hash") == "#shorts"
    screenshot(phone, "hub-02-phone-tapped-contest")

    # when: the keyboard moves right, wraps around, goes home and end
    tabs.nth(2).focus()
    phone.keyboard.press("ArrowRight")
    expect(tabs.nth(3)).to_be_focused()
    expect(tabs.nth(3)).to_have_attribute("aria-selected", "true")
    expect(phone.locator("#panel-coupon")).to_be_visible()
    phone.keyboard.press("ArrowRight")
    expect(tabs.nth(0)).to_be_focused()
    expect(phone.locator("#panel-giveaway")).to_be_visible()
    phone.keyboard.press("ArrowLeft")
    expect(tabs.nth(3)).to_be_focused()
    phone.keyboard.press("Home")
    expect(tabs.nth(0)).to_have_attribute("aria-selected", "true")
    phone.keyboard.press("End")
    expect(tabs.nth(3)).to_have_attribute("aria-selected", "true")
    expect(phone.locator("#panel-coupon")).to_be_visible()
    expect(phone.locator("#panel-giveaway")).to_be_hidden()
    # only the selected tab is in the tab order
    assert [t.get_attribute("tabindex") for t in tabs.all()] == ["-1", "-1", "-1", "0"]
    screenshot(phone, "hub-03-phone-keyboard-offer")

    # when: the visitor opens the instant-win promotion from its panel
    phone.keyboard.press("ArrowLeft")
    phone.keyboard.press("ArrowLeft")
    expect(phone.locator("#panel-instant")).to_be_visible()
    hub_dates = phone.locator("#panel-instant .dates").inner_text()
    phone.locator("#panel-instant").get_by_role("link", name="Play now").tap()

    # then: its own tab page
    phone.wait_for_url("**/p/demo/launch/instant/")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Instant win: open the box")
    expect(phone.get_by_role("link", name="Official rules", exact=True)).to_be_visible()
    # the hub and the tab give the same closing time, in the brand's time zone
    assert phone.locator(".promotion .dates").inner_text() == hub_dates
    assert hub_dates.endswith("(Europe/Paris)")
    expect(phone.get_by_role("contentinfo")).to_contain_text(
        "in no way sponsored, endorsed, administered by or associated with Facebook"
    )
    phone.get_by_text("Official rules (summary)").tap()
    expect(phone.locator(".rules-summary")).to_contain_text("NO PURCHASE NECESSARY")
    screenshot(phone, "hub-04-phone-promotion-tab")

    # and back to the hub, on the same tab
    phone.get_by_role("link", name="All promotions").tap()
    phone.wait_for_url("**/p/demo/launch/#instant")
    expect(phone.get_by_role("tab", selected=True)).to_have_text("Instant win: open the box")


def test_hub_deep_link_selects_the_tab(phone):
    demo_seed()

    phone.goto("/p/demo/launch/#coupon")

    expect(phone.get_by_role("tab", selected=True)).to_have_attribute(
        "aria-controls", "panel-coupon"
    )
    expect(phone.locator("#panel-coupon")).to_be_visible()


def test_hub_without_javascript_shows_every_panel(browser, live_server, transactional_db):
    demo_seed()
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto("/p/demo/launch/")

        for slug in ["giveaway", "instant", "shorts", "coupon"]:
            expect(page.locator(f"#panel-{slug}")).to_be_visible()
    finally:
        context.close()


def test_hub_on_a_desktop(desktop, screenshot):
    demo_seed()

    desktop.goto("/p/demo/launch/")

    expect(desktop.get_by_role("tab")).to_have_count(4)
    screenshot(desktop, "hub-05-desktop")
