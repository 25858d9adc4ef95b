"""Admin for partner webhooks (tracking's models): the subscriptions partners made through
the API, and every delivery with its attempt log and a re-send that queues. Brand-scoped
like every admin here (``BrandScopedAdminMixin``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from promotions.admin.deliveries import AttemptLogInline, OutboundAdmin
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
    register_brand_paths,
)
from tracking import partner_webhooks
from tracking.deliveries import OUTBOUND_FIELDS
from tracking.models import WebhookAttempt, WebhookDelivery, WebhookSubscription

register_brand_paths(
    {
        WebhookSubscription: "brand_id",
        WebhookDelivery: "subscription__brand_id",
        WebhookAttempt: "delivery__subscription__brand_id",
    }
)


class WebhookAttemptInline(AttemptLogInline):
    model = WebhookAttempt


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    """Partners create them through ``/api/v1/webhooks/``; a marketer may pause one."""

    list_display = ["__str__", "brand", "api_key", "types_shown", "active", "created_at"]
    list_filter = [("brand", ScopedRelatedFilter), "active"]
    list_select_related = ["brand", "api_key"]
    fields = ["brand", "api_key", "name", "url", "types_shown", "active", "deliveries_link"]
    readonly_fields = ["brand", "api_key", "name", "url", "types_shown", "deliveries_link"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: WebhookSubscription, form: Any, change: bool
    ) -> None:
        partner_webhooks.webhook_subscription_update(
            subscription=obj, active=form.cleaned_data["active"]
        )

    @admin.display(description=_("event types"))
    def types_shown(self, obj: WebhookSubscription) -> str:
        return ", ".join(obj.event_types)

    @admin.display(description=_("deliveries"))
    def deliveries_link(self, obj: WebhookSubscription) -> SafeString:
        url = (
            reverse("admin:tracking_webhookdelivery_changelist")
            + f"?subscription__id__exact={obj.pk}"
        )
        return format_html('<a href="{}">{}</a>', url, _("Deliveries and their attempt log"))


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(OutboundAdmin):
    list_display = ["pk", "subscription", "event_type", "event_id_shown", *OUTBOUND_FIELDS]
    list_select_related = ["subscription__brand", "event"]
    readonly_fields = SHOWN = ["subscription", "event_type", "event_id_shown", *OUTBOUND_FIELDS]
    fields = list(SHOWN)
    inlines = [WebhookAttemptInline]

    @admin.display(description=_("event type"))
    def event_type(self, obj: WebhookDelivery) -> str:
        return obj.event.type

    @admin.display(description=_("event id"))
    def event_id_shown(self, obj: WebhookDelivery) -> str:
        return str(obj.event.event_id)

    @admin.action(description=_("Re-send the selected deliveries"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        # Queued: the marketer does not wait on the partner's server.
        made = [partner_webhooks.webhook_delivery_resend(delivery=d) for d in queryset]
        self.message_user(
            request,
            ngettext(
                "Queued %(n)d delivery to be re-sent; its attempt log shows how it went.",
                "Queued %(n)d deliveries to be re-sent; their attempt logs show how it went.",
                len(made),
            )
            % {"n": len(made)},
            messages.SUCCESS,
        )
