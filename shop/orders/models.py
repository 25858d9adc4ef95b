"""Orders, their lines, the redemption of an offer's code, and refunds."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from promotions.models import Brand, Promotion
from shop.catalog.models import Variant
from shop.money import currency_validator
from shop.offers.models import Code, Offer


class OrderQuerySet(models.QuerySet["Order"]):
    def for_brands(self, brand_ids: object) -> OrderQuerySet:
        return self.filter(brand_id__in=brand_ids)

    def reservation_over(self, at: datetime) -> OrderQuerySet:
        return self.filter(status=Order.Status.PENDING, reserved_until__lte=at)


class Order(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Awaiting payment")
        PAID = "paid", _("Paid")
        FAILED = "failed", _("Payment failed")
        EXPIRED = "expired", _("Reservation expired")
        REFUNDED = "refunded", _("Refunded")

    class AttributionSource(models.TextChoices):
        NONE = "", _("None")
        CLICK = "click", _("Promotion click")
        COUPON = "coupon", _("Promotion coupon")

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="shop_orders")
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    checkout_key = models.UUIDField(
        null=True, blank=True, editable=False, help_text=_("The page's id for this checkout.")
    )
    email = models.EmailField()
    customer_key = models.CharField(max_length=254, db_index=True)
    language = models.CharField(
        max_length=8, blank=True, help_text=_("The shop page's language; emails are sent in it.")
    )
    country = models.CharField(
        max_length=2,
        blank=True,
        help_text=_(
            "Where the buyer lives, as far as the checkout knew (the signed-in entrant's "
            "country, the Facebook tab's, else the address's); a purchase entry is judged by it."
        ),
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    currency = models.CharField(max_length=3, validators=[currency_validator])
    subtotal = models.PositiveIntegerField()
    discount = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField()
    refunded_amount = models.PositiveIntegerField(default=0)
    refund_claimed = models.PositiveIntegerField(
        default=0,
        editable=False,
        help_text=_("Refunds asked for and not failed: never more than the total."),
    )
    reserved_until = models.DateTimeField()
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    failure_reason = models.CharField(max_length=255, blank=True)
    stock_released = models.BooleanField(default=False, editable=False)
    # Attribution: the promotion click (ph_click cookie) or coupon that led to the order.
    promotion = models.ForeignKey(
        Promotion, null=True, blank=True, on_delete=models.SET_NULL, related_name="shop_orders"
    )
    attribution_source = models.CharField(
        max_length=8, blank=True, choices=AttributionSource.choices
    )
    click_event_id = models.UUIDField(null=True, blank=True)
    clicked_at = models.DateTimeField(null=True, blank=True)
    entry_id = models.BigIntegerField(null=True, blank=True)
    # What the Conversions API matches a buyer with (kept with the order, never logged).
    client_ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=400, blank=True)
    fbp = models.CharField(max_length=200, blank=True)
    fbc = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True, help_text=_("Failed or expired at."))
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    paid_recorded_at = models.DateTimeField(
        null=True,
        blank=True,
        editable=False,
        help_text=_(
            "When the paid order was counted in its promotion's reports and earned its entry "
            "where the promotion says so (by the queued task, or by the sweep that repeats a "
            "lost one)."
        ),
    )

    objects = OrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["brand", "checkout_key"], name="shop_uniq_order_checkout_key"
            ),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") - F("discount")), name="shop_order_total"
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=F("total")), name="shop_order_refund_lte_total"
            ),
            models.CheckConstraint(
                condition=Q(refund_claimed__lte=F("total")), name="shop_order_claimed_lte_total"
            ),
        ]
        indexes = [
            models.Index(fields=["status", "reserved_until"], name="shop_order_reservation"),
            models.Index(fields=["brand", "created_at"], name="shop_order_brand_created"),
            models.Index(fields=["promotion", "status"], name="shop_order_promotion"),
        ]

    def __str__(self) -> str:
        return f"Order {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("shop:order", args=[self.brand.slug, self.token])

    @property
    def number(self) -> str:
        """What a customer quotes: short, stable, not guessable from the row id alone."""
        return str(self.token).split("-")[0].upper()

    @property
    def is_paid(self) -> bool:
        return self.status in (self.Status.PAID, self.Status.REFUNDED)


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="order_lines")
    product_title = models.CharField(max_length=140)
    variant_name = models.CharField(max_length=80, blank=True)
    unit_price = models.PositiveIntegerField()
    quantity = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    discount = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="shop_line_quantity_gte_1"),
            models.CheckConstraint(
                condition=Q(total=F("unit_price") * F("quantity") - F("discount")),
                name="shop_line_total",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_title}"

    @property
    def subtotal(self) -> int:
        return self.unit_price * self.quantity


class Redemption(models.Model):
    """An order's use of an offer's code: held at checkout, confirmed when paid, released
    (its counts given back) when the order fails or expires."""

    class Status(models.TextChoices):
        HELD = "held", _("Held")
        CONFIRMED = "confirmed", _("Confirmed")
        RELEASED = "released", _("Released")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="redemption")
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="redemptions")
    code = models.ForeignKey(Code, on_delete=models.PROTECT, related_name="redemptions")
    customer_key = models.CharField(max_length=254)
    discount = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.HELD)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code} on order {self.order_id}"


class Refund(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Requested, waiting for Stripe")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")
        CANCELED = "canceled", _("Canceled")

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    # Empty (NULL) from the claim until Stripe has answered the queued request.
    stripe_refund_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    amount = models.PositiveIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=255, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    # Failed by us, not by Stripe: the sweep stopped sending it (SHOP_REFUND_RETRY_DAYS
    # without an answer). Stripe's own word, if it comes later, replaces that failure.
    given_up_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.stripe_refund_id or f"refund {self.pk} (not sent yet)"
