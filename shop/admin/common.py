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


def money(amount: int | None, currency: str) -> str:
    return "" if amount is None else format_money(amount, currency)


class ReadOnlyInline(BrandScopedAdminMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
