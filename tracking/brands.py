"""Brands as partners name them: by slug, the one public identifier of a brand in the partner
API (the integer id is still accepted as input while it is deprecated). Read by string
model reference: tracking imports no Brand.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.apps import apps


def _brands() -> Any:
    return apps.get_model("promotions", "Brand").objects


def brand_slugs(brand_ids: Iterable[int]) -> dict[int, str]:
    """``{brand id: slug}`` of the ids that exist (one query)."""
    wanted = list(set(brand_ids))
    if not wanted:
        return {}
    return dict(_brands().filter(pk__in=wanted).values_list("pk", "slug"))


def brand_slug(brand_id: int) -> str:
    return brand_slugs([brand_id]).get(brand_id, "")


def brand_id_resolve(value: object, *, among: Iterable[int]) -> int | None:
    """The id of the brand ``value`` names (its slug, or, deprecated, its integer id, as an
    int or a string of digits) when it is one of ``among``; None otherwise, for unknown
    brands and other keys' brands alike."""
    allowed = set(among)
    if isinstance(value, bool):
        return None
    if isinstance(value, int) or (isinstance(value, str) and value.isascii() and value.isdigit()):
        number = int(value)
        return number if number in allowed else None
    if not isinstance(value, str) or not value:
        return None
    found = _brands().filter(slug=value, pk__in=allowed).values_list("pk", flat=True).first()
    return int(found) if found is not None else None
