"""Admin for promotions: the form, prizes and local rules inlines, code pools and the
per-promotion tools."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from promotions.admin.dashboards import DashboardAdminMixin
from promotions.admin.displays import (
    ADMIN_MEDIA,
    BrandTimezoneFormMixin,
    LiveNowFilter,
    state_badge,
    window_display,
)
from promotions.admin.scoping import (
    BrandScopedAdminMixin,
    ScopedRelatedFilter,
    choices_queryset,
)
from promotions.admin.translations import (
    BrandLanguageInlineMixin,
    TranslatedFieldsAdminMixin,
    TranslatedInlineMixin,
)
from promotions.codes import rules as code_rules
from promotions.codes import selectors as codes_selectors
from promotions.codes import services as codes_services
from promotions.contests import selectors as contests_selectors
from promotions.models import Campaign, EntryMethod, Prize, Promotion, PromotionCountryRule
from promotions.prizes import services as prizes_services
from promotions.social import services as social_services


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

    def clean_campaign(self) -> Campaign:
        campaign: Campaign = self.cleaned_data["campaign"]
        before = self.instance.campaign if self.instance.pk else None
        if before is not None and campaign.brand_id != before.brand_id:
            raise ValidationError(
                _(
                    "A promotion stays with its brand (its entries, codes and offers are the "
                    "brand's): choose a campaign of %(brand)s."
                )
                % {"brand": before.brand.name}
            )
        return campaign


# What a marketer sees of a prize, on the promotion's page and on the prize's own.
PRIZE_FIELDS = (
    "name",
    "description",
    "value_label",
    "quantity",
    "awarded",
    "odds_one_in",
    "position",
)


class PrizeInline(BrandLanguageInlineMixin, BrandScopedAdminMixin, admin.TabularInline):
    """Prizes in the brand's language; their translations are on each prize's page."""

    model = Prize
    extra = 0
    fields = PRIZE_FIELDS
    content_brand_path = "promotion__campaign__brand"
    parent_brand_path = "campaign__brand"

    readonly_fields = ["awarded"]
    show_change_link = True


class PromotionCountryRuleInline(TranslatedInlineMixin, BrandScopedAdminMixin, admin.StackedInline):
    """Local rules: a country excluded, another minimum age or its own rules text, in the
    brand's language under its own name and in the others in a collapsed block."""

    model = PromotionCountryRule
    extra = 0
    fieldsets = [(None, {"fields": [("country", "excluded", "min_age"), "official_rules"]})]
    content_brand_path = "promotion__campaign__brand"
    parent_brand_path = "campaign__brand"
    verbose_name = _("local rule (per country of residence)")
    verbose_name_plural = _("local rules (per country of residence)")


@admin.register(Promotion)
class PromotionAdmin(
    TranslatedFieldsAdminMixin,
    DashboardAdminMixin,
    BrandTimezoneFormMixin,
    BrandScopedAdminMixin,
    admin.ModelAdmin,
):
    form = PromotionForm
    content_brand_path = "campaign__brand"
    inlines = [PrizeInline, PromotionCountryRuleInline]
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
            (
                _("After the draw"),
                {
                    "fields": [
                        "draw_grace_minutes",
                        "claim_days",
                        "claim_reminder_hours",
                        "winners_display",
                    ]
                },
            ),
        ]
        if obj is not None:
            fieldsets += [
                (_("Preview"), {"fields": ["preview", "tools"]}),
                (_("Record"), {"fields": ["created_at", "updated_at"], "classes": ["collapse"]}),
            ]
        return self.language_fieldsets(request, obj, fieldsets)

    def form_timezone(self, request: HttpRequest, object_id: str | None) -> str | None:
        promotion = self._object(request, object_id)
        if promotion is not None:
            return promotion.campaign.zone_name
        campaign = self._requested_campaign(request)
        if campaign is not None:
            return campaign.zone_name
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
        return window_display(obj.starts_at, obj.ends_at, obj.campaign)

    @admin.display(description=_("now"))
    def state(self, obj: Promotion) -> SafeString:
        return state_badge(obj, obj.campaign)

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
        if formset.model is not Prize:
            super().save_formset(request, form, formset, change)
            return
        # Changed prizes save only what their form changed, the quantity through its
        # service (never below what was awarded); new ones are plain inserts.
        formset.save(commit=False)
        for prize in formset.deleted_objects:
            prize.delete()
        for prize in formset.new_objects:
            prize.save()
        for prize, changed in formset.changed_objects:
            prizes_services.prize_update(prize=prize, fields=changed)
        formset.save_m2m()

    def save_model(self, request: HttpRequest, obj: Promotion, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        if change and {"starts_at", "ends_at"} & set(form.changed_data):
            social_services.social_promotion_window_changed(promotion=obj)

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
            "standings": contests_selectors.submission_standings_list(promotion=promotion),
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
        counts = codes_selectors.code_pool_counts(promotion=promotion)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Code pool: %(title)s") % {"title": promotion.title},
            "opts": self.opts,
            "original": promotion,
            "form": form if may_change else None,
            "is_offer": promotion.kind == Promotion.Kind.OFFER,
            "total": counts.total,
            "claimed": counts.claimed,
            "redeemed": counts.redeemed,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/promotions/promotion/codes.html", context)

    def _codes_apply(self, request: HttpRequest, promotion: Promotion, form: CodePoolForm) -> None:
        try:
            if form.cleaned_data.get("generate"):
                made = codes_services.code_pool_generate(
                    promotion=promotion,
                    count=form.cleaned_data["generate"],
                    prefix=form.cleaned_data.get("code_prefix") or "",
                )
                self.message_user(
                    request, _("Generated %(n)d codes.") % {"n": made}, messages.SUCCESS
                )
            lines = form.code_lines()
            if lines:
                result = codes_services.code_pool_import(promotion=promotion, codes=lines)
                self.message_user(
                    request,
                    _(
                        "Added %(n)d codes; %(d)d were already in a pool of this brand, "
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
        label=_("Or paste codes (one a line, or separated by commas)"),
        widget=forms.Textarea({"rows": 6}),
        required=False,
    )
    upload = forms.FileField(label=_("Or upload a text or CSV file (first column)"), required=False)

    def clean_upload(self) -> Any:
        upload = self.cleaned_data.get("upload")
        if upload is not None and upload.size > code_rules.MAX_IMPORT_FILE_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload

    def code_lines(self) -> list[str]:
        """The codes pasted and in the file, as ``promotions.codes.rules.codes_parse`` reads
        them (the rules the shop's code import follows too)."""
        upload = self.cleaned_data.get("upload")
        return code_rules.codes_parse(
            pasted=self.cleaned_data.get("codes") or "",
            upload=upload.read() if upload is not None else None,
        )
