"""The emailed sign-in link: only the browser that asked for it may join the address to
whoever is signed in there; opened anywhere else it signs in the address's own person, and
where someone else is signed in, only after they confirm it. The link brings the entrant
back in the language they asked in."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from promotions.models import Identity, Person, Promotion
from tests.factories.promotions import (
    CouponCodeFactory,
    IdentityFactory,
    PersonFactory,
    PromotionFactory,
)
from tests.promotions.conftest import ENTRY_FORM, make_consumer, sign_in

pytestmark = pytest.mark.django_db


def browser() -> Client:
    """A phone browser that has opened a page already (it holds its device cookie)."""
    client = make_consumer()
    client.get("/healthz")
    return client


def link_for(client: Client, promotion: Promotion, email: str, **headers: str) -> str:
    client.get(promotion.get_absolute_url(), headers=headers)  # the tab, as a person would
    asked = client.post(
        promotion.get_absolute_url() + "identify/", {"email": email}, headers=headers
    )
    assert asked.status_code == 302
    return re.search(r"http://testserver(/p/\S+)", mail.outbox[-1].body).group(1)


def test_someone_else_s_link_opened_by_a_signed_in_entrant_ties_nothing_to_them():
    # given: an entrant signed in on their phone, who holds a coupon code
    offer = PromotionFactory(kind=Promotion.Kind.OFFER)
    CouponCodeFactory(promotion=offer, code="VICTIM-CODE-1")
    victim = PersonFactory(email="victim@example.com")
    victim_phone = sign_in(browser(), victim)
    assert victim_phone.post(offer.get_absolute_url() + "enter/", ENTRY_FORM).status_code == 302
    # and a link another person asked for their own address, on their own browser
    attacker = browser()
    link = link_for(attacker, offer, "mallory@evil.example")

    # when: the entrant is lured into opening it, then its sender opens it too
    lured = victim_phone.get(link)
    opened = attacker.get(link)

    # then: the entrant is asked first and nothing changed; the sender has their own person
    assert lured.status_code == 200
    assert "Continue as mallory@evil.example" in lured.content.decode()
    victim.refresh_from_db()
    assert victim.email == "victim@example.com"
    assert not Identity.objects.filter(person=victim).exists()
    assert opened.status_code == 302
    mallory = Person.objects.get(email_normalized="mallory@evil.example")
    assert mallory.pk != victim.pk
    assert "VICTIM-CODE-1" not in attacker.get(offer.get_absolute_url()).content.decode()
    assert "VICTIM-CODE-1" in victim_phone.get(offer.get_absolute_url()).content.decode()


def test_confirming_on_another_browser_signs_in_the_address_s_own_person_only():
    # given: a link asked for on a phone, opened where someone else is signed in
    promotion = PromotionFactory()
    other = PersonFactory(email="other@example.com")
    laptop = sign_in(browser(), other)
    link = link_for(browser(), promotion, "ana@example.com")
    assert laptop.get(link).status_code == 200  # the question

    # when: they confirm
    confirmed = laptop.post(link)

    # then: the laptop is Ana's now; the other person keeps only what was theirs
    assert confirmed.status_code == 302
    ana = Person.objects.get(email_normalized="ana@example.com")
    assert laptop.session["promotions.person"] == ana.pk != other.pk
    assert Identity.objects.get(subject="ana@example.com").person == ana
    other.refresh_from_db()
    assert other.email == "other@example.com"


def test_the_browser_that_asked_joins_the_address_to_its_facebook_entrant():
    # given: an entrant signed in with Facebook (no email from Facebook)
    promotion = PromotionFactory()
    fan = PersonFactory(email="", email_normalized=None)
    IdentityFactory(person=fan, provider=Identity.Provider.FACEBOOK, subject="4242")
    phone = sign_in(browser(), fan)

    # when: they confirm an address from this browser
    opened = phone.get(link_for(phone, promotion, "fan@example.com"))

    # then: still one entrant, now with the address
    assert opened.status_code == 302
    fan.refresh_from_db()
    assert fan.email_normalized == "fan@example.com"
    assert Person.objects.count() == 1


def test_a_link_opened_in_the_mail_app_s_browser_comes_back_in_the_entrant_s_language():
    # given: a link asked for on a Spanish phone (the demo speaks Spanish)
    call_command("seed_demo")
    promotion = Promotion.objects.get(slug="giveaway", campaign__brand__slug="demo")
    link = link_for(browser(), promotion, "ana@example.com", **{"accept-language": "es"})
    assert "lang=es" in link

    # when: the mail app opens it in its own (English) browser
    page = browser().get(link, follow=True, headers={"accept-language": "en"})

    # then: the tab is in Spanish
    body = page.content.decode()
    assert page.redirect_chain[0][0] == promotion.get_absolute_url() + "?lang=es#take-part"
    assert '<html lang="es"' in body
    assert "Tu dirección de correo electrónico está confirmada." in body


def test_a_link_someone_altered_is_refused_and_a_lone_post_without_a_link_changes_nothing():
    promotion = PromotionFactory()
    link = link_for(browser(), promotion, "ana@example.com")
    other = browser()

    tampered = other.get(link.replace("t=", "t=x"))
    posted = other.post(link.split("?")[0])

    assert tampered.status_code == posted.status_code == 400
    assert not Person.objects.exists()
