"""Admin for connected Facebook Pages (``promotions.social``): the list with each Page's
Instagram account and token health, "Connect a Facebook Page" (Facebook Login for Pages,
``promotions/social/connection_views.py``), "Check now" and the recent-posts picker.

Brand-scoped like every admin here. Pages are added only by connecting them; nothing is
edited by hand, and the token is on no page at all.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from promotions.admin.displays import ADMIN_MEDIA, badge
from promotions.admin.saving import FormFieldsSaveMixin
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
    editable_brand_ids,
    is_superuser,
    register_brand_paths,
)
from promotions.social import connection_selectors, connection_views, connections, tasks_tokens
from promotions.social.models import ConnectedPage

register_brand_paths({ConnectedPage: "brand_id"})

SHOWN_FIELDS: list[Any] = [
    "brand",
    "name",
    "page_id",
    "instagram_username",
    "instagram_account_id",
    "token_status",
    "token_checked_at",
    "token_error",
    "token_expires_at",
    "scopes_shown",
    "webhooks_subscribed_at",
    "connected_at",
    "connected_by",
    "connected_facebook_user_id",
]


class InstagramFilter(admin.SimpleListFilter):
    title = _("Instagram")
    parameter_name = "instagram"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Linked")), ("no", _("Not linked"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() == "yes":
            return queryset.exclude(instagram_account_id="")
        if self.value() == "no":
            return queryset.filter(instagram_account_id="")
        return None


@admin.register(ConnectedPage)
class ConnectedPageAdmin(FormFieldsSaveMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "brand",
        "instagram_shown",
        "token_shown",
        "checked_shown",
        "posts_link",
    ]
    list_filter = ["token_status", ("brand", ScopedRelatedFilter), InstagramFilter]
    list_select_related = ["brand"]
    search_fields = ["name", "page_id", "instagram_username", "instagram_account_id"]
    fields = list(SHOWN_FIELDS)
    readonly_fields = list(SHOWN_FIELDS)
    actions = ["check_now"]

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a Page is connected through Facebook, never typed in

    def get_urls(self) -> list[Any]:
        wrap = self.admin_site.admin_view
        urls = [
            path(
                "connect/",
                wrap(partial(connection_views.connect_start, self)),
                name="promotions_connectedpage_connect",
            ),
            path(
                "connect/callback/",
                wrap(partial(connection_views.connect_callback, self)),
                name="promotions_connectedpage_connect_callback",
            ),
            path(
                "connect/choose/",
                wrap(partial(connection_views.connect_choose, self)),
                name="promotions_connectedpage_connect_choose",
            ),
            path(
                "<path:object_id>/posts/",
                wrap(partial(connection_views.recent_posts, self)),
                name="promotions_connectedpage_posts",
            ),
        ]
        return urls + super().get_urls()

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        may_connect = is_superuser(request) or bool(editable_brand_ids(request))
        broken = connection_selectors.connected_pages_broken_list(
            queryset=self.get_queryset(request)
        )
        if broken and request.method == "GET":
            messages.error(
                request,
                ngettext(
                    "%(n)d Page needs connecting again (its token no longer works): %(names)s.",
                    "%(n)d Pages need connecting again (their tokens no longer work): %(names)s.",
                    len(broken),
                )
                % {"n": len(broken), "names": ", ".join(p.name for p in broken)},
            )
        context = {
            **(extra_context or {}),
            "connect_url": reverse("admin:promotions_connectedpage_connect")
            if may_connect
            else None,
        }
        return super().changelist_view(request, extra_context=context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        context = {
            **(extra_context or {}),
            "show_save": False,
            "show_save_and_continue": False,
            "show_save_and_add_another": False,
            "posts_url": reverse("admin:promotions_connectedpage_posts", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context=context)

    @admin.display(description=_("Instagram"), ordering="instagram_username")
    def instagram_shown(self, obj: ConnectedPage) -> str:
        if not obj.instagram_account_id:
            return "—"
        return f"@{obj.instagram_username}" if obj.instagram_username else obj.instagram_account_id

    @admin.display(description=_("token"), ordering="token_status")
    def token_shown(self, obj: ConnectedPage) -> SafeString:
        label = str(obj.get_token_status_display())
        if obj.token_status != ConnectedPage.TokenStatus.VALID:
            return badge(label, "ended")
        if connections.connected_page_missing_scopes(connected_page=obj):
            return badge(str(_("Valid, permissions missing")), "paused")
        return badge(label, "live")

    @admin.display(description=_("last check"), ordering="token_checked_at")
    def checked_shown(self, obj: ConnectedPage) -> str:
        if obj.token_checked_at is None:
            return "—"
        return f"{timezone.localtime(obj.token_checked_at):%Y-%m-%d %H:%M}"

    @admin.display(description=_("recent posts"))
    def posts_link(self, obj: ConnectedPage) -> SafeString:
        url = reverse("admin:promotions_connectedpage_posts", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Posts"))

    @admin.display(description=_("permissions granted"))
    def scopes_shown(self, obj: ConnectedPage) -> SafeString:
        missing = connections.connected_page_missing_scopes(connected_page=obj)
        granted = format_html_join(", ", "{}", ((s,) for s in obj.scopes or []))
        if not missing:
            return granted
        return format_html(
            "{}<br><strong>{}</strong> {}", granted, _("Missing:"), ", ".join(missing)
        )

    @admin.action(description=_("Check the token now"), permissions=["change"])
    def check_now(self, request: HttpRequest, queryset: QuerySet[ConnectedPage]) -> None:
        pages = list(queryset.values_list("pk", flat=True))
        for pk in pages:
            tasks_tokens.connected_page_token_check_enqueue(connected_page_id=pk)
        messages.info(
            request,
            ngettext(
                "The token of %(n)d Page will be checked in a moment; reload to see it.",
                "The tokens of %(n)d Pages will be checked in a moment; reload to see them.",
                len(pages),
            )
            % {"n": len(pages)},
        )
