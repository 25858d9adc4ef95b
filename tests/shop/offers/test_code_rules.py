"""One code rule set for the promotion's pool and the shop's codes (promotions.codes.rules):
what one accepts, the other accepts; a code won in a promotion is found at the checkout."""

from __future__ import annotations

import pytest

from promotions.codes import rules
from promotions.codes import selectors as codes_selectors
from promotions.codes import services as codes_services
from promotions.models import Promotion
from shop.models import Offer
from shop.offers.codes import codes_import
from tests.factories import BrandFactory, OfferFactory, PromotionFactory
from tests.factories.promotions import EntryFactory

pytestmark = pytest.mark.django_db

TYPED = ["nova-12 ab", "SUMMER_25", "ab", "x" * 41, "bad code!", "CAFÉ-10", "nova-12AB", "  "]


def test_the_pool_and_the_shop_sort_typed_codes_the_same_way():
    brand = BrandFactory()
    promotion = PromotionFactory(campaign__brand=brand, kind=Promotion.Kind.OFFER)
    offer = OfferFactory(brand=brand, code_type=Offer.CodeType.UNIQUE)

    pool = codes_services.code_pool_import(promotion=promotion, codes=TYPED)
    shop = codes_import(offer=offer, codes=TYPED)

    assert (
        pool
        == shop
        == rules.CodeImport(
            created=2,
            duplicates=["NOVA-12AB"],  # typed twice: added once, and said so
            invalid=["ab", "x" * 41, "bad code!", "CAFÉ-10"],
        )
    )
    assert sorted(promotion.codes.values_list("code", flat=True)) == ["NOVA-12AB", "SUMMER_25"]
    assert sorted(offer.codes.values_list("code", flat=True)) == ["NOVA-12AB", "SUMMER_25"]


def test_pasted_text_and_a_file_are_read_the_same_for_both():
    upload = b'\xef\xbb\xbfcode,note\n"NOVA-1",first\nNOVA-2;second\n\nnova-3\tthird\n'

    assert rules.codes_parse(pasted="A-1, A-2;A-3\nA-4  A-5", upload=upload) == [
        "A-1",
        "A-2",
        "A-3",
        "A-4",
        "A-5",
        "NOVA-1",
        "NOVA-2",
        "nova-3",
    ]


def test_generated_codes_follow_the_rules_and_a_claimed_one_is_found_as_typed():
    promotion = PromotionFactory(kind=Promotion.Kind.OFFER)
    assert codes_services.code_pool_generate(promotion=promotion, count=50, prefix="nova") == 50
    codes = list(promotion.codes.all())
    assert all(rules.code_is_valid(c.code) and c.code.startswith("NOVA-") for c in codes)
    assert not set("01OI") & {ch for c in codes for ch in c.code.removeprefix("NOVA-")}

    code = codes[0]
    entry = EntryFactory(promotion=promotion)
    code.person, code.entry, code.claimed_at = entry.person, entry, entry.created_at
    code.save()
    typed = " ".join(code.code.lower())  # as read aloud and typed on a phone

    brand_id = promotion.campaign.brand_id
    found = codes_selectors.promotion_code_lookup(brand_id=brand_id, code=typed)
    assert found is not None and found.promotion_id == promotion.pk
    assert codes_selectors.promotion_code_lookup(brand_id=brand_id, code="no") is None
