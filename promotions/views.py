"""Consumer pages: the campaign hub and its promotion tabs (server-rendered, mobile-first)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.http import require_safe

from promotions import selectors
from promotions.models import Brand


def _render_in_brand_language(
    request: HttpRequest, brand: Brand, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    with translation.override(brand.language):
        response = render(request, template, {"brand": brand, **context}, status=status)
    response.headers["Content-Language"] = brand.language
    _allow_framing_by(response, brand)
    return response


def _allow_framing_by(response: HttpResponse, brand: Brand) -> None:
    """Tabs may be embedded in an iframe only by the brand's allowed domains (CSP level 2).

    X-Frame-Options cannot name several origins, so where the brand allows embedding it is
    dropped and CSP frame-ancestors decides; elsewhere the default DENY stays.
    """
    domains = brand.embed_domain_list
    if domains:
        sources = " ".join(f"https://{domain}" for domain in domains)
        response.headers["Content-Security-Policy"] = f"frame-ancestors 'self' {sources}"
        response.xframe_options_exempt = True
    else:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"


def _gone_as_410(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A finished campaign or promotion answers 410 with a friendly page, never a 500."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except selectors.Gone as gone:
            context = {"message": gone.message, "campaign": gone.campaign}
            if gone.campaign is not None:
                return _render_in_brand_language(
                    request, gone.campaign.brand, "errors/410.html", context, status=410
                )
            return render(request, "errors/410.html", context, status=410)

    return wrapper


@require_safe
@_gone_as_410
def hub(request: HttpRequest, brand: str, campaign: str) -> HttpResponse:
    hub = selectors.hub_get(brand_slug=brand, campaign_slug=campaign, user=request.user)
    return _render_in_brand_language(
        request,
        hub.campaign.brand,
        "promotions/hub.html",
        {"campaign": hub.campaign, "promotions": hub.promotions, "preview": hub.preview},
    )


@require_safe
@_gone_as_410
def tab(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    obj, preview = selectors.promotion_get_for_page(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion, user=request.user
    )
    return _render_in_brand_language(
        request,
        obj.campaign.brand,
        "promotions/tab.html",
        {"campaign": obj.campaign, "promotion": obj, "preview": preview},
    )


@require_safe
@_gone_as_410
def rules(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    obj, preview = selectors.promotion_get_for_page(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion, user=request.user
    )
    return _render_in_brand_language(
        request,
        obj.campaign.brand,
        "promotions/rules.html",
        {"campaign": obj.campaign, "promotion": obj, "preview": preview},
    )
