# ruff: noqa: RUF001 -- Japanese punctuation (the full-width colon) is the right one here
"""The hub and a tab in Arabic and Hebrew (right to left) and Japanese at a phone's size:
laid out for the language, switchable, and as accessible as in English (axe, serious or
critical)."""

from __future__ import annotations

import pytest
from django.utils import translation
from django.utils.translation import gettext as _
from playwright.sync_api import Page, expect

from promotions.demo import demo_seed
from promotions.models import Campaign, Prize, Promotion, PromotionCountryRule
from shop.demo import shop_demo_seed
from tests.e2e.test_accessibility import assert_accessible

pytestmark = pytest.mark.browser

JAPANESE = {
    "giveaway": (
        "新しい Nova X が当たる",
        "1 日 1 回応募して、3 台の Nova X のうち 1 台を当てよう。",
    ),
    "instant": (
        "インスタントウィン：箱を開けよう",
        "1 日 1 回プレイして、イヤホンかケースが当たるかその場でわかります。",
    ),
    "shorts": (
        "Nova で撮影：ショートフィルムコンテスト",
        "スマートフォンで撮影した 60 秒以内の作品を応募してください。",
    ),
    "coupon": (
        "アクセサリー 15% オフ",
        "あなた専用のコードを受け取って、ショップでお使いください。",
    ),
}


@pytest.fixture
def demo(transactional_db) -> Campaign:
    """The demo campaign, also written in Japanese for this test."""
    campaign = demo_seed()
    shop_demo_seed()
    campaign.name_ja = "Nova X 発売記念"
    campaign.description_ja = "Nova X の発売を記念して：当てて、撮って、アクセサリーをお得に。"
    campaign.languages = [*campaign.languages, "ja"]
    campaign.save()
    for promotion in Promotion.objects.filter(campaign=campaign):
        promotion.title_ja, promotion.description_ja = JAPANESE[promotion.slug]
        promotion.official_rules_ja = "購入は不要です。18 歳以上の方が対象です。"
        promotion.cta_label_ja = "参加する"
        promotion.save()
    Prize.objects.filter(promotion__campaign=campaign).update(name_ja="Nova X 賞品")
    campaign.full_clean()  # Japanese has what going live in it needs
    return campaign


def hub_checks(page: Page, *, lang: str, direction: str, heading: str) -> None:
    html = page.locator("html")
    expect(html).to_have_attribute("lang", lang)
    expect(html).to_have_attribute("dir", direction)
    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    # The phone's width holds the page: nothing spills sideways.
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than the phone"


def test_the_hub_in_arabic_reads_right_to_left(phone, demo, screenshot):
    phone.goto("/p/demo/launch/?lang=ar")

    hub_checks(phone, lang="ar", direction="rtl", heading="إطلاق Nova X")
    tabs = phone.get_by_role("tab")
    first, second = tabs.nth(0).bounding_box(), tabs.nth(1).bounding_box()
    assert first["x"] > second["x"], "the first tab is on the right in Arabic"
    switcher = phone.get_by_role("navigation", name="اللغة")
    expect(switcher.get_by_role("link", name="العربية")).to_have_attribute("aria-current", "true")
    assert_accessible(phone, "hub-ar", screenshot)

    tabs.nth(1).press("ArrowLeft")  # in right-to-left, the left arrow goes forward
    expect(tabs.nth(2)).to_have_attribute("aria-selected", "true")

    phone.goto("/p/demo/launch/giveaway/")  # the choice is remembered
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.get_by_role("heading", level=1)).to_have_text("اربح هاتف Nova X الجديد")
    assert_accessible(phone, "tab-giveaway-ar", screenshot)


def test_the_hub_in_hebrew_reads_right_to_left(phone, demo, screenshot):
    with translation.override("he"):
        language = _("Language")

    phone.goto("/p/demo/launch/?lang=he")

    hub_checks(phone, lang="he", direction="rtl", heading="השקת Nova X")
    tabs = phone.get_by_role("tab")
    first, second = tabs.nth(0).bounding_box(), tabs.nth(1).bounding_box()
    assert first["x"] > second["x"], "the first tab is on the right in Hebrew"
    expect(tabs.first).to_have_text("זכו ב-Nova X החדש")
    switcher = phone.get_by_role("navigation", name=language)
    expect(switcher.get_by_role("link", name="עברית")).to_have_attribute("aria-current", "true")
    assert_accessible(phone, "hub-he", screenshot)

    phone.goto("/p/demo/launch/giveaway/rules/")  # the choice is remembered
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.locator("article.rules")).to_contain_text("אין צורך ברכישה")
    assert_accessible(phone, "rules-giveaway-he", screenshot)


def test_the_hub_in_japanese(phone, demo, screenshot):
    phone.goto("/p/demo/launch/?lang=ja")

    hub_checks(phone, lang="ja", direction="ltr", heading="Nova X 発売記念")
    expect(phone.get_by_role("tab").first).to_have_text("新しい Nova X が当たる")
    expect(phone.get_by_text("公式規約").first).to_be_attached()
    assert_accessible(phone, "hub-ja", screenshot)

    phone.get_by_role("link", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.get_by_role("heading", level=1)).to_have_text("Nova X launch")


def test_canadas_rules_in_french_then_in_english(phone, demo, screenshot):
    # given: the giveaway's own rules for residents of Canada, in English and French
    giveaway = Promotion.objects.get(campaign=demo, slug="giveaway")
    PromotionCountryRule.objects.create(
        promotion=giveaway,
        country="CA",
        official_rules_en="Residents of Canada: a skill-testing question is required.",
        official_rules_fr="Résidents du Canada : une question d'habileté est requise.",
    )

    # when: a visitor reads them in French, then switches to English
    phone.goto("/p/demo/launch/giveaway/rules/?country=CA&lang=fr")

    # then
    rules = phone.locator("article.rules")
    expect(rules).to_contain_text("Résidents du Canada : une question d'habileté est requise.")
    expect(rules).not_to_contain_text("a skill-testing question")
    assert_accessible(phone, "rules-giveaway-ca-fr", screenshot)

    phone.get_by_role("navigation", name="Langue").get_by_role("link", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(rules).to_contain_text("Residents of Canada: a skill-testing question is required.")
    expect(rules).not_to_contain_text("question d'habileté")
