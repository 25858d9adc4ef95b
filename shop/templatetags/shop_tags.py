"""``{% load shop_tags %}``: money in templates, and whether a brand's shop has products."""

from __future__ import annotations

from django import template

from promotions.models import Brand
from shop.catalog.selectors import product_list, product_on_sale_exists
from shop.models import Product
from shop.money import format_money

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """``{{ order.total|money:order.currency }}`` -> ``€12.50``."""
    return "" if amount is None else format_money(int(amount), currency)


@register.simple_tag
def shop_open(brand_id: int) -> bool:
    """``{% shop_open brand.pk as has_shop %}``: the brand sells something right now."""
    return product_on_sale_exists(brand_id=brand_id)


@register.simple_tag
def shop_products(brand: Brand, limit: int = 4) -> list[Product]:
    """``{% shop_products brand 4 as products %}``: what the hub's Shop tab shows."""
    return product_list(brand=brand, limit=limit)
