"""Admin for contest submissions: moderation, jury scores."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from promotions.admin.displays import reason_action
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
)
from promotions.contests import services as contests_services
from promotions.models import JuryScore, Submission


class JuryScoreInline(BrandScopedAdminMixin, admin.TabularInline):
    model = JuryScore
    extra = 1
    fields = ["juror", "score", "note"]
    readonly_fields = ["juror"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[JuryScore]:
        return super().get_queryset(request).select_related("juror")


SUBMISSION_FIELDS = (
    "promotion",
    "person",
    "title",
    "description",
    "media",
    "media_link",
    "status",
    "moderation_note",
    "moderated_by",
    "moderated_at",
    "removed_at",
)


@admin.register(Submission)
class SubmissionAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    """Moderation: approve into the gallery or reject with a note; jurors score 0 to 10."""

    list_display = [
        "title",
        "promotion",
        "status",
        "vote_count",
        "jury_average",
        "created_at",
        "media_link",
    ]
    list_filter = [("promotion", ScopedRelatedFilter), "status", "media"]
    list_select_related = ["promotion"]
    search_fields = ["title", "person__email"]
    actions = ["approve", "reject"]
    inlines = [JuryScoreInline]
    fields = SUBMISSION_FIELDS
    readonly_fields = SUBMISSION_FIELDS  # moderation happens through the actions only

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Submission]:
        return (
            super()
            .get_queryset(request)
            .annotate(votes_n=Count("votes", distinct=True), jury_avg=Avg("scores__score"))
        )

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        for inline_form in formset.forms:
            if inline_form.has_changed() and not inline_form.instance.juror_id:
                inline_form.instance.juror = request.user
        super().save_formset(request, form, formset, change)

    @admin.display(description=_("votes"), ordering="votes_n")
    def vote_count(self, obj: Submission) -> int:
        return obj.votes_n  # type: ignore[attr-defined]

    @admin.display(description=_("jury"), ordering="jury_avg")
    def jury_average(self, obj: Submission) -> str:
        avg = obj.jury_avg  # type: ignore[attr-defined]
        return f"{avg:.1f}" if avg is not None else "-"

    @admin.display(description=_("media"))
    def media_link(self, obj: Submission) -> SafeString | str:
        if obj.file:
            return format_html(
                '<a href="{}" target="_blank" rel="noopener">{}</a>',
                obj.file.url,
                _("Open the file"),
            )
        if obj.video_url:
            return format_html(
                '<a href="{}" target="_blank" rel="noopener nofollow">{}</a>',
                obj.video_url,
                obj.video_url,
            )
        return ""

    @admin.action(description=_("Approve into the gallery"), permissions=["change"])
    def approve(self, request: HttpRequest, queryset: QuerySet[Submission]) -> None:
        done = 0
        for submission in queryset:
            try:
                contests_services.submission_moderate(
                    submission=submission, approve=True, by=request.user
                )
                done += 1
            except ValidationError as exc:
                self.message_user(
                    request, f"{submission}: {' '.join(exc.messages)}", messages.ERROR
                )
        self.message_user(request, _("Approved %(n)d.") % {"n": done}, messages.SUCCESS)

    @admin.action(description=_("Reject (with a note)"), permissions=["change"])
    def reject(self, request: HttpRequest, queryset: QuerySet[Submission]) -> HttpResponse | None:
        return reason_action(
            self,
            request,
            queryset,
            title=_("Reject submissions"),
            apply=lambda s, reason: contests_services.submission_moderate(
                submission=s, approve=False, note=reason, by=request.user
            ),
        )
