"""Brands as partners name them: by slug, the one public identifier of a brand in the partner
API (the integer id is still accepted as input while it is deprecated). Read by string
model reference: tracking imports no Brand.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from django.apps import apps

_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,50}")


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


def brand_ids_resolve(values: Iterable[object], *, among: Iterable[int]) -> dict[object, int]:
    """``{value: brand id}`` for each value naming one of the ``among`` brands (one query):
    a string is a slug first; failing that, a string of digits or an int is an integer id
    (deprecated). Values naming no brand of ``among`` (unknown, or another key's) are absent."""
    allowed = set(among)
    wanted = [v for v in values if isinstance(v, str | int) and not isinstance(v, bool)]
    # Only what could be a slug reaches the database (a NUL byte would be a driver error).
    strings = [v for v in wanted if isinstance(v, str) and _SLUG.fullmatch(v)]
    by_slug = (
        dict(_brands().filter(pk__in=allowed, slug__in=strings).values_list("slug", "pk"))
        if strings and allowed
        else {}
    )
    found: dict[object, int] = {}
    for value in wanted:
        if isinstance(value, str) and value in by_slug:
            found[value] = int(by_slug[value])
        elif _as_id(value) in allowed:
            found[value] = int(value)
    return found


def _as_id(value: str | int) -> int | None:
    if isinstance(value, int):
        return value
    digits = value.isascii() and value.isdigit() and len(value) <= 18
    return int(value) if digits else None


def brand_id_resolve(value: object, *, among: Iterable[int]) -> int | None:
    """The id of the one brand ``value`` names among ``among`` (``brand_ids_resolve``)."""
    return brand_ids_resolve([value], among=among).get(value)
