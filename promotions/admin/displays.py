"""What every promotions admin page shares: the site's titles, list displays (windows in
the brand's zone, state badges), the brand-time-zone form mixin and the live-now filter.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from promotions.admin.scoping import (
    choices_queryset,
)
from promotions.campaigns.zones import Clock
from promotions.models import Brand, Campaign, Promotion, Status

admin.site.site_header = _("Promotion hub")


admin.site.site_title = _("Promotion hub admin")


admin.site.index_title = _("Brands, campaigns and promotions")


admin.site.site_url = None  # nothing lives at "/": each campaign has its own hub


ADMIN_MEDIA = forms.Media(css={"all": ["css/admin.css"]})


def moment_cell(moment: datetime, clock: Clock) -> SafeString:
    """One moment in the campaign's (or brand's) time zone, for a list column."""
    local = moment.astimezone(clock.tzinfo)
    return format_html(
        '<span title="{}">{} <small>{}</small></span>',
        clock.tzinfo.key,
        f"{local:%Y-%m-%d %H:%M}",
        f"{local:%Z}",
    )


def window_display(starts_at: datetime, ends_at: datetime, clock: Clock) -> SafeString:
    """The window in the campaign's time zone, compact enough for a list column."""
    tz = clock.tzinfo
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    return format_html(
        '<span class="ph-window" title="{}">{} →<br>{} <small>{}</small></span>',
        tz.key,
        f"{start:%Y-%m-%d %H:%M}",
        f"{end:%Y-%m-%d %H:%M}",
        f"{end:%Z}",
    )


def badge(label: str, tone: str) -> SafeString:
    return format_html('<span class="ph-badge ph-badge--{}">{}</span>', tone, label)


def state_badge(obj: Campaign | Promotion, campaign: Campaign | None = None) -> SafeString:
    """Live / scheduled / ended / draft / paused, as a consumer would find it now."""
    now = timezone.now()
    if obj.status == Status.DRAFT:
        return badge(str(_("Draft")), "draft")
    if obj.status == Status.PAUSED:
        return badge(str(_("Paused")), "paused")
    if obj.is_finished(now):
        return badge(str(_("Ended")), "ended")
    if now < obj.starts_at:
        return badge(str(_("Scheduled")), "scheduled")
    if campaign is not None and not campaign.is_live(now):
        return badge(str(_("Campaign not live")), "paused")
    return badge(str(_("Live")), "live")


class BrandTimezoneFormMixin:
    """Campaign and promotion forms show and read times in the brand's time zone.

    A marketer in Paris types 10:00 and means 10:00 in Paris, as the lists, the pages and
    the validation messages say. The zone is the edited object's brand, or on an add form
    the brand named by ``?campaign=`` / ``?brand=``, or the one zone all the user's brands
    share; otherwise UTC. The Window fieldset says which zone applies.
    """

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        raise NotImplementedError

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        zone = self.form_timezone(request, object_id) or "UTC"
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            response: HttpResponse = super().changeform_view(  # type: ignore[misc]
                request, object_id, form_url, extra_context
            )
            if isinstance(response, TemplateResponse):
                response.render()  # widgets localise their values while rendering
        return response

    def _object(self, request: HttpRequest, object_id: str | None) -> Any:
        if object_id is None:
            return None
        return self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]

    @staticmethod
    def _common_timezone(request: HttpRequest) -> str | None:
        brands = choices_queryset(request, Brand)
        zones = set(brands.values_list("timezone", flat=True)) if brands is not None else set()
        return zones.pop() if len(zones) == 1 else None

    @staticmethod
    def _window_fieldset_description(text: object) -> str:
        return format_html(
            "{} <strong>{}</strong>",
            text,
            _("Times are in %(zone)s.") % {"zone": timezone.get_current_timezone_name()},
        )


class LiveNowFilter(admin.SimpleListFilter):
    """Live now: active and inside its window (a promotion's campaign live too)."""

    title = _("live now")
    parameter_name = "live"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Live now")), ("no", _("Not live"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        live = queryset.model._default_manager.live().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=live)
        if self.value() == "no":
            return queryset.exclude(pk__in=live)
        return None


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept with the record)"),
        widget=forms.Textarea({"rows": 3}),
        max_length=2000,
    )


def reason_action(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    title: Any,
    apply: Any,
) -> HttpResponse | None:
    """An admin action that asks for a reason first (an intermediate page), then applies."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data["reason"])
                done += 1
            except ValidationError as exc:
                modeladmin.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
        modeladmin.message_user(request, _("Done for %(n)d.") % {"n": done}, messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/promotions/reason_action.html", context)
