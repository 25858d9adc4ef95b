"""What every delivery's admin shares: report pushes and partner webhook deliveries
(tracking's ``Outbound`` rows), the shop's Conversions API deliveries, replies on Facebook.

A delivery is written by its service and kept, with its attempt log, as the record of
what was sent: admin neither adds nor deletes one, and sending again is an action that
queues (the marketer does not wait on someone else's server).
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from promotions.admin.saving import RecordAdminMixin
from promotions.admin.scoping import BrandScopedAdminMixin, ScopedRelatedFilter
from tracking import deliveries


class DeliveryAdminMixin(RecordAdminMixin):
    """No add, no delete: deliveries come from their services and stay as the record."""


class AttemptLogInline(BrandScopedAdminMixin, admin.TabularInline):
    """Every HTTP attempt of a signed delivery, read-only (report pushes, webhooks)."""

    extra = 0
    max_num = 0
    can_delete = False
    fields = deliveries.ATTEMPT_FIELDS
    readonly_fields = deliveries.ATTEMPT_FIELDS

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OutboundAdmin(DeliveryAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    """A report push or a partner webhook delivery: a subclass shows its own columns before
    the progress every ``Outbound`` has (``OUTBOUND_FIELDS``) and names its re-send."""

    list_filter = ["state", ("subscription", ScopedRelatedFilter)]
    actions = ["resend"]
