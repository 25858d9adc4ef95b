"""Migration 0021: codes made before it take their promotion's brand, and the unique key
becomes (brand, code)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("promotions", "0020_hebrew")]
AFTER = [("promotions", "0021_coupon_codes_per_brand")]


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_existing_codes_take_their_promotions_brand():
    old = _migrate(BEFORE)
    try:
        Brand = old.get_model("promotions", "Brand")
        Campaign = old.get_model("promotions", "Campaign")
        Promotion = old.get_model("promotions", "Promotion")
        CouponCode = old.get_model("promotions", "CouponCode")
        made = {}
        for slug in ("north", "south"):
            brand = Brand.objects.create(name=slug, slug=slug)
            campaign = Campaign.objects.create(
                brand=brand,
                name=slug,
                slug=slug,
                starts_at="2026-01-01T00:00Z",
                ends_at="2026-12-31T00:00Z",
            )
            promotion = Promotion.objects.create(
                campaign=campaign,
                slug="offer",
                kind="offer",
                title="Offer",
                starts_at=campaign.starts_at,
                ends_at=campaign.ends_at,
            )
            code = CouponCode.objects.create(promotion=promotion, code=slug.upper())
            made[slug] = (brand.pk, promotion.pk, code.pk)

        new = _migrate(AFTER)
        CouponCode = new.get_model("promotions", "CouponCode")

        for brand_id, _promotion_id, code_id in made.values():
            assert CouponCode.objects.get(pk=code_id).brand_id == brand_id
        south_brand, south_promotion, _code = made["south"]
        CouponCode.objects.create(  # north's text in the other brand: allowed now
            brand_id=south_brand, promotion_id=south_promotion, code="NORTH"
        )
        with pytest.raises(IntegrityError), transaction.atomic():
            CouponCode.objects.create(
                brand_id=south_brand, promotion_id=south_promotion, code="SOUTH"
            )
    finally:
        _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
