"""axe-core, by machine, on the consumer pages at a phone's size: the demo hub with each of
its tabs selected, every promotion tab, the rules page, the shop and a product page; and on
the live wall at a big screen's. Any violation of impact "serious" or "critical" fails the
test, listed one per line."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from promotions.demo import demo_seed
from promotions.reports.live import live_wall_url
from shop.demo import shop_demo_seed

pytestmark = pytest.mark.browser

BLOCKING = {"serious", "critical"}
AXE = Axe()


def axe_violations(page: Page) -> list[str]:
    """Serious and critical axe-core violations on the page as it is now, one line each."""
    results = AXE.run(page).response
    lines = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        for node in violation["nodes"]:
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(
                f"{violation['id']} ({violation['impact']}) {', '.join(map(str, node['target']))}"
                f": {violation['help']}. {summary} [{violation['helpUrl']}]"
            )
    return lines


def assert_accessible(page: Page, name: str, screenshot) -> None:
    screenshot(page, f"a11y-{name}")
    found = axe_violations(page)
    assert not found, f"{page.url}: {len(found)} serious/critical axe violations\n" + "\n".join(
        f"  - {line}" for line in found
    )


@pytest.fixture
def demo(transactional_db):
    campaign = demo_seed()
    shop = shop_demo_seed()
    return campaign, shop


def test_the_hub_and_each_of_its_tabs(phone, demo, screenshot):
    phone.goto("/p/demo/launch/")
    tabs = phone.get_by_role("tab")
    expect(tabs.first).to_have_attribute("aria-selected", "true")

    for n in range(tabs.count()):
        tab = tabs.nth(n)
        tab.click()
        expect(tab).to_have_attribute("aria-selected", "true")
        slug = tab.get_attribute("aria-controls").removeprefix("panel-")
        assert_accessible(phone, f"hub-{slug}", screenshot)


def test_every_promotion_tab_and_the_rules(phone, demo, screenshot):
    campaign, _shop = demo
    slugs = list(campaign.promotions.live().order_by("position").values_list("slug", flat=True))
    assert slugs == ["giveaway", "instant", "shorts", "coupon"]

    for slug in slugs:
        phone.goto(f"/p/demo/launch/{slug}/")
        expect(phone.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(phone, f"tab-{slug}", screenshot)

    phone.goto("/p/demo/launch/giveaway/rules/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(phone, "rules-giveaway", screenshot)


def test_the_contest_vote_buttons(phone, demo, screenshot):
    phone.goto("/p/demo/launch/shorts/")
    votes = phone.get_by_role("button", name="Vote for", exact=False)
    expect(votes.first).to_be_visible()
    assert_accessible(phone, "contest-votes", screenshot)
    colours = votes.first.evaluate(
        "b => [getComputedStyle(b).color, getComputedStyle(b).backgroundColor]"
    )
    assert colours == ["rgb(255, 255, 255)", "rgb(22, 83, 197)"]  # #fff on #1653c5: 6.8:1


def test_the_shop_and_a_product_page(phone, demo, screenshot):
    phone.route("https://js.stripe.com/**", lambda route: route.abort())  # offline: no Stripe
    phone.goto("/shop/demo/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(phone, "shop-home", screenshot)

    phone.goto("/shop/demo/nova-x-case/")
    expect(phone.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(phone, "shop-product", screenshot)


def test_the_live_wall(desktop, demo, screenshot):
    """The wall a brand puts on a screen at an event, filled in by its first snapshot."""
    campaign, _shop = demo
    with desktop.expect_response(lambda r: "snapshot.json" in r.url and r.ok):
        desktop.goto(live_wall_url(campaign=campaign))  # rendered, then its first poll
    expect(desktop.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(desktop, "live-wall", screenshot)
