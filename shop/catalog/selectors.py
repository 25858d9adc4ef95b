"""Reads of the catalog: the shop of a brand and the products it sells now, and what they
cost in a visitor's market (``Market``: country → currency; ``Price``: set per currency)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, QuerySet, Sum
from django.http import Http404

from promotions.models import Brand
from shop.models import Market, Price, Product, Variant


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


# --- Markets: the currency a visitor pays in, and the prices in it ---------------------


def market_currency_get(*, brand: Brand, country: str) -> str | None:
    """The currency of the brand's market for visitors from ``country`` (ISO code); None
    when the brand has no market there (each product is then sold in its own currency)."""
    country = (country or "").strip().upper()
    if len(country) != 2:
        return None
    return (
        Market.objects.filter(brand=brand, country=country)
        .values_list("currency", flat=True)
        .first()
    )


def variant_prices_get(*, variants: Sequence[Variant], currency: str) -> dict[int, int]:
    """Each variant's unit price in ``currency`` (minor units), one query: its own price in
    that currency, else its product's, else its list price when the product is priced in
    that currency. A variant without any is missing: it is not sold in that currency."""
    rows = Price.objects.filter(
        product_id__in={v.product_id for v in variants}, currency=currency
    ).values_list("product_id", "variant_id", "amount")
    by_product: dict[int, int] = {}
    by_variant: dict[int, int] = {}
    for product_id, variant_id, amount in rows:
        if variant_id is None:
            by_product[product_id] = amount
        else:
            by_variant[variant_id] = amount
    prices: dict[int, int] = {}
    for v in variants:
        if v.pk in by_variant:
            prices[v.pk] = by_variant[v.pk]
        elif v.product_id in by_product:
            prices[v.pk] = by_product[v.product_id]
        elif v.product.currency == currency:
            prices[v.pk] = v.unit_price
    return prices


def products_price(*, products: Sequence[Product], currency: str | None) -> None:
    """Set ``shown_price``, ``shown_price_max`` and ``shown_currency`` on each product and
    ``shown_price`` on each of its (prefetched, active) variants, in at most one query: what
    a unit is charged, in ``currency`` (``variant_prices_get``), else (no market: None) in
    the product's own currency (each variant's own price, else the product's). A product's
    are the lowest and the highest of its variants' (the same when they agree); None for
    what is not sold in ``currency`` (without a market, a product with no active variant
    shows its list price: it is sold out)."""
    variants = [v for p in products for v in p.variants.all()]
    if currency is None:
        prices = {v.pk: v.unit_price for v in variants}
    else:
        prices = variant_prices_get(variants=variants, currency=currency)
    for product in products:
        for variant in product.variants.all():
            variant.shown_price = prices.get(variant.pk)  # type: ignore[attr-defined]
        own = [prices[v.pk] for v in product.variants.all() if v.pk in prices]
        if not own:
            own = [product.price] if currency is None else []
        product.shown_price = min(own) if own else None  # type: ignore[attr-defined]
        product.shown_price_max = max(own) if own else None  # type: ignore[attr-defined]
        product.shown_currency = currency or product.currency  # type: ignore[attr-defined]
