"""``/api/v1/webhooks/``: a partner key's event subscriptions, their delivery log and
re-sends (``webhooks:read`` to look, ``webhooks:write`` to change or re-send). What every
key subscription keeps (its key's own, the brand fixed, the secret shown once) is in
``key_subscriptions.py``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from tracking import deliveries, partner_webhooks, webhooks
from tracking.api.key_subscriptions import (
    ID_PARAMETER,
    KeySubscriptionSerializer,
    KeySubscriptionViewSet,
)
from tracking.models import (
    ApiKey,
    OutboundState,
    Scope,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEventType,
    WebhookSubscription,
)

DELIVERY_PARAMETER = OpenApiParameter(
    "delivery_id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The delivery's id."
)
READ_ACTIONS = {"list", "retrieve", "deliveries"}
SIGNATURE_HELP = (
    'Signs every delivery (`X-Signature: t=<unix>,v1=<hex HMAC-SHA256 of "t.body">`), as '
    "report pushes are signed. Shown in this response only."
)


class WebhookSubscriptionSerializer(KeySubscriptionSerializer):
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=WebhookEventType.choices),
        min_length=1,
        max_length=len(WebhookEventType.values),
        help_text=(
            "The events to receive, each once. `entry.created` needs a key with `entries:read`."
        ),
    )
    name = serializers.CharField(max_length=120, default="", allow_blank=True)
    active = serializers.BooleanField(default=True, help_text="false: nothing is sent.")

    class Meta:
        model = WebhookSubscription
        fields = ["id", "brand", *partner_webhooks.SUBSCRIPTION_FIELDS, "created_at", "updated_at"]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_event_types(self, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise serializers.ValidationError("Name each event type once.")
        return value


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    secret = serializers.CharField(read_only=True, help_text=SIGNATURE_HELP)

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = [*WebhookSubscriptionSerializer.Meta.read_only_fields, "secret"]


class WebhookAttemptSerializer(serializers.ModelSerializer[WebhookAttempt]):
    status_code = serializers.IntegerField(
        allow_null=True, help_text="Your endpoint's HTTP status; null when it did not answer."
    )
    response_excerpt = serializers.CharField(
        help_text=f"The first {webhooks.EXCERPT_CHARS} characters of your answer's body."
    )
    error = serializers.CharField(
        help_text="Why it failed (`HTTP 500`, a timeout, a refused address); empty on success."
    )

    class Meta:
        model = WebhookAttempt
        fields = list(deliveries.ATTEMPT_FIELDS)
        read_only_fields = fields


class WebhookEventRefSerializer(serializers.Serializer):
    id = serializers.UUIDField(
        source="event_id", help_text="The event's id, as in the body (`id`)."
    )
    type = serializers.ChoiceField(choices=WebhookEventType.choices)
    created = serializers.DateTimeField(source="occurred_at", help_text="When it happened.")


class WebhookDeliverySerializer(serializers.ModelSerializer[WebhookDelivery]):
    event = WebhookEventRefSerializer(read_only=True)
    state = serializers.ChoiceField(
        choices=OutboundState.choices,
        help_text="pending (sent or retrying), delivered (a 2xx), failed (gave up).",
    )
    log = WebhookAttemptSerializer(many=True, read_only=True, help_text="Every attempt.")

    class Meta:
        model = WebhookDelivery
        fields = ["id", "event", *deliveries.OUTBOUND_FIELDS, "log"]
        read_only_fields = fields


DELIVERY_EXAMPLE = OpenApiExample(
    "Delivered at the second attempt",
    value={
        "id": 812,
        "event": {
            "id": "0193b5c4-1d1e-7c43-9a52-2f4e0d6b8a10",
            "type": "entry.created",
            "created": "2026-12-01T09:30:12Z",
        },
        "state": "delivered",
        "attempts": 2,
        "next_attempt_at": None,
        "created_at": "2026-12-01T09:30:12Z",
        "delivered_at": "2026-12-01T09:31:13Z",
        "resend_of": None,
        "log": [
            {
                "attempt": 2,
                "started_at": "2026-12-01T09:31:12Z",
                "succeeded": True,
                "status_code": 200,
                "latency_ms": 84,
                "response_excerpt": "ok",
                "error": "",
            },
            {
                "attempt": 1,
                "started_at": "2026-12-01T09:30:12Z",
                "succeeded": False,
                "status_code": 500,
                "latency_ms": 31,
                "response_excerpt": "temporarily broken",
                "error": "HTTP 500",
            },
        ],
    },
    response_only=True,
)
CREATE_EXAMPLES = [
    OpenApiExample(
        "Entries and draws of one brand",
        value={
            "brand": "demo",
            "url": "https://hooks.agency.example/promohub",
            "event_types": ["entry.created", "draw.completed"],
            "name": "CRM sync",
        },
        request_only=True,
    ),
    OpenApiExample(
        "Created (the secret is shown once)",
        value={
            "id": 7,
            "brand": "demo",
            "name": "CRM sync",
            "url": "https://hooks.agency.example/promohub",
            "event_types": ["entry.created", "draw.completed"],
            "active": True,
            "created_at": "2026-12-01T09:00:00Z",
            "updated_at": "2026-12-01T09:00:00Z",
            "secret": "whsec_3kq…",
        },
        response_only=True,
        status_codes=["201"],
    ),
]


@extend_schema_view(
    list=extend_schema(
        summary="List webhook subscriptions",
        description="The subscriptions this key created, newest first. Scope `webhooks:read`.",
    ),
    retrieve=extend_schema(
        summary="Get a webhook subscription",
        description="Scope `webhooks:read`.",
        parameters=[ID_PARAMETER],
    ),
    create=extend_schema(
        summary="Subscribe an endpoint to events",
        description=(
            "Each event of `event_types` for `brand` is POSTed to `url` as it happens, signed "
            "with the returned `secret` like report pushes (`X-Signature`), retried with "
            "exponential backoff, every attempt logged. The body carries the event's `id`: "
            "the same on every retry and re-send, so ignore one you have seen. Personal data "
            "(`pii`) only reaches keys with `entries:pii`. Scope `webhooks:write`."
        ),
        responses={201: WebhookSubscriptionCreatedSerializer},
        examples=CREATE_EXAMPLES,
    ),
    partial_update=extend_schema(
        summary="Change a webhook subscription",
        description="Scope `webhooks:write`.",
        parameters=[ID_PARAMETER],
    ),
    update=extend_schema(
        summary="Replace a webhook subscription",
        description="Scope `webhooks:write`.",
        parameters=[ID_PARAMETER],
    ),
    destroy=extend_schema(
        summary="Delete a webhook subscription",
        description="Nothing more is sent. Scope `webhooks:write`.",
        parameters=[ID_PARAMETER],
    ),
)
class WebhookSubscriptionViewSet(KeySubscriptionViewSet):
    model = WebhookSubscription
    serializer_class = WebhookSubscriptionSerializer
    created_serializer_class = WebhookSubscriptionCreatedSerializer
    related = ("brand", "api_key")

    @property
    def required_scopes(self) -> list[str]:
        if getattr(self, "action", None) in READ_ACTIONS:
            return [Scope.WEBHOOKS_READ]
        return [Scope.WEBHOOKS_WRITE]

    def is_list_request(self) -> bool:
        return getattr(self, "action", None) in ("list", "deliveries")

    def subscription_create(
        self, *, api_key: ApiKey, brand_id: int, **data: Any
    ) -> WebhookSubscription:
        subscription = partner_webhooks.webhook_subscription_create(
            api_key=api_key, brand_id=brand_id, **data
        )
        return self.get_queryset().get(pk=subscription.pk)

    def subscription_update(
        self, *, subscription: WebhookSubscription, **changes: Any
    ) -> WebhookSubscription:
        return partner_webhooks.webhook_subscription_update(subscription=subscription, **changes)

    def perform_destroy(self, instance: WebhookSubscription) -> None:
        partner_webhooks.webhook_subscription_delete(subscription=instance)

    def _deliveries(self, subscription: WebhookSubscription) -> Any:
        return (
            WebhookDelivery.objects.filter(subscription=subscription)
            .select_related("event")
            .prefetch_related(Prefetch("log", queryset=WebhookAttempt.objects.order_by("-attempt")))
        )

    @extend_schema(
        summary="A subscription's deliveries and their log",
        description=(
            "Every delivery of the subscription, newest first, each with every attempt: "
            "status, latency and the start of your endpoint's answer. Scope `webhooks:read`."
        ),
        parameters=[ID_PARAMETER],
        responses={200: WebhookDeliverySerializer(many=True)},
        examples=[DELIVERY_EXAMPLE],
    )
    @action(detail=True, methods=["get"], url_path="deliveries")
    def deliveries(self, request: Request, pk: str | None = None) -> Response:
        subscription = self.get_object()
        page = self.paginate_queryset(self._deliveries(subscription))
        body = WebhookDeliverySerializer(page, many=True, context={"request": request})
        return self.get_paginated_response(body.data)

    @extend_schema(
        summary="Re-send a delivery",
        description=(
            "Queues the delivery's event to be sent again to this subscription, as a new "
            "delivery carrying the same event `id` (answered 202 with it; its log fills as "
            "it is sent). Scope `webhooks:write`; another key's or brand's delivery is a 404."
        ),
        request=None,
        parameters=[ID_PARAMETER, DELIVERY_PARAMETER],
        responses={202: WebhookDeliverySerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"deliveries/(?P<delivery_id>[0-9]{1,18})/resend",
    )
    def resend(self, request: Request, pk: str | None = None, delivery_id: str = "") -> Response:
        subscription = self.get_object()
        delivery = self._deliveries(subscription).filter(pk=int(delivery_id)).first()
        if delivery is None:
            raise exceptions.NotFound()
        again = partner_webhooks.webhook_delivery_resend(delivery=delivery)
        again = self._deliveries(subscription).get(pk=again.pk)
        body = WebhookDeliverySerializer(again, context={"request": request})
        return Response(body.data, status=status.HTTP_202_ACCEPTED)
