"""ModelAdmins whose objects services write: ``RecordAdminMixin`` for records admin never
adds or deletes; ``ServiceCreateAdminMixin`` for new objects a service makes
(``api_key_create``, ``draw_commit``...).

``save_form`` hands the valid add form to ``service_create``, which returns the object the
service saved; Django then logs and answers for that very object (``log_addition``,
``response_add``), with nothing copied onto the form's unsaved instance. Changes keep
Django's own saving unless the admin overrides ``save_model``.

The form's ``clean()`` runs the service's checks, so that refusals are form errors. A
refusal the service still raises when it writes (someone changed something in between)
comes back as a message on the same page; the admin's transaction is rolled back.

For admins without inlines on the add page: Django calls ``save_form`` before it
validates the inlines.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect


class RecordAdminMixin:
    """Mix in first: no add, no delete. For records that only their services write and
    that stay as the record (entries, flags, entrants, claims, orders, deliveries)."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class FormFieldsSaveMixin:
    """Mix in before ``admin.ModelAdmin``: a change writes only the columns its form edits
    (and ``auto_now`` ones). A counter or status that services move with conditional
    UPDATEs while the marketer has the page open (an offer's redemptions, a code's uses, an
    order's status) is never written back from the page's copy; a form that edits nothing
    writes nothing."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)  # type: ignore[misc]
            return
        fields = [f for f in obj._meta.concrete_fields if not f.primary_key]
        edited = [f.name for f in fields if f.name in form.fields]
        if edited:
            touched = [f.name for f in fields if getattr(f, "auto_now", False)]
            obj.save(update_fields=[*edited, *touched])


class ServiceCreateAdminMixin:
    """Mix into a ModelAdmin (before ``admin.ModelAdmin``) and define ``service_create``."""

    def service_create(self, request: HttpRequest, form: Any) -> Model:
        """Make the object from the valid add form through its service; return it saved."""
        raise NotImplementedError

    def save_form(self, request: HttpRequest, form: Any, change: bool) -> Any:
        if change:
            return super().save_form(request, form, change)  # type: ignore[misc]
        return self.service_create(request, form)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)  # type: ignore[misc]
        # A new object was saved by ``service_create``.

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)  # type: ignore[misc]
        # On creation the service has made the related rows too.

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        try:
            return super().add_view(request, form_url, extra_context)  # type: ignore[misc]
        except ValidationError as exc:
            return self._refused(request, exc)

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        try:
            return super().change_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ValidationError as exc:
            return self._refused(request, exc)

    def _refused(self, request: HttpRequest, exc: ValidationError) -> HttpResponse:
        self.message_user(request, " ".join(exc.messages), messages.ERROR)  # type: ignore[attr-defined]
        return HttpResponseRedirect(request.get_full_path())
