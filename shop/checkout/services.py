"""Writes of checkout: the pending order with its stock and code held, and its PaymentIntent.

The order is created in one transaction (``order_create``); Stripe is called outside it,
with an idempotency key per order. Webhooks (``shop.payments.webhooks``) decide whether
an order is paid. Refusals are written in the active language (the endpoints activate the
page's).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from promotions.models import Brand, Entry, Promotion
from shop.checkout.reservations import redemption_hold, stock_take
from shop.checkout.selectors import CartItem, cart_quote
from shop.errors import (
    CartInvalid,
    CheckoutInProgress,
    PaymentDeclined,
    PaymentRefused,
    PaymentUnavailable,
    SoldOut,
    TooManyAttempts,
)
from shop.models import Order, OrderLine, Redemption
from shop.money import MAXIMUM_CHARGE, format_money, minimum_charge
from shop.offers.selectors import customer_key
from shop.offers.services import coupon_twin_get_or_create
from shop.orders.services import order_fail, order_mark_paid
from shop.payments import stripe_client
from tracking import counters
from tracking.tokens import Attribution


@dataclass(frozen=True)
class Buyer:
    """What the request says about the buyer besides the form: for attribution and CAPI."""

    ip: str | None = None
    user_agent: str = ""
    viewer: str = ""  # Sender.viewer_hash: the device cookie's, else IP + user agent's
    fbp: str = ""
    fbc: str = ""
    attribution: Attribution | None = None
    language: str = ""  # the shop page's; the order's emails are sent in it
    country: str = ""  # visitor_country: where the buyer lives, as far as we know


# Stripe gave no answer to the payment (a timeout): it may have been charged. The order
# stays pending and its page says what Stripe's webhook brings.
PAYMENT_UNKNOWN = "unknown"


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    payment_status: str  # Stripe's, or PAYMENT_UNKNOWN
    client_secret: str = ""
    replayed: bool = False


def _attribution_promotion(brand: Brand, attribution: Attribution | None) -> Promotion | None:
    if attribution is None or attribution.brand_id != brand.pk:
        return None
    return Promotion.objects.filter(
        pk=attribution.promotion_id, campaign__brand_id=brand.pk
    ).first()


def _entry_click(entry_id: int | None) -> uuid.UUID | None:
    if entry_id is None:
        return None
    return Entry.objects.filter(pk=entry_id).values_list("click_event_id", flat=True).first()


@transaction.atomic
def order_create(
    *,
    brand: Brand,
    items: Sequence[CartItem],
    email: str,
    code_text: str = "",
    checkout_key: uuid.UUID | None = None,
    buyer: Buyer | None = None,
    at: datetime | None = None,
    currency: str | None = None,
) -> Order:
    """Price the cart (in the buyer's market ``currency`` when there is one: the order's
    currency, and the PaymentIntent's), reserve its stock and code, and create the pending
    order.

    Raises ``SoldOut``, ``CodeRefused`` or ``CartInvalid`` (nothing is kept then), or
    ``IntegrityError`` when ``checkout_key`` was used already.
    """
    at = at or timezone.now()
    buyer = buyer or Buyer()
    customer = customer_key(email)
    quote = cart_quote(
        brand=brand, items=items, code_text=code_text, email=email, at=at, currency=currency
    )
    priced = quote.priced
    if 0 < priced.total < minimum_charge(priced.currency):
        raise CartInvalid(
            _("Card payments start at %(amount)s; add something to your cart.")
            % {"amount": format_money(minimum_charge(priced.currency), priced.currency)},
            code="amount_too_small",
        )
    if priced.total > MAXIMUM_CHARGE:
        raise CartInvalid(
            _("Card payments go up to %(amount)s; split your order into smaller ones.")
            % {"amount": format_money(MAXIMUM_CHARGE, priced.currency)},
            code="amount_too_large",
        )
    for line in sorted(priced.lines, key=lambda line: line.variant.pk):
        if not stock_take(variant_id=line.variant.pk, quantity=line.quantity):
            gone = {"variant": line.variant}
            raise SoldOut(
                _("%(variant)s is sold out.") % gone,
                fields={"items": [_("%(variant)s: sold out.") % gone]},
            )
    match = quote.match
    code = None
    if match is not None:
        code = match.code or coupon_twin_get_or_create(
            brand=brand, offer=match.offer, coupon=match.coupon
        )
        redemption_hold(offer=match.offer, code=code, customer=customer)

    promotion = _attribution_promotion(brand, buyer.attribution)
    source = Order.AttributionSource.CLICK if promotion else Order.AttributionSource.NONE
    if promotion is None and quote.offer is not None and quote.offer.promotion_id:
        promotion = quote.offer.promotion
        source = Order.AttributionSource.COUPON
    attribution = buyer.attribution if source == Order.AttributionSource.CLICK else None
    click_event_id = attribution.click_event_id if attribution else None
    if click_event_id is None and source == Order.AttributionSource.COUPON and match:
        click_event_id = _entry_click(match.entry_id)  # the click that led to the entry
    order = Order(
        brand=brand,
        checkout_key=checkout_key,
        email=email.strip(),
        customer_key=customer,
        currency=priced.currency,
        subtotal=priced.subtotal,
        discount=priced.discount,
        total=priced.total,
        reserved_until=at + timedelta(minutes=settings.SHOP_RESERVATION_MINUTES),
        promotion=promotion,
        attribution_source=source,
        click_event_id=click_event_id,
        clicked_at=(
            datetime.fromtimestamp(attribution.clicked_at, tz=UTC) if attribution else None
        ),
        entry_id=match.entry_id if match else None,
        language=buyer.language or brand.language,
        country=buyer.country.upper()[:2],
        client_ip=buyer.ip or None,
        user_agent=buyer.user_agent[:400],
        fbp=buyer.fbp[:200],
        fbc=buyer.fbc[:300],
    )
    order.full_clean(exclude=["checkout_key"])  # a reused key: IntegrityError, rolls all back
    order.save()
    OrderLine.objects.bulk_create(
        [
            OrderLine(
                order=order,
                variant=line.variant,
                product_title=line.variant.product.title,
                variant_name=line.variant.name,
                unit_price=line.unit_price,
                quantity=line.quantity,
                discount=line.discount,
                total=line.total,
            )
            for line in priced.lines
        ]
    )
    if match is not None and code is not None:
        Redemption.objects.create(
            order=order,
            offer=match.offer,
            code=code,
            customer_key=customer,
            discount=priced.discount,
        )
    return order


def attempts_limit(
    *,
    scope: str,
    viewer: str,
    ip: str | None,
    rate: str,
    ip_rate: str,
    what: Literal["price checks", "payment attempts"],
) -> None:
    """Count one attempt of a shopper (``viewer``: the device cookie's hash, else IP + user
    agent, ``Sender.viewer_hash``) against ``rate`` and of their address against
    ``ip_rate``, a much higher ceiling: never per IP alone, since a mobile carrier puts
    thousands of shoppers behind one address. Raise TooManyAttempts (429, Retry-After)
    over either. Checkout (card testing) and quotes (guessing codes) are limited so."""
    wait = counters.rate_limit(scope=f"shop:{scope}", key=f"v:{viewer}", rate=rate) if viewer else 0
    if not wait and ip:
        wait = counters.rate_limit(scope=f"shop:{scope}", key=f"ip:{ip}", rate=ip_rate)
    if wait:
        raise TooManyAttempts(_too_many(what, wait), retry_after=wait)


def _too_many(what: Literal["price checks", "payment attempts"], wait: int) -> str:
    # Each language writes the number as its grammar wants ("1 second", "2 seconds").
    if what == "price checks":
        text = ngettext(
            "Too many price checks. Please wait %(seconds)s second and try again.",
            "Too many price checks. Please wait %(seconds)s seconds and try again.",
            wait,
        )
    else:
        text = ngettext(
            "Too many payment attempts. Please wait %(seconds)s second and try again.",
            "Too many payment attempts. Please wait %(seconds)s seconds and try again.",
            wait,
        )
    return text % {"seconds": wait}


def checkout_start(
    *,
    brand: Brand,
    items: Sequence[CartItem],
    email: str,
    payment_method: str,
    code_text: str = "",
    checkout_key: uuid.UUID | None = None,
    buyer: Buyer | None = None,
    at: datetime | None = None,
    currency: str | None = None,
) -> CheckoutResult:
    """Create the order (stock and code reserved) and its PaymentIntent, confirmed at once
    with the PaymentMethod the page made; the amount is the order's, computed here.

    ``payment_status`` is Stripe's: ``succeeded`` (the webhook will mark the order paid),
    ``requires_action`` (the page runs 3-D Secure with ``client_secret``), ``processing``.
    A page that posts the same ``checkout_key`` twice gets the first order back. Attempts
    per shopper (``SHOP_CHECKOUT_RATE``) and per address (``SHOP_CHECKOUT_IP_RATE``) are
    limited: card testers try many cards fast.
    """
    attempts_limit(
        scope="shop-checkout",
        viewer=buyer.viewer if buyer is not None else "",
        ip=buyer.ip if buyer is not None else None,
        rate=settings.SHOP_CHECKOUT_RATE,
        ip_rate=settings.SHOP_CHECKOUT_IP_RATE,
        what="payment attempts",
    )
    try:
        order = order_create(
            brand=brand,
            items=items,
            email=email,
            code_text=code_text,
            checkout_key=checkout_key,
            buyer=buyer,
            at=at,
            currency=currency,
        )
    except IntegrityError:
        existing = Order.objects.filter(brand=brand, checkout_key=checkout_key).first()
        if existing is None or checkout_key is None:
            raise
        return _checkout_replay(existing)

    if order.total == 0:
        order_mark_paid(order_id=order.pk, payment_intent_id="", amount=0, currency=order.currency)
        order.refresh_from_db()
        return CheckoutResult(order=order, payment_status="succeeded")
    try:
        intent = stripe_client.payment_intent_create_confirmed(
            amount=order.total,
            currency=order.currency,
            payment_method=payment_method,
            idempotency_key=f"order-{order.token}",
            metadata={"order": str(order.token), "brand": brand.slug},
        )
    except stripe_client.CardDeclined as exc:
        order_fail(order_id=order.pk, reason=exc.message)
        raise PaymentDeclined(exc.message, code=exc.code or "card_declined") from exc
    except stripe_client.StripeOutcomeUnknown:
        # Stripe may have charged the card: the order stays pending (its page waits for
        # Stripe's webhook, else it expires), and the customer is not asked to pay again.
        return CheckoutResult(order=order, payment_status=PAYMENT_UNKNOWN)
    except stripe_client.StripeRefused as exc:
        message = _("This payment could not be started: check your card details and try again.")
        order_fail(order_id=order.pk, reason=message)
        raise PaymentRefused(message) from exc
    except stripe_client.StripeUnavailable as exc:
        message = _("Payments are unavailable right now; nothing was charged. Please try again.")
        order_fail(order_id=order.pk, reason=message)
        raise PaymentUnavailable(message) from exc
    Order.objects.filter(pk=order.pk, payment_intent_id="").update(payment_intent_id=intent.id)
    order.payment_intent_id = intent.id
    return CheckoutResult(
        order=order,
        payment_status=intent.status,
        client_secret=intent.client_secret if intent.status == "requires_action" else "",
    )


def _checkout_replay(order: Order) -> CheckoutResult:
    if not order.payment_intent_id:
        if order.status == Order.Status.PENDING:
            raise CheckoutInProgress(_("This checkout is being processed; see your order page."))
        return CheckoutResult(order=order, payment_status=order.status, replayed=True)
    try:
        intent = stripe_client.payment_intent_retrieve(order.payment_intent_id)
    except stripe_client.StripeUnavailable as exc:
        raise PaymentUnavailable(_("Payments are unavailable right now; try again.")) from exc
    return CheckoutResult(
        order=order,
        payment_status=intent.status,
        client_secret=intent.client_secret if intent.status == "requires_action" else "",
        replayed=True,
    )
