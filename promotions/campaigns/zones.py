"""The campaign's clock: windows, daily limits and messages are read in the campaign's time
zone (``Campaign.timezone``, else its brand's); the brand's own messages (alerts) in the
brand's.

One place for "which day is it for this campaign", "when does tomorrow start" and "how is
a moment said to a consumer", so entering, voting and draws agree to the second.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

from babel import Locale
from babel.dates import format_date, format_time
from django.utils import formats, timezone, translation

from promotions.models import Brand, Campaign

# Whose clock: a campaign's (its zone, else its brand's) or a brand's.
Clock = Brand | Campaign


def local_day(clock: Clock, moment: datetime) -> date:
    """The calendar day ``moment`` falls on in the clock's time zone."""
    return moment.astimezone(clock.tzinfo).date()


def next_day_start(clock: Clock, moment: datetime) -> datetime:
    """Midnight starting the clock's day after ``moment`` ("you can vote again from...")."""
    following = local_day(clock, moment) + timedelta(days=1)
    # in UTC, so that it reads as the real local time where the day starts at 01:00 (a
    # midnight skipped by the clocks, America/Santiago's), not as a 00:00 that never was
    return datetime.combine(following, datetime.min.time(), tzinfo=clock.tzinfo).astimezone(UTC)


def days_later(clock: Clock, moment: datetime, days: int) -> datetime:
    """The same local time ``days`` calendar days after ``moment`` on the clock (a deadline
    "within 7 days": Monday 10:00 in Paris gives the next Monday 10:00 in Paris, also across
    a change of the clocks, where 7 x 24 hours would give 09:00 or 11:00). A local time the
    clocks skip that day reads as the real time after the gap."""
    tz = clock.tzinfo
    local = moment.astimezone(tz).replace(tzinfo=None) + timedelta(days=days)
    return local.replace(tzinfo=tz).astimezone(UTC)


def moment_display(clock: Clock, moment: datetime) -> str:
    """``moment`` as a consumer reads it: the clock's local time, in the active language's
    way of writing it, and the zone's name."""
    tz = clock.tzinfo
    return f"{moment_format(moment, tz)} ({tz.key})"


@lru_cache(maxsize=32)
def _babel_locale(language: str) -> Locale:
    return Locale.parse(translation.to_locale(language))


def moment_format(
    moment: datetime,
    tz: tzinfo | None = None,
    language: str | None = None,
    *,
    seconds: bool = False,
    with_time: bool = True,
) -> str:
    """A moment in ``tz`` (default: the current time zone, which pages set to the campaign's)
    written the way ``language`` (default: the active one) writes dates and times: CLDR's
    long date and short time through Babel ("1 décembre 2026, 00:00", "2026年12月1日 0:00",
    "1 ديسمبر 2026، 12:00 ص"). English keeps the service's "1 December 2026, 00:00"."""
    local = moment.astimezone(tz or timezone.get_current_timezone())
    language = language or translation.get_language() or "en"
    if language.split("-")[0] == "en":
        pattern = "j F Y, H:i:s" if seconds else "j F Y, H:i"
        return formats.date_format(local, pattern if with_time else "j F Y", use_l10n=False)
    locale = _babel_locale(language)
    day = format_date(local, "long", locale=locale)
    if not with_time:
        return day
    clock = format_time(local, "medium" if seconds else "short", locale=locale)
    glue = str(locale.datetime_formats["medium"]).replace("'", "")
    return glue.replace("{1}", day).replace("{0}", clock)
