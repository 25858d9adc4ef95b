"""``GET /api/v1/entries/``: the entries of the key's brands (scope ``entries:read``).

Entrants are pseudonymous by default: ``entrant`` is an HMAC of the person's id under a key
derived for the entry's brand, so a partner can count repeat entrants of one brand but
cannot join them across brands or back to a person. A key that also holds ``entries:pii``
gets ``person`` (name, email, country, birth date); without it ``person`` is null. One
query per page whatever its size (entry, promotion, campaign, brand and person are joined).
"""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema, extend_schema_field, extend_schema_view
from rest_framework import mixins, serializers, viewsets

from promotions.models import Entry, Person
from promotions.reports.dashboards import entrant_pseudonym
from tracking.api.query_params import (
    IdFilter,
    StrictBooleanFilter,
    StrictIsoDateTimeFilter,
    StrictQueryParamsMixin,
)
from tracking.api.scoping import request_key
from tracking.models import ApiKey, Scope


class EntryFilter(django_filters.FilterSet):
    promotion = IdFilter(field_name="promotion", help_text="Only this promotion's entries (id).")
    campaign = IdFilter(
        field_name="promotion__campaign", help_text="Only this campaign's entries (id)."
    )
    brand = django_filters.CharFilter(
        field_name="promotion__campaign__brand__slug", help_text="Only this brand (slug)."
    )
    status = django_filters.ChoiceFilter(choices=Entry.Status.choices)
    flagged = StrictBooleanFilter(help_text="true: has an open flag (out of draws for now).")
    created_after = StrictIsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", help_text="created_at ≥ this (ISO 8601)."
    )
    created_before = StrictIsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", help_text="created_at < this (ISO 8601)."
    )

    class Meta:
        model = Entry
        fields: list[str] = []


class EntrantSerializer(serializers.ModelSerializer[Person]):
    class Meta:
        model = Person
        fields = ["name", "email", "country", "birth_date"]
        read_only_fields = fields


class EntrySerializer(serializers.ModelSerializer[Entry]):
    id = serializers.CharField(source="public_id", read_only=True, help_text="The entry's id.")
    promotion: serializers.PrimaryKeyRelatedField[Any] = serializers.PrimaryKeyRelatedField(
        read_only=True, help_text="The promotion's id."
    )
    campaign = serializers.IntegerField(
        source="promotion.campaign_id", read_only=True, help_text="The campaign's id."
    )
    brand = serializers.CharField(
        source="promotion.campaign.brand.slug", read_only=True, help_text="The brand's slug."
    )
    entrant = serializers.SerializerMethodField(
        help_text=(
            "Pseudonymous entrant id: the same person has the same id across this brand's "
            "entries, and a different one in another brand's."
        )
    )
    person = serializers.SerializerMethodField(
        help_text=(
            "The entrant's personal data: only for keys with the `entries:pii` scope (null "
            "otherwise, and for entrants who asked to be forgotten)."
        )
    )

    class Meta:
        model = Entry
        fields = [
            "id",
            "promotion",
            "campaign",
            "brand",
            "status",
            "flagged",
            "country",
            "source",
            "created_at",
            "entrant",
            "person",
        ]
        read_only_fields = fields

    def get_entrant(self, obj: Entry) -> str:
        return entrant_pseudonym(brand_id=obj.promotion.campaign.brand_id, person_id=obj.person_id)

    @extend_schema_field(EntrantSerializer(allow_null=True))
    def get_person(self, obj: Entry) -> dict[str, Any] | None:
        if not self.context.get("pii") or obj.person.anonymised_at is not None:
            return None
        return dict(EntrantSerializer(obj.person).data)


@extend_schema_view(
    list=extend_schema(
        summary="List entries",
        description=(
            "Entries of the brands this key may read, newest first (by id). Scope "
            "`entries:read`; personal data (`person`) only with `entries:pii`."
        ),
    ),
)
class EntryViewSet(StrictQueryParamsMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = EntrySerializer
    filterset_class = EntryFilter
    required_scopes = [Scope.ENTRIES_READ]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return Entry.objects.none()
        return Entry.objects.filter(
            promotion__campaign__brand__in=request_key(self.request).brands.values("pk")
        ).select_related("promotion__campaign__brand", "person")

    def get_serializer_context(self) -> dict[str, Any]:
        key = self.request.auth
        pii = isinstance(key, ApiKey) and key.has_scope(Scope.ENTRIES_PII)
        return {**super().get_serializer_context(), "pii": pii}
