"""What partners read about campaigns and promotions."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.request import Request

from promotions.models import Brand, Campaign, Promotion
from tracking import tokens
from tracking.site import site_url


class _LiveMixin:
    context: dict[str, object]

    def _now(self) -> datetime:
        at = self.context.get("now")
        return at if isinstance(at, datetime) else timezone.now()

    def _site(self) -> str:
        """The address the request came to (``tracking.site``), where the links must lead."""
        request = self.context.get("request")
        return site_url(request._request if isinstance(request, Request) else None)


class CampaignSerializer(_LiveMixin, serializers.ModelSerializer[Campaign]):
    brand: serializers.SlugRelatedField[Brand] = serializers.SlugRelatedField(
        slug_field="slug", read_only=True, help_text="The brand's slug."
    )
    live = serializers.SerializerMethodField(
        help_text="Active and inside its window at the time of the request."
    )
    url = serializers.SerializerMethodField(help_text="The campaign hub's address.")
    timezone = serializers.CharField(
        source="zone_name",
        read_only=True,
        help_text="IANA time zone its windows, daily limits and deadlines are read in "
        "(its own, else its brand's).",
    )

    class Meta:
        model = Campaign
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "brand",
            "status",
            "live",
            "starts_at",
            "ends_at",
            "timezone",
            "url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_live(self, obj: Campaign) -> bool:
        return obj.is_live(self._now())

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Campaign) -> str:
        return self._site() + obj.get_absolute_url()


class PromotionSerializer(_LiveMixin, serializers.ModelSerializer[Promotion]):
    campaign: serializers.PrimaryKeyRelatedField[Campaign] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The campaign's id."
    )
    brand: serializers.SlugRelatedField[Brand] = serializers.SlugRelatedField(
        source="campaign.brand", slug_field="slug", read_only=True, help_text="The brand's slug."
    )
    live = serializers.SerializerMethodField(
        help_text=(
            "A consumer can open it now: active and inside its window, and so is its campaign."
        )
    )
    url = serializers.SerializerMethodField(help_text="The promotion's tab on the campaign hub.")
    impression_pixel_url = serializers.SerializerMethodField(
        help_text=(
            "Counts an impression when the promotion begins to render: load it as a 1x1 "
            "image with `&e=<a new UUID>` appended (one per impression, so a retry counts "
            'once), or send `{"p": <its p>, "e": <UUID>}` to `POST /t/i` as a beacon. '
            "Signed: do not alter `p`."
        )
    )
    click_url = serializers.SerializerMethodField(
        help_text=(
            "Link the promotion through this address: it counts the click and redirects "
            "(302) to `url`. Append `?e=<a new UUID>` per click so that a retried navigation "
            "is counted once. Signed: a modified token does not redirect."
        )
    )

    class Meta:
        model = Promotion
        fields = [
            "id",
            "slug",
            "kind",
            "title",
            "description",
            "status",
            "live",
            "starts_at",
            "ends_at",
            "campaign",
            "brand",
            "url",
            "impression_pixel_url",
            "click_url",
        ]
        read_only_fields = fields

    def get_live(self, obj: Promotion) -> bool:
        at = self._now()
        return obj.is_live(at) and obj.campaign.is_live(at)

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, obj: Promotion) -> str:
        return self._site() + obj.get_absolute_url()

    @extend_schema_field(OpenApiTypes.URI)
    def get_impression_pixel_url(self, obj: Promotion) -> str:
        return tokens.impression_pixel_url(
            promotion_id=obj.pk,
            campaign_id=obj.campaign_id,
            brand_id=obj.campaign.brand_id,
            base_url=self._site(),
        )

    @extend_schema_field(OpenApiTypes.URI)
    def get_click_url(self, obj: Promotion) -> str:
        return tokens.click_url(
            promotion_id=obj.pk,
            campaign_id=obj.campaign_id,
            brand_id=obj.campaign.brand_id,
            target=obj.get_absolute_url(),  # a path: the redirect never leaves the site
            base_url=self._site(),
        )
