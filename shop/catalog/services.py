"""Writes of the catalog: products with their variants, and stock moved by deltas only."""

from __future__ import annotations

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from promotions.models import Brand
from shop.models import Product, Variant


@transaction.atomic
def product_create(
    *,
    brand: Brand,
    slug: str,
    title: str,
    price: int,
    currency: str = "EUR",
    description: str = "",
    stock: int = 0,
    variants: Sequence[tuple[str, int]] = (),
    **fields: object,
) -> Product:
    """A product with its variants: ``variants=[("Blue", 5), ("Red", 3)]`` (name, stock),
    or none: one unnamed variant holding ``stock``."""
    product = Product(
        brand=brand,
        slug=slug,
        title=title,
        price=price,
        currency=currency,
        description=description,
        **fields,
    )
    product.full_clean()
    product.save()
    for position, (name, units) in enumerate(variants or [("", stock)]):
        variant = Variant(product=product, name=name, stock=units, position=position)
        variant.full_clean()
        variant.save()
    return product


def product_default_variant_ensure(*, product: Product) -> None:
    """A product without options still needs the variant that holds its stock."""
    if not product.variants.exists():
        Variant.objects.create(product=product, name="", stock=0)


def variant_stock_adjust(*, variant_id: int, delta: int) -> int:
    """Add (or take, with a negative delta) units, atomically; never below zero.

    An absolute "set stock to N" from a form would overwrite reservations made meanwhile,
    so stock changes are deltas. Returns the new stock.
    """
    with transaction.atomic():
        updated = (
            Variant.objects.filter(pk=variant_id, stock__gte=-delta).update(
                stock=F("stock") + delta
            )
            if delta < 0
            else Variant.objects.filter(pk=variant_id).update(stock=F("stock") + delta)
        )
        stock = Variant.objects.filter(pk=variant_id).values_list("stock", flat=True).first()
        if stock is None:
            raise ValidationError({"variant": "No such variant."})
        if not updated:
            raise ValidationError(
                {"stock": f"Only {stock} units are in stock; cannot take {-delta}."}
            )
        return int(stock)
