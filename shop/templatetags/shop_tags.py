"""``{% load shop_tags %}``: money (and price ranges) in templates, and whether a brand's
shop has products."""

from __future__ import annotations

from django import template
from django.template import Context

from promotions.models import Brand
from promotions.pages.http import visitor_country
from shop.catalog.selectors import (
    market_currency_get,
    product_list,
    product_on_sale_exists,
    products_price,
)
from shop.models import Product
from shop.money import format_money, format_money_range

register = template.Library()


@register.filter
def money(amount: int | None, currency: str) -> str:
    """``{{ order.total|money:order.currency }}`` -> ``€12.50``."""
    return "" if amount is None else format_money(int(amount), currency)


@register.simple_tag
def money_range(lowest: int | None, highest: int | None, currency: str) -> str:
    """``{% money_range product.shown_price product.shown_price_max product.shown_currency %}``
    -> ``€20.00``, or the lowest to the highest (``money.format_money_range``)."""
    if lowest is None or highest is None:
        return ""
    return format_money_range(int(lowest), int(highest), currency)


@register.simple_tag
def shop_open(brand_id: int) -> bool:
    """``{% shop_open brand.pk as has_shop %}``: the brand sells something right now."""
    return product_on_sale_exists(brand_id=brand_id)


@register.simple_tag(takes_context=True)
def shop_products(context: Context, brand: Brand, limit: int = 4) -> list[Product]:
    """``{% shop_products brand 4 as products %}``: what the hub's Shop tab shows, priced
    in the visitor's market (what is not sold there is left out)."""
    request = context.get("request")
    country = visitor_country(request) if request is not None else ""
    currency = market_currency_get(brand=brand, country=country)
    products = product_list(brand=brand, limit=limit)
    products_price(products=products, currency=currency)
    return [p for p in products if p.shown_price is not None]  # type: ignore[attr-defined]
