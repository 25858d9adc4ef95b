"""What a partner key's two kinds of subscription share: scheduled report pushes
(``subscriptions.py``) and event webhooks (``webhooks.py``).

A key sees and changes only the subscriptions it created, and only for its brands; any
other id is a 404. The brand is fixed once created. The signing secret is in the creation
response only: keep it. Creating and changing go through the subscription's service, whose
validation errors answer as the API's 400s.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from tracking.api.errors import drf_validation_error
from tracking.api.query_params import StrictQueryParamsMixin
from tracking.api.scoping import key_brand_ids, request_key
from tracking.api.serializers import BRAND_REF_DESCRIPTION, BrandRefField, StrictModelSerializer
from tracking.models import ApiKey, ReportSubscription, WebhookSubscription

ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH)

Subscription = ReportSubscription | WebhookSubscription


# The brand (fixed once created) and the endpoint of a subscription. (No docstring: the
# schema would show it as every subscription's description.)
class KeySubscriptionSerializer(StrictModelSerializer):
    brand = BrandRefField(
        source="brand_id",
        help_text=f"One of your key's brands; fixed once created. {BRAND_REF_DESCRIPTION}",
    )
    url = serializers.URLField(
        max_length=500, help_text="Your HTTPS endpoint; it must resolve to a public address."
    )

    def validate_brand(self, value: int) -> int:
        instance = self.instance
        if instance is not None and value != instance.brand_id:
            raise serializers.ValidationError("The brand of a subscription cannot change.")
        return value


# The subscriptions of ``model`` the request's key created for its brands; a subclass names
# its serializers and its service's create and update. (No docstring, as above.)
class KeySubscriptionViewSet(StrictQueryParamsMixin, viewsets.ModelViewSet):
    model: type[Subscription]
    created_serializer_class: type[serializers.Serializer]
    related: tuple[str, ...] = ("brand",)
    lookup_value_regex = r"[0-9]{1,18}"

    def subscription_create(self, *, api_key: ApiKey, brand_id: int, **data: Any) -> Subscription:
        raise NotImplementedError

    def subscription_update(self, *, subscription: Any, **changes: Any) -> Subscription:
        raise NotImplementedError

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return self.model._default_manager.none()
        key = request_key(self.request)
        return self.model._default_manager.filter(
            api_key=key, brand_id__in=key_brand_ids(key)
        ).select_related(*self.related)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        try:
            subscription = self.subscription_create(
                api_key=request_key(request), brand_id=data.pop("brand_id"), **data
            )
        except DjangoValidationError as exc:
            raise drf_validation_error(exc) from None
        body = self.created_serializer_class(subscription, context={"request": request})
        return Response(body.data, status=status.HTTP_201_CREATED)

    def perform_update(self, serializer: Any) -> None:
        changes = dict(serializer.validated_data)
        changes.pop("brand_id", None)
        try:
            self.subscription_update(subscription=serializer.instance, **changes)
        except DjangoValidationError as exc:
            raise drf_validation_error(exc) from None
