"""Admin for report subscriptions (tracking's models: subscriptions, pushes with their
delivery log, re-send). Brand-scoped like every admin here (``BrandScopedAdminMixin``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from promotions.admin.deliveries import AttemptLogInline, OutboundAdmin
from promotions.admin.saving import ServiceCreateAdminMixin
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
)
from tracking import insights as tracking_insights
from tracking import report_pushes, webhooks
from tracking import selectors as tracking_selectors
from tracking.deliveries import OUTBOUND_FIELDS
from tracking.models import ReportDelivery, ReportPush, ReportSubscription

# A test delivery waits on the partner's endpoint: the admin action sends to a few at most.
TEST_AT_ONCE = 5


class ReportSubscriptionForm(forms.ModelForm):
    breakdowns = forms.MultipleChoiceField(
        choices=[(b, b) for b in tracking_selectors.BREAKDOWNS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    fields = forms.MultipleChoiceField(  # type: ignore[assignment]  # a field named "fields"
        choices=[(f, f) for f in tracking_insights.METRIC_FIELDS],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Metrics to include; none ticked: all of them."),
    )

    class Meta:
        model = ReportSubscription
        fields = ["brand", *report_pushes.SUBSCRIPTION_FIELDS]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            webhooks.webhook_url_validate(url)
        except ValidationError as exc:
            raise forms.ValidationError(exc.messages) from None
        return url


class ReportDeliveryInline(AttemptLogInline):
    model = ReportDelivery


@admin.register(ReportSubscription)
class ReportSubscriptionAdmin(ServiceCreateAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    """Created and changed through ``tracking.report_pushes`` (the URL is checked, the secret made
    there). Partners' subscriptions show their key; marketers' have none."""

    form = ReportSubscriptionForm
    list_display = ["__str__", "brand", "schedule", "level", "format", "active", "next_run_at"]
    list_filter = [("brand", ScopedRelatedFilter), "schedule", "active"]
    list_select_related = ["brand", "api_key"]
    readonly_fields = ["secret_shown", "api_key", "next_run_at", "pushes_link", "created_at"]
    actions = ["send_test"]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        main = {"fields": ReportSubscriptionForm.Meta.fields}
        if obj is None:
            return [(None, main)]
        return [
            (None, main),
            (
                _("Delivery"),
                {
                    "fields": ["secret_shown", "api_key", "next_run_at", "pushes_link"],
                    "description": _(
                        "Each push carries X-Signature: t=<unix>,v1=<HMAC-SHA256 of “t.body”> "
                        "with this secret; docs/partners.md shows how to verify it."
                    ),
                },
            ),
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))
        return [*fields, "brand"] if obj is not None else fields

    def service_create(self, request: HttpRequest, form: Any) -> ReportSubscription:
        data = dict(form.cleaned_data)
        brand = data.pop("brand")
        return report_pushes.report_subscription_create(brand_id=brand.pk, **data)

    def save_model(
        self, request: HttpRequest, obj: ReportSubscription, form: Any, change: bool
    ) -> None:
        data = {name: value for name, value in form.cleaned_data.items() if name != "brand"}
        report_pushes.report_subscription_update(subscription=obj, **data)

    @admin.action(description=_("Send a test delivery now"), permissions=["change"])
    def send_test(self, request: HttpRequest, queryset: QuerySet[ReportSubscription]) -> None:
        # Synchronous, unlike re-sends: the marketer pressed it to see the endpoint's answer
        # now, it is one POST bounded by WEBHOOK_TIMEOUT_SECONDS, no transaction is held
        # while it waits, and a few subscriptions at once at most.
        chosen = list(queryset[: TEST_AT_ONCE + 1])
        if len(chosen) > TEST_AT_ONCE:
            self.message_user(
                request,
                _("Test at most %(n)d subscriptions at once.") % {"n": TEST_AT_ONCE},
                messages.ERROR,
            )
            return
        for subscription in chosen:
            result = report_pushes.report_subscription_test(subscription=subscription)
            answer = {
                "subscription": subscription,
                "status": result.status_code if result.status_code is not None else "-",
                "ms": result.latency_ms,
                "body": result.response_excerpt[:200] or result.error,
            }
            if result.succeeded:
                text = _("%(subscription)s: delivered, HTTP %(status)s in %(ms)d ms: %(body)s")
            else:
                text = _("%(subscription)s: not delivered (%(status)s, %(ms)d ms): %(body)s")
            level = messages.SUCCESS if result.succeeded else messages.ERROR
            self.message_user(request, text % answer, level)

    @admin.display(description=_("signing secret"))
    def secret_shown(self, obj: ReportSubscription) -> str:
        return obj.secret

    @admin.display(description=_("pushes"))
    def pushes_link(self, obj: ReportSubscription) -> SafeString:
        url = reverse("admin:tracking_reportpush_changelist") + f"?subscription__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Pushes and their delivery log"))


@admin.register(ReportPush)
class ReportPushAdmin(OutboundAdmin):
    list_display = ["pk", "subscription", "period_start", "period_end", *OUTBOUND_FIELDS]
    list_select_related = ["subscription__brand"]
    readonly_fields = [
        "subscription",
        "period_start",
        "period_end",
        *OUTBOUND_FIELDS,
        "content_type",
        "body",
    ]
    inlines = [ReportDeliveryInline]

    @admin.action(description=_("Re-send the selected reports"), permissions=["change"])
    def resend(self, request: HttpRequest, queryset: QuerySet[ReportPush]) -> None:
        # Queued: the marketer does not wait on the partner's server.
        made = [report_pushes.report_push_resend(push=push) for push in queryset]
        self.message_user(
            request,
            ngettext(
                "Queued %(n)d report to be re-sent; its delivery log shows how it went.",
                "Queued %(n)d reports to be re-sent; their delivery logs show how it went.",
                len(made),
            )
            % {"n": len(made)},
            messages.SUCCESS,
        )
