"""``/api/v1/reports/subscriptions/``: a partner's scheduled report pushes (``reports:read``),
and a test delivery on demand. What every key subscription keeps (its key's own, the
brand fixed, the secret shown once) is in ``key_subscriptions.py``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tracking import counters, insights, report_pushes, selectors, webhooks
from tracking.api.key_subscriptions import (
    ID_PARAMETER,
    KeySubscriptionSerializer,
    KeySubscriptionViewSet,
)
from tracking.models import (
    ApiKey,
    ReportFormat,
    ReportIncrement,
    ReportLevel,
    ReportSchedule,
    ReportSubscription,
    Scope,
)

# A test delivery holds a worker while the partner's endpoint answers (up to
# WEBHOOK_TIMEOUT_SECONDS): a few per subscription and minute, then 429 with Retry-After.
TEST_RATE = "6/min"


class ReportSubscriptionSerializer(KeySubscriptionSerializer):
    schedule = serializers.ChoiceField(choices=ReportSchedule.choices)
    level = serializers.ChoiceField(choices=ReportLevel.choices, default="promotion")
    time_increment = serializers.ChoiceField(choices=ReportIncrement.choices, default="1")
    breakdowns = serializers.ListField(
        child=serializers.ChoiceField(choices=list(selectors.BREAKDOWNS)),
        default=list,
        max_length=len(selectors.BREAKDOWNS),
    )
    fields = serializers.ListField(  # type: ignore[assignment]
        child=serializers.ChoiceField(choices=insights.METRIC_FIELDS),
        default=list,
        max_length=len(insights.METRIC_FIELDS),
        help_text="Metrics to include (row identity always comes); empty: all of them.",
    )
    format = serializers.ChoiceField(choices=ReportFormat.choices, default="json")
    name = serializers.CharField(max_length=120, default="", allow_blank=True)
    active = serializers.BooleanField(default=True)

    class Meta:
        model = ReportSubscription
        fields = ["id", "brand", *report_pushes.SUBSCRIPTION_FIELDS, "next_run_at", "created_at"]
        read_only_fields = ["id", "next_run_at", "created_at"]


class ReportSubscriptionCreatedSerializer(ReportSubscriptionSerializer):
    secret = serializers.CharField(
        read_only=True,
        help_text=(
            'Signs every push (`X-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`). '
            "Shown in this response only."
        ),
    )

    class Meta(ReportSubscriptionSerializer.Meta):
        fields = [*ReportSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = [*ReportSubscriptionSerializer.Meta.read_only_fields, "secret"]


class TestDeliverySerializer(serializers.Serializer):
    delivered = serializers.BooleanField(help_text="Your endpoint answered 2xx in time.")
    status_code = serializers.IntegerField(
        allow_null=True, help_text="Your endpoint's HTTP status; null when it did not answer."
    )
    latency_ms = serializers.IntegerField(help_text="From sending to your answer's first bytes.")
    response_excerpt = serializers.CharField(
        allow_blank=True,
        help_text=f"The first {webhooks.EXCERPT_CHARS} characters of your answer's body.",
    )
    error = serializers.CharField(
        allow_blank=True,
        help_text="Why it failed (`HTTP 401`, a timeout, a refused address); empty on success.",
    )


TEST_EXAMPLES = [
    OpenApiExample(
        "Delivered",
        value={
            "delivered": True,
            "status_code": 200,
            "latency_ms": 84,
            "response_excerpt": '{"received": true}',
            "error": "",
        },
        response_only=True,
    ),
    OpenApiExample(
        "Refused by the endpoint",
        value={
            "delivered": False,
            "status_code": 401,
            "latency_ms": 12,
            "response_excerpt": "bad signature",
            "error": "HTTP 401",
        },
        response_only=True,
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary="List report subscriptions",
        description="The subscriptions this key created, newest first.",
    ),
    retrieve=extend_schema(summary="Get a report subscription", parameters=[ID_PARAMETER]),
    create=extend_schema(
        summary="Subscribe to a scheduled report",
        description=(
            "The worker POSTs the report to `url` on the schedule (hourly: the current day "
            "so far; daily: yesterday; weekly: last Monday to Sunday, in the brand's time "
            "zone), signed with the returned `secret`; failures are retried with exponential "
            "backoff. Scope `reports:read`."
        ),
        responses={201: ReportSubscriptionCreatedSerializer},
    ),
    partial_update=extend_schema(summary="Change a report subscription", parameters=[ID_PARAMETER]),
    update=extend_schema(summary="Replace a report subscription", parameters=[ID_PARAMETER]),
    destroy=extend_schema(summary="Delete a report subscription", parameters=[ID_PARAMETER]),
)
class ReportSubscriptionViewSet(KeySubscriptionViewSet):
    model = ReportSubscription
    serializer_class = ReportSubscriptionSerializer
    created_serializer_class = ReportSubscriptionCreatedSerializer
    required_scopes = [Scope.REPORTS_READ]

    def subscription_create(
        self, *, api_key: ApiKey, brand_id: int, **data: Any
    ) -> ReportSubscription:
        return report_pushes.report_subscription_create(brand_id=brand_id, api_key=api_key, **data)

    def subscription_update(
        self, *, subscription: ReportSubscription, **changes: Any
    ) -> ReportSubscription:
        return report_pushes.report_subscription_update(subscription=subscription, **changes)

    @extend_schema(
        summary="Send a test delivery now",
        description=(
            "Sends one signed test delivery to the subscription's `url` at once and answers "
            "with what your endpoint said. The body is the report the latest scheduled run "
            'covers (JSON bodies say `"test": true`), signed like every push; it carries '
            "`X-Report-Test: true` and no `X-Report-Push`, and it is not retried. The answer "
            "is 200 whatever your endpoint replied: read `delivered`. At most 6 a minute "
            "per subscription (then 429 with `Retry-After`). Scope `reports:read`; "
            "another key's or brand's subscription is a 404."
        ),
        request=None,
        responses={200: TestDeliverySerializer},
        parameters=[ID_PARAMETER],
        examples=TEST_EXAMPLES,
    )
    @action(detail=True, methods=["post"], url_path="test")
    def test(self, request: Request, pk: str | None = None) -> Response:
        subscription = self.get_object()
        wait = counters.rate_limit(scope="reports:test", key=str(subscription.pk), rate=TEST_RATE)
        if wait:
            raise exceptions.Throttled(wait=wait)
        result = report_pushes.report_subscription_test(subscription=subscription)
        body = TestDeliverySerializer(
            {
                "delivered": result.succeeded,
                "status_code": result.status_code,
                "latency_ms": result.latency_ms,
                "response_excerpt": result.response_excerpt,
                "error": result.error,
            }
        )
        return Response(body.data)
