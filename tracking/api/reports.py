"""``GET /api/v1/reports/insights/``: impressions, viewers, clicks, CTR and conversions.

Rows come from the rollups (tracking.selectors), per promotion, campaign or brand, per day,
7 days, month or the whole range, read in each brand's time zone. A key reports on its own
brands only: filtering on another brand's promotion or campaign is a 404, as if it did not
exist. ``?format=csv`` gives the same rows as CSV.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tracking import selectors
from tracking.api.scoping import (
    brand_timezones,
    campaigns_of_brands,
    key_brand_ids,
    promotions_of_brands,
)
from tracking.api.serializers import ErrorSerializer
from tracking.api.strict import MAX_ID, StrictQueryParamsMixin
from tracking.models import ApiKey, Scope

MAX_DAYS = 731
MAX_ROWS = 20_000

ROW_FIELDS = [
    "promotion_id",
    "campaign_id",
    "brand",
    "country",
    "device",
    "source",
    "date_start",
    "date_stop",
    "impressions",
    "unique_viewers",
    "clicks",
    "ctr",
    "ctr_ci_low",
    "ctr_ci_high",
    "entries",
    "orders",
    "revenue",
    "currency",
    "conversion_rate",
    "invalid_events",
]


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> bytes:
        out = io.StringIO()
        if isinstance(data, dict) and "data" in data:
            rows = data["data"]
            columns = [f for f in ROW_FIELDS if any(f in r for r in rows)] or ROW_FIELDS[6:]
            writer = csv.DictWriter(out, fieldnames=columns, extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                flat = dict(row)
                if isinstance(flat.get("revenue"), dict):
                    flat["currency"] = flat["revenue"]["currency"] or ""
                    flat["revenue"] = flat["revenue"]["amount"]
                writer.writerow(flat)
        else:  # an error body
            error = data.get("error", {}) if isinstance(data, dict) else {}
            plain = csv.writer(out)
            plain.writerow(["code", "message"])
            plain.writerow([error.get("code", ""), error.get("message", "")])
        return out.getvalue().encode()


def _ids(value: str, name: str) -> list[int]:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts or any(not p.isdigit() or not 0 < int(p) <= MAX_ID for p in parts):
        raise exceptions.ValidationError({name: ["Ids separated by commas, e.g. 12,15."]})
    return sorted({int(p) for p in parts})


class InsightsQuerySerializer(serializers.Serializer):
    level = serializers.ChoiceField(choices=list(selectors.LEVELS), default="promotion")
    since = serializers.DateField(help_text="First day (YYYY-MM-DD) in the brand's time zone.")
    until = serializers.DateField(help_text="Last day, inclusive; may lie in the future.")
    time_increment = serializers.ChoiceField(
        choices=["1", "7", "monthly", "all_days"], default="all_days"
    )
    breakdowns = serializers.CharField(required=False, default="")
    promotion = serializers.CharField(required=False)
    campaign = serializers.CharField(required=False)

    def validate_breakdowns(self, value: str) -> list[str]:
        names = [b.strip() for b in value.split(",") if b.strip()]
        unknown = [b for b in names if b not in selectors.BREAKDOWNS]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown breakdown(s): {', '.join(unknown)}; use country, device, source."
            )
        return names

    def validate_promotion(self, value: str) -> list[int]:
        return _ids(value, "promotion")

    def validate_campaign(self, value: str) -> list[int]:
        return _ids(value, "campaign")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs["since"], attrs["until"]
        if until < since:
            raise serializers.ValidationError({"until": ["until must not come before since."]})
        if (until - since).days >= MAX_DAYS:
            raise serializers.ValidationError({"until": [f"At most {MAX_DAYS} days at once."]})
        return attrs


class RevenueSerializer(serializers.Serializer):
    amount = serializers.IntegerField(help_text="Minor units (cents).")
    currency = serializers.CharField(allow_null=True, help_text="ISO 4217; null without orders.")


class InsightsRowSerializer(serializers.Serializer):
    promotion_id = serializers.IntegerField(required=False, help_text="level=promotion.")
    campaign_id = serializers.IntegerField(required=False, help_text="level=promotion|campaign.")
    brand = serializers.IntegerField(help_text="The brand's id.")
    country = serializers.CharField(required=False, help_text="With breakdowns=country.")
    device = serializers.CharField(required=False, help_text="With breakdowns=device.")
    source = serializers.CharField(  # type: ignore[assignment]
        required=False, help_text="With breakdowns=source."
    )
    date_start = serializers.DateField()
    date_stop = serializers.DateField()
    impressions = serializers.IntegerField(help_text="Valid impressions.")
    unique_viewers = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "Distinct viewers per day, summed over the row's days (a viewer's pseudonym "
            "changes daily). Null with breakdowns."
        ),
    )
    clicks = serializers.IntegerField(help_text="Valid clicks.")
    ctr = serializers.FloatField(allow_null=True, help_text="clicks / impressions.")
    ctr_ci_low = serializers.FloatField(allow_null=True, help_text="Wilson 95% lower bound.")
    ctr_ci_high = serializers.FloatField(allow_null=True, help_text="Wilson 95% upper bound.")
    entries = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue = RevenueSerializer()
    conversion_rate = serializers.FloatField(
        allow_null=True, help_text="(entries + orders) / clicks."
    )
    invalid_events = serializers.IntegerField(
        help_text="Bots, prefetches, previews, impossible velocity: stored, not in CTR."
    )


class InsightsSerializer(serializers.Serializer):
    level = serializers.CharField()
    since = serializers.DateField()
    until = serializers.DateField()
    time_increment = serializers.CharField()
    as_of = serializers.DateTimeField(
        allow_null=True, help_text="Every event received before this time is counted."
    )
    data = InsightsRowSerializer(many=True)  # type: ignore[assignment]


def row_json(row: selectors.StatsRow) -> dict[str, Any]:
    s = row.stats
    interval = s.ctr_interval
    out: dict[str, Any] = {}
    if row.level == "promotion":
        out["promotion_id"] = row.id
    if row.level in ("promotion", "campaign"):
        out["campaign_id"] = row.campaign_id
    out["brand"] = row.brand_id
    out.update(row.breakdown)
    out.update(
        {
            "date_start": row.date_start.isoformat(),
            "date_stop": row.date_stop.isoformat(),
            "impressions": s.impressions,
            "unique_viewers": s.unique_viewers,
            "clicks": s.clicks,
            "ctr": s.ctr,
            "ctr_ci_low": interval[0] if interval else None,
            "ctr_ci_high": interval[1] if interval else None,
            "entries": s.entries,
            "orders": s.orders,
            "revenue": {"amount": s.revenue, "currency": s.currency or None},
            "conversion_rate": s.conversion_rate,
            "invalid_events": s.invalid_events,
        }
    )
    return out


class InsightsView(StrictQueryParamsMixin, APIView):
    required_scopes = [Scope.REPORTS_READ]
    renderer_classes = [JSONRenderer, CSVRenderer]
    extra_query_params = (
        "level",
        "since",
        "until",
        "time_increment",
        "breakdowns",
        "promotion",
        "campaign",
    )

    @extend_schema(
        operation_id="reports_insights",
        summary="Report impressions, viewers, clicks, CTR and conversions",
        description=(
            "Rows per promotion, campaign or brand of your key's brands, per day (`1`), "
            "7 days, month or the whole range (`all_days`), read in each brand's time zone, "
            "optionally broken down by country, device and/or source. Rows without events "
            "are left out. Filtering on a promotion or campaign that is not your brands' is "
            "a 404. `?format=csv` gives CSV. Scope `reports:read`."
        ),
        parameters=[
            OpenApiParameter(
                "promotion", OpenApiTypes.STR, description="Promotion ids, comma-separated."
            ),
            OpenApiParameter(
                "campaign", OpenApiTypes.STR, description="Campaign ids, comma-separated."
            ),
            OpenApiParameter(
                "breakdowns",
                OpenApiTypes.STR,
                description="Comma-separated: country, device, source.",
            ),
            OpenApiParameter("level", OpenApiTypes.STR, enum=list(selectors.LEVELS)),
            OpenApiParameter("since", OpenApiTypes.DATE, required=True),
            OpenApiParameter("until", OpenApiTypes.DATE, required=True),
            OpenApiParameter(
                "time_increment", OpenApiTypes.STR, enum=["1", "7", "monthly", "all_days"]
            ),
        ],
        responses={200: InsightsSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        query = InsightsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        key = request.auth
        assert isinstance(key, ApiKey)  # HasApiKey ran first
        brand_ids = key_brand_ids(key)
        promotion_ids = params.get("promotion")
        campaign_ids = params.get("campaign")
        if promotion_ids is not None:
            found = promotions_of_brands(promotion_ids, brand_ids)
            missing = [p for p in promotion_ids if p not in found]
            if missing:
                raise exceptions.NotFound(f"No such promotion: {', '.join(map(str, missing))}.")
            brand_ids = sorted({b for _c, b in found.values()})
        if campaign_ids is not None:
            campaigns = campaigns_of_brands(campaign_ids, brand_ids)
            missing = [c for c in campaign_ids if c not in campaigns]
            if missing:
                raise exceptions.NotFound(f"No such campaign: {', '.join(map(str, missing))}.")
            brand_ids = sorted(set(campaigns.values()))
        days = (params["until"] - params["since"]).days + 1
        if params["time_increment"] == "1" and days * max(1, len(promotion_ids or [])) > MAX_ROWS:
            raise exceptions.ValidationError({"until": ["Too many rows; narrow the range."]})
        by_zone: dict[str, list[int]] = defaultdict(list)
        for brand_id, zone in brand_timezones(brand_ids).items():
            by_zone[zone].append(brand_id)
        rows: list[selectors.StatsRow] = []
        for zone, zone_brands in sorted(by_zone.items()):
            rows.extend(
                selectors.stats_rows(
                    level=params["level"],
                    since=params["since"],
                    until=params["until"],
                    timezone=zone,
                    time_increment=params["time_increment"],
                    brand_ids=zone_brands,
                    promotion_ids=promotion_ids,
                    campaign_ids=campaign_ids,
                    breakdowns=params["breakdowns"],
                )
            )
        if len(rows) > MAX_ROWS:
            raise exceptions.ValidationError({"until": ["Too many rows; narrow the range."]})
        as_of = selectors.data_as_of()
        body = {
            "level": params["level"],
            "since": params["since"].isoformat(),
            "until": params["until"].isoformat(),
            "time_increment": params["time_increment"],
            "as_of": as_of.isoformat().replace("+00:00", "Z") if as_of else None,
            "data": [row_json(r) for r in rows],
        }
        return Response(body)
