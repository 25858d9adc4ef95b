"""Admin for fair draws: commit, run, replace a winner, certificates.

Adding a draw or a replacement goes through its service (``draw_commit``,
``draw_replace_winner``, see ``saving``); the forms run the services' checks, so a refusal
is a form error."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from promotions.admin.saving import ServiceCreateAdminMixin
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
)
from promotions.claims import services as claims_services
from promotions.draws import services as draws_services
from promotions.models import Draw, DrawReplacement
from tracking.queue import task_enqueue


class DrawCommitForm(forms.ModelForm):
    class Meta:
        model = Draw
        fields = ["promotion", "prize", "winners_count", "alternates_count", "reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("promotion") is not None:
            try:
                draws_services.draw_commit_check(
                    promotion=data["promotion"],
                    prize=data.get("prize"),
                    reason=data.get("reason") or "",
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


class DrawReplacementForm(forms.ModelForm):
    class Meta:
        model = DrawReplacement
        fields = ["draw", "replaced_entry", "reason"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("draw") is not None and data.get("replaced_entry"):
            try:
                draws_services.draw_replace_winner_check(
                    draw=data["draw"],
                    entry_public_id=data["replaced_entry"],
                    reason=data.get("reason") or "",
                )
            except ValidationError as exc:
                self.add_error(None, exc)
        return data


@admin.register(Draw)
class DrawAdmin(ServiceCreateAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    """Adding a draw commits to a secret seed (its SHA-256 is published at once); the
    'Run' action draws it after entries close. Replace a winner with a DrawReplacement."""

    form = DrawCommitForm
    list_display = [
        "__str__",
        "promotion",
        "prize",
        "status",
        "committed_at",
        "drawn_at",
        "entry_count",
        "certificate",
        "claims",
    ]
    list_filter = [("promotion", ScopedRelatedFilter), "status"]
    list_select_related = ["promotion__campaign__brand", "prize"]
    actions = ["run_draws"]

    def get_fields(self, request: HttpRequest, obj: Draw | None = None) -> Any:
        if obj is None:
            return ["promotion", "prize", "winners_count", "alternates_count", "reason"]
        return [
            "promotion",
            "prize",
            "status",
            "reason",
            "seed_commitment",
            "committed_at",
            "winners_count",
            "alternates_count",
            "drawn_at",
            "drawn_by",
            "entry_count",
            "entry_list_hash",
            "winners",
            "alternates",
            "certificate",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Draw | None = None) -> Any:
        if obj is None:
            return []
        return self.get_fields(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def service_create(self, request: HttpRequest, form: Any) -> Draw:
        return draws_services.draw_commit(
            promotion=form.cleaned_data["promotion"],
            prize=form.cleaned_data.get("prize"),
            winners_count=form.cleaned_data.get("winners_count"),
            alternates_count=form.cleaned_data.get("alternates_count"),
            reason=form.cleaned_data.get("reason") or "",
        )

    def save_model(self, request: HttpRequest, obj: Draw, form: Any, change: bool) -> None:
        pass  # a committed draw is not edited: every field is read-only on its page

    @admin.display(description=_("certificate"))
    def certificate(self, obj: Draw) -> SafeString | str:
        if not obj.pk:
            return ""
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), _("Open")
        )

    @admin.display(description=_("claims"))
    def claims(self, obj: Draw) -> SafeString | str:
        if not obj.pk or not obj.is_drawn:
            return ""
        url = reverse("admin:promotions_prizeclaim_changelist") + f"?draw__id__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Winners' claims"))

    @admin.action(
        description=_("Run the selected draws now (entries must have closed; winners are told)"),
        permissions=["change"],
    )
    def run_draws(self, request: HttpRequest, queryset: QuerySet[Draw]) -> None:
        for draw in queryset:
            if draw.status == Draw.Status.COMMITTED and claims_services.draw_needs_final_import(
                draw=draw
            ):
                task_enqueue(
                    "promotions.claims.tasks.draw_complete_after_import", draw.pk, request.user.pk
                )
                self.message_user(
                    request,
                    _(
                        "%(draw)s: the final import of the comments runs first; the draw is "
                        "made as soon as it has finished."
                    )
                    % {"draw": draw},
                    messages.INFO,
                )
                continue
            try:
                done = claims_services.draw_complete(draw=draw, by=request.user)
                self.message_user(
                    request,
                    _("%(draw)s: %(n)d winners from %(e)d entries.")
                    % {"draw": done, "n": len(done.winners), "e": done.entry_count},
                    messages.SUCCESS,
                )
            except ValidationError as exc:
                self.message_user(request, f"{draw}: {' '.join(exc.messages)}", messages.ERROR)


@admin.register(DrawReplacement)
class DrawReplacementAdmin(ServiceCreateAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin):
    """Re-draw one prize: name the winner to replace and why; their claim closes as not
    eligible and the next alternate wins, gets a claim and is told."""

    list_display = [
        "draw",
        "replaced_entry",
        "replacement_entry",
        "reason",
        "replaced_at",
        "replaced_by",
    ]
    list_filter = [("draw__promotion", ScopedRelatedFilter)]
    form = DrawReplacementForm
    fields = ["draw", "replaced_entry", "reason"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return (
            ["draw", "replaced_entry", "replacement_entry", "reason", "replaced_at", "replaced_by"]
            if obj
            else []
        )

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def service_create(self, request: HttpRequest, form: Any) -> DrawReplacement:
        return claims_services.draw_winner_replace(
            draw=form.cleaned_data["draw"],
            entry_public_id=form.cleaned_data["replaced_entry"],
            reason=form.cleaned_data["reason"],
            by=request.user,
        )
