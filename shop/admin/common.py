"""What every shop admin module shares: brand scoping and read-only inlines."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest

from promotions.admin_scoping import (
    BrandScopedAdminMixin,
    editable_brand_ids,
    is_superuser,
    viewable_brand_ids,
)
from promotions.models import Brand
from shop.models import (
    CapiAttempt,
    CapiDelivery,
    Code,
    Offer,
    Order,
    OrderLine,
    Product,
    ProductImage,
    Refund,
    Variant,
)
from shop.money import format_money

# Where each model's brand is, for querysets (lookups) and objects (attribute paths).
BRAND_PATHS: dict[type[Model], str] = {
    Product: "brand",
    ProductImage: "product__brand",
    Variant: "product__brand",
    Offer: "brand",
    Code: "brand",
    Order: "brand",
    OrderLine: "order__brand",
    Refund: "order__brand",
    CapiDelivery: "order__brand",
    CapiAttempt: "delivery__order__brand",
}


def shop_brand_id(obj: Model) -> int | None:
    path_ = BRAND_PATHS.get(type(obj))
    if path_ is None:
        return None
    *hops, last = path_.split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


class ShopScopedMixin(BrandScopedAdminMixin):
    """BrandScopedAdminMixin for the shop's models (their brand is reached via BRAND_PATHS)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super(BrandScopedAdminMixin, self).get_queryset(request)  # type: ignore[misc]
        if is_superuser(request):
            return qs
        lookup = BRAND_PATHS.get(qs.model)
        if lookup is None:
            return qs.none()
        return qs.filter(**{f"{lookup}__in": viewable_brand_ids(request)})

    def _may(self, request: HttpRequest, obj: Model | None, brand_ids: set[int]) -> bool:
        if not brand_ids:
            return False
        if obj is None:
            return True
        if isinstance(obj, Brand):
            return obj.pk in brand_ids
        brand_id = shop_brand_id(obj)
        return brand_id is not None and brand_id in brand_ids

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Product and "queryset" not in kwargs:
            products = Product.objects.select_related("brand").order_by("brand__name", "title")
            if not is_superuser(request):
                products = products.filter(brand_id__in=editable_brand_ids(request))
            kwargs["queryset"] = products
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def money(amount: int | None, currency: str) -> str:
    return "" if amount is None else format_money(amount, currency)


class ReadOnlyInline(ShopScopedMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
