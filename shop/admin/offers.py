"""Offers and their codes: generated or imported from the offer, looked up in the code list."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from promotions.admin.displays import ADMIN_MEDIA, BrandTimezoneFormMixin
from promotions.admin.saving import FormFieldsSaveMixin
from promotions.admin.scoping import (
    BrandKeptMixin,
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
    choices_queryset,
)
from promotions.admin.translations import TranslatedFieldsAdminMixin
from promotions.codes import rules as code_rules
from shop.models import Code, Offer, Product
from shop.offers import codes, selectors


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
        cap = cleaned.get("max_redemptions")
        if self.instance.pk and cap is not None:
            # Locked until admin's transaction commits: no checkout takes one in between.
            used = (
                Offer.objects.select_for_update()
                .filter(pk=self.instance.pk)
                .values_list("redemptions_count", flat=True)
                .first()
            ) or 0
            if cap < used:
                self.add_error(
                    "max_redemptions",
                    _(
                        "%(n)d orders already hold or used this offer: the cap cannot be lower. "
                        "Untick “Is active” to stop it now."
                    )
                    % {"n": used},
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
        """The codes pasted and in the file (``promotions.codes.rules.codes_parse``)."""
        upload = self.cleaned_data.get("file")
        if upload is not None and upload.size > code_rules.MAX_IMPORT_FILE_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        return code_rules.codes_parse(
            pasted=self.cleaned_data.get("codes") or "",
            upload=upload.read() if upload is not None else None,
        )


@admin.register(Offer)
class OfferAdmin(
    BrandKeptMixin,
    FormFieldsSaveMixin,
    TranslatedFieldsAdminMixin,
    BrandTimezoneFormMixin,
    BrandScopedAdminMixin,
    admin.ModelAdmin,
):
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
        return self.language_fieldsets(request, obj, fieldsets)

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        offer = self._object(request, object_id)
        return offer.brand.timezone if offer is not None else self._common_timezone(request)

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "products" and "queryset" not in kwargs:
            products = choices_queryset(request, Product)
            if products is not None:  # the products of brands the user manages, by brand
                kwargs["queryset"] = products.select_related("brand").order_by(
                    "brand__name", "title"
                )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

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
        count = selectors.offer_code_counts(offer=obj).total
        return format_html(
            '{} · <a href="{}">{}</a> · <a href="{}">{}</a>',
            ngettext("%(n)d code", "%(n)d codes", count) % {"n": count},
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
                    made = codes.codes_generate(
                        offer=offer,
                        count=generate.cleaned_data["count"],
                        prefix=generate.cleaned_data["code_prefix"],
                    )
                    messages.success(request, _("%(n)d codes generated.") % {"n": made})
                    return HttpResponseRedirect(request.path)
                if "import" in request.POST and upload.is_valid():
                    result = codes.codes_import(offer=offer, codes=upload.codes_list())
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
        counts = selectors.offer_code_counts(offer=offer)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "offer": offer,
            "title": _("Codes of %(offer)s") % {"offer": offer},
            "generate": generate,
            "upload": upload,
            "code_count": counts.total,
            "issued_count": counts.issued,
            "used_count": counts.used,
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
class CodeAdmin(FormFieldsSaveMixin, BrandScopedAdminMixin, admin.ModelAdmin):
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
