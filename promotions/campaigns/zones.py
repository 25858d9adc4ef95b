"""The brand's clock: windows, daily limits and messages are read in the brand's time zone.

One place for "which day is it for this brand", "when does tomorrow start" and "how is a
moment said to a consumer", so entering, voting and draws agree to the second.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.utils import formats

from promotions.models import Brand


def brand_day(brand: Brand, moment: datetime) -> date:
    """The calendar day ``moment`` falls on in the brand's time zone."""
    return moment.astimezone(brand.tzinfo).date()


def brand_next_day_start(brand: Brand, moment: datetime) -> datetime:
    """Midnight starting the brand's day after ``moment`` ("you can vote again from...")."""
    following = brand_day(brand, moment) + timedelta(days=1)
    return datetime.combine(following, datetime.min.time(), tzinfo=brand.tzinfo)


def brand_moment_display(brand: Brand, moment: datetime) -> str:
    """``moment`` as a consumer reads it: the brand's local time and the zone's name."""
    tz = brand.tzinfo
    return f"{formats.date_format(moment.astimezone(tz), 'j F Y, H:i')} ({tz.key})"
