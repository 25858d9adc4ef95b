"""Orders (read-only, found by the number the customer quotes) and their refunds."""

from __future__ import annotations

import re

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from promotions.admin.displays import ADMIN_MEDIA
from promotions.admin.saving import FormFieldsSaveMixin, RecordAdminMixin
from promotions.admin.scoping import BrandScopedAdminMixin, ScopedRelatedFilter
from shop.admin.common import ReadOnlyInline, money
from shop.errors import ShopError
from shop.models import Order, OrderLine, Refund
from shop.payments import capi, refunds

_ORDER_NUMBER = re.compile(r"[0-9A-Fa-f]{8}")  # Order.number: the token's first 8 hex digits


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
        "given_up_at",
    )


@admin.register(Order)
class OrderAdmin(RecordAdminMixin, FormFieldsSaveMixin, BrandScopedAdminMixin, admin.ModelAdmin):
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
        "country",
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
        "paid_recorded_at",
        "capi_status",
    ]
    fieldsets = [
        (None, {"fields": ["number", "brand", "email", "country", "status", "failure_reason"]}),
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
                    "paid_recorded_at",
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

    @admin.display(description=_("total"), ordering="total")
    def total_display(self, obj: Order) -> str:
        return money(obj.total, obj.currency)

    @admin.display(description=_("discount"), ordering="discount")
    def discount_display(self, obj: Order) -> str:
        return money(obj.discount, obj.currency) if obj.discount else ""

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
        delivery = capi.capi_delivery_get(order_id=obj.pk)
        if delivery is None:
            return "—" if capi.capi_enabled() else str(_("off (no pixel id / token)"))
        return f"{delivery.get_status_display()} ({delivery.attempts} attempt(s))"

    @admin.action(description=_("Refund in full through Stripe"), permissions=["change"])
    def refund_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        """Claims each refund and queues it: the worker asks Stripe, not this request."""
        queued = 0
        for order in queryset:
            try:
                refunds.refund_request(order_id=order.pk, requested_by_id=request.user.pk)
            except ShopError as exc:
                self.message_user(request, f"{order}: {exc.message}", messages.ERROR)
            else:
                queued += 1
        if queued:
            self.message_user(
                request,
                ngettext(
                    "Refund queued for %(n)d order; it shows as pending, then as refunded "
                    "when Stripe confirms it.",
                    "Refunds queued for %(n)d orders; they show as pending, then as refunded "
                    "when Stripe confirms them.",
                    queued,
                )
                % {"n": queued},
                messages.SUCCESS,
            )
