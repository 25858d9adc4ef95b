"""Admin for prizes and their winning moments."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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
class PrizeAdmin(TranslatedFieldsAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    content_brand_path = "promotion__campaign__brand"
    list_display = ["name", "promotion", "quantity", "awarded", "odds_one_in"]
    list_filter = [("promotion", ScopedRelatedFilter)]
    list_select_related = ["promotion"]
    fields = ["promotion", *PRIZE_FIELDS, *PRIZE_CLAIM_FIELDS]
    readonly_fields = ["awarded"]
    inlines = [WinningMomentInline]

    def save_model(self, request: HttpRequest, obj: Prize, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        # Only what the form changed, the quantity through its service (never below what
        # was awarded, never writing back a stale ``awarded``).
        prizes_services.prize_update(prize=obj, fields=form.changed_data)
