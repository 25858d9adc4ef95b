"""Shop fixtures: a localstripe server (tests.shop.stripe_fixtures) and a small catalog."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.utils import timezone

from promotions.codes.services import code_pool_import
from promotions.models import Brand, CouponCode, Promotion
from shop.models import Product, Variant
from tests.factories import BrandFactory, CampaignFactory, ProductFactory, PromotionFactory
from tests.factories.promotions import EntryFactory
from tests.shop.stripe_fixtures import *  # noqa: F403 (fixtures)


@dataclass
class Shop:
    brand: Brand
    promotion: Promotion
    product: Product
    variant: Variant


def make_shop(*, stock: int = 10, price: int = 2000) -> Shop:
    brand = BrandFactory(slug="nova", name="Nova Mobile", timezone="Europe/Paris")
    campaign = CampaignFactory(brand=brand, slug="launch")
    promotion = PromotionFactory(campaign=campaign, slug="coupon", kind=Promotion.Kind.OFFER)
    product = ProductFactory(
        brand=brand, slug="case", title="Nova X case", price=price, stock=stock
    )
    return Shop(brand=brand, promotion=promotion, product=product, variant=product.variants.get())


@pytest.fixture
def shop(db) -> Shop:
    return make_shop()


def claimed_coupon(promotion: Promotion, code: str, **entry) -> CouponCode:
    """A code of the promotion's own pool, claimed by an entrant (what entering an offer
    promotion does; the shop only looks it up and redeems it)."""
    code_pool_import(promotion=promotion, codes=[code])
    entry_obj = EntryFactory(promotion=promotion, **entry)
    CouponCode.objects.filter(code=code).update(
        person=entry_obj.person, entry=entry_obj, claimed_at=timezone.now()
    )
    return CouponCode.objects.get(code=code)
