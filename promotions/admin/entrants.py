"""Admin for entrants (people and their identities) and data deletion requests."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from promotions.admin.saving import RecordAdminMixin
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    SuperuserAuditAdmin,
)
from promotions.entrants import services as entrants_services
from promotions.models import DataDeletionRequest, Identity, Person


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    fields = ("provider", "subject", "verified_at", "deauthorized_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(RecordAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    """Entrants of the brand's promotions (read-only). 'Delete personal data' anonymises:
    entries, votes and codes stay as anonymous counts."""

    list_display = ["__str__", "name", "country", "created_at", "anonymised_at"]
    search_fields = ["email", "email_normalized", "name"]
    list_filter = ["country"]
    inlines = [IdentityInline]
    actions = ["anonymise"]
    fields = (
        "public_id",
        "email",
        "email_normalized",
        "name",
        "birth_date",
        "country",
        "created_at",
        "anonymised_at",
    )
    readonly_fields = fields

    @admin.action(
        description=_("Delete their personal data (keep anonymous counts)"), permissions=["change"]
    )
    def anonymise(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        done = 0
        for person in queryset.filter(anonymised_at__isnull=True):
            entrants_services.person_anonymise(person=person)
            done += 1
        self.message_user(request, _("Anonymised %(n)d entrants.") % {"n": done}, messages.SUCCESS)


@admin.register(DataDeletionRequest)
class DataDeletionRequestAdmin(SuperuserAuditAdmin):
    """Facebook data deletion callbacks received (superusers only)."""

    list_display = ["confirmation_code", "requested_at", "completed_at"]
    fields = ("confirmation_code", "person", "requested_at", "completed_at", "summary")
    readonly_fields = fields
