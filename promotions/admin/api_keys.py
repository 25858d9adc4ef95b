"""Admin for partner API keys (tracking.ApiKey), scoped by brand memberships."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from promotions.admin.displays import ADMIN_MEDIA, badge
from promotions.admin.saving import ServiceCreateAdminMixin
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
)
from tracking.models import ApiKey, Scope
from tracking.services import api_key_create, api_key_revoke


class ApiKeyForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        choices=[(value, f"{label} ({value})") for value, label in Scope.choices],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Any key of a brand may list its campaigns and promotions."),
    )

    class Meta:
        model = ApiKey
        fields = ["name", "brands", "scopes", "expires_at"]
        widgets = {"brands": forms.CheckboxSelectMultiple}

    def clean_expires_at(self) -> datetime | None:
        expires_at: datetime | None = self.cleaned_data.get("expires_at")
        changed = self.instance.pk is None or "expires_at" in self.changed_data
        if expires_at is not None and changed and expires_at <= timezone.now():
            raise forms.ValidationError(_("The expiry must lie in the future."))
        return expires_at


class ApiKeyStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("active", _("Active")), ("expired", _("Expired")), ("revoked", _("Revoked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        now = timezone.now()
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)
        if self.value() == "expired":
            return queryset.filter(revoked_at__isnull=True, expires_at__lte=now)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return None


_SECRET_ATTR = "_api_key_secret_once"  # noqa: S105 (an attribute name, not a secret)


@admin.register(ApiKey)
class ApiKeyAdmin(ServiceCreateAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    """Keys are created through ``api_key_create`` (``saving``); the full key is shown
    once, in the response to the creation, and is never stored (only its SHA-256 is)."""

    form = ApiKeyForm
    list_display = [
        "prefix",
        "name",
        "state",
        "brand_list",
        "scope_list",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_display_links = ["prefix", "name"]
    list_filter = [("brands", ScopedRelatedFilter), ApiKeyStateFilter]
    search_fields = ["name", "prefix"]
    actions = ["revoke_keys"]
    readonly_fields = ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def get_fieldsets(self, request: HttpRequest, obj: ApiKey | None = None) -> Any:
        main: dict[str, Any] = {"fields": ["name", "brands", "scopes", "expires_at"]}
        if obj is None:
            main["description"] = _(
                "The full key is shown once, right after you save. Copy it then: it is "
                "stored only as a hash and cannot be shown again."
            )
            return [(None, main)]
        return [
            (None, main),
            (
                _("Record"),
                {"fields": ["prefix", "created_at", "created_by", "last_used_at", "revoked_at"]},
            ),
        ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiKey]:
        return super().get_queryset(request).prefetch_related("brands").select_related("created_by")

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        # Saving always leads to the one page that shows the key.
        extra_context = {
            **(extra_context or {}),
            "show_save_and_add_another": False,
            "show_save_and_continue": False,
        }
        return super().add_view(request, form_url, extra_context)

    def service_create(self, request: HttpRequest, form: Any) -> ApiKey:
        key, secret = api_key_create(
            name=form.cleaned_data["name"],
            brand_ids=[b.pk for b in form.cleaned_data["brands"]],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data.get("expires_at"),
            created_by_id=request.user.pk,
        )
        setattr(request, _SECRET_ATTR, secret)  # for response_add, this response only
        return key

    def response_add(
        self, request: HttpRequest, obj: ApiKey, post_url_continue: str | None = None
    ) -> HttpResponse:
        secret: str | None = getattr(request, _SECRET_ATTR, None)
        if secret is None:
            return super().response_add(request, obj, post_url_continue)
        # Rendered in this response rather than after a redirect, so that the key never
        # travels through the message storage (a cookie or the session).
        messages.success(
            request,
            format_html(
                "The API key “{}” was created. Copy it now, it will not be shown again: "
                '<code class="ph-secret">{}</code>',
                obj.name,
                secret,
            ),
        )
        context = {
            **self.admin_site.each_context(request),
            "title": _("API key created"),
            "opts": self.opts,
            "key": obj,
            "brands": obj.brands.order_by("name"),
            "media": self.media,
        }
        response = TemplateResponse(request, "admin/tracking/apikey/key_created.html", context)
        response.headers["Cache-Control"] = "no-store"
        return response

    @admin.action(description=_("Revoke the selected keys"), permissions=["change"])
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[ApiKey]) -> None:
        revoked = 0
        for key in queryset:
            if key.revoked_at is None:
                api_key_revoke(key=key)
                revoked += 1
        self.message_user(
            request,
            ngettext("Revoked %(n)d key.", "Revoked %(n)d keys.", revoked) % {"n": revoked},
            messages.SUCCESS,
        )

    @admin.display(description=_("brands"))
    def brand_list(self, obj: ApiKey) -> str:
        return ", ".join(sorted(b.name for b in obj.brands.all()))

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: ApiKey) -> SafeString:
        return format_html_join(" ", '<span class="ph-scope">{}</span>', ((s,) for s in obj.scopes))

    @admin.display(description=_("state"))
    def state(self, obj: ApiKey) -> SafeString:
        if obj.revoked_at is not None:
            return badge(str(_("Revoked")), "ended")
        if not obj.is_usable():
            return badge(str(_("Expired")), "paused")
        return badge(str(_("Active")), "live")
