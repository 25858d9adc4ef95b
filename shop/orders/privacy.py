"""A person's data deletion, in the shop: their orders keep what accounting needs (the
amounts, the items, the address the receipt went to) and lose what matched them to
Facebook's ads (the Conversions API's IP address, browser and Facebook cookies), and their
``order.paid`` partner webhook events lose the buyer's email kept for retries and re-sends."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from promotions.entrants.models import Person
from promotions.entries.models import PURCHASE_SOURCE
from shop.models import Order
from shop.offers.selectors import customer_key
from tracking.models import WebhookEventType
from tracking.partner_webhooks import webhook_events_pii_erase

ERASURE_KEY = "order_ad_matching"


def orders_erase_for_person(person: Person, at: datetime) -> int:
    """Clear the ad-matching data of the orders that are ``person``'s: bought with their
    address, paid with a coupon one of their entries won, or the purchase that earned one
    of their entries; and the personal data of those orders' webhook events. How many
    orders had ad-matching data."""
    purchases = person.entries.filter(source=PURCHASE_SOURCE).values_list("slot", flat=True)
    order_ids = [int(slot[1:]) for slot in purchases if slot[:1] == "p" and slot[1:].isdigit()]
    mine = Q(entry_id__in=person.entries.values("pk")) | Q(pk__in=order_ids)
    if person.email:
        mine |= Q(customer_key=customer_key(person.email))
    orders = Order.objects.filter(mine)
    webhook_events_pii_erase(
        event_type=WebhookEventType.ORDER_PAID,
        key="order",
        values=orders.values_list("pk", flat=True),
    )
    has_matching = Q(client_ip__isnull=False) | ~Q(user_agent="") | ~Q(fbp="") | ~Q(fbc="")
    return orders.filter(has_matching).update(
        client_ip=None, user_agent="", fbp="", fbc="", updated_at=at
    )
