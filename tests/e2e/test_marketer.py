"""A marketer (staff, manager of the demo brand, not a superuser) adds a promotion in admin,
and it appears as a tab of the hub."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from promotions.demo import demo_seed
from promotions.models import Brand, BrandMembership, Promotion, Status
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # the factories' password


def test_marketer_creates_a_promotion_that_appears_on_the_hub(
    desktop, browser, live_server, screenshot
):
    # given: the demo, and a marketer who manages the demo brand, with no permission ticked
    campaign = demo_seed()
    marketer = StaffUserFactory(username="marketer")
    BrandMembership.objects.create(
        brand=Brand.objects.get(slug="demo"), user=marketer, role=BrandMembership.Role.MANAGER
    )
    page = desktop

    # when: they log in
    page.goto("/admin/")
    page.get_by_label("Username").fill("marketer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    # then: the admin shows their brand's things, and nothing of Django's auth
    promotions_row = page.locator("tr.model-promotion")
    expect(promotions_row).to_be_visible()
    expect(page.locator("tr.model-apikey")).to_be_visible()
    expect(page.locator("tr.model-user")).to_have_count(0)
    screenshot(page, "admin-01-index")

    # when: they add a promotion to the launch campaign through the form
    promotions_row.get_by_role("link", name="Promotions").click()
    page.get_by_role("link", name="Add promotion").click()
    page.get_by_label("Campaign").select_option(label="demo/launch")
    page.get_by_label("Kind").select_option(label="Contest")
    # exact labels: the other languages' fieldsets are "Title in other languages" and so on
    title = page.get_by_label("Title:", exact=True)
    title.fill("Summer selfie contest")
    # Django's prepopulate.js follows keyup; dispatch it on the field itself, so that a
    # busy machine moving focus mid-typing cannot leave a half-typed title (seen in CI).
    title.dispatch_event("keyup")
    expect(page.get_by_label("Slug")).to_have_value("summer-selfie-contest")  # prepopulated
    page.get_by_label("Status").select_option(label="Active")
    page.get_by_label("Position").fill("5")
    # times are typed in the brand's zone, as the form says (and the browser's is the same)
    window = page.get_by_role("group", name="Window")
    expect(window).to_contain_text("Times are in Europe/Paris.")
    expect(window).not_to_contain_text("hour ahead of server time")
    paris = campaign.brand.tzinfo
    starts = (timezone.now() - timedelta(hours=1)).astimezone(paris)
    ends = (campaign.ends_at - timedelta(days=1)).astimezone(paris)
    page.locator("#id_starts_at_0").fill(f"{starts:%Y-%m-%d}")
    page.locator("#id_starts_at_1").fill(f"{starts:%H:%M:%S}")
    page.locator("#id_ends_at_0").fill(f"{ends:%Y-%m-%d}")
    page.locator("#id_ends_at_1").fill(f"{ends:%H:%M:%S}")
    page.get_by_label("Description:", exact=True).fill(
        "Post your best summer selfie taken on a Nova X."
    )
    page.get_by_label("Call-to-action label:", exact=True).fill("Send my selfie")
    page.get_by_role("textbox", name="Official rules:", exact=True).fill(
        "Open to residents aged 18 and over. The jury picks three winners."
    )
    # the demo campaign is live in French, German, Spanish, Arabic and Hebrew too: a promotion goes
    # live in it with its title and official rules in each (the other languages fall back)
    for legend, texts in (
        (
            "Title in other languages",
            {
                "Français (fr)": "Concours de selfies d'été",
                "Deutsch (de)": "Sommer-Selfie-Wettbewerb",
                "Español (es)": "Concurso de selfis de verano",
                "العربية (ar)": "مسابقة صور السيلفي الصيفية",
                "עברית (he)": "תחרות סלפי הקיץ",
            },
        ),
        (
            "Official rules in other languages",
            {
                "Français (fr)": "Ouvert aux résidents de 18 ans et plus.",
                "Deutsch (de)": "Teilnahme ab 18 Jahren.",
                "Español (es)": "Abierto a residentes mayores de 18 años.",
                "العربية (ar)": "المشاركة متاحة للمقيمين بعمر 18 عامًا أو أكثر.",
                "עברית (he)": "ההשתתפות פתוחה לתושבים בני 18 ומעלה.",
            },
        ),
    ):
        group = page.get_by_role("group", name=legend)
        group.locator("summary").click()
        for label, text in texts.items():
            group.get_by_label(label).fill(text)
    screenshot(page, "admin-02-promotion-form")
    page.get_by_role("button", name="Save", exact=True).click()

    # then: it is saved and listed
    page.wait_for_url("**/admin/promotions/promotion/")
    expect(page.locator(".messagelist .success")).to_contain_text("was added successfully")
    row = page.locator("#result_list tbody tr", has_text="Summer selfie contest")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Live")
    screenshot(page, "admin-03-promotion-listed")
    created = Promotion.objects.get(slug="summer-selfie-contest")
    assert (created.campaign, created.kind, created.status) == (campaign, "contest", Status.ACTIVE)
    assert created.starts_at == starts.replace(microsecond=0)
    assert (created.title_en, created.title_fr) == (
        "Summer selfie contest",
        "Concours de selfies d'été",
    )

    # and: the hub shows it as a tab, to the marketer (a staff preview) ...
    page.goto("/p/demo/launch/")
    new_tab = page.get_by_role("tab", name="Summer selfie contest")
    expect(new_tab).to_be_visible()
    new_tab.click()
    expect(page.locator("#panel-summer-selfie-contest")).to_be_visible()
    expect(page.locator("#panel-summer-selfie-contest")).to_contain_text("Send my selfie")
    screenshot(page, "admin-04-hub-preview-with-new-tab")

    # ... and to any visitor on a phone, since it is live
    visitor_context = browser.new_context(
        base_url=live_server.url,
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    try:
        visitor = visitor_context.new_page()
        visitor.goto("/p/demo/launch/")
        expect(visitor.get_by_role("tab")).to_have_count(5)
        visitor.get_by_role("tab", name="Summer selfie contest").tap()
        expect(visitor.locator("#panel-summer-selfie-contest")).to_be_visible()
        screenshot(visitor, "admin-05-hub-visitor-new-tab")
    finally:
        visitor_context.close()
