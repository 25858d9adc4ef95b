"""Admin for entries and flags: review, exclusion with a reason, clearing."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from promotions.admin.displays import reason_action
from promotions.admin.saving import RecordAdminMixin
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
)
from promotions.entries import refusals as entries_refusals
from promotions.entries import services as entries_services
from promotions.models import Entry, Flag


class FlagInline(BrandScopedAdminMixin, admin.TabularInline):
    model = Flag
    extra = 0
    fields = ("kind", "reason", "status", "created_at", "reviewed_by", "reviewed_at", "review_note")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OpenFlagFilter(admin.SimpleListFilter):
    title = _("flag")
    parameter_name = "flag"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(kind, label) for kind, label in Flag.Kind.choices]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        if self.value() in Flag.Kind.values:
            return queryset.filter(flags__kind=self.value()).distinct()
        return None


@admin.register(Entry)
class EntryAdmin(RecordAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    """Entries are never deleted: they are excluded with a reason, or their flags cleared."""

    list_display = [
        "public_id",
        "promotion",
        "person",
        "created_at",
        "status",
        "flagged",
        "country",
        "prize_won",
    ]
    list_filter = [
        ("promotion__campaign__brand", ScopedRelatedFilter),
        ("promotion", ScopedRelatedFilter),
        "status",
        "flagged",
        OpenFlagFilter,
    ]
    list_select_related = ["promotion", "person", "award__prize"]
    search_fields = ["public_id", "person__email", "person__name"]
    date_hierarchy = "created_at"
    inlines = [FlagInline]
    actions = ["exclude_entries", "clear_flags", "flag_entries"]
    readonly_fields = (
        "public_id",
        "promotion",
        "person",
        "slot",
        "status",
        "flagged",
        "exclusion_reason",
        "excluded_at",
        "excluded_by",
        "country",
        "source",
        "click_event_id",
        "created_at",
    )
    fields = readonly_fields

    @admin.display(description=_("prize"))
    def prize_won(self, obj: Entry) -> str:
        award = getattr(obj, "award", None)
        return award.prize.name if award is not None else ""

    @admin.action(
        description=_("Exclude the selected entries (with a reason)"), permissions=["change"]
    )
    def exclude_entries(
        self, request: HttpRequest, queryset: QuerySet[Entry]
    ) -> HttpResponse | None:
        return reason_action(
            self,
            request,
            queryset,
            title=_("Exclude entries"),
            apply=lambda e, reason: entries_services.entry_exclude(
                entry=e, reason=reason, by=request.user
            ),
        )

    @admin.action(
        description=_("Flag the selected entries for review (with a reason)"),
        permissions=["change"],
    )
    def flag_entries(self, request: HttpRequest, queryset: QuerySet[Entry]) -> HttpResponse | None:
        return reason_action(
            self,
            request,
            queryset,
            title=_("Flag entries"),
            apply=lambda e, reason: entries_services.entry_flag(
                entry=e, reason=reason, by=request.user
            ),
        )

    @admin.action(description=_("Clear the flags: the entries count again"), permissions=["change"])
    def clear_flags(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        cleared = 0
        for entry in queryset.filter(flagged=True):
            try:
                entries_services.entry_flags_clear(
                    entry=entry, note="Reviewed in admin.", by=request.user
                )
                cleared += 1
            except entries_refusals.Refused as refused:
                self.message_user(request, f"{entry}: {refused}", messages.ERROR)
        self.message_user(request, _("Cleared %(n)d entries.") % {"n": cleared}, messages.SUCCESS)


@admin.register(Flag)
class FlagAdmin(RecordAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    list_display = ["entry", "kind", "reason", "status", "created_at", "reviewed_by"]
    list_filter = ["kind", "status", ("entry__promotion", ScopedRelatedFilter)]
    list_select_related = ["entry", "reviewed_by"]
    readonly_fields = (
        "entry",
        "kind",
        "reason",
        "status",
        "created_at",
        "reviewed_at",
        "reviewed_by",
        "review_note",
    )
    fields = readonly_fields

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reviewed through the entries' actions
