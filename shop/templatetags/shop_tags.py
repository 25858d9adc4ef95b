"""``{% load shop_tags %}``: money in templates, and whether a brand's shop has products."""

from __future__ import annotations

from django import template

from promotions.models import Brand
from shop.models import Product
from shop.money import format_money
from shop.selectors import brand_has_shop, product_list_for_shop

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """``{{ order.total|money:order.currency }}`` -> ``€12.50``."""
    return "" if amount is None else format_money(int(amount), currency)


@register.simple_tag
def shop_open(brand_id: int) -> bool:
    """``{% shop_open brand.pk as has_shop %}``: the brand sells something right now."""
    return brand_has_shop(brand_id=brand_id)


@register.simple_tag
def shop_products(brand: Brand, limit: int = 4) -> list[Product]:
    """``{% shop_products brand 4 as products %}``: what the hub's Shop tab shows."""
    return product_list_for_shop(brand=brand, limit=limit)
