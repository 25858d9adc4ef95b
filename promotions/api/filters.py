"""Query filters of the campaign and promotion lists. Every value is checked: a bad one is a
400 naming its parameter (see ``tracking.api.query_params``)."""

from __future__ import annotations

import django_filters

from promotions.models import Campaign, CampaignQuerySet, Promotion, PromotionQuerySet, Status
from tracking.api.query_params import (
    IdFilter,
    StrictBooleanFilter,
    StrictIsoDateTimeFilter,
    request_time,
)


class CampaignFilter(django_filters.FilterSet):
    brand = django_filters.CharFilter(
        field_name="brand__slug", help_text="Only this brand's campaigns (brand slug)."
    )
    status = django_filters.ChoiceFilter(choices=Status.choices)
    live = StrictBooleanFilter(
        method="filter_live",
        help_text="true: active and inside its window now; false: every other campaign.",
    )
    starts_after = StrictIsoDateTimeFilter(
        field_name="starts_at", lookup_expr="gte", help_text="starts_at ≥ this (ISO 8601)."
    )
    starts_before = StrictIsoDateTimeFilter(
        field_name="starts_at", lookup_expr="lt", help_text="starts_at < this (ISO 8601)."
    )
    ends_after = StrictIsoDateTimeFilter(
        field_name="ends_at", lookup_expr="gte", help_text="ends_at ≥ this (ISO 8601)."
    )
    ends_before = StrictIsoDateTimeFilter(
        field_name="ends_at", lookup_expr="lt", help_text="ends_at < this (ISO 8601)."
    )

    class Meta:
        model = Campaign
        fields: list[str] = []

    def filter_live(self, queryset: CampaignQuerySet, name: str, value: bool) -> CampaignQuerySet:
        at = request_time(self.request)
        if value:
            return queryset.live(at)
        return queryset.exclude(pk__in=Campaign.objects.live(at).values("pk"))


class PromotionFilter(django_filters.FilterSet):
    campaign = IdFilter(field_name="campaign", help_text="Only this campaign's promotions (id).")
    campaign_slug = django_filters.CharFilter(
        field_name="campaign__slug",
        help_text="Only promotions of campaigns with this slug (combine with brand).",
    )
    brand = django_filters.CharFilter(
        field_name="campaign__brand__slug", help_text="Only this brand's promotions (brand slug)."
    )
    kind = django_filters.ChoiceFilter(choices=Promotion.Kind.choices)
    status = django_filters.ChoiceFilter(choices=Status.choices)
    live = StrictBooleanFilter(
        method="filter_live",
        help_text=(
            "true: a consumer can open it now (active and inside its window, and so is its "
            "campaign); false: every other promotion."
        ),
    )

    class Meta:
        model = Promotion
        fields: list[str] = []

    def filter_live(self, queryset: PromotionQuerySet, name: str, value: bool) -> PromotionQuerySet:
        at = request_time(self.request)
        if value:
            return queryset.live(at)
        return queryset.exclude(pk__in=Promotion.objects.live(at).values("pk"))
