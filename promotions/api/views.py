"""Partner endpoints: campaigns and promotions of the key's brands, read-only.

Any usable key may read them (no scope). The queryset is limited to the key's brands
before any lookup, so another brand's object is a 404 exactly like an id that never
existed.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import viewsets

from promotions.api.filters import CampaignFilter, PromotionFilter
from promotions.api.serializers import CampaignSerializer, PromotionSerializer
from promotions.models import Campaign, CampaignQuerySet, Promotion, PromotionQuerySet
from tracking.api.query_params import StrictQueryParamsMixin, request_time
from tracking.api.scoping import request_key

ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)


def _key_brand_ids(request: Any) -> Any:
    """The ids of the key's brands, as a subquery (no extra round trip)."""
    return request_key(request).brands.values("pk")


class _BrandScopedReadOnlyViewSet(StrictQueryParamsMixin, viewsets.ReadOnlyModelViewSet):
    lookup_value_regex = r"[0-9]{1,18}"

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "now": request_time(self.request)}

    def filter_queryset(self, queryset: Any) -> Any:
        # Filters are for lists; a detail URL names its object and nothing else.
        return super().filter_queryset(queryset) if self.action == "list" else queryset


@extend_schema_view(
    list=extend_schema(
        summary="List campaigns",
        description="Campaigns of the brands this key may read, newest first (by id).",
    ),
    retrieve=extend_schema(
        summary="Get a campaign",
        description="One campaign of the brands this key may read; any other id is a 404.",
        parameters=[ID_PARAMETER],
    ),
)
class CampaignViewSet(_BrandScopedReadOnlyViewSet):
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter

    def get_queryset(self) -> CampaignQuerySet:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no request key
            return Campaign.objects.none()
        return Campaign.objects.for_brands(_key_brand_ids(self.request)).select_related("brand")


@extend_schema_view(
    list=extend_schema(
        summary="List promotions",
        description=(
            "Promotions of the brands this key may read, newest first (by id). `url` is the "
            "promotion's tab on the campaign hub."
        ),
    ),
    retrieve=extend_schema(
        summary="Get a promotion",
        description="One promotion of the brands this key may read; any other id is a 404.",
        parameters=[ID_PARAMETER],
    ),
)
class PromotionViewSet(_BrandScopedReadOnlyViewSet):
    serializer_class = PromotionSerializer
    filterset_class = PromotionFilter

    def get_queryset(self) -> PromotionQuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Promotion.objects.none()
        return Promotion.objects.for_brands(_key_brand_ids(self.request)).select_related(
            "campaign__brand"
        )
