"""The catalog's models: products, their images and variants (each holding its stock), the
markets a brand sells in and the prices set per currency (never converted).

Django finds them through ``shop.models`` (app label ``shop``)."""

from __future__ import annotations

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from promotions.models import Brand
from shop.money import charge_step_check, currency_validator

# Path segments of /shop/<brand>/ that a product slug cannot take.
RESERVED_PRODUCT_SLUGS = frozenset({"checkout", "quote", "orders", "webhook", "static", "media"})


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
        if refused := charge_step_check(self.price, self.currency or ""):
            errors["price"] = refused
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

    def clean(self) -> None:
        product = self.product if self.product_id else None
        if product is not None and (refused := charge_step_check(self.price, product.currency)):
            raise ValidationError({"price": refused})

    @property
    def unit_price(self) -> int:
        return self.product.price if self.price is None else self.price


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
        if refused := charge_step_check(self.amount, self.currency):
            raise ValidationError({"amount": refused})
