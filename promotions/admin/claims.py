"""Admin for prize claims: who was told, what is unclaimed, claimed, shipped, delivered,
with deadlines, per promotion; fulfilment (shipped with carrier and tracking number, then
delivered) and a marketer's "not eligible" with its reason (the prize passes to the next
alternate). Brand-scoped like the rest of the admin; a winner's document is streamed to
the brand's staff only, never served from a public address.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from promotions.admin.displays import (
    ADMIN_MEDIA,
    BrandTimezoneFormMixin,
    moment_cell,
    reason_action,
)
from promotions.admin.saving import RecordAdminMixin
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
    register_brand_paths,
)
from promotions.claims import services as claims_services
from promotions.claims.models import PrizeClaimQuerySet
from promotions.claims.services import claim_link
from promotions.models import PrizeClaim

register_brand_paths({PrizeClaim: "promotion__campaign__brand_id"})


# A claim's page shows everything, read-only: it changes through the actions and views.
CLAIM_FIELDS = (
    "promotion",
    "draw",
    "prize",
    "entry_number",
    "winner",
    "status",
    "channel",
    "deadline_local",
    "notified_at",
    "reminder_sent_at",
    "claimed_at",
    "claim_details",
    "document_link",
    "carrier",
    "tracking_number",
    "shipped_at",
    "delivered_at",
    "closed_at",
    "close_reason",
    "closed_by",
    "unfilled_at",
    "predecessor",
    "data_deleted_at",
    "next_step",
    "link_to_give",
)


class DeadlineFilter(admin.SimpleListFilter):
    title = _("deadline")
    parameter_name = "deadline"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("overdue", _("Passed, still open")),
            ("48h", _("Within 48 hours")),
            ("later", _("Later")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        claims: PrizeClaimQuerySet = queryset  # type: ignore[assignment]
        now = timezone.now()
        if self.value() == "overdue":
            return claims.open().filter(deadline__lte=now)
        if self.value() == "48h":
            return claims.open().filter(deadline__gt=now, deadline__lte=now + timedelta(hours=48))
        if self.value() == "later":
            return claims.open().filter(deadline__gt=now + timedelta(hours=48))
        return queryset


class UnfilledFilter(admin.SimpleListFilter):
    title = _("no alternate left")
    parameter_name = "unfilled"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Waiting for a new draw"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == "yes":
            claims: PrizeClaimQuerySet = queryset  # type: ignore[assignment]
            return claims.unfilled()
        return queryset


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=80)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=80, required=False)


@admin.register(PrizeClaim)
class PrizeClaimAdmin(
    BrandTimezoneFormMixin, RecordAdminMixin, BrandScopedAdminMixin, admin.ModelAdmin
):
    # What to do next comes before the long promotion titles: at a laptop's width, with
    # the sidebar and the filters open, the button is in view without scrolling sideways.
    list_display = [
        "entry_number",
        "prize",
        "status",
        "next_step",
        "deadline_local",
        "shipped",
        "promotion",
    ]
    list_filter = [
        "status",
        ("promotion", ScopedRelatedFilter),
        ("draw", ScopedRelatedFilter),
        DeadlineFilter,
        UnfilledFilter,
        "channel",
    ]
    list_select_related = ["promotion__campaign__brand", "prize", "entry"]
    search_fields = ["entry__public_id", "tracking_number"]
    date_hierarchy = "deadline"
    actions = ["mark_ineligible", "mark_delivered"]
    fields = CLAIM_FIELDS
    readonly_fields = CLAIM_FIELDS

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        """A claim's page reads its moments in its campaign's zone."""
        claim = self._object(request, object_id)
        return claim.promotion.campaign.zone_name if claim is not None else None

    def get_urls(self) -> list[Any]:
        urls = super().get_urls()
        mine = [
            path(
                "<int:object_id>/ship/",
                self.admin_site.admin_view(self.ship_view),
                name="promotions_prizeclaim_ship",
            ),
            path(
                "<int:object_id>/document/",
                self.admin_site.admin_view(self.document_view),
                name="promotions_prizeclaim_document",
            ),
        ]
        return mine + urls

    # --- displays -------------------------------------------------------------------
    @admin.display(description=_("entry"), ordering="entry__public_id")
    def entry_number(self, obj: PrizeClaim) -> str:
        return obj.entry.public_id

    @admin.display(description=_("deadline"), ordering="deadline")
    def deadline_local(self, obj: PrizeClaim) -> SafeString:
        """In the campaign's zone, as the winner's email says it (the list mixes brands)."""
        return moment_cell(obj.deadline, obj.promotion.campaign)

    @admin.display(description=_("winner"))
    def winner(self, obj: PrizeClaim) -> str:
        person = obj.entry.person
        if person.anonymised_at:
            return str(_("(data deleted at the entrant's request)"))
        return " · ".join(x for x in (person.name, person.email) if x) or "-"

    @admin.display(description=_("shipped"))
    def shipped(self, obj: PrizeClaim) -> str:
        if not obj.shipped_at:
            return "-"
        return f"{obj.carrier} {obj.tracking_number}".strip()

    @admin.display(description=_("details given"))
    def claim_details(self, obj: PrizeClaim) -> SafeString | str:
        if obj.data_deleted_at:
            return str(_("Deleted"))
        if not obj.answers:
            return "-"
        rows = "".join(
            str(format_html("<li><b>{}</b>: {}</li>", key.replace("_", " "), value))
            for key, value in obj.answers.items()
        )
        return format_html("<ul>{}</ul>", SafeString(rows))

    @admin.display(description=_("document"))
    def document_link(self, obj: PrizeClaim) -> SafeString | str:
        if not obj.document:
            return "-"
        url = reverse("admin:promotions_prizeclaim_document", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Download (private)"))

    @admin.display(description=_("claim link to give"))
    def link_to_give(self, obj: PrizeClaim) -> SafeString | str:
        """For a winner nobody could tell (no email, no private reply on Facebook): the
        link the brand gives them itself, by a channel of its own."""
        if obj.channel != PrizeClaim.Channel.NONE or not obj.is_open:
            return "-"
        return format_html(
            "<code>{}</code><br>{}",
            claim_link(claim=obj),
            _("Give it to the winner only: it is theirs alone."),
        )

    @admin.display(description=_("next step"))
    def next_step(self, obj: PrizeClaim) -> SafeString | str:
        if obj.status == PrizeClaim.Status.CLAIMED:
            url = reverse("admin:promotions_prizeclaim_ship", args=[obj.pk])
            return format_html('<a class="button" href="{}">{}</a>', url, _("Mark shipped…"))
        if obj.status == PrizeClaim.Status.SHIPPED:
            return str(_("Mark delivered (action)"))
        if obj.status == PrizeClaim.Status.NOTIFIED:
            if obj.channel == PrizeClaim.Channel.NONE:
                return str(_("No email: reach the winner another way"))
            return str(_("Waiting for the winner"))
        if obj.unfilled_at:
            return str(_("No alternate left: commit a new draw"))
        return "-"

    # --- actions --------------------------------------------------------------------
    @admin.action(
        description=_("Not eligible (with a reason): pass the prize to the next alternate"),
        permissions=["change"],
    )
    def mark_ineligible(
        self, request: HttpRequest, queryset: QuerySet[PrizeClaim]
    ) -> HttpResponse | None:
        def apply(claim: PrizeClaim, reason: str) -> None:
            try:
                claims_services.claim_mark_ineligible(claim=claim, reason=reason, by=request.user)
            except claims_services.ClaimAlreadyClosed as exc:
                raise ValidationError(_("Already closed, or shipped.")) from exc

        return reason_action(self, request, queryset, title=_("Winners not eligible"), apply=apply)

    @admin.action(description=_("Mark delivered"), permissions=["change"])
    def mark_delivered(self, request: HttpRequest, queryset: QuerySet[PrizeClaim]) -> None:
        done = 0
        for claim in queryset:
            try:
                claims_services.claim_mark_delivered(claim=claim)
                done += 1
            except ValidationError as exc:
                self.message_user(request, f"{claim}: {' '.join(exc.messages)}", messages.ERROR)
        self.message_user(request, _("%(n)d marked delivered.") % {"n": done}, messages.SUCCESS)

    # --- views ----------------------------------------------------------------------
    def _claim_or_404(self, request: HttpRequest, object_id: int) -> PrizeClaim:
        claim = self.get_queryset(request).filter(pk=object_id).first()
        if claim is None or not self.has_view_permission(request, claim):
            raise Http404
        return claim

    def ship_view(self, request: HttpRequest, object_id: int) -> HttpResponse:
        claim = self._claim_or_404(request, object_id)
        if not self.has_change_permission(request, claim):
            raise PermissionDenied
        form = ShipForm(request.POST if request.method == "POST" else None)
        if form.is_bound and form.is_valid():
            try:
                claims_services.claim_mark_shipped(
                    claim=claim,
                    carrier=form.cleaned_data["carrier"],
                    tracking_number=form.cleaned_data["tracking_number"],
                )
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                self.message_user(
                    request,
                    _("%(claim)s marked shipped; the winner is emailed.") % {"claim": claim},
                )
                return HttpResponseRedirect(
                    reverse("admin:promotions_prizeclaim_changelist")
                    + f"?promotion__id__exact={claim.promotion_id}"
                )
        context = {
            **self.admin_site.each_context(request),
            "title": _("Mark shipped"),
            "opts": self.model._meta,
            "claim": claim,
            "form": form,
        }
        return TemplateResponse(request, "admin/promotions/prizeclaim/ship.html", context)

    def document_view(self, request: HttpRequest, object_id: int) -> FileResponse:
        claim = self._claim_or_404(request, object_id)
        if not claim.document or not claim.document.name:
            raise Http404
        response = FileResponse(
            claim.document.open("rb"),
            as_attachment=True,
            filename=claim.document.name.rsplit("/", 1)[-1],
        )
        response.headers["Cache-Control"] = "private, no-store"
        return response
