"""Django admin for marketers: brands, campaigns, promotions and partner API keys.

Everything here is scoped by brand membership (``promotions.admin_scoping``): a staff user
sees only their brands; managers edit, analysts read. Validation lives in the models'
``clean()`` and in the services; the admin only shows it and calls them.

The partner API key admin lives here too: tracking is the ground floor and must not
import promotions, while promotions may import tracking.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Avg, Count, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from promotions import selectors as promotion_selectors
from promotions import services as promotion_services
from promotions.admin_dashboards import DashboardAdminMixin
from promotions.admin_scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
    SuperuserAuditAdmin,
    choices_queryset,
    is_superuser,
)
from promotions.live import live_wall_links_renew, live_wall_url
from promotions.models import (
    Brand,
    BrandMembership,
    Campaign,
    DataDeletionRequest,
    Draw,
    DrawReplacement,
    Entry,
    EntryMethod,
    Flag,
    Identity,
    JuryScore,
    Person,
    Prize,
    Promotion,
    Status,
    Submission,
    WinningMoment,
)
from tracking.models import ApiKey, Scope
from tracking.services import api_key_create, api_key_revoke

admin.site.site_header = _("Promotion hub")
admin.site.site_title = _("Promotion hub admin")
admin.site.index_title = _("Brands, campaigns and promotions")
admin.site.site_url = None  # nothing lives at "/": each campaign has its own hub

ADMIN_MEDIA = forms.Media(css={"all": ["css/admin.css"]})


# --- shared displays -------------------------------------------------------------------


def _window(starts_at: datetime, ends_at: datetime, brand: Brand) -> SafeString:
    """The window in the brand's time zone, compact enough for a list column."""
    tz = brand.tzinfo
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    return format_html(
        '<span class="ph-window" title="{}">{} →<br>{} <small>{}</small></span>',
        tz.key,
        f"{start:%Y-%m-%d %H:%M}",
        f"{end:%Y-%m-%d %H:%M}",
        f"{end:%Z}",
    )


def _badge(label: str, tone: str) -> SafeString:
    return format_html('<span class="ph-badge ph-badge--{}">{}</span>', tone, label)


def _state_badge(obj: Campaign | Promotion, campaign: Campaign | None = None) -> SafeString:
    """Live / scheduled / ended / draft / paused, as a consumer would find it now."""
    now = timezone.now()
    if obj.status == Status.DRAFT:
        return _badge(str(_("Draft")), "draft")
    if obj.status == Status.PAUSED:
        return _badge(str(_("Paused")), "paused")
    if obj.is_finished(now):
        return _badge(str(_("Ended")), "ended")
    if now < obj.starts_at:
        return _badge(str(_("Scheduled")), "scheduled")
    if campaign is not None and not campaign.is_live(now):
        return _badge(str(_("Campaign not live")), "paused")
    return _badge(str(_("Live")), "live")


class BrandTimezoneFormMixin:
    """Campaign and promotion forms show and read times in the brand's time zone.

    A marketer in Paris types 10:00 and means 10:00 in Paris, as the lists, the pages and
    the validation messages say. The zone is the edited object's brand, or on an add form
    the brand named by ``?campaign=`` / ``?brand=``, or the one zone all the user's brands
    share; otherwise UTC. The Window fieldset says which zone applies.
    """

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        raise NotImplementedError

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        zone = self.form_timezone(request, object_id) or "UTC"
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            response: HttpResponse = super().changeform_view(  # type: ignore[misc]
                request, object_id, form_url, extra_context
            )
            if isinstance(response, TemplateResponse):
                response.render()  # widgets localise their values while rendering
        return response

    def _object(self, request: HttpRequest, object_id: str | None) -> Any:
        if object_id is None:
            return None
        return self.get_object(request, unquote(object_id))  # type: ignore[attr-defined]

    @staticmethod
    def _common_timezone(request: HttpRequest) -> str | None:
        brands = choices_queryset(request, Brand)
        zones = set(brands.values_list("timezone", flat=True)) if brands is not None else set()
        return zones.pop() if len(zones) == 1 else None

    @staticmethod
    def _window_fieldset_description(text: object) -> str:
        return format_html(
            "{} <strong>{}</strong>",
            text,
            _("Times are in %(zone)s.") % {"zone": timezone.get_current_timezone_name()},
        )


class LiveNowFilter(admin.SimpleListFilter):
    """Live now: active and inside its window (a promotion's campaign live too)."""

    title = _("live now")
    parameter_name = "live"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("yes", _("Live now")), ("no", _("Not live"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any] | None:
        live = queryset.model._default_manager.live().values("pk")
        if self.value() == "yes":
            return queryset.filter(pk__in=live)
        if self.value() == "no":
            return queryset.exclude(pk__in=live)
        return None


# --- brands ----------------------------------------------------------------------------


class BrandMembershipInline(BrandScopedAdminMixin, admin.TabularInline):
    """Who belongs to the brand; only superusers add, change or remove members."""

    model = BrandMembership
    fields = ["user", "role", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0
    verbose_name = _("member")
    verbose_name_plural = _("members (managers edit, analysts read; staff users only)")
    superuser_only_add = True
    superuser_only_change = True
    superuser_only_delete = True

    def get_queryset(self, request: HttpRequest) -> QuerySet[BrandMembership]:
        return super().get_queryset(request).select_related("user")


@admin.register(Brand)
class BrandAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "language", "campaign_count", "member_count"]
    list_filter = ["language", "timezone"]
    search_fields = ["name", "slug", "facebook_page_id"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [BrandMembershipInline]
    fieldsets = [
        (None, {"fields": ["name", "slug", "timezone", "language"]}),
        (_("Facebook and embedding"), {"fields": ["facebook_page_id", "embed_domains"]}),
        (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
    ]
    superuser_only_add = True
    superuser_only_delete = True

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def get_queryset(self, request: HttpRequest) -> QuerySet[Brand]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                campaign_count=Count("campaigns", distinct=True),
                member_count=Count("memberships", distinct=True),
            )
        )

    def get_readonly_fields(self, request: HttpRequest, obj: Brand | None = None) -> list[str]:
        readonly = ["created_at", "updated_at"]
        if not is_superuser(request):
            readonly.append("slug")  # the slug is in every published link
        return readonly

    def get_prepopulated_fields(
        self, request: HttpRequest, obj: Brand | None = None
    ) -> dict[str, Any]:
        return self.prepopulated_fields if is_superuser(request) else {}

    @admin.display(description=_("campaigns"), ordering="campaign_count")
    def campaign_count(self, obj: Brand) -> int:
        return obj.campaign_count  # type: ignore[attr-defined]

    @admin.display(description=_("members"), ordering="member_count")
    def member_count(self, obj: Brand) -> int:
        return obj.member_count  # type: ignore[attr-defined]


# --- campaigns -------------------------------------------------------------------------


class PromotionInline(BrandScopedAdminMixin, admin.TabularInline):
    """The campaign's promotions at a glance. New ones are added with the full form (they
    need official rules), through the "Add a promotion" link."""

    model = Promotion
    fields = ["slug", "kind", "title", "status", "starts_at", "ends_at", "position"]
    extra = 0
    show_change_link = True
    ordering = ["position", "id"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Campaign)
class CampaignAdmin(
    DashboardAdminMixin, BrandTimezoneFormMixin, BrandScopedAdminMixin, admin.ModelAdmin
):
    list_display = ["name", "brand", "status", "window", "promotion_count", "state"]
    list_filter = [("brand", ScopedRelatedFilter), "status", LiveNowFilter]
    list_select_related = ["brand"]
    search_fields = ["name", "slug", "brand__name", "brand__slug"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["name"]}
    inlines = [PromotionInline]
    readonly_fields = ["links", "created_at", "updated_at"]
    actions = ["renew_live_wall_links"]

    @admin.action(
        description=_("New live-wall links (the links given out stop working)"),
        permissions=["change"],
    )
    def renew_live_wall_links(self, request: HttpRequest, queryset: QuerySet[Campaign]) -> None:
        renewed = live_wall_links_renew(campaigns=queryset)
        self.message_user(
            request,
            ngettext(
                "New live-wall link for %(n)d campaign: give the screens the new one.",
                "New live-wall links for %(n)d campaigns: give the screens the new ones.",
                renewed,
            )
            % {"n": renewed},
            messages.SUCCESS,
        )

    def get_fieldsets(self, request: HttpRequest, obj: Campaign | None = None) -> Any:
        window = self._window_fieldset_description(
            _(
                "The campaign is live while it is active and inside its window; every "
                "promotion's window must lie inside it."
            )
        )
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ["brand", "name", "slug", "status", "description"]}),
            (_("Window"), {"fields": ["starts_at", "ends_at"], "description": window}),
        ]
        if obj is not None:
            fieldsets += [
                (_("Pages"), {"fields": ["links"]}),
                (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
            ]
        return fieldsets

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        campaign = self._object(request, object_id)
        if campaign is not None:
            return campaign.brand.timezone
        brands = choices_queryset(request, Brand)
        brand_id = request.GET.get("brand", "")
        if brands is not None and brand_id.isdigit():
            brand = brands.filter(pk=brand_id).first()
            if brand is not None:
                return brand.timezone
        return self._common_timezone(request)

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def get_queryset(self, request: HttpRequest) -> QuerySet[Campaign]:
        return super().get_queryset(request).annotate(promotion_count=Count("promotions"))

    @admin.display(description=_("window"), ordering="starts_at")
    def window(self, obj: Campaign) -> SafeString:
        return _window(obj.starts_at, obj.ends_at, obj.brand)

    @admin.display(description=_("promotions"), ordering="promotion_count")
    def promotion_count(self, obj: Campaign) -> int:
        return obj.promotion_count  # type: ignore[attr-defined]

    @admin.display(description=_("now"))
    def state(self, obj: Campaign) -> SafeString:
        return _state_badge(obj)

    @admin.display(description=_("links"))
    def links(self, obj: Campaign) -> SafeString | str:
        if not obj.pk:
            return str(_("Save the campaign first."))
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> · <a href="{}">{}</a> · '
            '<a href="{}" target="_blank" rel="noopener">{}</a><br><span class="help">{}</span>',
            obj.get_absolute_url(),
            _("Open the hub (the brand's staff see drafts and scheduled promotions there)"),
            reverse("admin:promotions_campaign_dashboard", args=[obj.pk]),
            _("Dashboard"),
            live_wall_url(campaign=obj),
            _("Live wall"),
            _(
                "The live wall's link opens it without signing in: give it to the screens "
                "only. The action “New live-wall links” retires it."
            ),
        )

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        campaign = self._object(request, object_id)
        if campaign is not None and PromotionAdmin.may_add_to(request, campaign):
            extra_context = {
                **(extra_context or {}),
                "add_promotion_url": reverse("admin:promotions_promotion_add")
                + f"?campaign={campaign.pk}",
            }
        return super().change_view(request, object_id, form_url, extra_context)


# --- promotions ------------------------------------------------------------------------


class PromotionForm(forms.ModelForm):
    """``entry_methods`` as checkboxes, the forbidden ones included, so that a marketer
    who ticks one is told by ``Promotion.clean()`` why Facebook does not allow it."""

    entry_methods = forms.MultipleChoiceField(
        choices=EntryMethod.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        initial=[EntryMethod.FREE_FORM],
        label=_("Ways to enter"),
        help_text=_(
            "Facebook forbids requiring a share on a personal timeline, tagging friends or a "
            "Like to enter or to earn entries. A sweepstakes with purchase entries needs the "
            "free form too."
        ),
    )

    class Meta:
        model = Promotion
        exclude: list[str] = []


class PrizeInline(BrandScopedAdminMixin, admin.TabularInline):
    model = Prize
    extra = 0
    fields = [
        "name",
        "description",
        "value_label",
        "quantity",
        "awarded",
        "odds_one_in",
        "position",
    ]
    readonly_fields = ["awarded"]
    show_change_link = True


@admin.register(Promotion)
class PromotionAdmin(
    DashboardAdminMixin, BrandTimezoneFormMixin, BrandScopedAdminMixin, admin.ModelAdmin
):
    form = PromotionForm
    inlines = [PrizeInline]
    list_display = ["title", "campaign", "kind", "status", "window", "state", "position"]
    list_display_links = ["title"]
    list_filter = [
        ("campaign__brand", ScopedRelatedFilter),
        ("campaign", ScopedRelatedFilter),
        "kind",
        "status",
        LiveNowFilter,
    ]
    list_select_related = ["campaign__brand"]
    search_fields = ["title", "slug", "campaign__name", "campaign__brand__name"]
    date_hierarchy = "starts_at"
    prepopulated_fields = {"slug": ["title"]}
    readonly_fields = ["preview", "tools", "created_at", "updated_at"]

    def get_fieldsets(self, request: HttpRequest, obj: Promotion | None = None) -> Any:
        window = self._window_fieldset_description(
            _("Live while active and inside this window, which must lie inside the campaign's.")
        )
        fieldsets: list[tuple[Any, dict[str, Any]]] = [
            (None, {"fields": ["campaign", "kind", "title", "slug", "status", "position"]}),
            (_("Window"), {"fields": ["starts_at", "ends_at"], "description": window}),
            (_("Content"), {"fields": ["description", "image", "image_alt"]}),
            (_("Call to action"), {"fields": ["cta_label", "cta_url"]}),
            (_("Official rules"), {"fields": ["official_rules"]}),
            (
                _("Who may enter, how often, how"),
                {
                    "fields": [
                        "countries",
                        "min_age",
                        "entry_frequency",
                        "max_entries",
                        "entry_methods",
                    ]
                },
            ),
            (_("Consents"), {"fields": ["privacy_notice", "marketing_text"]}),
            (_("Contests"), {"fields": ["submission_media", "jury_weight"]}),
        ]
        if obj is not None:
            fieldsets += [
                (_("Preview"), {"fields": ["preview", "tools"]}),
                (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
            ]
        return fieldsets

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        promotion = self._object(request, object_id)
        if promotion is not None:
            return promotion.campaign.brand.timezone
        campaign = self._requested_campaign(request)
        if campaign is not None:
            return campaign.brand.timezone
        return self._common_timezone(request)

    @staticmethod
    def may_add_to(request: HttpRequest, campaign: Campaign) -> bool:
        campaigns = choices_queryset(request, Campaign)
        return campaigns is not None and campaigns.filter(pk=campaign.pk).exists()

    @staticmethod
    def _requested_campaign(request: HttpRequest) -> Campaign | None:
        campaigns = choices_queryset(request, Campaign)
        campaign_id = request.GET.get("campaign", "")
        if campaigns is None or not campaign_id.isdigit():
            return None
        return campaigns.filter(pk=campaign_id).first()

    @property
    def media(self) -> forms.Media:
        return super().media + ADMIN_MEDIA

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        """``?campaign=<id>`` (the campaign page's link) also proposes its window."""
        initial: dict[str, Any] = super().get_changeform_initial_data(request)
        campaign = self._requested_campaign(request)
        if campaign is not None:
            now = timezone.now().replace(second=0, microsecond=0)
            initial.setdefault("starts_at", max(campaign.starts_at, now))
            initial.setdefault("ends_at", campaign.ends_at)
        return initial

    @admin.display(description=_("window"), ordering="starts_at")
    def window(self, obj: Promotion) -> SafeString:
        return _window(obj.starts_at, obj.ends_at, obj.campaign.brand)

    @admin.display(description=_("now"))
    def state(self, obj: Promotion) -> SafeString:
        return _state_badge(obj, obj.campaign)

    @admin.display(description=_("preview"))
    def preview(self, obj: Promotion) -> SafeString | str:
        if not obj.pk:
            return str(_("Save the promotion first."))
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a> · '
            '<a href="{}#{}" target="_blank" rel="noopener">{}</a><br>'
            '<span class="help">{}</span>',
            obj.get_absolute_url(),
            _("Open the promotion tab"),
            obj.campaign.get_absolute_url(),
            obj.slug,
            _("Open it in the hub"),
            _(
                "Staff of the brand see drafts and scheduled promotions on the tab page as a "
                "preview; the hub lists only live promotions while the campaign is live."
            ),
        )

    @admin.display(description=_("entries and draws"))
    def tools(self, obj: Promotion) -> SafeString | str:
        if not obj.pk:
            return ""
        links = [
            (reverse("admin:promotions_promotion_dashboard", args=[obj.pk]), _("Dashboard")),
            (
                reverse("admin:promotions_entry_changelist") + f"?promotion__id__exact={obj.pk}",
                _("Entries"),
            ),
            (
                reverse("admin:promotions_draw_changelist") + f"?promotion__id__exact={obj.pk}",
                _("Draws"),
            ),
        ]
        if obj.kind == Promotion.Kind.OFFER:
            links.append(
                (reverse("admin:promotions_promotion_codes", args=[obj.pk]), _("Code pool"))
            )
        if obj.kind == Promotion.Kind.CONTEST:
            links.append(
                (reverse("admin:promotions_promotion_standings", args=[obj.pk]), _("Standings"))
            )
            links.append(
                (
                    reverse("admin:promotions_submission_changelist")
                    + f"?promotion__id__exact={obj.pk}",
                    _("Submissions"),
                )
            )
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is Prize:
            # A prize's quantity never drops below what was awarded (services).
            for prize_form in formset.forms:
                prize = prize_form.instance
                if (
                    prize.pk
                    and "quantity" in prize_form.changed_data
                    and not prize_form.cleaned_data.get("DELETE")
                ):
                    promotion_services.prize_set_quantity(prize=prize, quantity=prize.quantity)
        super().save_formset(request, form, formset, change)

    def get_urls(self) -> list[Any]:
        urls = [
            path(
                "<path:object_id>/codes/",
                self.admin_site.admin_view(self.codes_view),
                name="promotions_promotion_codes",
            ),
            path(
                "<path:object_id>/standings/",
                self.admin_site.admin_view(self.standings_view),
                name="promotions_promotion_standings",
            ),
        ]
        return urls + super().get_urls()

    def standings_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """A contest's ranking: public votes and jury scores, weighted as configured."""
        promotion = self.get_object(request, unquote(object_id))
        if promotion is None or not self.has_view_permission(request, promotion):
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "title": _("Standings: %(title)s") % {"title": promotion.title},
            "opts": self.opts,
            "original": promotion,
            "standings": promotion_selectors.contest_standings(promotion=promotion),
            "public_weight": 100 - promotion.jury_weight,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/promotions/promotion/standings.html", context)

    def codes_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """An offer promotion's code pool: counts, upload (one code a line) or generate."""
        promotion = self.get_object(request, unquote(object_id))
        if promotion is None or not self.has_view_permission(request, promotion):
            raise Http404
        may_change = self.has_change_permission(request, promotion)
        form = CodePoolForm(request.POST or None, request.FILES or None)
        if request.method == "POST":
            if not may_change:
                raise PermissionDenied
            if form.is_valid():
                self._codes_apply(request, promotion, form)
                return HttpResponseRedirect(request.path)
        codes = promotion.codes.all()
        context = {
            **self.admin_site.each_context(request),
            "title": _("Code pool: %(title)s") % {"title": promotion.title},
            "opts": self.opts,
            "original": promotion,
            "form": form if may_change else None,
            "is_offer": promotion.kind == Promotion.Kind.OFFER,
            "total": codes.count(),
            "claimed": codes.filter(person__isnull=False).count(),
            "redeemed": codes.filter(redeemed_at__isnull=False).count(),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/promotions/promotion/codes.html", context)

    def _codes_apply(self, request: HttpRequest, promotion: Promotion, form: CodePoolForm) -> None:
        try:
            if form.cleaned_data.get("generate"):
                made = promotion_services.code_pool_generate(
                    promotion=promotion,
                    count=form.cleaned_data["generate"],
                    prefix=form.cleaned_data.get("code_prefix") or "",
                )
                self.message_user(
                    request, _("Generated %(n)d codes.") % {"n": made}, messages.SUCCESS
                )
            lines = form.code_lines()
            if lines:
                result = promotion_services.code_pool_import(promotion=promotion, codes=lines)
                self.message_user(
                    request,
                    _(
                        "Added %(n)d codes; %(d)d were already in a pool, "
                        "%(i)d were not valid codes."
                    )
                    % {"n": result.created, "d": len(result.duplicates), "i": len(result.invalid)},
                    messages.SUCCESS
                    if not (result.duplicates or result.invalid)
                    else messages.WARNING,
                )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)


class CodePoolForm(forms.Form):
    generate = forms.IntegerField(
        label=_("Generate this many random codes"), min_value=1, max_value=100_000, required=False
    )
    code_prefix = forms.CharField(label=_("Prefix (optional)"), max_length=12, required=False)
    codes = forms.CharField(
        label=_("Or paste codes, one a line"), widget=forms.Textarea({"rows": 6}), required=False
    )
    upload = forms.FileField(label=_("Or upload a text or CSV file (first column)"), required=False)

    def code_lines(self) -> list[str]:
        lines = (self.cleaned_data.get("codes") or "").splitlines()
        upload = self.cleaned_data.get("upload")
        if upload is not None:
            text = upload.read(5_000_000).decode("utf-8", errors="replace")
            lines += [row.split(",")[0].strip().strip('"') for row in text.splitlines()]
        return [line for line in lines if line.strip()]


# --- entries, flags and reviews ----------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (kept with the record)"),
        widget=forms.Textarea({"rows": 3}),
        max_length=2000,
    )


def _reason_action(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    title: Any,
    apply: Any,
) -> HttpResponse | None:
    """An admin action that asks for a reason first (an intermediate page), then applies."""
    form = ReasonForm(request.POST if "apply" in request.POST else None)
    if form.is_bound and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                apply(obj, form.cleaned_data["reason"])
                done += 1
            except ValidationError as exc:
                modeladmin.message_user(request, f"{obj}: {' '.join(exc.messages)}", messages.ERROR)
        modeladmin.message_user(request, _("Done for %(n)d.") % {"n": done}, messages.SUCCESS)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": title,
        "opts": modeladmin.model._meta,
        "queryset": queryset,
        "form": form,
        "action": request.POST.get("action", ""),
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/promotions/reason_action.html", context)


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
class EntryAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

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
        return _reason_action(
            self,
            request,
            queryset,
            title=_("Exclude entries"),
            apply=lambda e, reason: promotion_services.entry_exclude(
                entry=e, reason=reason, by=request.user
            ),
        )

    @admin.action(
        description=_("Flag the selected entries for review (with a reason)"),
        permissions=["change"],
    )
    def flag_entries(self, request: HttpRequest, queryset: QuerySet[Entry]) -> HttpResponse | None:
        return _reason_action(
            self,
            request,
            queryset,
            title=_("Flag entries"),
            apply=lambda e, reason: promotion_services.entry_flag(
                entry=e, reason=reason, by=request.user
            ),
        )

    @admin.action(description=_("Clear the flags: the entries count again"), permissions=["change"])
    def clear_flags(self, request: HttpRequest, queryset: QuerySet[Entry]) -> None:
        cleared = 0
        for entry in queryset.filter(flagged=True):
            try:
                promotion_services.entry_flags_clear(
                    entry=entry, note="Reviewed in admin.", by=request.user
                )
                cleared += 1
            except promotion_services.Refused as refused:
                self.message_user(request, f"{entry}: {refused}", messages.ERROR)
        self.message_user(request, _("Cleared %(n)d entries.") % {"n": cleared}, messages.SUCCESS)


@admin.register(Flag)
class FlagAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # reviewed through the entries' actions


# --- prizes and winning moments -------------------------------------------------------------


class WinningMomentInline(BrandScopedAdminMixin, admin.TabularInline):
    model = WinningMoment
    extra = 1
    fields = ["at", "entry", "claimed_at"]
    readonly_fields = ["entry", "claimed_at"]


@admin.register(Prize)
class PrizeAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    list_display = ["name", "promotion", "quantity", "awarded", "odds_one_in"]
    list_filter = [("promotion", ScopedRelatedFilter)]
    list_select_related = ["promotion"]
    fields = [
        "promotion",
        "name",
        "description",
        "value_label",
        "quantity",
        "awarded",
        "odds_one_in",
        "position",
    ]
    readonly_fields = ["awarded"]
    inlines = [WinningMomentInline]

    def save_model(self, request: HttpRequest, obj: Prize, form: Any, change: bool) -> None:
        if change and "quantity" in form.changed_data:
            promotion_services.prize_set_quantity(prize=obj, quantity=obj.quantity)
        super().save_model(request, obj, form, change)


# --- contests -------------------------------------------------------------------------------


class JuryScoreInline(BrandScopedAdminMixin, admin.TabularInline):
    model = JuryScore
    extra = 1
    fields = ["juror", "score", "note"]
    readonly_fields = ["juror"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[JuryScore]:
        return super().get_queryset(request).select_related("juror")


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
    fields = [
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
    ]
    readonly_fields = [
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
    ]

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
                promotion_services.submission_moderate(
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
        return _reason_action(
            self,
            request,
            queryset,
            title=_("Reject submissions"),
            apply=lambda s, reason: promotion_services.submission_moderate(
                submission=s, approve=False, note=reason, by=request.user
            ),
        )


# --- draws ----------------------------------------------------------------------------------


class DrawCommitForm(forms.ModelForm):
    class Meta:
        model = Draw
        fields = ["promotion", "prize", "winners_count", "alternates_count", "reason"]


@admin.register(Draw)
class DrawAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
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

    def save_model(self, request: HttpRequest, obj: Draw, form: Any, change: bool) -> None:
        if change:
            return
        draw = promotion_services.draw_commit(
            promotion=form.cleaned_data["promotion"],
            prize=form.cleaned_data.get("prize"),
            winners_count=form.cleaned_data.get("winners_count"),
            alternates_count=form.cleaned_data.get("alternates_count"),
            reason=form.cleaned_data.get("reason") or "",
        )
        for f in Draw._meta.concrete_fields:
            setattr(obj, f.attname, getattr(draw, f.attname))
        obj._state.adding = False
        obj._state.db = draw._state.db

    def _changeform_view(
        self, request: HttpRequest, object_id: Any, form_url: Any, extra_context: Any
    ) -> Any:
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    @admin.display(description=_("certificate"))
    def certificate(self, obj: Draw) -> SafeString | str:
        if not obj.pk:
            return ""
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">{}</a>', obj.get_absolute_url(), _("Open")
        )

    @admin.action(
        description=_("Run the selected draws (entries must have closed)"), permissions=["change"]
    )
    def run_draws(self, request: HttpRequest, queryset: QuerySet[Draw]) -> None:
        for draw in queryset:
            try:
                done = promotion_services.draw_run(draw=draw, by=request.user)
                self.message_user(
                    request,
                    _("%(draw)s: %(n)d winners from %(e)d entries.")
                    % {"draw": done, "n": len(done.winners), "e": done.entry_count},
                    messages.SUCCESS,
                )
            except ValidationError as exc:
                self.message_user(request, f"{draw}: {' '.join(exc.messages)}", messages.ERROR)


@admin.register(DrawReplacement)
class DrawReplacementAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    """Re-draw one prize: name the winner to replace and why; the next alternate wins."""

    list_display = [
        "draw",
        "replaced_entry",
        "replacement_entry",
        "reason",
        "replaced_at",
        "replaced_by",
    ]
    list_filter = [("draw__promotion", ScopedRelatedFilter)]
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

    def save_model(
        self, request: HttpRequest, obj: DrawReplacement, form: Any, change: bool
    ) -> None:
        made = promotion_services.draw_replace_winner(
            draw=obj.draw, entry_public_id=obj.replaced_entry, reason=obj.reason, by=request.user
        )
        for f in DrawReplacement._meta.concrete_fields:
            setattr(obj, f.attname, getattr(made, f.attname))
        obj._state.adding = False
        obj._state.db = made._state.db

    def _changeform_view(
        self, request: HttpRequest, object_id: Any, form_url: Any, extra_context: Any
    ) -> Any:
        try:
            return super()._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[misc]
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# --- entrants and data deletion -------------------------------------------------------------


class IdentityInline(admin.TabularInline):
    model = Identity
    extra = 0
    fields = ("provider", "subject", "verified_at", "deauthorized_at")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Person)
class PersonAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(
        description=_("Delete their personal data (keep anonymous counts)"), permissions=["change"]
    )
    def anonymise(self, request: HttpRequest, queryset: QuerySet[Person]) -> None:
        done = 0
        for person in queryset.filter(anonymised_at__isnull=True):
            promotion_services.person_anonymise(person=person)
            done += 1
        self.message_user(request, _("Anonymised %(n)d entrants.") % {"n": done}, messages.SUCCESS)


@admin.register(DataDeletionRequest)
class DataDeletionRequestAdmin(SuperuserAuditAdmin):
    """Facebook data deletion callbacks received (superusers only)."""

    list_display = ["confirmation_code", "requested_at", "completed_at"]
    fields = ("confirmation_code", "person", "requested_at", "completed_at", "summary")
    readonly_fields = fields


# --- partner API keys (tracking.ApiKey) -------------------------------------------------


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
class ApiKeyAdmin(BrandScopedAdminMixin, admin.ModelAdmin):
    """Keys are created through ``api_key_create``; the full key is shown once, in the
    response to the creation, and is never stored (only its SHA-256 is)."""

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

    def save_model(self, request: HttpRequest, obj: ApiKey, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        key, secret = api_key_create(
            name=form.cleaned_data["name"],
            brand_ids=[b.pk for b in form.cleaned_data["brands"]],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data.get("expires_at"),
            created_by_id=request.user.pk,
        )
        for field in ApiKey._meta.concrete_fields:
            setattr(obj, field.attname, getattr(key, field.attname))
        obj._state.adding = False
        obj._state.db = key._state.db
        setattr(request, _SECRET_ATTR, secret)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        if change:
            super().save_related(request, form, formsets, change)
        # On creation the service has already set the brands.

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
            return _badge(str(_("Revoked")), "ended")
        if not obj.is_usable():
            return _badge(str(_("Expired")), "paused")
        return _badge(str(_("Active")), "live")


from promotions import admin_reports  # noqa: E402, F401  (alerts, report subscriptions)
