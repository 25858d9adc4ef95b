"""What every shop admin module shares: how shop models reach their brand, a brand kept
once chosen, and read-only inlines.

The shop's admin classes use ``promotions.admin.scoping.BrandScopedAdminMixin`` as the
rest of the admin does; ``register_brand_paths`` tells it the lookup from each shop model
to its brand id (querysets, per-object permissions, form choices and bulk actions).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from promotions.admin.scoping import BrandScopedAdminMixin, register_brand_paths
from shop.models import (
    CapiAttempt,
    CapiDelivery,
    Code,
    Market,
    Offer,
    Order,
    OrderLine,
    Price,
    Product,
    ProductImage,
    Redemption,
    Refund,
    Variant,
)
from shop.money import format_money

register_brand_paths(
    {
        Product: "brand_id",
        ProductImage: "product__brand_id",
        Variant: "product__brand_id",
        Offer: "brand_id",
        Code: "brand_id",
        Order: "brand_id",
        OrderLine: "order__brand_id",
        Redemption: "order__brand_id",
        Refund: "order__brand_id",
        CapiDelivery: "order__brand_id",
        CapiAttempt: "delivery__order__brand_id",
        Market: "brand_id",
        Price: "product__brand_id",
    }
)


class BrandKeptMixin:
    """Mix in before ``admin.ModelAdmin``: the brand is chosen when the object is created
    and kept after, as promotions' campaigns keep theirs; what hangs off it belongs to that
    brand (an offer's codes, unique within it; a product's variants, prices, offers and
    orders). The field stays in the change form, disabled (Django keeps the stored value
    whatever is posted), rather than read-only: the checks that include it still run (a
    product's slug unique within its brand; an offer's products of its brand)."""

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)  # type: ignore[misc]
        if obj is not None and "brand" in form.base_fields:
            form.base_fields["brand"].disabled = True
        return form


def money(amount: int | None, currency: str) -> str:
    return "" if amount is None else format_money(amount, currency)


class ReadOnlyInline(BrandScopedAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
