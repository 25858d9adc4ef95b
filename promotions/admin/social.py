"""Admin for comment and reaction giveaways: a promotion's posts and rules, the comments
read with their reasons, the replies to winners, webhook deliveries.

Adding a source parses the pasted address and checks it against the promotion
(``social_source_prepare``); rules go through ``social_rules_save`` (which refuses, with
Facebook's rule as the reason, mentions required on a Facebook post). "Import now" queues
the import for the worker: no Graph call while the marketer's request waits.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from promotions.admin.deliveries import DeliveryAdminMixin
from promotions.admin.saving import FormFieldsSaveMixin
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
    SuperuserAuditAdmin,
    register_brand_paths,
)
from promotions.social import services as social_services
from promotions.social.models import (
    ConnectedPage,
    SocialComment,
    SocialReply,
    SocialReplyAttempt,
    SocialRules,
    SocialSource,
    WebhookDelivery,
)
from tracking.queue import task_enqueue

register_brand_paths(
    {
        ConnectedPage: "brand_id",
        SocialRules: "promotion__campaign__brand_id",
        SocialSource: "promotion__campaign__brand_id",
        SocialComment: "source__promotion__campaign__brand_id",
        SocialReply: "comment__source__promotion__campaign__brand_id",
        SocialReplyAttempt: "reply__comment__source__promotion__campaign__brand_id",
    }
)


class SocialSourceForm(forms.ModelForm):
    address = forms.CharField(
        label=_("Post address or id"),
        required=False,
        help_text=_(
            "A Facebook post's address (…/posts/…, permalink.php?story_fbid=…), its id "
            "(PAGEID_POSTID), or instagram:MEDIAID."
        ),
    )

    class Meta:
        model = SocialSource
        fields = ["promotion", "page", "address", "platform", "object_id", "permalink"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("platform", "object_id"):
            self.fields[name].required = False

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("promotion") or not data.get("page"):
            return data
        source = self.instance
        for name in ("promotion", "page", "platform", "object_id", "permalink"):
            setattr(source, name, data.get(name) or getattr(source, name) or "")
        if not data.get("address") and not (source.platform and source.object_id):
            self.add_error("address", _("Paste the post's address or id."))
            return data
        try:
            social_services.social_source_prepare(source=source, address=data.get("address") or "")
        except ValidationError as exc:
            self.add_error(None, exc)
            return data
        data.update(
            platform=source.platform, object_id=source.object_id, permalink=source.permalink
        )
        return data


@admin.action(description=_("Import the comments now (in the background)"))
def import_now(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]) -> None:
    promotions = sorted({s.promotion_id for s in queryset})
    for promotion_id in promotions:
        task_enqueue("promotions.social.tasks.social_promotion_import_run", promotion_id)
    modeladmin.message_user(
        request, _("The import is queued; the counts update as it runs."), messages.SUCCESS
    )


@admin.register(SocialSource)
class SocialSourceAdmin(FormFieldsSaveMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    form = SocialSourceForm
    list_display = ["object_id", "platform", "promotion", "page", "imported_at", "last_error"]
    list_filter = [("promotion", ScopedRelatedFilter), "platform"]
    list_select_related = ["promotion", "page"]
    readonly_fields = ["cursor", "pass_number", "pass_started_at", "imported_at", "last_error"]
    actions = [import_now]

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:  # adding: what to choose, not the import's progress (nothing yet)
            return SocialSourceForm.Meta.fields
        return super().get_fields(request, obj)


class SocialRulesForm(forms.ModelForm):
    class Meta:
        model = SocialRules
        exclude: list[str] = []

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        promotion = data.get("promotion") or getattr(self.instance, "promotion", None)
        if promotion is None:
            return data
        rules = self.instance
        for name, value in data.items():
            setattr(rules, name, value)
        platforms = SocialSource.objects.filter(promotion=promotion).values_list(
            "platform", flat=True
        )
        try:
            social_services.social_rules_change_check(rules=rules)
            social_services.social_rules_check(rules=rules, platforms=platforms)
        except ValidationError as exc:
            self.add_error(None, exc)
        return data


@admin.register(SocialRules)
class SocialRulesAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    form = SocialRulesForm
    list_display = [
        "promotion",
        "entry_kind",
        "weighting",
        "keyword",
        "min_mentions",
        "final_imported_at",
    ]
    list_select_related = ["promotion"]
    readonly_fields = ["final_imported_at"]

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        social_services.social_rules_save(rules=obj)


@admin.register(SocialComment)
class SocialCommentAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    """Every comment read, kept with its status and reason: nothing is deleted here."""

    list_display = ["comment_id", "created_time", "status", "reason", "entry", "kind", "source"]
    list_filter = [
        ("source__promotion", ScopedRelatedFilter),
        "status",
        "reason",
        "kind",
        "platform",
    ]
    list_select_related = ["source", "entry"]
    search_fields = ["comment_id", "author_id"]
    date_hierarchy = "created_time"

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SocialReplyAttemptInline(BrandScopedAdminMixin, admin.TabularInline):
    model = SocialReplyAttempt
    extra = 0
    fields = ("at", "ok", "status_code", "detail")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SocialReply)
class SocialReplyAdmin(DeliveryAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    list_display = ["comment", "kind", "status", "attempts", "next_attempt_at", "sent_at"]
    list_filter = ["kind", "status"]
    readonly_fields = tuple(f.name for f in SocialReply._meta.fields)
    inlines = [SocialReplyAttemptInline]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(SuperuserAuditAdmin):
    """Deliveries belong to no brand (one body may name several Pages): superusers only."""

    list_display = ["body_hash", "received_at", "processed_at", "outcome"]
    readonly_fields = ["body_hash", "body", "received_at", "processed_at", "outcome"]
