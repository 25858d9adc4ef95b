"""Offers: a coupon code per claimant from the promotion's pool, redeemed once by the shop."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from promotions.codes import selectors as codes_selectors
from promotions.codes import services as codes_services
from promotions.entries import refusals as entries_refusals
from promotions.models import CouponCode, Entry, EntryFrequency, Promotion
from tests.factories.promotions import PersonFactory, PromotionFactory
from tests.promotions.conftest import ENTRY_JSON, sign_in
from tests.promotions.entering import enter

pytestmark = pytest.mark.django_db


def offer(**kwargs):
    return PromotionFactory(kind=Promotion.Kind.OFFER, **kwargs)


def test_each_claimant_gets_their_own_code_and_the_pool_runs_out():
    promotion = offer()
    codes_services.code_pool_import(promotion=promotion, codes=["aaaa-1111", "BBBB-2222"])

    first, second = enter(promotion), enter(promotion)
    with pytest.raises(entries_refusals.Refused) as refused:
        enter(promotion)

    assert {first.code.code, second.code.code} == {"AAAA-1111", "BBBB-2222"}
    assert refused.value.status == 403
    assert (
        refused.value.refusals[0].message
        == "All codes have been claimed. Thank you for your interest!"
    )
    assert Entry.objects.filter(promotion=promotion).count() == 2


def test_a_person_claims_one_code_only(consumer):
    promotion = offer()
    codes_services.code_pool_generate(promotion=promotion, count=5)
    sign_in(consumer, PersonFactory())

    first = consumer.post(
        promotion.get_absolute_url() + "enter/", ENTRY_JSON, content_type="application/json"
    )
    again = consumer.post(
        promotion.get_absolute_url() + "enter/", ENTRY_JSON, content_type="application/json"
    )
    page = consumer.get(promotion.get_absolute_url()).content.decode()

    assert first.status_code == 201 and again.status_code == 409
    code = CouponCode.objects.get(person__isnull=False)
    assert first.json()["code"] == code.code
    assert f"<code>{code.code}</code>" in page


def test_offers_and_contests_take_one_entry_per_person():
    promotion = offer(entry_frequency=EntryFrequency.DAILY)

    with pytest.raises(ValidationError) as error:
        promotion.full_clean()

    assert error.value.message_dict["entry_frequency"] == [
        "Offers and contests take one entry per person: choose 'Once'."
    ]


def test_code_import_reports_duplicates_and_invalid_codes():
    promotion = offer()
    same_brand = offer(campaign=promotion.campaign)
    codes_services.code_pool_import(promotion=same_brand, codes=["TAKEN-1"])

    result = codes_services.code_pool_import(
        promotion=promotion, codes=["ok-code-1", "taken-1", "x", "bad code!", "OK-CODE-1"]
    )

    assert (result.created, result.duplicates, result.invalid) == (
        1,
        ["OK-CODE-1", "TAKEN-1"],  # typed twice: added once, and said so
        ["x", "bad code!"],
    )
    assert list(promotion.codes.values_list("code", flat=True)) == ["OK-CODE-1"]


def test_two_brands_may_use_the_same_code_and_neither_sees_the_others():
    ours, theirs = offer(), offer()
    assert ours.campaign.brand_id != theirs.campaign.brand_id
    codes_services.code_pool_import(promotion=theirs, codes=["WELCOME10"])

    result = codes_services.code_pool_import(promotion=ours, codes=["welcome10"])
    outcome = enter(ours)

    assert (result.created, result.duplicates) == (1, [])
    assert CouponCode.objects.filter(code="WELCOME10").count() == 2
    found = codes_selectors.promotion_code_lookup(brand_id=ours.campaign.brand_id, code="WELCOME10")
    assert found is not None and found.promotion_id == ours.pk
    assert (
        codes_selectors.promotion_code_lookup(brand_id=theirs.campaign.brand_id, code="WELCOME10")
        is None  # theirs was never handed out
    )
    with pytest.raises(codes_services.CodeNotRedeemable, match="not valid"):
        codes_services.promotion_code_redeem(
            brand_id=theirs.campaign.brand_id, code="WELCOME10", reference="order-1"
        )
    redeemed = codes_services.promotion_code_redeem(
        brand_id=ours.campaign.brand_id, code="WELCOME10", reference="order-1"
    )
    assert redeemed.pk == outcome.code.pk


def test_a_brand_holds_a_code_once_whatever_writes_it():
    promotion = offer()
    other = offer(campaign=promotion.campaign)
    codes_services.code_pool_import(promotion=promotion, codes=["ONCE-1"])

    with pytest.raises(IntegrityError), transaction.atomic():
        CouponCode.objects.create(promotion=other, code="ONCE-1")

    assert CouponCode.objects.get(code="ONCE-1").brand_id == promotion.campaign.brand_id


def test_generated_codes_are_unique_and_readable():
    promotion = offer()

    made = codes_services.code_pool_generate(promotion=promotion, count=300, prefix="nova")

    codes = list(promotion.codes.values_list("code", flat=True))
    assert made == 300 and len(set(codes)) == 300
    assert all(
        c.startswith("NOVA-") and len(c) == 15 and not set(c[5:]) & set("01IO") for c in codes
    )


def test_the_shop_looks_codes_up_and_redeems_each_once():
    promotion = offer()
    codes_services.code_pool_import(promotion=promotion, codes=["SHOP-0001", "SHOP-0002"])
    outcome = enter(promotion)
    code = outcome.code.code

    brand_id = promotion.campaign.brand_id
    found = codes_selectors.promotion_code_lookup(brand_id=brand_id, code=f" {code.lower()} ")
    redeemed = codes_services.promotion_code_redeem(
        brand_id=brand_id, code=code, reference="order-17"
    )
    retried = codes_services.promotion_code_redeem(
        brand_id=brand_id, code=code, reference="order-17"
    )

    assert found == (promotion.pk, outcome.entry.person_id, outcome.code.claimed_at)
    assert (found.promotion_id, found.entrant_id) == (promotion.pk, outcome.entry.person_id)
    assert redeemed.redeemed_at == retried.redeemed_at
    assert (
        codes_selectors.promotion_code_lookup(
            brand_id=brand_id, code="SHOP-0002" if code != "SHOP-0002" else "SHOP-0001"
        )
        is None
    )
    assert codes_selectors.promotion_code_lookup(brand_id=brand_id, code="NOPE") is None
    with pytest.raises(codes_services.CodeNotRedeemable, match="already been used"):
        codes_services.promotion_code_redeem(brand_id=brand_id, code=code, reference="order-18")
    with pytest.raises(codes_services.CodeNotRedeemable, match="not valid"):
        codes_services.promotion_code_redeem(
            brand_id=brand_id, code="SHOP-000X", reference="order-18"
        )
