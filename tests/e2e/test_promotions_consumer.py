"""A consumer on a phone takes part in each demo promotion: the giveaway from the hub, the
instant win, the short-film contest (submit and vote), the coupon; and every ineligible
case shows its message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from promotions.demo import demo_seed
from promotions.models import CouponCode, Entry, Submission

pytestmark = pytest.mark.browser


def sign_in_by_email(page, mailoutbox, email):
    page.get_by_label("Your email address").fill(email)
    page.get_by_role("button", name="Email me a sign-in link").click()
    expect(page.locator(".messages")).to_contain_text(f"We sent a link to {email}.")
    link = re.search(r"https?://[^/\s]+(/p/\S+)", mailoutbox[-1].body).group(1)
    page.goto(link)
    expect(page.locator(".messages")).to_contain_text("Your email address is confirmed.")


def fill_entry(
    page, *, name="Camille Martin", birth_date="1994-03-08", country="France", consents=True
):
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Date of birth").fill(birth_date)
    page.get_by_label("Country of residence").select_option(label=country)
    if consents:
        page.get_by_label("I accept the official rules.").check()
        page.get_by_label("I accept the privacy notice.").check()
        page.get_by_label("I understand that this promotion is not sponsored").check()


def test_enter_the_giveaway_from_the_hub(phone, screenshot, mailoutbox):
    demo_seed()
    phone.goto("/p/demo/launch/")
    phone.locator("#panel-giveaway").get_by_role("link", name="Enter the giveaway").tap()
    expect(phone).to_have_url(re.compile(r"/p/demo/launch/giveaway/$"))
    expect(phone.get_by_text("A fair draw you can check")).to_be_visible()
    screenshot(phone, "promo-01-giveaway-sign-in")

    sign_in_by_email(phone, mailoutbox, "camille@example.com")
    fill_entry(phone)
    screenshot(phone, "promo-02-giveaway-form")
    phone.get_by_role("button", name="Enter now").click()

    expect(phone.locator("#result")).to_contain_text("You're in!")
    expect(phone.locator(".notice-inline")).to_contain_text("You have already entered today.")
    entry = Entry.objects.get(promotion__slug="giveaway")
    expect(phone.locator("#result")).to_contain_text(f"Entry number {entry.public_id}")
    screenshot(phone, "promo-03-giveaway-entered")


def test_play_the_instant_win(phone, screenshot, mailoutbox):
    demo_seed()  # one winning moment has come already: the first play wins earbuds
    phone.goto("/p/demo/launch/instant/")
    sign_in_by_email(phone, mailoutbox, "player@example.com")
    fill_entry(phone)
    phone.get_by_role("button", name="Play now").click()

    expect(phone.locator("#result")).to_contain_text("You won: Nova Buds earbuds!")
    expect(phone.locator(".notice-inline")).to_contain_text("You can enter again from")
    screenshot(phone, "promo-04-instant-win-won")


def test_submit_to_and_vote_in_the_contest(phone, screenshot, mailoutbox):
    demo_seed()
    phone.goto("/p/demo/launch/shorts/")
    expect(phone.locator("#gallery .submission")).to_have_count(3)
    sign_in_by_email(phone, mailoutbox, "filmmaker@example.com")
    phone.get_by_label("Title").fill("Rain on the tram")
    phone.get_by_label("Or a link to your video").fill("https://video.example.com/rain-on-the-tram")
    fill_entry(phone, name="Noa Lind")
    phone.get_by_role("button", name="Submit my entry").click()

    expect(phone.locator("#result")).to_contain_text("waiting for moderation")
    assert Submission.objects.get(title="Rain on the tram").status == "pending"
    screenshot(phone, "promo-05-contest-submitted")

    phone.get_by_role("button", name="Vote for Low tide").click()
    expect(phone.locator(".messages")).to_contain_text("Thank you for your vote!")
    low_tide = phone.locator(".submission", has_text="Low tide")
    expect(low_tide).to_contain_text("1 vote")
    expect(low_tide).to_contain_text("Your vote today")
    expect(phone.get_by_role("button", name=re.compile("^Vote for"))).to_have_count(0)
    screenshot(phone, "promo-06-contest-voted")


def test_claim_a_coupon(phone, screenshot, mailoutbox):
    demo_seed()
    phone.goto("/p/demo/launch/coupon/")
    sign_in_by_email(phone, mailoutbox, "saver@example.com")
    fill_entry(phone)
    phone.get_by_role("button", name="Claim my code").click()

    code = CouponCode.objects.get(person__isnull=False).code
    expect(phone.locator(".code code")).to_have_text(code)
    screenshot(phone, "promo-07-coupon-claimed")


def test_each_ineligible_case_shows_its_message(phone, screenshot, mailoutbox):
    campaign = demo_seed()
    campaign.promotions.filter(slug="giveaway").update(countries="FR, BE")
    phone.goto("/p/demo/launch/giveaway/")
    sign_in_by_email(phone, mailoutbox, "young@example.com")

    # nothing ticked, nothing filled
    phone.get_by_role("button", name="Enter now").click()
    errors = phone.locator("#form-errors")
    for message in [
        "Enter your name, so that we can contact you.",
        "Choose your country of residence.",
        "Enter your date of birth.",
        "Accept the official rules to enter.",
        "Accept the privacy notice to enter.",
        "Confirm that you release Facebook",
    ]:
        expect(errors).to_contain_text(message)
    screenshot(phone, "promo-08-ineligible-empty-form")

    # too young, from a country outside the promotion
    fill_entry(phone, birth_date="2012-06-01", country="Germany")
    phone.get_by_role("button", name="Enter now").click()
    expect(phone.locator("#id_birth_date-error")).to_have_text("You must be 18 or older to enter.")
    expect(phone.locator("#id_country-error")).to_have_text(
        "This promotion is open to residents of Belgium, France only."
    )
    expect(phone.get_by_label("Date of birth")).to_have_attribute("aria-invalid", "true")
    screenshot(phone, "promo-09-ineligible-age-country")

    # eligible, then once more the same day
    fill_entry(phone, birth_date="1990-06-01", country="Belgium")
    phone.get_by_role("button", name="Enter now").click()
    expect(phone.locator("#result")).to_contain_text("You're in!")
    expect(phone.locator(".notice-inline")).to_contain_text(
        "You have already entered today. You can enter again from"
    )
    screenshot(phone, "promo-10-already-entered-today")


@pytest.mark.redis
def test_the_giveaway_answers_at_once_through_the_entry_intake(
    phone, screenshot, mailoutbox, settings
):
    """With Redis the entry is accepted into the intake; the tab shows the number it will be
    stored under before the entries consumer has run, and the same number afterwards."""
    import uuid

    from promotions.entries import intake
    from tests.tracking.conftest import redis_keys_delete

    prefix = f"test:e2e-entries:{uuid.uuid4().hex[:12]}"
    settings.ENTRY_INTAKE, settings.ENTRY_INTAKE_STREAM = True, prefix
    try:
        demo_seed()
        phone.goto("/p/demo/launch/giveaway/")
        sign_in_by_email(phone, mailoutbox, "camille@example.com")
        fill_entry(phone)
        phone.get_by_role("button", name="Enter now").click()

        expect(phone.locator("#result")).to_contain_text("You're in!")
        expect(phone.locator(".notice-inline")).to_contain_text("You have already entered today.")
        number = re.search(
            r"Entry number ([0-9a-f]{16})", phone.locator("#result").inner_text()
        ).group(1)
        assert not Entry.objects.filter(promotion__slug="giveaway").exists()  # not stored yet
        screenshot(phone, "promo-11-giveaway-accepted")

        assert intake.intake_consume(until_empty=True, block_ms=0).stored == 1
        assert Entry.objects.get(promotion__slug="giveaway").public_id == number
        phone.reload()
        expect(phone.locator("#result")).to_contain_text(f"Entry number {number}")
        assert any(number in m.body for m in mailoutbox)  # the confirmation, by the consumer
    finally:
        redis_keys_delete(settings, prefix)
