"""Shop admin: products and stock, offers and their codes, orders and refunds, and the logs
of Stripe events and Conversions API deliveries.

Scoped by brand membership like the rest of the admin (``promotions.admin.scoping``):
a staff user sees only their brands' shop; managers edit, analysts read. Stripe events
have no brand and are for superusers. Stock changes are deltas applied with one
conditional UPDATE (a form never writes an absolute stock over reservations made
meanwhile); refunds go through Stripe and are confirmed by its webhook.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Model, QuerySet, Sum
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from promotions.admin.displays import ADMIN_MEDIA, BrandTimezoneFormMixin
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
    SuperuserAuditAdmin,
    editable_brand_ids,
    is_superuser,
    viewable_brand_ids,
)
from promotions.models import Brand
from shop import capi, services
from shop.errors import ShopError
from shop.models import (
    CapiAttempt,
    CapiDelivery,
    Code,
    Offer,
    Order,
    OrderLine,
    Product,
    ProductImage,
    Refund,
    StripeEvent,
    Variant,
)
from shop.money import format_money

_ORDER_NUMBER = re.compile(r"[0-9A-Fa-f]{8}")  # Order.number: the token's first 8 hex digits

# Where each model's brand is, for querysets (lookups) and objects (attribute paths).
BRAND_PATHS: dict[type[Model], str] = {
    Product: "brand",
    ProductImage: "product__brand",
    Variant: "product__brand",
    Offer: "brand",
    Code: "brand",
    Order: "brand",
    OrderLine: "order__brand",
    Refund: "order__brand",
    CapiDelivery: "order__brand",
    CapiAttempt: "delivery__order__brand",
}


def shop_brand_id(obj: Model) -> int | None:
    path_ = BRAND_PATHS.get(type(obj))
    if path_ is None:
        return None
    *hops, last = path_.split("__")
    target: Any = obj
    for hop in hops:
        target = getattr(target, hop, None)
        if target is None:
            return None
    return getattr(target, f"{last}_id", None)


class ShopScopedMixin(BrandScopedAdminMixin):
    """BrandScopedAdminMixin for the shop's models (their brand is reached via BRAND_PATHS)."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        qs = super(BrandScopedAdminMixin, self).get_queryset(request)  # type: ignore[misc]
        if is_superuser(request):
            return qs
        lookup = BRAND_PATHS.get(qs.model)
        if lookup is None:
            return qs.none()
        return qs.filter(**{f"{lookup}__in": viewable_brand_ids(request)})

    def _may(self, request: HttpRequest, obj: Model | None, brand_ids: set[int]) -> bool:
        if not brand_ids:
            return False
        if obj is None:
            return True
        if isinstance(obj, Brand):
            return obj.pk in brand_ids
        brand_id = shop_brand_id(obj)
        return brand_id is not None and brand_id in brand_ids

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Product and "queryset" not in kwargs:
            products = Product.objects.select_related("brand").order_by("brand__name", "title")
            if not is_superuser(request):
                products = products.filter(brand_id__in=editable_brand_ids(request))
            kwargs["queryset"] = products
        return super().formfield_for_manytomany(db_field, request, **kwargs)


def _money(amount: int | None, currency: str) -> str:
    return "" if amount is None else format_money(amount, currency)


# --- Products and stock ----------------------------------------------------------------


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


class VariantInline(ShopScopedMixin, admin.TabularInline):
    model = Variant
    form = VariantForm
    formset = VariantFormSet
    fields = ["name", "sku", "price", "stock", "adjust_by", "is_active", "position"]
    readonly_fields = ["stock"]
    extra = 0
    verbose_name_plural = _(
        "variants and stock (a product without options has one variant with no name)"
    )


class ProductImageInline(ShopScopedMixin, admin.TabularInline):
    model = ProductImage
    fields = ["image", "alt", "position"]
    extra = 0


@admin.register(Product)
class ProductAdmin(ShopScopedMixin, admin.ModelAdmin):
    list_display = ["title", "brand", "price_display", "stock_total", "is_active", "window"]
    list_filter = [("brand", ScopedRelatedFilter), "is_active"]
    list_select_related = ["brand"]
    search_fields = ["title", "slug", "variants__sku"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [VariantInline, ProductImageInline]
    fieldsets = [
        (None, {"fields": ["brand", "title", "slug", "description"]}),
        (_("Price"), {"fields": ["price", "currency", "max_per_order"]}),
        (
            _("On sale"),
            {
                "fields": ["is_active", "available_from", "available_until", "position"],
                "description": _("Empty dates: on sale as long as it is active."),
            },
        ),
    ]

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def get_queryset(self, request: HttpRequest) -> QuerySet[Product]:
        return super().get_queryset(request).annotate(stock_sum=Sum("variants__stock"))

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


# --- Offers and codes ------------------------------------------------------------------


class OfferForm(forms.ModelForm):
    class Meta:
        model = Offer
        fields = [
            "brand",
            "name",
            "promotion",
            "is_active",
            "kind",
            "percent_off",
            "amount_off",
            "currency",
            "products",
            "starts_at",
            "ends_at",
            "code_type",
            "max_redemptions",
            "max_per_customer",
        ]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        brand = cleaned.get("brand")
        products = cleaned.get("products")
        if brand is not None and products:
            foreign = [p.title for p in products if p.brand_id != brand.pk]
            if foreign:
                self.add_error(
                    "products", _("Not products of this brand: %s.") % ", ".join(foreign)
                )
        return cleaned


class GenerateCodesForm(forms.Form):
    count = forms.IntegerField(min_value=1, max_value=100_000, initial=100)
    code_prefix = forms.CharField(
        label=_("prefix"), max_length=12, required=False, help_text=_("e.g. NOVA")
    )


class ImportCodesForm(forms.Form):
    codes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=_("One code per line (or comma-separated)."),
    )
    file = forms.FileField(required=False, help_text=_("Or a text/CSV file, first column."))

    def codes_list(self) -> list[str]:
        """Pasted codes split on spaces, commas or semicolons; a file's first column (a
        header cell reading "code" is skipped)."""
        codes = [c for c in re.split(r"[\s,;]+", self.cleaned_data.get("codes") or "") if c]
        upload = self.cleaned_data.get("file")
        if upload is not None:
            if upload.size > 5_000_000:
                raise ValidationError(_("The file is larger than 5 MB."))
            for line in upload.read().decode("utf-8-sig", errors="replace").splitlines():
                cell = re.split(r"[,;\t]", line, maxsplit=1)[0].strip().strip('"')
                if cell and cell.lower() != "code":
                    codes.append(cell)
        return codes


@admin.register(Offer)
class OfferAdmin(BrandTimezoneFormMixin, ShopScopedMixin, admin.ModelAdmin):
    form = OfferForm
    list_display = [
        "name",
        "brand",
        "benefit",
        "code_type",
        "redemptions",
        "promotion",
        "is_active",
        "window",
    ]
    list_filter = [("brand", ScopedRelatedFilter), "kind", "code_type", "is_active"]
    list_select_related = ["brand", "promotion"]
    search_fields = ["name", "codes__code"]
    filter_horizontal = ["products"]
    readonly_fields = ["redemptions_count", "code_tools"]

    def get_fieldsets(self, request: HttpRequest, obj: Offer | None = None) -> Any:
        window = self._window_fieldset_description(_("Codes work inside this window only."))
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ["brand", "name", "promotion", "is_active"]}),
            (_("Benefit"), {"fields": ["kind", "percent_off", "amount_off", "currency"]}),
            (
                _("Condition"),
                {
                    "fields": ["products"],
                    "description": _("No products: it takes off the whole order."),
                },
            ),
            (_("Window"), {"fields": ["starts_at", "ends_at"], "description": window}),
            (
                _("Codes and caps"),
                {
                    "fields": [
                        "code_type",
                        "max_redemptions",
                        "max_per_customer",
                        "redemptions_count",
                    ]
                },
            ),
        ]
        if obj is not None:
            fieldsets.append((_("Codes"), {"fields": ["code_tools"]}))
        return fieldsets

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        offer = self._object(request, object_id)
        return offer.brand.timezone if offer is not None else self._common_timezone(request)

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    @admin.display(description=_("benefit"))
    def benefit(self, obj: Offer) -> str:
        return obj.benefit_label

    @admin.display(description=_("redeemed"), ordering="redemptions_count")
    def redemptions(self, obj: Offer) -> str:
        cap = "∞" if obj.max_redemptions is None else str(obj.max_redemptions)
        return f"{obj.redemptions_count} / {cap}"

    @admin.display(description=_("window"), ordering="starts_at")
    def window(self, obj: Offer) -> str:
        tz = obj.brand.tzinfo
        start, end = obj.starts_at.astimezone(tz), obj.ends_at.astimezone(tz)
        return f"{start:%Y-%m-%d %H:%M} → {end:%Y-%m-%d %H:%M}"

    @admin.display(description=_("codes"))
    def code_tools(self, obj: Offer) -> SafeString | str:
        if not obj.pk:
            return ""
        return format_html(
            '{} · <a href="{}">{}</a> · <a href="{}">{}</a>',
            ngettext("%(n)d code", "%(n)d codes", obj.codes.count()) % {"n": obj.codes.count()},
            reverse("admin:shop_code_changelist") + f"?offer__id__exact={obj.pk}",
            _("See them"),
            reverse("admin:shop_offer_codes", args=[obj.pk]),
            _("Generate or import codes"),
        )

    def get_urls(self) -> list[Any]:
        return [
            path(
                "<int:offer_id>/codes/",
                self.admin_site.admin_view(self.codes_view),
                name="shop_offer_codes",
            ),
            *super().get_urls(),
        ]

    def codes_view(self, request: HttpRequest, offer_id: int) -> HttpResponse:
        """Generate random single-use codes or import a list (a file or pasted lines)."""
        offer = get_object_or_404(self.get_queryset(request), pk=offer_id)
        if not self.has_change_permission(request, offer):
            raise PermissionDenied
        generate = GenerateCodesForm(request.POST if "generate" in request.POST else None)
        upload = ImportCodesForm(
            request.POST if "import" in request.POST else None,
            request.FILES if "import" in request.POST else None,
        )
        if request.method == "POST":
            try:
                if "generate" in request.POST and generate.is_valid():
                    made = services.codes_generate(
                        offer=offer,
                        count=generate.cleaned_data["count"],
                        prefix=generate.cleaned_data["code_prefix"],
                    )
                    messages.success(request, _("%(n)d codes generated.") % {"n": made})
                    return HttpResponseRedirect(request.path)
                if "import" in request.POST and upload.is_valid():
                    result = services.codes_import(offer=offer, codes=upload.codes_list())
                    messages.success(request, _("%(n)d codes imported.") % {"n": result.created})
                    if result.duplicates:
                        messages.warning(
                            request,
                            _("Already used in this brand, skipped: %s")
                            % ", ".join(result.duplicates[:20]),
                        )
                    if result.invalid:
                        messages.warning(
                            request,
                            _("Not valid codes (3-40 letters, digits, - or _), skipped: %s")
                            % ", ".join(result.invalid[:20]),
                        )
                    return HttpResponseRedirect(request.path)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "offer": offer,
            "title": _("Codes of %(offer)s") % {"offer": offer},
            "generate": generate,
            "upload": upload,
            "code_count": offer.codes.count(),
            "issued_count": offer.codes.filter(issued_at__isnull=False).count(),
            "used_count": offer.codes.filter(times_used__gt=0).count(),
        }
        return TemplateResponse(request, "admin/shop/offer_codes.html", context)


class CodeStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("free", _("Not handed out")),
            ("issued", _("Handed out, unused")),
            ("used", _("Used")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "free":
            return queryset.filter(issued_at__isnull=True, times_used=0)
        if self.value() == "issued":
            return queryset.filter(issued_at__isnull=False, times_used=0)
        if self.value() == "used":
            return queryset.filter(times_used__gt=0)
        return None


@admin.register(Code)
class CodeAdmin(ShopScopedMixin, admin.ModelAdmin):
    """Codes are created from their offer (generate or import); here they are looked up."""

    list_display = ["code", "offer", "uses", "issued_to_email", "issued_at", "entry_id"]
    list_filter = [("offer", ScopedRelatedFilter), CodeStateFilter]
    list_select_related = ["offer"]
    search_fields = ["code", "issued_to_email"]
    readonly_fields = (
        "brand",
        "offer",
        "code",
        "max_uses",
        "times_used",
        "issued_to_email",
        "issued_at",
        "entry_id",
        "created_at",
    )
    fields = readonly_fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("uses"), ordering="times_used")
    def uses(self, obj: Code) -> str:
        return f"{obj.times_used} / {'∞' if obj.max_uses is None else obj.max_uses}"


# --- Orders ----------------------------------------------------------------------------


class ReadOnlyInline(ShopScopedMixin, admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = readonly_fields = (
        "product_title",
        "variant_name",
        "unit_price",
        "quantity",
        "discount",
        "total",
    )


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = readonly_fields = (
        "stripe_refund_id",
        "amount",
        "status",
        "reason",
        "requested_by",
        "created_at",
        "confirmed_at",
    )


@admin.register(Order)
class OrderAdmin(ShopScopedMixin, admin.ModelAdmin):
    list_display = [
        "number",
        "created_at",
        "brand",
        "email",
        "status",
        "total_display",
        "discount_display",
        "promotion",
        "attribution_source",
    ]
    list_filter = [
        "status",
        ("brand", ScopedRelatedFilter),
        ("promotion", ScopedRelatedFilter),
        "attribution_source",
        ("redemption__offer", ScopedRelatedFilter),
    ]
    list_select_related = ["brand", "promotion"]
    search_fields = ["=token", "email", "=payment_intent_id", "redemption__code__code"]
    search_help_text = _("Order number (as the customer quotes it), email, PaymentIntent, code.")
    date_hierarchy = "created_at"
    actions = ["refund_orders"]

    inlines = [OrderLineInline, RefundInline]
    readonly_fields = [
        "number",
        "brand",
        "email",
        "status",
        "currency",
        "subtotal",
        "discount",
        "total",
        "refunded_amount",
        "code_used",
        "payment_intent_id",
        "failure_reason",
        "reserved_until",
        "created_at",
        "paid_at",
        "closed_at",
        "confirmation_sent_at",
        "promotion",
        "attribution_source",
        "click_event_id",
        "clicked_at",
        "entry_id",
        "capi_status",
    ]
    fieldsets = [
        (None, {"fields": ["number", "brand", "email", "status", "failure_reason"]}),
        (
            _("Amounts (minor units)"),
            {
                "fields": [
                    "currency",
                    "subtotal",
                    "discount",
                    "total",
                    "refunded_amount",
                    "code_used",
                ]
            },
        ),
        (
            _("Payment"),
            {
                "fields": [
                    "payment_intent_id",
                    "reserved_until",
                    "created_at",
                    "paid_at",
                    "closed_at",
                    "confirmation_sent_at",
                ]
            },
        ),
        (
            _("Attribution"),
            {
                "fields": [
                    "promotion",
                    "attribution_source",
                    "click_event_id",
                    "clicked_at",
                    "entry_id",
                    "capi_status",
                ]
            },
        ),
    ]

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Order], search_term: str
    ) -> tuple[QuerySet[Order], bool]:
        """Also find an order by its number: the token's first 8 hex digits, which is what
        the customer has (two orders may share one; both are listed)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        number = search_term.strip().lstrip("#")
        if _ORDER_NUMBER.fullmatch(number):
            found = found | queryset.filter(token__istartswith=number.lower())
        return found, may_have_duplicates

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, obj: Order) -> str:
        return _money(obj.total, obj.currency)

    @admin.display(description=_("discount"), ordering="discount")
    def discount_display(self, obj: Order) -> str:
        return _money(obj.discount, obj.currency) if obj.discount else ""

    @admin.display(description=_("code"))
    def code_used(self, obj: Order) -> str:
        redemption = getattr(obj, "redemption", None)
        if redemption is None:
            return "—"
        return (
            f"{redemption.code.code} ({redemption.offer.name}, {redemption.get_status_display()})"
        )

    @admin.display(description=_("Conversions API"))
    def capi_status(self, obj: Order) -> str:
        delivery = CapiDelivery.objects.filter(order=obj).first()
        if delivery is None:
            return "—" if capi.capi_enabled() else str(_("off (no pixel id / token)"))
        return f"{delivery.get_status_display()} ({delivery.attempts} attempt(s))"

    @admin.action(description=_("Refund in full through Stripe"), permissions=["change"])
    def refund_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        requested = 0
        for order in queryset:
            try:
                services.order_refund(order=order, requested_by_id=request.user.pk)
            except ShopError as exc:
                self.message_user(request, f"{order}: {exc.message}", messages.ERROR)
            else:
                requested += 1
        if requested:
            self.message_user(
                request,
                ngettext(
                    "Refund requested for %(n)d order; it shows as refunded when Stripe "
                    "confirms it.",
                    "Refunds requested for %(n)d orders; they show as refunded when Stripe "
                    "confirms them.",
                    requested,
                )
                % {"n": requested},
                messages.SUCCESS,
            )


# --- Integrations ----------------------------------------------------------------------


@admin.register(StripeEvent)
class StripeEventAdmin(SuperuserAuditAdmin):
    """Every webhook event Stripe sent, as received: superusers only (no brand)."""

    list_display = ["id", "type", "received_at", "deliveries", "outcome"]
    list_filter = ["type"]
    search_fields = ["=id", "outcome"]
    date_hierarchy = "received_at"
    readonly_fields = ["id", "type", "received_at", "deliveries", "outcome", "payload"]


class CapiAttemptInline(ReadOnlyInline):
    model = CapiAttempt
    fields = readonly_fields = ("attempted_at", "ok", "http_status", "response")


@admin.register(CapiDelivery)
class CapiDeliveryAdmin(ShopScopedMixin, admin.ModelAdmin):
    list_display = ["order", "event_id", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["=event_id"]
    readonly_fields = (
        "order",
        "event_id",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "last_error",
        "created_at",
    )
    fields = readonly_fields
    inlines = [CapiAttemptInline]
    actions = ["send_again"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Send again now"), permissions=["change"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[CapiDelivery]) -> None:
        for delivery in queryset:
            capi.capi_delivery_retry_now(delivery_id=delivery.pk)
            capi.capi_purchase_deliver(delivery_id=delivery.pk)
        self.message_user(request, _("Sent again; see each delivery's log."), messages.INFO)
