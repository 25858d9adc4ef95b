"""Prizes in admin: winning moments in the campaign's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from promotions.models import Promotion
from tests.factories.promotions import PrizeFactory, PromotionFactory, WinningMomentFactory

pytestmark = pytest.mark.django_db


def test_winning_moments_are_shown_and_typed_in_the_campaigns_zone(admin_client):
    promotion = PromotionFactory(kind=Promotion.Kind.INSTANT_WIN, campaign__timezone="Asia/Tokyo")
    prize = PrizeFactory(promotion=promotion)
    WinningMomentFactory(prize=prize, at=datetime(2026, 12, 5, 3, 0, tzinfo=UTC))  # 12:00 JST

    page = admin_client.get(f"/admin/promotions/prize/{prize.pk}/change/").content.decode()

    assert "Times are in Asia/Tokyo." in page
    assert 'value="2026-12-05"' in page and 'value="12:00:00"' in page
