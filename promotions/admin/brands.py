"""Admin for brands and their staff memberships."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from promotions.admin.displays import ADMIN_MEDIA
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    is_superuser,
)
from promotions.models import Brand, BrandMembership


class BrandMembershipInline(BrandScopedAdminMixin, admin.TabularInline):
    """Who belongs to the brand; only superusers add, change or remove members."""

    model = BrandMembership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0
    verbose_name = _("member")
    verbose_name_plural = _("members (managers edit, analysts read; staff users only)")
    superuser_only_add = True
    superuser_only_change = True
    superuser_only_delete = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[BrandMembership]:
        return super().get_queryset(request).select_related("user")


@admin.register(Brand)
class BrandAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "language", "campaign_count", "member_count"]
    list_filter = ["language", "timezone"]
    search_fields = ["name", "slug", "facebook_page_id"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [BrandMembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "timezone", "language"]}),
        (_("Facebook and embedding"), {"fields": ["facebook_page_id", "embed_domains"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    superuser_only_add = True
    superuser_only_delete = True

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brand]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                campaign_count=Count("campaigns", distinct=True),
                member_count=Count("memberships", distinct=True),
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Brand | None = None) -> list[str]:
        readonly = ["created_at", "updated_at"]
        if not is_superuser(request):
            readonly.append("slug")  # the slug is in every published link
        return readonly

    def get_prepopulated_fields(
        self, request: HttpRequest, obj: Brand | None = None
    ) -> dict[str, Any]:
        return self.prepopulated_fields if is_superuser(request) else {}

    @admin.display(description=_("campaigns"), ordering="campaign_count")
    def campaign_count(self, obj: Brand) -> int:
        return obj.campaign_count  # type: ignore[attr-defined]

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj: Brand) -> int:
        return obj.member_count  # type: ignore[attr-defined]
