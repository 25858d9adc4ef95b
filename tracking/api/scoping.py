"""What a partner key may see, read through string model references (tracking never
imports the promotions app): the request's key, its brands, and which promotions and
campaigns are its brands'."""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

from django.apps import apps
from rest_framework import exceptions

from tracking.models import ApiKey
from tracking.selectors import api_key_brand_id_list

_TTL = 60.0
# promotion id -> (campaign id, brand id, expiry): a promotion does not change brand.
_promotions: dict[int, tuple[int, int, float]] = {}


def request_key(request: Any) -> ApiKey:
    """The key that authenticated ``request``; without one the request is refused (401), as
    ``HasApiKey`` refuses it before any view runs."""
    key = request.auth
    if not isinstance(key, ApiKey):
        raise exceptions.NotAuthenticated("Send `Authorization: Bearer <key>`.")
    return key


def key_brand_ids(key: ApiKey) -> list[int]:
    return api_key_brand_id_list(key)


def promotions_of_brands(
    promotion_ids: Iterable[int], brand_ids: Iterable[int]
) -> dict[int, tuple[int, int]]:
    """{promotion id: (campaign id, brand id)} of those ids that belong to ``brand_ids``;
    any other id (unknown, or another brand's) is simply absent."""
    now = time.monotonic()
    wanted = set(promotion_ids)
    missing = [p for p in wanted if p not in _promotions or _promotions[p][2] < now]
    if missing:
        promotion_model: Any = apps.get_model("promotions", "Promotion")
        found = promotion_model.objects.filter(pk__in=missing).values_list(
            "pk", "campaign_id", "campaign__brand_id"
        )
        if len(_promotions) > 100_000:
            _promotions.clear()
        for pk, campaign_id, brand_id in found:
            _promotions[pk] = (campaign_id, brand_id, now + _TTL)
    brands = set(brand_ids)
    result = {}
    for p in wanted:
        entry = _promotions.get(p)
        if entry is not None and entry[1] in brands:
            result[p] = (entry[0], entry[1])
    return result


def campaigns_of_brands(campaign_ids: Iterable[int], brand_ids: Iterable[int]) -> dict[int, int]:
    """{campaign id: brand id} of those ids that belong to ``brand_ids``."""
    campaign_model: Any = apps.get_model("promotions", "Campaign")
    return dict(
        campaign_model.objects.filter(
            pk__in=list(campaign_ids), brand_id__in=list(brand_ids)
        ).values_list("pk", "brand_id")
    )
