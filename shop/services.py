"""Writes of the shop: catalog and stock, codes, checkout, payment outcomes, refunds.

Every "at most N" is one conditional UPDATE on the single row that holds the count
(``... WHERE stock >= n``, ``... WHERE redemptions_count < max_redemptions``), inside the
transaction that creates the order, in one fixed order (variants by id, then offer, code,
customer usage) so concurrent checkouts never deadlock. Losing the race rolls the whole
order back. A failed or expired order gives back exactly what it took, once: only the
transaction that moves it out of ``pending`` releases.

Stripe is called outside database transactions; webhooks (``shop.webhooks``) decide
whether an order is paid.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django_q.tasks import async_task

from promotions.codes.services import CodeNotRedeemable, promotion_code_redeem
from promotions.models import Brand, CouponCode, Entry, Promotion
from shop import capi, stripe_client
from shop.errors import (
    CartInvalid,
    CheckoutInProgress,
    CodeRefused,
    NoCodesLeft,
    PaymentDeclined,
    PaymentUnavailable,
    RefundRefused,
    SoldOut,
    TooManyAttempts,
)
from shop.models import (
    Code,
    Offer,
    OfferCustomerUsage,
    Order,
    OrderLine,
    Product,
    Redemption,
    Refund,
    Variant,
)
from shop.money import format_money, minimum_charge
from shop.selectors import CartItem, cart_quote, code_normalize, customer_key
from tracking import counters
from tracking.tokens import Attribution

logger = logging.getLogger(__name__)

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes get read aloud
# How long after its reservation a paid-but-unconfirmed order waits for Stripe's webhook
# before the expiry task marks it paid from the API.
WEBHOOK_GRACE = timedelta(minutes=30)


def _enqueue(func: str, *args: object) -> None:
    """Queue a task once the current transaction commits (never for a rolled-back write)."""
    transaction.on_commit(lambda: async_task(func, *args))


# --- Catalog and stock ---------------------------------------------------------------


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


# --- Codes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class CodesImported:
    created: int
    duplicates: list[str]
    invalid: list[str]


def _code_is_valid(text: str) -> bool:
    return 3 <= len(text) <= 40 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


@transaction.atomic
def codes_import(*, offer: Offer, codes: Iterable[str]) -> CodesImported:
    """Add codes to an offer (unique offers: single-use each). Codes already used by this
    brand are reported as duplicates, malformed ones as invalid; the rest are created."""
    wanted: list[str] = []
    invalid: list[str] = []
    for raw in codes:
        text = code_normalize(raw)
        if not text:
            continue
        (wanted if _code_is_valid(text) else invalid).append(text)
    existing = set(
        Code.objects.filter(brand_id=offer.brand_id, code__in=wanted).values_list("code", flat=True)
    )
    fresh = list(dict.fromkeys(c for c in wanted if c not in existing))
    duplicates = sorted(existing | {c for c, n in Counter(wanted).items() if n > 1})
    max_uses = 1 if offer.code_type == Offer.CodeType.UNIQUE else None
    if offer.code_type == Offer.CodeType.SHARED and (offer.codes.exists() or len(fresh) > 1):
        raise ValidationError({"codes": "A shared-code offer has exactly one code."})
    Code.objects.bulk_create(
        [Code(brand_id=offer.brand_id, offer=offer, code=c, max_uses=max_uses) for c in fresh]
    )
    return CodesImported(created=len(fresh), duplicates=duplicates, invalid=invalid)


def codes_generate(*, offer: Offer, count: int, prefix: str = "", length: int = 8) -> int:
    """Generate ``count`` random single-use codes (``PREFIX-XXXXXXXX``); returns how many."""
    if offer.code_type != Offer.CodeType.UNIQUE:
        raise ValidationError({"count": "Only unique-code offers generate codes."})
    if not 1 <= count <= 100_000:
        raise ValidationError({"count": "Generate between 1 and 100000 codes at a time."})
    prefix = code_normalize(prefix)
    made = 0
    while made < count:
        batch = {
            f"{prefix}-" * bool(prefix)
            + "".join(secrets.choice(CODE_ALPHABET) for _ in range(length))
            for _ in range(min(count - made, 1000))
        }
        made += codes_import(offer=offer, codes=batch).created
    return made


@transaction.atomic
def code_issue(
    *, offer: Offer, email: str = "", entry_id: int | None = None, at: datetime | None = None
) -> Code:
    """Hand a code of ``offer`` to a consumer who won or claimed it in a promotion.

    Unique offers give the next code nobody holds (``SELECT ... FOR UPDATE SKIP LOCKED``,
    so concurrent claimants never get the same one); asking again for the same entry gives
    the same code. Shared offers give their one code. ``NoCodesLeft`` when the pool is empty.
    """
    at = at or timezone.now()
    if entry_id is not None:
        held = offer.codes.filter(entry_id=entry_id).first()
        if held is not None:
            return held
    if offer.code_type == Offer.CodeType.SHARED:
        shared = offer.codes.first()
        if shared is None:
            raise NoCodesLeft("This offer has no code yet.")
        return shared
    code = (
        offer.codes.select_for_update(skip_locked=True)
        .filter(issued_at__isnull=True, times_used=0)
        .order_by("id")
        .first()
    )
    if code is None:
        raise NoCodesLeft("All codes of this offer have been handed out.")
    code.issued_at = at
    code.issued_to_email = email
    code.entry_id = entry_id
    code.save(update_fields=["issued_at", "issued_to_email", "entry_id"])
    return code


def code_issue_for_promotion(
    *, promotion_id: int, email: str = "", entry_id: int | None = None
) -> str:
    """The code a promotion hands out (its newest valid offer's), as a plain string, so the
    promotions app can call it by dotted path without importing the shop."""
    now = timezone.now()
    offer = (
        Offer.objects.filter(
            promotion_id=promotion_id, is_active=True, starts_at__lte=now, ends_at__gt=now
        )
        .order_by("-starts_at", "-id")
        .first()
    )
    if offer is None:
        raise NoCodesLeft("This promotion has no valid shop offer.")
    return code_issue(offer=offer, email=email, entry_id=entry_id).code


# --- Checkout ------------------------------------------------------------------------


@dataclass(frozen=True)
class Buyer:
    """What the request says about the buyer besides the form: for attribution and CAPI."""

    ip: str | None = None
    user_agent: str = ""
    fbp: str = ""
    fbc: str = ""
    attribution: Attribution | None = None


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    payment_status: str
    client_secret: str = ""
    replayed: bool = False


def _stock_take(variant_id: int, quantity: int) -> bool:
    return bool(
        Variant.objects.filter(pk=variant_id, stock__gte=quantity).update(
            stock=F("stock") - quantity
        )
    )


def _redemption_hold(*, offer: Offer, code: Code, customer: str) -> None:
    """Count one use on the offer, the code and the customer, or refuse; each is one
    conditional UPDATE, so concurrent checkouts can never pass a cap together."""
    if not Offer.objects.filter(
        Q(max_redemptions__isnull=True) | Q(redemptions_count__lt=F("max_redemptions")),
        pk=offer.pk,
    ).update(redemptions_count=F("redemptions_count") + 1):
        raise CodeRefused("This offer has been fully redeemed.", code="offer_used_up", status=409)
    if not Code.objects.filter(
        Q(max_uses__isnull=True) | Q(times_used__lt=F("max_uses")), pk=code.pk
    ).update(times_used=F("times_used") + 1):
        raise CodeRefused("This code has already been used.", code="code_used", status=409)
    OfferCustomerUsage.objects.bulk_create(
        [OfferCustomerUsage(offer=offer, customer_key=customer, uses=0)], ignore_conflicts=True
    )
    usage = OfferCustomerUsage.objects.filter(offer=offer, customer_key=customer)
    if offer.max_per_customer is not None:
        usage = usage.filter(uses__lt=offer.max_per_customer)
    if not usage.update(uses=F("uses") + 1):
        raise CodeRefused(
            "You have already used this code.", code="code_used_by_customer", status=409
        )


def _holds_release(order: Order) -> None:
    """Give back the stock and the code use an order holds (caller moved it out of pending)."""
    for line in sorted(order.lines.all(), key=lambda line: line.variant_id):
        Variant.objects.filter(pk=line.variant_id).update(stock=F("stock") + line.quantity)
    redemption = Redemption.objects.filter(order=order, status=Redemption.Status.HELD).first()
    if redemption is not None:
        Offer.objects.filter(pk=redemption.offer_id, redemptions_count__gt=0).update(
            redemptions_count=F("redemptions_count") - 1
        )
        Code.objects.filter(pk=redemption.code_id, times_used__gt=0).update(
            times_used=F("times_used") - 1
        )
        OfferCustomerUsage.objects.filter(
            offer_id=redemption.offer_id, customer_key=redemption.customer_key, uses__gt=0
        ).update(uses=F("uses") - 1)
        redemption.status = Redemption.Status.RELEASED
        redemption.save(update_fields=["status"])
    Order.objects.filter(pk=order.pk).update(stock_released=True)
    order.stock_released = True


def _holds_retake(order: Order) -> bool:
    """Take again what a released order held (a payment that succeeded after all)."""
    try:
        with transaction.atomic():
            for line in sorted(order.lines.all(), key=lambda line: line.variant_id):
                if not _stock_take(line.variant_id, line.quantity):
                    raise SoldOut("gone")
            redemption = Redemption.objects.filter(order=order).first()
            if redemption is not None:
                _redemption_hold(
                    offer=redemption.offer, code=redemption.code, customer=redemption.customer_key
                )
                redemption.status = Redemption.Status.HELD
                redemption.save(update_fields=["status"])
    except (SoldOut, CodeRefused):
        return False
    Order.objects.filter(pk=order.pk).update(stock_released=False)
    order.stock_released = False
    return True


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


def _coupon_mirror(*, brand: Brand, offer: Offer, coupon: CouponCode | None) -> Code:
    """The shop's single-use twin of a code a promotion handed out: it carries the counts
    (held, released, confirmed) like any shop code. Created at its first checkout."""
    if coupon is None:
        raise CodeRefused("This code does not exist.", code="code_unknown")
    code, _ = Code.objects.get_or_create(
        brand=brand,
        code=coupon.code,
        defaults={
            "offer": offer,
            "max_uses": 1,
            "entry_id": coupon.entry_id,
            "issued_at": coupon.claimed_at,
            "promotion_coupon": True,
        },
    )
    return code


def _coupon_redeem(*, order: Order, at: datetime) -> None:
    """Tell the promotion its coupon was used by this (paid) order; a retry is a no-op."""
    redemption = Redemption.objects.select_related("code").filter(order=order).first()
    if redemption is None or not redemption.code.promotion_coupon:
        return
    try:
        promotion_code_redeem(code=redemption.code.code, reference=str(order.token), at=at)
    except CodeNotRedeemable as exc:
        logger.error("shop: coupon %s of order %s: %s", redemption.code.code, order.pk, exc)


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
) -> Order:
    """Price the cart, reserve its stock and code, and create the pending order.

    Raises ``SoldOut``, ``CodeRefused`` or ``CartInvalid`` (nothing is kept then), or
    ``IntegrityError`` when ``checkout_key`` was used already.
    """
    at = at or timezone.now()
    buyer = buyer or Buyer()
    customer = customer_key(email)
    quote = cart_quote(brand=brand, items=items, code_text=code_text, email=email, at=at)
    priced = quote.priced
    if 0 < priced.total < minimum_charge(priced.currency):
        raise CartInvalid(
            "Card payments start at "
            f"{format_money(minimum_charge(priced.currency), priced.currency)}; "
            "add something to your cart.",
            code="amount_too_small",
        )
    for line in sorted(priced.lines, key=lambda line: line.variant.pk):
        if not _stock_take(line.variant.pk, line.quantity):
            raise SoldOut(
                f"{line.variant} is sold out.", fields={"items": [f"{line.variant}: sold out."]}
            )
    match = quote.match
    code = None
    if match is not None:
        code = match.code or _coupon_mirror(brand=brand, offer=match.offer, coupon=match.coupon)
        _redemption_hold(offer=match.offer, code=code, customer=customer)

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


def attempts_limit(*, scope: str, ip: str | None, rate: str, what: str) -> None:
    """Count one attempt of a client IP; raise TooManyAttempts (429, Retry-After) over
    ``rate``. Checkout (card testing) and quotes (guessing codes) are limited so."""
    if not ip:
        return
    wait = counters.rate_limit(scope=f"shop:{scope}", key=ip, rate=rate)
    if wait:
        raise TooManyAttempts(
            f"Too many {what}. Please wait {wait} seconds and try again.", retry_after=wait
        )


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
) -> CheckoutResult:
    """Create the order (stock and code reserved) and its PaymentIntent, confirmed at once
    with the PaymentMethod the page made; the amount is the order's, computed here.

    ``payment_status`` is Stripe's: ``succeeded`` (the webhook will mark the order paid),
    ``requires_action`` (the page runs 3-D Secure with ``client_secret``), ``processing``.
    A page that posts the same ``checkout_key`` twice gets the first order back. Attempts
    per client IP are limited (``SHOP_CHECKOUT_RATE``): card testers try many cards fast.
    """
    attempts_limit(
        scope="shop-checkout",
        ip=buyer.ip if buyer is not None else None,
        rate=settings.SHOP_CHECKOUT_RATE,
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
    except stripe_client.StripeUnavailable as exc:
        order_fail(order_id=order.pk, reason=str(exc))
        raise PaymentUnavailable(
            "Payments are unavailable right now; nothing was charged. Please try again."
        ) from exc
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
            raise CheckoutInProgress("This checkout is being processed; see your order page.")
        return CheckoutResult(order=order, payment_status=order.status, replayed=True)
    try:
        intent = stripe_client.payment_intent_retrieve(order.payment_intent_id)
    except stripe_client.StripeUnavailable as exc:
        raise PaymentUnavailable("Payments are unavailable right now; try again.") from exc
    return CheckoutResult(
        order=order,
        payment_status=intent.status,
        client_secret=intent.client_secret if intent.status == "requires_action" else "",
        replayed=True,
    )


# --- Payment outcomes (called by webhooks and the expiry task) -----------------------


def order_mark_paid(
    *, order_id: int, payment_intent_id: str, amount: int, currency: str, at: datetime | None = None
) -> bool:
    """Mark an order paid, once; False when it already was or the amount does not match.

    A payment that succeeds after the order's reservation was released (it expired or
    failed meanwhile) takes its stock back; when the stock is gone the order is still
    paid (the customer was charged) and flagged for a refund.
    """
    at = at or timezone.now()
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.is_paid:
            return False
        if amount != order.total or currency.upper() != order.currency:
            logger.error(
                "shop: payment %s of %s %s does not match order %s (%s %s)",
                payment_intent_id,
                amount,
                currency,
                order.pk,
                order.total,
                order.currency,
            )
            order.failure_reason = f"Stripe reported {amount} {currency.upper()}; not marked paid."
            order.save(update_fields=["failure_reason", "updated_at"])
            return False
        order.failure_reason = ""
        if order.stock_released and not _holds_retake(order):
            order.failure_reason = (
                "Paid after its reservation was released, and the stock is gone: "
                "refund or fulfil by hand."
            )
            logger.error("shop: order %s paid without stock: %s", order.pk, order.failure_reason)
        order.status = Order.Status.PAID
        order.paid_at = at
        order.closed_at = None
        if payment_intent_id:
            order.payment_intent_id = payment_intent_id
        order.save(
            update_fields=[
                "status",
                "paid_at",
                "closed_at",
                "payment_intent_id",
                "failure_reason",
                "updated_at",
            ]
        )
        Redemption.objects.filter(order=order, status=Redemption.Status.HELD).update(
            status=Redemption.Status.CONFIRMED
        )
        _coupon_redeem(order=order, at=at)
        _enqueue("shop.tasks.order_confirmation_send", order.pk)
        if order.promotion_id:
            _enqueue("shop.tasks.order_conversion_record", order.pk)
        delivery = capi.capi_delivery_open(order=order)
        if delivery is not None:
            _enqueue("shop.tasks.capi_purchase_send", delivery.pk)
    return True


def _order_close(*, order_id: int, status: str, reason: str, at: datetime) -> bool:
    with transaction.atomic():
        closed = Order.objects.filter(pk=order_id, status=Order.Status.PENDING).update(
            status=status, failure_reason=reason[:255], closed_at=at, updated_at=at
        )
        if closed:
            _holds_release(Order.objects.get(pk=order_id))
    return bool(closed)


def order_fail(*, order_id: int, reason: str, at: datetime | None = None) -> bool:
    """A pending order whose payment failed: failed, its stock and code use given back."""
    return _order_close(
        order_id=order_id, status=Order.Status.FAILED, reason=reason, at=at or timezone.now()
    )


def order_expire(*, order_id: int, at: datetime | None = None) -> str:
    """Expire a pending order past its reservation, unless its payment is going through.

    Its PaymentIntent is canceled first; if Stripe says it succeeded or is processing
    meanwhile, the order stays pending for the webhook, and once ``WEBHOOK_GRACE`` has
    passed without one, a succeeded payment marks it paid from the API (a lost webhook).
    Returns what happened.
    """
    at = at or timezone.now()
    order = Order.objects.filter(pk=order_id).first()
    if order is None or order.status != Order.Status.PENDING:
        return "not_pending"
    if order.reserved_until > at:
        return "not_due"
    if order.payment_intent_id:
        intent = stripe_client.payment_intent_cancel(order.payment_intent_id)
        if intent.status == "succeeded" and at >= order.reserved_until + WEBHOOK_GRACE:
            # Stripe says paid and its webhook never came: reconcile from the API.
            paid = order_mark_paid(
                order_id=order.pk,
                payment_intent_id=intent.id,
                amount=intent.amount,
                currency=intent.currency,
                at=at,
            )
            logger.warning("shop: order %s paid by reconciliation (no webhook)", order.pk)
            return "paid_by_reconciliation" if paid else "payment_in_flight"
        if intent.status in ("succeeded", "processing", "requires_capture"):
            return "payment_in_flight"
    expired = _order_close(
        order_id=order.pk,
        status=Order.Status.EXPIRED,
        reason="The reservation expired before the payment was completed.",
        at=at,
    )
    return "expired" if expired else "not_pending"


def orders_expire_due(*, at: datetime | None = None, limit: int = 500) -> dict[str, int]:
    """Expire every pending order whose reservation is over (the scheduled task)."""
    at = at or timezone.now()
    outcomes: dict[str, int] = {}
    due = Order.objects.reservation_over(at).order_by("reserved_until")
    ids = list(due.values_list("pk", flat=True)[:limit])
    for order_id in ids:
        try:
            outcome = order_expire(order_id=order_id, at=at)
        except stripe_client.StripeUnavailable as exc:
            logger.warning("shop: order %s not expired yet, Stripe unavailable: %s", order_id, exc)
            outcome = "stripe_unavailable"
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return outcomes


def order_for_payment_intent(intent: dict[str, object]) -> Order | None:
    """The order a PaymentIntent (as a webhook carries it) pays: by our metadata, else by id."""
    metadata = intent.get("metadata") or {}
    token = metadata.get("order") if isinstance(metadata, dict) else None
    if token:
        try:
            return Order.objects.filter(token=uuid.UUID(str(token))).first()
        except ValueError:
            return None
    intent_id = str(intent.get("id") or "")
    return Order.objects.filter(payment_intent_id=intent_id).first() if intent_id else None


# --- Refunds ---------------------------------------------------------------------------


def order_refund(
    *, order: Order, amount: int | None = None, reason: str = "", requested_by_id: int | None = None
) -> Refund:
    """Ask Stripe to refund (all that is left by default). The refund is recorded as
    pending; the webhook (or ``refunds_reconcile``) confirms it and updates the order."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if not order.is_paid or not order.payment_intent_id:
            raise RefundRefused("Only orders paid by card can be refunded.")
        claimed = (
            order.refunds.exclude(
                status__in=[Refund.Status.FAILED, Refund.Status.CANCELED]
            ).aggregate(total=Sum("amount"))["total"]
            or 0
        )
        left = order.total - claimed
        amount = left if amount is None else amount
        if amount <= 0 or amount > left:
            raise RefundRefused(
                f"{format_money(left, order.currency)} is left to refund on this order."
            )
        try:
            info = stripe_client.refund_create(
                payment_intent=order.payment_intent_id,
                amount=amount,
                # Same order, same amount already claimed: same key, so a retried click
                # cannot refund twice.
                idempotency_key=f"refund-{order.token}-{claimed}-{amount}",
                metadata={"order": str(order.token)},
            )
        except stripe_client.StripeUnavailable as exc:
            raise RefundRefused(f"Stripe did not take the refund: {exc}") from exc
        refund, _ = Refund.objects.get_or_create(
            stripe_refund_id=info.id,
            defaults={
                "order": order,
                "amount": info.amount,
                "currency": info.currency,
                "reason": reason[:255],
                "requested_by_id": requested_by_id,
            },
        )
    return refund


def refund_record(
    *,
    stripe_refund_id: str,
    status: str,
    amount: int,
    currency: str,
    order: Order,
    at: datetime | None = None,
) -> Refund:
    """Record what Stripe says about a refund (webhook or reconciliation), idempotently,
    and bring the order's refunded amount and status in line."""
    at = at or timezone.now()
    status = status if status in Refund.Status.values else Refund.Status.PENDING
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        refund, _ = Refund.objects.select_for_update().get_or_create(
            stripe_refund_id=stripe_refund_id,
            defaults={"order": order, "amount": amount, "currency": currency.upper()},
        )
        if refund.status != status:
            refund.status = status
            refund.confirmed_at = at if status == Refund.Status.SUCCEEDED else None
            refund.save(update_fields=["status", "confirmed_at", "updated_at"])
        refunded = (
            order.refunds.filter(status=Refund.Status.SUCCEEDED).aggregate(total=Sum("amount"))[
                "total"
            ]
            or 0
        )
        order.refunded_amount = min(refunded, order.total)
        if order.is_paid:
            order.status = (
                Order.Status.REFUNDED if order.refunded_amount >= order.total else Order.Status.PAID
            )
        order.save(update_fields=["refunded_amount", "status", "updated_at"])
    return refund


def refunds_reconcile(*, older_than: timedelta = timedelta(minutes=5)) -> int:
    """Ask Stripe about refunds still pending (a webhook lost or late); returns updates."""
    changed = 0
    stale = Refund.objects.filter(
        status=Refund.Status.PENDING, created_at__lte=timezone.now() - older_than
    ).select_related("order")
    for refund in stale:
        try:
            info = stripe_client.refund_retrieve(refund.stripe_refund_id)
        except stripe_client.StripeUnavailable:
            continue
        if info.status != refund.status:
            refund_record(
                stripe_refund_id=info.id,
                status=info.status,
                amount=info.amount,
                currency=info.currency,
                order=refund.order,
            )
            changed += 1
    return changed


# --- Follow-ups of a paid order (tasks) ---------------------------------------------------


def order_confirmation_send(*, order_id: int) -> bool:
    """Email the buyer their order, once (a retried task sends nothing more)."""
    now = timezone.now()
    if not Order.objects.filter(
        pk=order_id,
        confirmation_sent_at__isnull=True,
        status__in=[Order.Status.PAID, Order.Status.REFUNDED],
    ).update(confirmation_sent_at=now):
        return False
    order = Order.objects.select_related("brand").prefetch_related("lines").get(pk=order_id)
    try:
        with translation.override(order.brand.language):
            context = {"order": order, "brand": order.brand, "site_url": settings.SITE_URL}
            subject = f"{order.brand.name}: your order {order.number}"
            text = render_to_string("shop/email/order_confirmation.txt", context)
            html = render_to_string("shop/email/order_confirmation.html", context)
        message = EmailMultiAlternatives(subject, text, to=[order.email])
        message.attach_alternative(html, "text/html")
        message.send()
    except Exception:
        Order.objects.filter(pk=order_id).update(confirmation_sent_at=None)
        raise
    return True


CONFIRMATION_RETRY_AFTER = timedelta(minutes=5)
CONFIRMATION_GIVE_UP_AFTER = timedelta(days=3)


def order_confirmations_due(*, at: datetime | None = None) -> list[int]:
    """Paid orders whose confirmation has not gone out although it was queued a while
    ago (the mail server failed, the worker died): oldest first, for a resend."""
    at = at or timezone.now()
    return list(
        Order.objects.filter(
            confirmation_sent_at__isnull=True,
            status__in=[Order.Status.PAID, Order.Status.REFUNDED],
            paid_at__lte=at - CONFIRMATION_RETRY_AFTER,
            paid_at__gte=at - CONFIRMATION_GIVE_UP_AFTER,
        )
        .order_by("paid_at")
        .values_list("pk", flat=True)[:200]
    )


def order_conversion_record(*, order_id: int) -> bool:
    """Count a paid, attributed order in the promotion's reports (once: a stable event id)."""
    from tracking.models import EventType
    from tracking.services import conversion_event_id, conversion_record

    order = Order.objects.select_related("promotion__campaign").filter(pk=order_id).first()
    if order is None or order.promotion is None or order.paid_at is None:
        return False
    conversion_record(
        event_id=conversion_event_id(kind="order", object_id=order.pk),
        type=EventType.ORDER,
        promotion_id=order.promotion.pk,
        campaign_id=order.promotion.campaign_id,
        brand_id=order.brand_id,
        ts=order.paid_at,
        value=order.total,
        currency=order.currency,
        source="shop",
    )
    return True
