"""The shop: brand-scoped products and their stock, offers and codes, orders paid with Stripe.

Money is integer minor units plus a currency (``shop.money``). Every "at most N" (stock,
an offer's total redemptions, a code's uses, a customer's uses of an offer) is held by the
database: a conditional ``UPDATE ... WHERE remaining`` in the services, backed by a CHECK
constraint here. Nothing happens in ``save()``: the flow reads from the services of each room
(``shop.catalog``, ``shop.offers``, ``shop.checkout``, ``shop.orders``, ``shop.payments``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from promotions.models import Brand, Promotion
from shop.money import currency_validator

# Path segments of /shop/<brand>/ that a product slug cannot take.
RESERVED_PRODUCT_SLUGS = frozenset({"checkout", "quote", "orders", "webhook", "static", "media"})


# --- Catalog ---------------------------------------------------------------------------


class ProductQuerySet(models.QuerySet["Product"]):
    def on_sale(self, at: datetime | None = None) -> ProductQuerySet:
        """Active products inside their (optional) window ``[available_from, available_until)``."""
        at = at or timezone.now()
        return self.filter(
            Q(available_from__isnull=True) | Q(available_from__lte=at),
            Q(available_until__isnull=True) | Q(available_until__gt=at),
            is_active=True,
        )

    def for_brands(self, brand_ids: object) -> ProductQuerySet:
        return self.filter(brand_id__in=brand_ids)


class Product(models.Model):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="products")
    slug = models.SlugField(max_length=60)
    title = models.CharField(max_length=140)
    description = models.TextField(blank=True)
    price = models.PositiveIntegerField(
        help_text=_("In minor units of the currency: 1999 is 19.99 EUR.")
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_validator])
    is_active = models.BooleanField(default=True)
    available_from = models.DateTimeField(null=True, blank=True)
    available_until = models.DateTimeField(null=True, blank=True)
    max_per_order = models.PositiveSmallIntegerField(
        default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "slug"], name="shop_uniq_product_slug"),
            models.CheckConstraint(
                condition=Q(available_from__isnull=True)
                | Q(available_until__isnull=True)
                | Q(available_until__gt=F("available_from")),
                name="shop_product_window_ordered",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("shop:product", args=[self.brand.slug, self.slug])

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.slug in RESERVED_PRODUCT_SLUGS:
            errors["slug"] = _("%(slug)s is used by the shop itself; choose another slug.") % {
                "slug": self.slug
            }
        if (
            self.available_from
            and self.available_until
            and self.available_until <= self.available_from
        ):
            errors["available_until"] = _("The end must come after the start.")
        if errors:
            raise ValidationError(errors)

    @property
    def in_stock(self) -> bool:
        """Some active variant has units left (reads prefetched variants when there are)."""
        return any(v.is_active and v.stock > 0 for v in self.variants.all())

    def is_on_sale(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return (
            self.is_active
            and (self.available_from is None or self.available_from <= at)
            and (self.available_until is None or at < self.available_until)
        )


class ProductImage(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(upload_to="shop/%Y/%m/")
    alt = models.CharField(max_length=200, help_text=_("Describes the image for screen readers."))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.alt


class Variant(models.Model):
    """What a customer buys and what holds stock. A product without options has one
    variant with an empty name."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    name = models.CharField(
        max_length=80, blank=True, help_text=_("e.g. Blue / M. Empty: the product itself.")
    )
    sku = models.CharField(max_length=64, blank=True)
    price = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Minor units; empty: the product's price.")
    )
    stock = models.PositiveIntegerField(
        default=0,
        help_text=_(
            "Units still available. Checkout reserves from it; failed and expired orders "
            "give their units back."
        ),
    )
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "name"], name="shop_uniq_variant_name"),
            models.CheckConstraint(condition=Q(stock__gte=0), name="shop_variant_stock_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.product.title} · {self.name}" if self.name else self.product.title

    @property
    def unit_price(self) -> int:
        return self.product.price if self.price is None else self.price


# --- Offers and codes ----------------------------------------------------------------


class OfferQuerySet(models.QuerySet["Offer"]):
    def for_brands(self, brand_ids: object) -> OfferQuerySet:
        return self.filter(brand_id__in=brand_ids)


class Offer(models.Model):
    """Availability (window, caps) + condition (which products) + benefit (what is off)."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percent off")
        AMOUNT = "amount", _("Amount off")

    class CodeType(models.TextChoices):
        SHARED = "shared", _("One shared code")
        UNIQUE = "unique", _("Unique single-use codes")

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="shop_offers")
    promotion = models.ForeignKey(
        Promotion,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="shop_offers",
        help_text=_("The promotion whose winners or claimants receive these codes."),
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.PERCENT)
    percent_off = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    amount_off = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Minor units of the currency.")
    )
    currency = models.CharField(
        max_length=3, blank=True, validators=[currency_validator], help_text=_("For amount off.")
    )
    products = models.ManyToManyField(
        Product,
        blank=True,
        related_name="offers",
        help_text=_("The products it takes off from; none: the whole order."),
    )
    code_type = models.CharField(max_length=8, choices=CodeType.choices, default=CodeType.UNIQUE)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    is_active = models.BooleanField(default=True)
    max_redemptions = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("Orders that may use the offer in all; empty: no cap.")
    )
    max_per_customer = models.PositiveIntegerField(
        null=True,
        blank=True,
        default=1,
        validators=[MinValueValidator(1)],
        help_text=_("Orders one customer (email) may use it for; empty: no cap."),
    )
    redemptions_count = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="shop_offer_window_ordered"
            ),
            models.CheckConstraint(
                condition=Q(max_redemptions__isnull=True)
                | Q(redemptions_count__lte=F("max_redemptions")),
                name="shop_offer_redemptions_within_cap",
            ),
            models.CheckConstraint(
                condition=(Q(kind="percent") & Q(percent_off__gte=1) & Q(percent_off__lte=100))
                | (Q(kind="amount") & Q(amount_off__gte=1)),
                name="shop_offer_benefit_set",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, object] = {}
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            errors["ends_at"] = _("The end must come after the start.")
        if self.kind == self.Kind.PERCENT:
            if not self.percent_off:
                errors["percent_off"] = _("Say how many percent are off (1 to 100).")
            self.amount_off = None
            self.currency = ""
        elif self.kind == self.Kind.AMOUNT:
            if not self.amount_off:
                errors["amount_off"] = _("Say how much is off, in minor units.")
            if not self.currency:
                errors["currency"] = _("An amount off needs its currency.")
            self.percent_off = None
        promotion = self.promotion if self.promotion_id else None
        if promotion is not None and self.brand_id and promotion.brand.pk != self.brand_id:
            errors["promotion"] = _("The promotion belongs to another brand.")
        if errors:
            raise ValidationError(errors)

    def is_valid_at(self, at: datetime) -> bool:
        return self.is_active and self.starts_at <= at < self.ends_at

    @property
    def benefit_label(self) -> str:
        from shop.money import format_money

        if self.kind == self.Kind.PERCENT:
            return f"{self.percent_off}% off"
        return f"{format_money(self.amount_off or 0, self.currency)} off"


class Code(models.Model):
    """A code customers type at checkout. Codes are stored upper-case; look-ups normalise."""

    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="shop_codes")
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=40)
    max_uses = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("1 for a unique code; empty: the offer's caps only.")
    )
    times_used = models.PositiveIntegerField(default=0, editable=False)
    issued_to_email = models.EmailField(blank=True)
    issued_at = models.DateTimeField(null=True, blank=True)
    entry_id = models.BigIntegerField(
        null=True, blank=True, help_text=_("The promotion entry that won or claimed the code.")
    )
    promotion_coupon = models.BooleanField(
        default=False,
        editable=False,
        help_text=_(
            "Mirrors a code a promotion handed out from its own pool (promotions.CouponCode): "
            "counted here, marked redeemed there when the order is paid."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "code"], name="shop_uniq_code_per_brand"),
            models.CheckConstraint(
                condition=Q(max_uses__isnull=True) | Q(times_used__lte=F("max_uses")),
                name="shop_code_uses_within_cap",
            ),
        ]
        indexes = [models.Index(fields=["offer", "issued_at"], name="shop_code_offer_issued")]

    def __str__(self) -> str:
        return self.code


class OfferCustomerUsage(models.Model):
    """How many orders one customer has (held or paid) with an offer: the per-customer cap
    is a conditional UPDATE on this single row."""

    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="customer_usages")
    customer_key = models.CharField(max_length=254)
    uses = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["offer", "customer_key"], name="shop_uniq_usage_offer_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.offer_id}:{self.customer_key} x{self.uses}"


# --- Orders ---------------------------------------------------------------------------


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

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.stripe_refund_id or f"refund {self.pk} (not sent yet)"


# --- Integrations -------------------------------------------------------------------


class StripeEvent(models.Model):
    """Every webhook event, stored by id before it is handled: a replay is a no-op."""

    id = models.CharField(max_length=255, primary_key=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    deliveries = models.PositiveIntegerField(
        default=1, help_text=_("How many times Stripe delivered it (replays change nothing).")
    )
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["type", "received_at"], name="shop_stripe_event_type")]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class CapiDelivery(models.Model):
    """The Purchase event of a paid order for Facebook's Conversions API, until delivered."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        GAVE_UP = "gave_up", _("Gave up")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="capi_delivery")
    event_id = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="shop_capi_due")]
        verbose_name_plural = _("Conversions API deliveries")

    def __str__(self) -> str:
        return f"Purchase {self.event_id} ({self.status})"


class CapiAttempt(models.Model):
    """One HTTP call to the Graph API: the delivery log."""

    delivery = models.ForeignKey(CapiDelivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField()
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.TextField(blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else 'failed'}"


# --- Markets and their prices ----------------------------------------------------------


class Market(models.Model):
    """A country the brand sells in, and the currency its residents pay in. A visitor from
    a country without a market sees each product in its own currency (``Product.currency``).
    """

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="shop_markets")
    country = models.CharField(
        max_length=2, help_text=_("ISO 3166 country code of the visitors, e.g. US.")
    )
    currency = models.CharField(
        max_length=3,
        validators=[currency_validator],
        help_text=_("ISO 4217 currency they see and pay in, e.g. USD."),
    )

    class Meta:
        ordering = ["brand", "country"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "country"], name="shop_uniq_market_country")
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.currency}"

    def clean(self) -> None:
        from promotions.campaigns.countries import COUNTRY_NAMES

        self.country = (self.country or "").strip().upper()
        self.currency = (self.currency or "").strip().upper()
        if self.country not in COUNTRY_NAMES:
            raise ValidationError(
                {"country": _("Not an ISO 3166 country code (use two letters, e.g. US).")}
            )


class Price(models.Model):
    """A product's price in one currency (or one variant's, overriding the product's), set
    by the marketer in minor units: prices are never converted from another currency. A
    product without a price in a market's currency is not sold in that market."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="prices")
    variant = models.ForeignKey(
        Variant,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="prices",
        help_text=_("Empty: every variant of the product (unless a variant has its own)."),
    )
    currency = models.CharField(max_length=3, validators=[currency_validator])
    amount = models.PositiveIntegerField(
        help_text=_("In minor units of the currency: 2199 is 21.99 USD.")
    )

    class Meta:
        ordering = ["product", "currency", "variant"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "currency"],
                condition=Q(variant__isnull=True),
                name="shop_uniq_product_price_currency",
            ),
            models.UniqueConstraint(
                fields=["variant", "currency"],
                condition=Q(variant__isnull=False),
                name="shop_uniq_variant_price_currency",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant or self.product}: {self.amount} {self.currency}"

    def clean(self) -> None:
        self.currency = (self.currency or "").strip().upper()
        variant = self.variant if self.variant_id else None
        if variant is not None and self.product_id and variant.product_id != self.product_id:
            raise ValidationError({"variant": _("This variant belongs to another product.")})
