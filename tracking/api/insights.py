"""``GET /api/v1/reports/insights/``: impressions, viewers, clicks, CTR and conversions.

Rows come from the rollups (tracking.selectors), per promotion, campaign or brand, per day,
7 days, month or the whole range, read in each brand's time zone. A key reports on its own
brands only: filtering on another brand's promotion or campaign is a 404, as if it did not
exist. ``?format=csv`` gives the same rows as CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param
from rest_framework.views import APIView

from tracking import brands, insights, selectors
from tracking.api.query_params import MAX_ID, StrictQueryParamsMixin
from tracking.api.scoping import (
    campaigns_of_brands,
    key_brand_ids,
    promotions_of_brands,
    request_key,
)
from tracking.api.serializers import ErrorSerializer
from tracking.models import Scope
from tracking.site import absolute_url

MAX_DAYS = 731
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)
MAX_ROWS = 20_000
DEFAULT_PAGE_SIZE = 500
MAX_PAGE_SIZE = 5_000
ROW_FIELDS = insights.ROW_FIELDS


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type: Any = None, context: Any = None) -> bytes:
        if isinstance(data, dict) and "data" in data:
            # the view's columns (InsightsView.get_renderer_context): an empty page too
            columns = (context or {})["csv_columns"]
            return insights.rows_csv(data["data"], columns=columns).encode()
        out = io.StringIO()  # an error body
        error = data.get("error", {}) if isinstance(data, dict) else {}
        plain = csv.writer(out)
        plain.writerow(["code", "message"])
        plain.writerow([error.get("code", ""), error.get("message", "")])
        return out.getvalue().encode()


def _ids(value: str, name: str) -> list[int]:
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts or any(
        not (p.isascii() and p.isdigit()) or not 0 < int(p) <= MAX_ID for p in parts
    ):  # "²".isdigit() is true, and int("²") fails
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
    brand = serializers.CharField(required=False)
    promotion = serializers.CharField(required=False)
    campaign = serializers.CharField(required=False)
    page_size = serializers.IntegerField(
        required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=None
    )
    cursor = serializers.CharField(required=False)

    def validate_cursor(self, value: str) -> insights.RowKey:
        key = insights.cursor_decode(value)
        if key is None:
            raise serializers.ValidationError(
                "This cursor is not valid: use the next link as given."
            )
        return key

    def validate_breakdowns(self, value: str) -> list[str]:
        names = [b.strip() for b in value.split(",") if b.strip()]
        unknown = [b for b in names if b not in selectors.BREAKDOWNS]
        if unknown:
            raise serializers.ValidationError(
                f"Unknown breakdown(s): {', '.join(unknown)}; "
                f"use {', '.join(selectors.BREAKDOWNS)}."
            )
        return names

    def validate_brand(self, value: str) -> list[str]:
        names = sorted({b.strip() for b in value.split(",") if b.strip()})
        if not names:
            raise serializers.ValidationError("Brand slugs separated by commas, e.g. demo,nova.")
        return names

    def validate_promotion(self, value: str) -> list[int]:
        return _ids(value, "promotion")

    def validate_campaign(self, value: str) -> list[int]:
        return _ids(value, "campaign")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        since, until = attrs["since"], attrs["until"]
        if since < EARLIEST:
            raise serializers.ValidationError({"since": [f"From {EARLIEST} on."]})
        if until > LATEST:
            raise serializers.ValidationError({"until": [f"Until {LATEST} at the latest."]})
        if until < since:
            raise serializers.ValidationError({"until": ["until must not come before since."]})
        if (until - since).days >= MAX_DAYS:
            raise serializers.ValidationError({"until": [f"At most {MAX_DAYS} days at once."]})
        return attrs


class RevenueSerializer(serializers.Serializer):
    amount = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "Minor units (cents) of `currency`; 0 without orders; null when the row's orders "
            "are in several currencies (then read `revenue_by_currency`)."
        ),
    )
    currency = serializers.CharField(
        allow_null=True, help_text="ISO 4217; null without orders or with several currencies."
    )


class InsightsRowSerializer(serializers.Serializer):
    promotion_id = serializers.IntegerField(required=False, help_text="level=promotion.")
    campaign_id = serializers.IntegerField(required=False, help_text="level=promotion|campaign.")
    brand = serializers.CharField(
        help_text="The brand's slug (as in campaigns, promotions and entries)."
    )
    country = serializers.CharField(required=False, help_text="With breakdowns=country.")
    device = serializers.CharField(required=False, help_text="With breakdowns=device.")
    source = serializers.CharField(  # type: ignore[assignment]
        required=False, help_text="With breakdowns=source."
    )
    language = serializers.CharField(
        required=False,
        help_text=(
            "With breakdowns=language: the language code the page was rendered in "
            "(e.g. fr, pt-br); empty when unknown (partner events without one, conversions)."
        ),
    )
    date_start = serializers.DateField()
    date_stop = serializers.DateField()
    impressions = serializers.IntegerField(help_text="Valid impressions.")
    unique_viewers = serializers.IntegerField(
        allow_null=True,
        help_text=(
            "Distinct viewers per day, summed over the row's days (a viewer's pseudonym "
            "changes daily). Null with breakdowns, and for a row narrowed below its level "
            "(level=campaign with promotion, level=brand with promotion or campaign)."
        ),
    )
    clicks = serializers.IntegerField(help_text="Valid clicks.")
    ctr = serializers.FloatField(allow_null=True, help_text="clicks / impressions.")
    ctr_ci_low = serializers.FloatField(allow_null=True, help_text="Wilson 95% lower bound.")
    ctr_ci_high = serializers.FloatField(allow_null=True, help_text="Wilson 95% upper bound.")
    entries = serializers.IntegerField()
    orders = serializers.IntegerField()
    revenue = RevenueSerializer()
    revenue_by_currency = serializers.DictField(
        child=serializers.IntegerField(),
        help_text=(
            'Paid orders\' revenue per ISO 4217 currency in minor units, e.g. {"EUR": 12300, '
            '"USD": 4500}; amounts in different currencies are never added. {} without orders.'
        ),
    )
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
    next = serializers.URLField(
        allow_null=True,
        help_text="The next page of rows (same query, `cursor` added); null on the last page.",
    )


class InsightsView(StrictQueryParamsMixin, APIView):
    required_scopes = [Scope.REPORTS_READ]
    renderer_classes = [JSONRenderer, CSVRenderer]
    csv_columns: Sequence[str] = ()  # set by get(): what the query asks for
    extra_query_params = (
        "level",
        "since",
        "until",
        "time_increment",
        "breakdowns",
        "brand",
        "promotion",
        "campaign",
        "cursor",
        "page_size",
    )

    def get_renderer_context(self) -> dict[str, Any]:
        return {**super().get_renderer_context(), "csv_columns": self.csv_columns}

    @extend_schema(
        operation_id="reports_insights",
        summary="Report impressions, viewers, clicks, CTR and conversions",
        description=(
            "Rows per promotion, campaign or brand of your key's brands, per day (`1`), "
            "7 days, month or the whole range (`all_days`), read in each brand's time zone, "
            "optionally broken down by country, device, source and/or language (the "
            "language the page was rendered in). Revenue is per currency "
            "(`revenue_by_currency`), never converted or added across currencies. "
            "Rows without events "
            "are left out. Filtering on a brand, promotion or campaign that is not your "
            "brands' is a 404. Rows are ordered by id, breakdown values and first day, and paged: "
            "follow `next` (also a `Link` header) until it is null. `?format=csv` gives "
            "CSV. Scope `reports:read`."
        ),
        parameters=[
            OpenApiParameter(
                "brand",
                OpenApiTypes.STR,
                description=(
                    "Brand slugs, comma-separated (integer ids are accepted too, deprecated, "
                    "until 2027-06-30)."
                ),
            ),
            OpenApiParameter(
                "promotion", OpenApiTypes.STR, description="Promotion ids, comma-separated."
            ),
            OpenApiParameter(
                "campaign", OpenApiTypes.STR, description="Campaign ids, comma-separated."
            ),
            OpenApiParameter(
                "breakdowns",
                OpenApiTypes.STR,
                description="Comma-separated: country, device, source, language.",
            ),
            OpenApiParameter("level", OpenApiTypes.STR, enum=list(selectors.LEVELS)),
            OpenApiParameter("since", OpenApiTypes.DATE, required=True),
            OpenApiParameter("until", OpenApiTypes.DATE, required=True),
            OpenApiParameter(
                "time_increment", OpenApiTypes.STR, enum=["1", "7", "monthly", "all_days"]
            ),
            OpenApiParameter(
                "page_size",
                OpenApiTypes.INT,
                description=(
                    f"Rows per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}; "
                    "CSV: every row unless given)."
                ),
            ),
            OpenApiParameter(
                "cursor", OpenApiTypes.STR, description="From `next`: the page after it."
            ),
            OpenApiParameter("format", OpenApiTypes.STR, enum=["json", "csv"]),
        ],
        responses={200: InsightsSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    def get(self, request: Request) -> Response:
        query = InsightsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        self.csv_columns = insights.row_columns(
            level=params["level"], breakdowns=params["breakdowns"]
        )
        brand_ids = key_brand_ids(request_key(request))
        brand_refs = params.get("brand")
        if brand_refs is not None:
            named = brands.brand_ids_resolve(brand_refs, among=brand_ids)
            missing = [b for b in brand_refs if b not in named]
            if missing:
                raise exceptions.NotFound(f"No such brand: {', '.join(missing)}.")
            brand_ids = sorted(set(named.values()))
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
        rows = insights.insights_rows(
            brand_ids=brand_ids,
            level=params["level"],
            since=params["since"],
            until=params["until"],
            time_increment=params["time_increment"],
            breakdowns=params["breakdowns"],
            promotion_ids=promotion_ids,
            campaign_ids=campaign_ids,
        )
        if len(rows) > MAX_ROWS:
            raise exceptions.ValidationError({"until": ["Too many rows; narrow the range."]})
        after = params.get("cursor")
        if after is not None:
            rows = insights.rows_after(rows, after)
        page_size = params.get("page_size") or (
            MAX_ROWS if request.accepted_renderer.format == "csv" else DEFAULT_PAGE_SIZE
        )
        page, rest = rows[:page_size], rows[page_size:]
        next_url = None
        if rest:
            cursor = insights.cursor_encode(insights.row_key(page[-1]))
            next_url = replace_query_param(
                absolute_url(request.get_full_path(), request._request), "cursor", cursor
            )
        as_of = selectors.stats_as_of_get()
        slugs = brands.brand_slugs({r.brand_id for r in page})
        body = {
            "level": params["level"],
            "since": params["since"].isoformat(),
            "until": params["until"].isoformat(),
            "time_increment": params["time_increment"],
            "as_of": as_of.isoformat().replace("+00:00", "Z") if as_of else None,
            "data": [insights.row_json(r, slugs=slugs) for r in page],
            "next": next_url,
        }
        response = Response(body)
        if next_url:
            response["Link"] = f'<{next_url}>; rel="next"'
        return response
