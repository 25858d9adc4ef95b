"""Products, their variants and images. Stock changes are deltas applied with one
conditional UPDATE: a form never writes an absolute stock over reservations made meanwhile."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from promotions.admin.displays import ADMIN_MEDIA, BrandTimezoneFormMixin
from promotions.admin.scoping import (
    BrandKeptMixin,
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
    choices_queryset,
)
from promotions.admin.translations import TranslatedFieldsAdminMixin
from promotions.models import Brand
from shop.catalog import selectors, services
from shop.models import Market, Price, Product, ProductImage, Variant
from shop.money import format_money


class VariantForm(forms.ModelForm):
    adjust_by = forms.IntegerField(
        required=False,
        label=_("add to stock"),
        help_text=_("Units to add (negative: to take away)."),
        widget=forms.NumberInput(attrs={"style": "width:6em"}),
    )

    class Meta:
        model = Variant
        fields = ["name", "sku", "price", "is_active", "position"]


class VariantFormSet(BaseInlineFormSet):
    def save_existing(self, form: forms.ModelForm, obj: Model, commit: bool = True) -> Model:
        """Save what the form edits, never ``stock`` (reservations change it meanwhile)."""
        instance = form.save(commit=False)
        if commit:
            instance.save(update_fields=list(VariantForm.Meta.fields))
        return instance


class VariantInline(BrandScopedAdminMixin, admin.TabularInline):
    model = Variant
    form = VariantForm
    formset = VariantFormSet
    fields = ["name", "sku", "price", "stock", "adjust_by", "is_active", "position"]
    readonly_fields = ["stock"]
    extra = 0
    verbose_name_plural = _(
        "variants and stock (a product without options has one variant with no name)"
    )


class ProductImageInline(BrandScopedAdminMixin, admin.TabularInline):
    model = ProductImage
    fields = ["image", "alt", "position"]
    extra = 0


def _upper(value: object) -> str:
    return str(value or "").strip().upper()


class PriceForm(forms.ModelForm):
    class Meta:
        model = Price
        fields = ["currency", "amount", "variant"]

    def clean_currency(self) -> str:
        return _upper(self.cleaned_data.get("currency"))


class MarketForm(forms.ModelForm):
    class Meta:
        model = Market
        fields = ["brand", "country", "currency"]

    def clean_country(self) -> str:
        return _upper(self.cleaned_data.get("country"))

    def clean_currency(self) -> str:
        return _upper(self.cleaned_data.get("currency"))


class PriceFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        """One price per currency for the product, and per currency for each variant
        (the database's conditional unique constraints, said before they would fail)."""
        super().clean()
        seen: set[tuple[str, int | None]] = set()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("currency"):
                continue
            variant = data.get("variant")
            key = (str(data["currency"]).strip().upper(), variant.pk if variant else None)
            if key in seen:
                raise ValidationError(
                    _("Two prices in %(currency)s for the same product or variant: keep one.")
                    % {"currency": key[0]}
                )
            seen.add(key)


class PriceInline(BrandScopedAdminMixin, admin.TabularInline):
    """The product's prices in other currencies (the markets' currencies), in minor units;
    a variant's price overrides the product's in that currency. Never converted."""

    model = Price
    form = PriceForm
    formset = PriceFormSet
    fk_name = "product"
    fields = ["currency", "amount", "variant"]
    extra = 0
    verbose_name = _("price in another currency")
    verbose_name_plural = _(
        "prices per currency (a market sells only what has a price in its currency)"
    )

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        product_id = (
            request.resolver_match.kwargs.get("object_id") if request.resolver_match else None
        )
        if db_field.name == "variant" and field is not None:
            field.queryset = field.queryset.filter(product_id=product_id or 0)
        return field


@admin.register(Market)
class MarketAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    """The countries a brand's shop sells in and their currencies: visitors from there see
    and pay prices in that currency (products without a price in it are not sold there);
    elsewhere each product is sold in its own currency. Its own page rather than an inline
    of the brand's, which the promotions app owns (and which knows no shop)."""

    form = MarketForm
    list_display = ["brand", "country", "currency"]
    list_editable = ["currency"]
    list_filter = [("brand", ScopedRelatedFilter), "currency"]
    list_select_related = ["brand"]
    search_fields = ["country", "currency", "brand__name"]
    fields = ["brand", "country", "currency"]


@admin.register(Product)
class ProductAdmin(
    BrandKeptMixin,
    BrandTimezoneFormMixin,
    TranslatedFieldsAdminMixin,
    BrandScopedAdminMixin,
    admin.ModelAdmin,
):
    """Sale dates are typed and shown in the brand's zone, as the list shows them."""

    list_display = ["title", "brand", "price_display", "stock_total", "is_active", "window"]
    list_filter = [("brand", ScopedRelatedFilter), "is_active"]
    list_select_related = ["brand"]
    search_fields = ["title", "slug", "variants__sku"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [VariantInline, PriceInline, ProductImageInline]

    def get_fieldsets(self, request: HttpRequest, obj: Product | None = None) -> Any:
        on_sale = self._window_fieldset_description(
            _("Empty dates: on sale as long as it is active.")
        )
        return [
            (None, {"fields": ["brand", "title", "slug", "description"]}),
            (_("Price"), {"fields": ["price", "currency", "max_per_order"]}),
            (
                _("On sale"),
                {
                    "fields": ["is_active", "available_from", "available_until", "position"],
                    "description": on_sale,
                },
            ),
        ]

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        product = self._object(request, object_id)
        if product is not None:
            return str(product.brand.timezone)
        brand_id, brands = str(request.GET.get("brand", "")), choices_queryset(request, Brand)
        requested = brands.filter(pk=brand_id).first() if brand_id.isdigit() and brands else None
        return str(requested.timezone) if requested else self._common_timezone(request)

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return selectors.product_list_with_stock(super().get_queryset(request))

    @admin.display(description=_("price"), ordering="price")
    def price_display(self, obj: Product) -> str:
        return format_money(obj.price, obj.currency)

    @admin.display(description=_("stock"), ordering="stock_sum")
    def stock_total(self, obj: Product) -> int:
        return obj.stock_sum or 0  # type: ignore[attr-defined]

    @admin.display(description=_("window"))
    def window(self, obj: Product) -> str:
        if not obj.available_from and not obj.available_until:
            return "—"
        tz = obj.brand.tzinfo
        start = f"{obj.available_from.astimezone(tz):%Y-%m-%d %H:%M}" if obj.available_from else ""
        end = f"{obj.available_until.astimezone(tz):%Y-%m-%d %H:%M}" if obj.available_until else ""
        return f"{start} → {end}"

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        super().save_formset(request, form, formset, change)
        if formset.model is not Variant:
            return
        for variant_form in formset.forms:
            delta = variant_form.cleaned_data.get("adjust_by") if variant_form.is_valid() else None
            instance = variant_form.instance
            if delta and instance.pk and not variant_form.cleaned_data.get("DELETE"):
                try:
                    stock = services.variant_stock_adjust(variant_id=instance.pk, delta=delta)
                except ValidationError as exc:
                    messages.error(request, f"{instance}: {' '.join(exc.messages)}")
                else:
                    messages.info(
                        request, _("%(v)s: %(n)d in stock.") % {"v": instance, "n": stock}
                    )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)
        services.product_default_variant_ensure(product=form.instance)
