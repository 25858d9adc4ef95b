"""The shop: brand-scoped products and their stock, offers and codes, orders paid with Stripe.

Money is integer minor units plus a currency (``shop.money``). Every "at most N" (stock,
an offer's total redemptions, a code's uses, a customer's uses of an offer) is held by the
database: a conditional ``UPDATE ... WHERE remaining`` in the services, backed by a CHECK
constraint on the model. Nothing happens in ``save()``: the flow reads from the services
of each room (``shop.catalog``, ``shop.offers``, ``shop.checkout``, ``shop.orders``,
``shop.payments``).

The models are defined in their rooms and only imported here, where Django finds them (app
label ``shop``) and where the rest of the project imports them from.
"""

from shop.catalog.models import (
    RESERVED_PRODUCT_SLUGS,
    Market,
    Price,
    Product,
    ProductImage,
    ProductQuerySet,
    Variant,
)
from shop.offers.models import Code, Offer, OfferCustomerUsage, OfferQuerySet
from shop.orders.models import Order, OrderLine, OrderQuerySet, Redemption, Refund
from shop.payments.models import CapiAttempt, CapiDelivery, StripeEvent

__all__ = [
    "RESERVED_PRODUCT_SLUGS",
    "CapiAttempt",
    "CapiDelivery",
    "Code",
    "Market",
    "Offer",
    "OfferCustomerUsage",
    "OfferQuerySet",
    "Order",
    "OrderLine",
    "OrderQuerySet",
    "Price",
    "Product",
    "ProductImage",
    "ProductQuerySet",
    "Redemption",
    "Refund",
    "StripeEvent",
    "Variant",
]
