"""The campaign's clock: its day, tomorrow's start, and how a moment reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from promotions.campaigns.zones import moment_display, next_day_start
from tests.factories.promotions import CampaignFactory


@pytest.mark.django_db
def test_tomorrow_starts_at_the_real_local_time_where_midnight_is_skipped():
    # given: in Santiago, clocks go from 00:00 to 01:00 on 6 September 2026
    campaign = CampaignFactory(timezone="America/Santiago")
    evening = datetime(2026, 9, 6, 1, 0, tzinfo=UTC)  # 21:00 on the 5th, local

    start = next_day_start(campaign, evening)

    # then: the day starts at 04:00Z, which reads 01:00 there (00:00 never happened)
    assert start == datetime(2026, 9, 6, 4, 0, tzinfo=UTC)
    with translation.override("en"):
        shown = moment_display(campaign, start)
    assert "01:00" in shown and "00:00" not in shown and "America/Santiago" in shown
