"""Shop admin: products and stock, offers and their codes, orders and refunds, and the logs
of Stripe events and Conversions API deliveries; one module per area.

Scoped by brand membership like the rest of the admin (``promotions.admin.scoping``):
a staff user sees only their brands' shop; managers edit, analysts read. Stripe events
have no brand and are for superusers. ``common`` registers how each shop model reaches
its brand (``promotions.admin.scoping.register_brand_paths``).
"""

from shop.admin import catalog, common, offers, orders, payments

__all__ = ["catalog", "common", "offers", "orders", "payments"]
