"""The logs of the shop's integrations: Stripe events (superusers) and Conversions API
deliveries with their attempts."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from promotions.admin.deliveries import DeliveryAdminMixin
from promotions.admin.scoping import BrandScopedAdminMixin, SuperuserAuditAdmin
from shop.admin.common import ReadOnlyInline
from shop.models import CapiAttempt, CapiDelivery, StripeEvent
from shop.payments import capi


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
class CapiDeliveryAdmin(DeliveryAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
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

    @admin.action(description=_("Send again"), permissions=["change"])
    def send_again(self, request: HttpRequest, queryset: QuerySet[CapiDelivery]) -> None:
        """Queues the deliveries: the worker calls Facebook, not this request."""
        queued = capi.capi_deliveries_resend(delivery_ids=queryset.values_list("pk", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(n)d delivery queued to be sent again; its log shows the result.",
                "%(n)d deliveries queued to be sent again; their logs show the result.",
                queued,
            )
            % {"n": queued},
            messages.INFO,
        )
