"""Reads of the catalog: the shop of a brand and the products it sells now."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404

from promotions.models import Brand
from shop.models import Product, Variant


def brand_get(*, slug: str) -> Brand:
    """The brand whose shop ``/shop/<slug>/`` is; 404 when there is none."""
    brand = Brand.objects.filter(slug=slug).first()
    if brand is None:
        raise Http404("No such shop.")
    return brand


def _active_variants() -> Any:
    return Prefetch("variants", queryset=Variant.objects.filter(is_active=True))


def product_list(
    *, brand: Brand, at: datetime | None = None, limit: int | None = None
) -> list[Product]:
    """Products on sale now, with their active variants and images (three queries)."""
    products = list(
        Product.objects.on_sale(at)
        .filter(brand=brand)
        .prefetch_related(_active_variants(), "images")[:limit]
    )
    for product in products:
        product.brand = brand  # their links need its slug
    return products


def product_get(*, brand: Brand, slug: str, at: datetime | None = None) -> Product:
    """A product on sale now, for its page; 404 when it is not (or has no active variant)."""
    product = (
        Product.objects.on_sale(at)
        .filter(brand=brand, slug=slug)
        .prefetch_related(_active_variants(), "images")
        .first()
    )
    if product is None or not product.variants.all():
        raise Http404("This product is not on sale.")
    product.brand = brand
    return product


def product_on_sale_exists(*, brand_id: int, at: datetime | None = None) -> bool:
    """The brand sells something right now (the hub shows its Shop tab)."""
    return Product.objects.on_sale(at).filter(brand_id=brand_id).exists()


def product_list_with_stock(queryset: QuerySet[Product]) -> QuerySet[Product]:
    """``queryset`` with ``stock_sum``: the units of all its variants (the admin's list)."""
    return queryset.annotate(stock_sum=Sum("variants__stock"))
