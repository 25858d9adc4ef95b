"""The campaign's clock: its day, tomorrow's start, and how a moment reads."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.utils import translation

from promotions.campaigns.zones import days_later, moment_display, next_day_start
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


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("told", "deadline"),
    [
        # Paris, clocks forward on 28 March 2027: Monday 10:00 (09:00Z) to Monday 10:00 (08:00Z)
        (datetime(2027, 3, 22, 9, 0, tzinfo=UTC), datetime(2027, 3, 29, 8, 0, tzinfo=UTC)),
        # clocks back on 31 October 2027: 10:00 (08:00Z) to 10:00 (09:00Z)
        (datetime(2027, 10, 25, 8, 0, tzinfo=UTC), datetime(2027, 11, 1, 9, 0, tzinfo=UTC)),
        # no change of the clocks in between: seven times 24 hours
        (datetime(2027, 6, 1, 22, 30, tzinfo=UTC), datetime(2027, 6, 8, 22, 30, tzinfo=UTC)),
    ],
)
def test_days_later_is_the_same_local_time_on_the_calendar_day(told, deadline):
    campaign = CampaignFactory(timezone="Europe/Paris")

    assert days_later(campaign, told, 7) == deadline


@pytest.mark.django_db
def test_days_later_onto_a_skipped_local_time_is_the_real_time_after_the_gap():
    # 02:30 in Paris does not exist on 28 March 2027 (02:00 -> 03:00)
    campaign = CampaignFactory(timezone="Europe/Paris")
    told = datetime(2027, 3, 21, 1, 30, tzinfo=UTC)  # 02:30 local, a week before

    assert days_later(campaign, told, 7) == datetime(2027, 3, 28, 1, 30, tzinfo=UTC)  # 03:30
