"""Admin for campaigns (and their promotions inline)."""

from __future__ import annotations

import zoneinfo
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from promotions.admin.dashboards import DashboardAdminMixin
from promotions.admin.displays import (
    ADMIN_MEDIA,
    BrandTimezoneFormMixin,
    LiveNowFilter,
    state_badge,
    window_display,
)
from promotions.admin.promotions import PromotionAdmin
from promotions.admin.scoping import (
    BrandKeptMixin,
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
    choices_queryset,
)
from promotions.admin.translations import (
    CampaignLanguagesForm,
    TranslatedFieldsAdminMixin,
    language_status_display,
)
from promotions.models import Brand, Campaign, Promotion
from promotions.reports.live import live_wall_links_renew, live_wall_url


class PromotionInline(BrandScopedAdminMixin, admin.TabularInline):
    """The campaign's promotions at a glance. New ones are added with the full form (they
    need official rules), through the "Add a promotion" link."""

    model = Promotion
    fields = ["slug", "kind", "title", "status", "starts_at", "ends_at", "position"]
    readonly_fields = ["title"]  # per language on the promotion's own page
    extra = 0
    show_change_link = True
    ordering = ["position", "id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(
    BrandKeptMixin,  # its entries, tracked events, codes and shop offers are the brand's
    TranslatedFieldsAdminMixin,
    DashboardAdminMixin,
    BrandTimezoneFormMixin,
    BrandScopedAdminMixin,
    admin.ModelAdmin,
):
    form = CampaignLanguagesForm
    list_display = ["name", "brand", "status", "window", "promotion_count", "state"]
    list_filter = [("brand", ScopedRelatedFilter), "status", LiveNowFilter]
    list_select_related = ["brand"]
    search_fields = ["name", "slug", "brand__name", "brand__slug"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PromotionInline]
    readonly_fields = ["links", "language_status", "created_at", "updated_at"]
    actions = ["renew_live_wall_links"]

    @admin.action(
        description=_("New live-wall links (the links given out stop working)"),
        permissions=["change"],
    )
    def renew_live_wall_links(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        renewed = live_wall_links_renew(campaigns=queryset)
        self.message_user(
            request,
            ngettext(
                "New live-wall link for %(n)d campaign: give the screens the new one.",
                "New live-wall links for %(n)d campaigns: give the screens the new ones.",
                renewed,
            )
            % {"n": renewed},
            messages.SUCCESS,
        )

    def get_fieldsets(self, request: HttpRequest, obj: Campaign | None = None) -> Any:
        window = self._window_fieldset_description(
            _(
                "The campaign is live while it is active and inside its window; every "
                "promotion's window must lie inside it."
            )
        )
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ["brand", "name", "slug", "status", "description"]}),
            (
                _("Window"),
                {"fields": ["timezone", "starts_at", "ends_at"], "description": window},
            ),
            (
                _("Languages"),
                {
                    "fields": ["languages", "reviewed_languages"]
                    + (["language_status"] if obj is not None else []),
                    "description": _(
                        "The brand's language is always offered. Each language's texts are "
                        "in the fieldsets below and on each promotion's page."
                    ),
                },
            ),
        ]
        if obj is not None:
            fieldsets += [
                (_("Pages"), {"fields": ["links"]}),
                (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
            ]
        return self.language_fieldsets(request, obj, fieldsets)

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        campaign = self._object(request, object_id)
        if request.method == "POST":  # the window is read in the zone chosen in the same form
            posted = self._posted_zone(request, campaign)
            if posted is not None:
                return posted
        if campaign is not None:
            return campaign.zone_name
        brands = choices_queryset(request, Brand)
        brand_id = request.GET.get("brand", "")
        if brands is not None and brand_id.isdigit():
            brand = brands.filter(pk=brand_id).first()
            if brand is not None:
                return brand.timezone
        return self._common_timezone(request)

    @staticmethod
    def _posted_zone(request: HttpRequest, campaign: Campaign | None) -> str | None:
        """The zone a posted campaign form chose: its own, or (left empty) its brand's;
        None when the form names no known zone (the form then says why)."""
        zone = str(request.POST.get("timezone", "")).strip()
        if zone:
            return zone if zone in zoneinfo.available_timezones() else None
        if campaign is not None:
            return campaign.brand.timezone
        brands = choices_queryset(request, Brand)
        brand_id = str(request.POST.get("brand", ""))
        if brands is None or not brand_id.isdigit():
            return None
        brand = brands.filter(pk=brand_id).first()
        return brand.timezone if brand is not None else None

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return super().get_queryset(request).annotate(promotion_count=Count("promotions"))

    @admin.display(description=_("window"), ordering="starts_at")
    def window(self, obj: Campaign) -> SafeString:
        return window_display(obj.starts_at, obj.ends_at, obj)

    @admin.display(description=_("promotions"), ordering="promotion_count")
    def promotion_count(self, obj: Campaign) -> int:
        return obj.promotion_count  # type: ignore[attr-defined]

    @admin.display(description=_("now"))
    def state(self, obj: Campaign) -> SafeString:
        return state_badge(obj)

    @admin.display(description=_("translations"))
    def language_status(self, obj: Campaign) -> SafeString | str:
        return language_status_display(obj)

    @admin.display(description=_("links"))
    def links(self, obj: Campaign) -> SafeString | str:
        if not obj.pk:
            return str(_("Save the campaign first."))
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> · <a href="{}">{}</a> · '
            '<a href="{}" target="_blank" rel="noopener">{}</a><br><span class="help">{}</span>',
            obj.get_absolute_url(),
            _("Open the hub (the brand's staff see drafts and scheduled promotions there)"),
            reverse("admin:promotions_campaign_dashboard", args=[obj.pk]),
            _("Dashboard"),
            live_wall_url(campaign=obj),
            _("Live wall"),
            _(
                "The live wall's link opens it without signing in: give it to the screens "
                "only. The action “New live-wall links” retires it."
            ),
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        campaign = self._object(request, object_id)
        if campaign is not None and PromotionAdmin.may_add_to(request, campaign):
            extra_context = {
                **(extra_context or {}),
                "add_promotion_url": reverse("admin:promotions_promotion_add")
                + f"?campaign={campaign.pk}",
            }
        return super().change_view(request, object_id, form_url, extra_context)
