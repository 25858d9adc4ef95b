"""Offers, the shop's codes and each customer's uses of an offer; every "at most N" is a
CHECK constraint here, taken by a conditional UPDATE in the services."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from promotions.models import Brand, Promotion
from shop.catalog.models import Product
from shop.money import charge_step_check, currency_validator


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
            elif refused := charge_step_check(self.amount_off, self.currency):
                errors["amount_off"] = refused
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
