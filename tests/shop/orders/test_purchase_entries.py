"""Purchases earn entries where a promotion says so; the free route stays."""

from __future__ import annotations

from datetime import date

import pytest

from promotions.entries import services as entries_services
from promotions.entries.eligibility import Answers
from promotions.models import Campaign, Entry, Person, Promotion, Status
from shop.models import Order
from shop.orders import services as orders_services
from tests.factories.promotions import PromotionCountryRuleFactory, PromotionFactory
from tests.factories.shop import OrderFactory

pytestmark = pytest.mark.django_db
CONSENTS = frozenset({"official_rules", "privacy", "facebook_release"})


def _pending_order(promotion, email="Buyer.One@Example.com", country=""):
    return OrderFactory(
        brand=promotion.campaign.brand,
        promotion=promotion,
        email=email,
        status=Order.Status.PENDING,
        paid_at=None,
        country=country,
    )


def test_a_paid_order_earns_one_entry_and_the_free_route_stays(
    django_capture_on_commit_callbacks, mailoutbox
):
    promotion = PromotionFactory(
        kind=Promotion.Kind.SWEEPSTAKES, entry_methods=["free_form", "purchase"]
    )
    order = _pending_order(promotion)

    with django_capture_on_commit_callbacks(execute=True):
        paid = orders_services.order_mark_paid(
            order_id=order.pk, payment_intent_id="pi_1", amount=order.total, currency="EUR"
        )
    again = orders_services.order_purchase_entry(order_id=order.pk)  # a retried task

    entry = Entry.objects.get(promotion=promotion)
    assert paid is True and again is False
    assert entry.source == "purchase" and entry.slot == f"p{order.pk}"
    assert entry.person.email_normalized == "buyer.one@example.com"
    assert any(entry.public_id in m.body for m in mailoutbox)  # the entry number, emailed
    # the free entry form still lets the buyer enter once (purchases come on top)
    with django_capture_on_commit_callbacks(execute=True):
        entries_services.entry_create(
            promotion=promotion,
            person=Person.objects.get(pk=entry.person_id),
            answers=Answers(
                name="Buyer One", birth_date=date(1990, 1, 1), country="FR", consents=CONSENTS
            ),
        )
    assert promotion.entries.filter(person_id=entry.person_id).count() == 2


def test_an_order_for_a_promotion_without_purchase_entries_earns_nothing(
    django_capture_on_commit_callbacks,
):
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)  # free form only
    order = _pending_order(promotion)

    with django_capture_on_commit_callbacks(execute=True):
        orders_services.order_mark_paid(
            order_id=order.pk, payment_intent_id="pi_2", amount=order.total, currency="EUR"
        )

    assert not Entry.objects.filter(promotion=promotion).exists()


@pytest.mark.parametrize("status", [Status.PAUSED, Status.DRAFT, Status.ENDED])
def test_an_order_paid_while_the_campaign_is_not_active_earns_nothing(
    django_capture_on_commit_callbacks, status
):
    # given: the promotion is active and open, its campaign is not
    promotion = PromotionFactory(
        kind=Promotion.Kind.SWEEPSTAKES, entry_methods=["free_form", "purchase"]
    )
    Campaign.objects.filter(pk=promotion.campaign_id).update(status=status)
    order = _pending_order(promotion)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        paid = orders_services.order_mark_paid(
            order_id=order.pk, payment_intent_id="pi_3", amount=order.total, currency="EUR"
        )

    # then
    assert paid is True
    assert orders_services.order_purchase_entry(order_id=order.pk) is False
    assert not Entry.objects.filter(promotion=promotion).exists()


@pytest.mark.parametrize(
    ("country", "earns"),
    [
        ("FR", True),  # allowed, no rule of its own
        ("BE", True),  # allowed; its rule sets an age, which the claim confirms
        ("DE", False),  # outside the allowed countries
        ("CH", False),  # allowed, but its local rule excludes it
        ("", False),  # unknown, where a country decides
    ],
)
def test_a_purchase_entry_follows_the_promotions_country_rules(
    country, earns, django_capture_on_commit_callbacks
):
    promotion = PromotionFactory(
        kind=Promotion.Kind.SWEEPSTAKES,
        entry_methods=["free_form", "purchase"],
        countries="FR,BE,CH",
    )
    PromotionCountryRuleFactory(promotion=promotion, country="BE", min_age=21)
    PromotionCountryRuleFactory(promotion=promotion, country="CH", excluded=True)
    order = _pending_order(promotion, country=country)

    with django_capture_on_commit_callbacks(execute=True):
        orders_services.order_mark_paid(
            order_id=order.pk, payment_intent_id="pi_c", amount=order.total, currency="EUR"
        )

    entries = list(Entry.objects.filter(promotion=promotion))
    assert len(entries) == int(earns)
    if earns:
        assert entries[0].country == country


@pytest.mark.parametrize("country", ["", "EU"])  # unknown, or no country (a CDN's "EU")
def test_a_purchase_into_an_open_promotion_earns_an_entry_from_anywhere(
    country, django_capture_on_commit_callbacks
):
    promotion = PromotionFactory(
        kind=Promotion.Kind.SWEEPSTAKES, entry_methods=["free_form", "purchase"], countries=""
    )
    order = _pending_order(promotion, country=country)

    with django_capture_on_commit_callbacks(execute=True):
        orders_services.order_mark_paid(
            order_id=order.pk, payment_intent_id="pi_o", amount=order.total, currency="EUR"
        )

    assert Entry.objects.filter(promotion=promotion, country="").count() == 1
