"""Draw certificates: the public page and its JSON export."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from promotions.draws import selectors as draws_selectors
from promotions.pages.http import brand_page_render
from promotions.social.selectors import social_certificate_page


@require_safe
def draw_certificate(
    request: HttpRequest, brand: str, campaign: str, promotion: str, draw: int
) -> HttpResponse:
    obj = draws_selectors.promotion_get_public_record(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion
    )
    record = draws_selectors.draw_get_public(promotion=obj, draw_id=draw)
    export_url = reverse("promotions:draw_export", args=[brand, campaign, promotion, draw])
    return brand_page_render(
        request,
        obj.campaign.brand,
        "promotions/draw.html",
        {
            "campaign": obj.campaign,
            "promotion": obj,
            "draw": record,
            "winners": draws_selectors.draw_winners_current(draw=record) if record.is_drawn else [],
            "replacements": list(record.replacements.all()),
            "export_url": export_url,
            "export_absolute_url": request.build_absolute_uri(export_url),
            "committed_before_close": record.committed_at < obj.ends_at,
            "now": timezone.now(),
            "social": social_certificate_page(draw=record),
        },
    )


@require_safe
def draw_export(
    request: HttpRequest, brand: str, campaign: str, promotion: str, draw: int
) -> HttpResponse:
    obj = draws_selectors.promotion_get_public_record(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion
    )
    record = draws_selectors.draw_get_public(promotion=obj, draw_id=draw)
    certificate = request.build_absolute_uri(record.get_absolute_url())
    response = JsonResponse(
        draws_selectors.draw_export(draw=record, url=certificate), json_dumps_params={"indent": 1}
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
