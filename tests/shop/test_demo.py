"""`manage.py seed_shop_demo`: the demo brand's shop, idempotent."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from promotions.demo import demo_seed
from shop.models import Code, Offer, Product, Variant

pytestmark = pytest.mark.django_db


def test_seed_shop_demo_creates_a_shop_once_and_ties_the_offer_to_the_coupon_promotion():
    demo_seed()

    first, second = StringIO(), StringIO()
    call_command("seed_shop_demo", stdout=first)
    Variant.objects.filter(product__slug="nova-buds").update(stock=3)  # sales happened
    call_command("seed_shop_demo", stdout=second)

    assert first.getvalue() == (
        "Shop ready: /shop/demo/ (4 products; claim a 15% code at /p/demo/launch/coupon/, "
        "or WELCOME5 for 5 € off)\n"
    )
    assert Product.objects.filter(brand__slug="demo").count() == 4
    assert Variant.objects.filter(product__slug="nova-x-case").count() == 3
    assert Variant.objects.get(product__slug="nova-buds").stock == 3  # not reset
    offer = Offer.objects.get(name="15% off accessories")
    assert (offer.promotion.slug, offer.percent_off, offer.products.count()) == ("coupon", 15, 3)
    assert Code.objects.filter(offer=offer).count() == 0  # the promotion's pool hands them out
    assert Code.objects.get(code="WELCOME5").offer.amount_off == 500


def test_without_the_promotion_the_demo_offer_has_its_own_codes():
    call_command("seed_shop_demo", stdout=StringIO())

    offer = Offer.objects.get(name="15% off accessories")
    assert offer.promotion is None
    assert Code.objects.filter(offer=offer, code__startswith="NOVA-").count() == 200
