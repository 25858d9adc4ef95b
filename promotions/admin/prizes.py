"""Admin for prizes and their winning moments."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from promotions.admin.displays import BrandTimezoneFormMixin
from promotions.admin.promotions import PRIZE_FIELDS
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
)
from promotions.admin.translations import TranslatedFieldsAdminMixin
from promotions.models import Prize, WinningMoment
from promotions.prizes import services as prizes_services

# What a winner's claim asks for this prize (promotions/claims/).
PRIZE_CLAIM_FIELDS = (
    "claim_required",
    "claim_shipping_address",
    "claim_phone",
    "claim_sizes",
    "claim_statement",
    "claim_document",
)


class WinningMomentInline(BrandScopedAdminMixin, admin.TabularInline):
    model = WinningMoment
    extra = 1
    fields = ["at", "entry", "claimed_at"]
    readonly_fields = ["entry", "claimed_at"]


@admin.register(Prize)
class PrizeAdmin(
    BrandTimezoneFormMixin, TranslatedFieldsAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin
):
    """Winning moments are typed and shown in the campaign's zone, as the promotion's
    window is."""

    content_brand_path = "promotion__campaign__brand"
    list_display = ["name", "promotion", "quantity", "awarded", "odds_one_in"]
    list_filter = [("promotion", ScopedRelatedFilter)]
    list_select_related = ["promotion"]
    readonly_fields = ["awarded"]
    inlines = [WinningMomentInline]

    def get_fieldsets(self, request: HttpRequest, obj: Prize | None = None) -> Any:
        moments = self._window_fieldset_description(
            _("Instant wins: the winning moments below are the first plays at or after them.")
        )
        return [
            (
                None,
                {
                    "fields": ["promotion", *PRIZE_FIELDS, *PRIZE_CLAIM_FIELDS],
                    "description": moments,
                },
            )
        ]

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        prize = self._object(request, object_id)
        if prize is not None:
            return str(prize.promotion.campaign.zone_name)
        return self._common_timezone(request)

    def save_model(self, request: HttpRequest, obj: Prize, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Only what the form changed, the quantity through its service (never below what
        # was awarded, never writing back a stale ``awarded``).
        prizes_services.prize_update(prize=obj, fields=form.changed_data)
