"""The live wall, ``/live/<brand>/<campaign>/``: a page for big screens and the JSON it
polls every second (``snapshot.json``).

Who may look: the brand's staff (signed in), or anyone holding the wall's link, which
carries a key signed for that campaign and its key version (admin shows the link on the
campaign; its "New live-wall links" action retires the links given out). Ten screens cost
one snapshot a second: the snapshot is cached for ``LIVE_WALL_CACHE_SECONDS`` (1 s) per
campaign, so every other poll is one cache read after a campaign lookup.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db.models import F, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from promotions.campaigns import selectors as campaigns_selectors
from promotions.models import Campaign
from promotions.reports.live_snapshot import live_snapshot_get

_SALT = "promotions.live-wall"


def live_wall_key(*, campaign: Campaign) -> str:
    """The key that opens a campaign's wall without signing in (for the screens). It names
    the campaign's key version: ``live_wall_links_renew`` retires every key given out."""
    payload = {"c": campaign.pk, "v": campaign.live_wall_key_version}
    return signing.dumps(payload, salt=_SALT, compress=True)


def live_wall_links_renew(*, campaigns: QuerySet[Campaign]) -> int:
    """New live-wall links for these campaigns; the old ones stop opening the wall."""
    return campaigns.update(live_wall_key_version=F("live_wall_key_version") + 1)


def live_wall_url(*, campaign: Campaign) -> str:
    path = reverse("live:wall", args=[campaign.brand.slug, campaign.slug])
    return f"{path}?key={live_wall_key(campaign=campaign)}"


def _campaign(request: HttpRequest, brand: str, campaign: str) -> Campaign:
    found = (
        Campaign.objects.select_related("brand").filter(brand__slug=brand, slug=campaign).first()
    )
    if found is None:
        raise Http404("No such campaign.")
    key = request.GET.get("key", "")
    if key:
        try:
            payload = signing.loads(key, salt=_SALT)
            # links made before versions existed name none: they are version 1
            if payload.get("c") == found.pk and payload.get("v", 1) == (
                found.live_wall_key_version
            ):
                return found
        except (signing.BadSignature, AttributeError):
            pass
        raise Http404("No such campaign.")
    if campaigns_selectors.user_can_preview(user=request.user, brand=found.brand):
        return found
    raise Http404("No such campaign.")


@require_safe
def wall(request: HttpRequest, brand: str, campaign: str) -> HttpResponse:
    found = _campaign(request, brand, campaign)
    snapshot_url = reverse("live:snapshot", args=[brand, campaign])
    key = request.GET.get("key", "")
    context: dict[str, Any] = {
        "campaign": found,
        "brand": found.brand,
        "snapshot": live_snapshot_get(campaign=found),
        "snapshot_url": f"{snapshot_url}?key={key}" if key else snapshot_url,
    }
    response = render(request, "promotions/live.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def snapshot(request: HttpRequest, brand: str, campaign: str) -> JsonResponse:
    found = _campaign(request, brand, campaign)
    cache_key = f"promotions:live:{found.pk}"
    data = cache.get(cache_key)
    if data is None:
        data = live_snapshot_get(campaign=found)
        cache.set(cache_key, data, getattr(settings, "LIVE_WALL_CACHE_SECONDS", 1))
    response = JsonResponse(data)
    response["Cache-Control"] = "no-store"
    return response
