"""``{{ value|local_datetime }}``: a moment written for the page's language, in the current
time zone (pages set the campaign's with ``{% timezone campaign.zone_name %}``)."""

from __future__ import annotations

from datetime import datetime

from django import template

from promotions.campaigns.zones import moment_format

register = template.Library()


@register.filter
def local_datetime(value: datetime | None, arg: str = "") -> str:
    """``|local_datetime`` (day and time), ``|local_datetime:"seconds"``,
    ``|local_datetime:"date"`` (the day only)."""
    if not isinstance(value, datetime):
        return ""
    return moment_format(value, seconds=arg == "seconds", with_time=arg != "date")
