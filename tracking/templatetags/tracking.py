"""Template tags that make a page count: ``{% load tracking %}``.

They take a promotion duck-typed (``id``/``pk``, ``campaign_id`` and ``campaign.brand_id``),
so tracking imports nothing from the promotions app. URLs are paths on this site.

- ``{% impression_token promotion %}``: the signed token for ``data-track-impression``
  (``static/js/track.js`` sends the beacon when the unit shows).
- ``{% impression_pixel promotion %}``: the no-script pixel's address, with a fresh event id
  and the language the page is rendered in (``&l=``).
- ``{% click_url promotion target %}``: the call-to-action's address through ``/t/c/``
  (``static/js/track.js`` adds the event id and the page's language, ``lang``, when the
  link is followed; a click without JavaScript has no language).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from tracking import tokens
from tracking.ids import uuid7

register = template.Library()


def _ids(promotion: Any) -> dict[str, int]:
    campaign = promotion.campaign
    return {
        "promotion_id": int(promotion.pk),
        "campaign_id": int(promotion.campaign_id),
        "brand_id": int(campaign.brand_id),
    }


@register.simple_tag
def impression_token(promotion: Any) -> str:
    return tokens.promotion_token(**_ids(promotion))


@register.simple_tag
def impression_pixel(promotion: Any) -> str:
    url = tokens.impression_pixel_url(**_ids(promotion), base_url="")
    language = get_language()
    return f"{url}&e={uuid7()}&l={language}" if language else f"{url}&e={uuid7()}"


@register.simple_tag
def click_url(promotion: Any, target: str) -> str:
    """The tracked address of ``target``; an unsafe target is left as it is (and not
    counted) rather than breaking the page."""
    try:
        return tokens.click_url(**_ids(promotion), target=str(target), base_url="")
    except ValueError:
        return str(target)
