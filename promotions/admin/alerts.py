"""Admin for alerts: rules per campaign and their incidents (promotions.reports.alerts),
brand-scoped like every admin here (``BrandScopedAdminMixin``)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
)
from promotions.models import AlertIncident, AlertRule


class AlertIncidentInline(BrandScopedAdminMixin, admin.TabularInline):
    model = AlertIncident
    extra = 0
    fields = ["opened_at", "resolved_at", "message", "emailed_to", "webhook_status"]
    readonly_fields = ["opened_at", "resolved_at", "message", "emailed_to", "webhook_status"]
    can_delete = False
    show_change_link = True
    max_num = 0

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OpenIncidentFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("open", _("Open")), ("resolved", _("Resolved"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "open":
            return queryset.filter(resolved_at__isnull=True)
        if self.value() == "resolved":
            return queryset.filter(resolved_at__isnull=False)
        return None


@admin.register(AlertRule)
class AlertRuleAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "campaign", "kind", "threshold", "active", "open_incident"]
    list_filter = [("campaign", ScopedRelatedFilter), "kind", "active"]
    list_select_related = ["campaign__brand"]
    readonly_fields = ["webhook_secret_shown", "created_at"]
    inlines = [AlertIncidentInline]
    fieldsets = [
        (None, {"fields": ["campaign", "kind", "threshold", "active"]}),
        (
            _("Window"),
            {
                "fields": ["window_impressions", "window_hours", "min_entries"],
                "description": _("Each kind reads the fields its help text names."),
            },
        ),
        (
            _("Notify"),
            {
                "fields": ["emails", "webhook_url", "webhook_secret_shown"],
                "description": _(
                    "One email and one webhook per incident, when it opens. The webhook is "
                    "signed like report pushes: X-Signature: t=<unix>,v1=<HMAC-SHA256 of "
                    "“t.body”> with this rule's secret (docs/partners.md)."
                ),
            },
        ),
        (_("Record"), {"fields": ["created_at"], "classes": ["collapse"]}),
    ]

    @admin.display(description=_("webhook secret"))
    def webhook_secret_shown(self, obj: AlertRule) -> str:
        return obj.webhook_secret if obj.pk else str(_("Made when you save."))

    @admin.display(description=_("open incident"), boolean=True)
    def open_incident(self, obj: AlertRule) -> bool:
        return obj.incidents.filter(resolved_at__isnull=True).exists()


@admin.register(AlertIncident)
class AlertIncidentAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    list_display = ["rule", "campaign", "opened_at", "resolved_at", "state", "message"]
    list_filter = [OpenIncidentFilter, "rule__kind"]
    list_select_related = ["rule__campaign__brand"]
    date_hierarchy = "opened_at"
    readonly_fields = [
        "rule",
        "opened_at",
        "resolved_at",
        "value",
        "message",
        "emailed_to",
        "webhook_status",
        "webhook_error",
        "webhook_attempts",
        "webhook_delivered_at",
    ]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("campaign"))
    def campaign(self, obj: AlertIncident) -> str:
        return str(obj.rule.campaign)

    @admin.display(description=_("state"))
    def state(self, obj: AlertIncident) -> SafeString:
        if obj.resolved_at is None:
            return format_html('<span class="ph-badge ph-badge--ended">{}</span>', _("Open"))
        return format_html('<span class="ph-badge ph-badge--live">{}</span>', _("Resolved"))
