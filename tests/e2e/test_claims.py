"""A whole sweepstakes on a phone, after the draw: entries, close, the worker's draw, the
winner's email, the claim form, the marketer ships it in admin, the winners page. axe-core
checks the claim and winners pages like test_accessibility does."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from promotions.demo import demo_seed
from promotions.draws.tasks import draws_run_due
from promotions.models import Brand, BrandMembership, Draw, Entry, PrizeClaim, Promotion
from tests.e2e.test_accessibility import axe_violations
from tests.e2e.test_promotions_consumer import fill_entry, sign_in_by_email
from tests.factories.promotions import EntryFactory, PersonFactory, StaffUserFactory

pytestmark = pytest.mark.browser

PASSWORD = "correct-horse-battery"  # the factories' password


def _no_serious_axe_violations(page) -> None:
    found = axe_violations(page)
    assert not found, "\n".join(found)


def test_a_sweepstakes_from_entry_to_shipped_prize_and_published_winners(
    phone, desktop, screenshot
):
    # given: the demo giveaway, a manager of the brand, two other entrants
    demo_seed()
    giveaway = Promotion.objects.get(slug="giveaway")
    marketer = StaffUserFactory(username="marketer", email="marketer@demo.example")
    BrandMembership.objects.create(
        brand=Brand.objects.get(slug="demo"), user=marketer, role=BrandMembership.Role.MANAGER
    )
    for name in ("Bruno Costa", "Dana Levi"):
        EntryFactory(
            promotion=giveaway, person=PersonFactory(name=name, country="DE"), country="DE"
        )

    # the winner enters on a phone
    phone.goto(giveaway.get_absolute_url())
    sign_in_by_email(phone, mail.outbox, "camille@example.com")
    fill_entry(phone, name="Camille Martin")
    phone.get_by_role("button", name="Enter now").click()
    expect(phone.locator("#result")).to_contain_text("You're in!")

    # entries close; the worker draws once the grace has passed
    Promotion.objects.filter(pk=giveaway.pk).update(ends_at=timezone.now(), draw_grace_minutes=0)
    mail.outbox.clear()
    assert draws_run_due() == 1
    draw = Draw.objects.get(promotion=giveaway)
    assert draw.is_drawn and len(draw.winners) == 3
    to_managers = [m for m in mail.outbox if m.to == ["marketer@demo.example"]]
    assert len(to_managers) == 1 and draw.get_absolute_url() in to_managers[0].body

    # the winner's email, read from the outbox
    mine = [m for m in mail.outbox if m.to == ["camille@example.com"]]
    assert len(mine) == 1 and mine[0].subject.startswith("You won Nova X phone")
    link = re.search(r"https?://[^/\s]+(/p/\S+/claim/\S+/)", mine[0].body).group(1)

    # the claim form on the phone
    phone.goto(link)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Congratulations, you won!")
    _no_serious_axe_violations(phone)
    phone.get_by_role("button", name="Claim my prize").click()
    expect(phone.locator("#form-errors")).to_be_visible()
    expect(phone.get_by_label("City")).to_have_attribute("aria-describedby", "id_city-error")
    screenshot(phone, "claim-01-errors")
    phone.get_by_label("Full name (for the delivery)").fill("Camille Martin")
    phone.get_by_label("Address", exact=True).fill("12 rue de la Paix")
    phone.get_by_label("Postal code").fill("75002")
    phone.get_by_label("City").fill("Paris")
    phone.get_by_label("Country").select_option(label="France")
    phone.get_by_label("Phone number (for the delivery)").fill("+33 6 12 34 56 78")
    phone.get_by_label("I am 18 or older").check()
    phone.get_by_label("I accept the official rules and confirm that I am eligible.").check()
    screenshot(phone, "claim-02-form-filled")
    phone.get_by_role("button", name="Claim my prize").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text("Thank you, your claim is in")
    screenshot(phone, "claim-03-claimed")
    winner_entry = Entry.objects.get(promotion=giveaway, person__email="camille@example.com")
    claim = PrizeClaim.objects.get(entry=winner_entry)
    assert claim.status == PrizeClaim.Status.CLAIMED and claim.answers["city"] == "Paris"

    # the marketer marks it shipped in admin
    page = desktop
    page.goto("/admin/")
    page.get_by_label("Username").fill("marketer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/promotions/prizeclaim/?promotion__id__exact={giveaway.pk}")
    expect(page.locator("#result_list")).to_contain_text(winner_entry.public_id)
    screenshot(page, "claim-04-admin-claims")
    row = page.locator("#result_list tr", has_text=winner_entry.public_id)
    row.get_by_role("link", name="Mark shipped…").click()
    page.get_by_label("Carrier").fill("La Poste")
    page.get_by_label("Tracking number").fill("6A12345678901")
    screenshot(page, "claim-05-admin-ship")
    mail.outbox.clear()
    page.get_by_role("button", name="Mark shipped and email the winner").click()
    expect(page.locator(".messagelist")).to_contain_text("marked shipped")
    claim.refresh_from_db()
    assert claim.status == PrizeClaim.Status.SHIPPED and claim.carrier == "La Poste"
    assert [m.to for m in mail.outbox] == [["camille@example.com"]]
    assert "6A12345678901" in mail.outbox[0].body

    # the winners page: first name, initial and country, linked to the certificate
    phone.goto(giveaway.get_absolute_url())  # ended: the page links to the winners
    phone.get_by_role("link", name="See the winners").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Winners")
    expect(phone.locator(".winner-list")).to_contain_text("Camille M., France")
    expect(phone.locator(".winner-list")).to_contain_text("Bruno C., Germany")
    expect(phone.locator(".winner-list")).not_to_contain_text("Martin")
    _no_serious_axe_violations(phone)
    screenshot(phone, "claim-06-winners")
    phone.get_by_role("link", name=f"Certificate of draw {draw.pk}").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("Draw certificate")

    # the used link is a friendly page now
    response = phone.goto(link)
    assert response is not None and response.status == 410
    expect(phone.get_by_role("heading", level=1)).to_have_text("This prize is on its way")
    screenshot(phone, "claim-07-used-link")


def test_a_tampered_claim_link_is_a_friendly_page(phone, screenshot):
    demo_seed()
    response = phone.goto("/p/demo/launch/giveaway/claim/eyJjIjoxfQ:forged/")
    assert response is not None and response.status == 400
    expect(phone.get_by_role("heading", level=1)).to_have_text("This link does not work")
    _no_serious_axe_violations(phone)
    screenshot(phone, "claim-08-tampered")
