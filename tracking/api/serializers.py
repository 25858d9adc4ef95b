"""Serializer bases shared by every partner endpoint, and the documented error body.

``StrictSerializer`` (and ``StrictModelSerializer``) refuse a body field they do not
declare as writable, with a 400 naming it: a partner who misspells ``promotion_id`` as
``promotionId`` learns it at once instead of having the field silently dropped. Nested
strict serializers and ``many=True`` lists are strict at every level.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from tracking.api.scoping import key_brand_ids
from tracking.brands import brand_id_resolve

UNKNOWN_FIELD = "Unknown field."
READ_ONLY_FIELD = "This field is read-only; leave it out."


class StrictFieldsMixin:
    """Adds the unknown-field check to any ``Serializer`` subclass."""

    def to_internal_value(self, data: Any) -> Any:
        unknown: dict[str, list[str]] = {}
        if isinstance(data, Mapping):
            fields = self.fields  # type: ignore[attr-defined]
            writable = {field.field_name for field in self._writable_fields}  # type: ignore[attr-defined]
            for name in data:
                if name not in writable:
                    known = name in fields and fields[name].read_only
                    unknown[str(name)] = [READ_ONLY_FIELD if known else UNKNOWN_FIELD]
        try:
            value = super().to_internal_value(data)  # type: ignore[misc]
        except serializers.ValidationError as exc:
            if unknown and isinstance(exc.detail, dict):
                raise serializers.ValidationError({**exc.detail, **unknown}) from exc
            raise
        if unknown:
            raise serializers.ValidationError(unknown)
        return value


class StrictSerializer(StrictFieldsMixin, serializers.Serializer):
    """Base for write endpoints: unknown body fields are a 400 naming them."""


class StrictModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    """``StrictSerializer`` for model-backed write endpoints."""


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(
        help_text=(
            "Stable machine-readable code: invalid, parse_error, not_authenticated, "
            "authentication_failed, permission_denied, missing_scope, not_found, "
            "method_not_allowed, not_acceptable, unsupported_media_type, throttled."
        )
    )
    message = serializers.CharField(help_text="What went wrong, for people.")


# ``fields`` would shadow Serializer.fields as a class attribute: declare it after the fact.
ErrorDetailSerializer._declared_fields["fields"] = serializers.DictField(
    child=serializers.JSONField(),
    help_text=(
        "Each offending body field or query parameter with its messages, e.g. "
        '`{"status": ["Select a valid choice."]}`; empty when no field is at fault.'
    ),
)


class ErrorSerializer(serializers.Serializer):
    """Every 4xx answer of the partner API has this body."""

    error = ErrorDetailSerializer()


BRAND_REF_DESCRIPTION = (
    "The brand's slug (as in campaigns, promotions, entries and insights rows). Its integer "
    "id is still accepted as input, deprecated: it keeps working until 2027-06-30. Answers "
    "always say the slug."
)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "maxLength": 50, "example": "demo"},
            {"type": "integer", "minimum": 1, "deprecated": True},
        ],
        "description": BRAND_REF_DESCRIPTION,
    }
)
class BrandRefField(serializers.Field):
    """A brand named by its slug (or, deprecated, its id), one of the key's brands; the
    validated value is the brand's id, the representation its slug. Reads
    ``instance.brand`` (select it with the queryset)."""

    default_error_messages = {
        "not_yours": "No such brand among your key's brands (name it by its slug).",
        "invalid": "Name the brand by its slug.",
    }

    def get_attribute(self, instance: Any) -> Any:
        return instance.brand

    def to_representation(self, value: Any) -> str:
        return str(value.slug)

    def to_internal_value(self, data: Any) -> int:
        if isinstance(data, bool) or not isinstance(data, str | int):
            self.fail("invalid")
        key = self.context["request"].auth
        brand_id = brand_id_resolve(data, among=key_brand_ids(key))
        if brand_id is None:
            self.fail("not_yours")
        return brand_id
