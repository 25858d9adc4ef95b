"""Brands, the staff who belong to them, campaigns and the promotions inside campaigns.

A bad configuration cannot be saved: every rule lives in ``clean()`` (forms, admin and
services call ``full_clean()``) and, where the database can hold it, in a constraint.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Path segments the hub uses for itself; a promotion cannot take them as its slug.
RESERVED_PROMOTION_SLUGS = frozenset({"shop", "enter", "rules", "draws", "static", "media"})


_domain_re = RegexValidator(
    r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}(:\d{1,5})?$",
    _("Enter a host name such as shop.example.com or *.example.com, without a scheme."),
)


def _timezone_validator(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(tz)s is not a known IANA time zone."), params={"tz": value})


def parse_countries(text: str) -> list[str]:
    """``"fr, be de"`` → ``["BE", "DE", "FR"]``; ValueError naming what is not a country code."""
    from promotions.campaigns.countries import COUNTRY_NAMES

    codes = sorted({c.upper() for c in text.replace(",", " ").split() if c})
    unknown = [c for c in codes if c not in COUNTRY_NAMES]
    if unknown:
        raise ValueError(
            _("Not ISO 3166 country codes: %(codes)s (use two letters, e.g. FR, BE).")
            % {"codes": ", ".join(unknown)}
        )
    return codes


class BrandQuerySet(models.QuerySet["Brand"]):
    def for_user(self, user: AbstractBaseUser | AnonymousUser) -> BrandQuerySet:
        """The brands a staff user may see: all for superusers, their memberships otherwise."""
        if not getattr(user, "is_active", False):
            return self.none()
        if getattr(user, "is_superuser", False):
            return self.all()
        return self.filter(memberships__user=user).distinct()


class Brand(models.Model):
    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=120)
    timezone = models.CharField(
        max_length=64,
        default="UTC",
        validators=[_timezone_validator],
        help_text=_(
            "IANA time zone; daily reports are read in it, and the windows and days of the "
            "campaigns without a zone of their own."
        ),
    )
    language = models.CharField(
        max_length=8, choices=settings.LANGUAGES, default="en", help_text=_("Language of the tabs.")
    )
    facebook_page_id = models.CharField(
        max_length=32,
        blank=True,
        validators=[RegexValidator(r"^\d{5,32}$", _("A Facebook Page id is digits only."))],
    )
    embed_domains = models.TextField(
        blank=True,
        help_text=_(
            "Host names allowed to embed this brand's tabs in an iframe, one per line "
            "(e.g. www.example.com or *.example.com). Empty: no embedding."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BrandQuerySet.as_manager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors = []
        for domain in self.embed_domain_list:
            try:
                _domain_re(domain)
            except ValidationError:
                errors.append(f"{domain!r} is not a host name (example: www.example.com).")
        if errors:
            raise ValidationError({"embed_domains": errors})
        self.embed_domains = "\n".join(self.embed_domain_list)

    @property
    def embed_domain_list(self) -> list[str]:
        return [d.strip().lower() for d in self.embed_domains.splitlines() if d.strip()]

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


class BrandMembership(models.Model):
    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager (edits)")
        ANALYST = "analyst", _("Analyst (reads)")

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="brand_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MANAGER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["brand", "user"], name="uniq_membership_brand_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.brand} ({self.get_role_display()})"


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    ENDED = "ended", _("Ended")


class WindowedModel(models.Model):
    """A thing that is live between ``starts_at`` (inclusive) and ``ends_at`` (exclusive)."""

    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.DRAFT)

    class Meta:
        abstract = True

    def clean(self) -> None:
        if self.starts_at and self.ends_at and self.ends_at <= self.starts_at:
            raise ValidationError({"ends_at": _("The end must come after the start.")})

    def is_live(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.status == Status.ACTIVE and self.starts_at <= at < self.ends_at

    def is_finished(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.status == Status.ENDED or self.ends_at <= at


class CampaignQuerySet(models.QuerySet["Campaign"]):
    def live(self, at: datetime | None = None) -> CampaignQuerySet:
        at = at or timezone.now()
        return self.filter(status=Status.ACTIVE, starts_at__lte=at, ends_at__gt=at)

    def for_brands(self, brand_ids: object) -> CampaignQuerySet:
        return self.filter(brand_id__in=brand_ids)


class Campaign(WindowedModel):
    brand = models.ForeignKey(Brand, on_delete=models.PROTECT, related_name="campaigns")
    slug = models.SlugField(max_length=50)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    timezone = models.CharField(
        max_length=64,
        blank=True,
        validators=[_timezone_validator],
        help_text=_(
            "IANA time zone of the campaign's market (e.g. Asia/Tokyo): its windows, daily "
            "entry limits, votes and deadlines are read in it. Empty: the brand's. The times "
            "below are read in the zone chosen here, also when it changes in the same save."
        ),
    )
    languages = models.JSONField(
        default=list,
        blank=True,
        help_text=_(
            "Languages the campaign is offered in besides the brand's (switcher, alternates). "
            "A live campaign needs every promotion's official rules and consent texts in each."
        ),
    )
    reviewed_languages = models.JSONField(
        default=list,
        blank=True,
        help_text=_("Languages whose translation a reviewer has checked."),
    )
    live_wall_key_version = models.PositiveIntegerField(
        default=1,
        editable=False,
        help_text=_("Signed into the live wall's link; raising it retires the links given out."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["brand", "slug"], name="uniq_campaign_slug_per_brand"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="campaign_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.brand.slug}/{self.slug}" if self.brand_id else self.slug

    def get_absolute_url(self) -> str:
        return reverse("promotions:hub", args=[self.brand.slug, self.slug])

    @property
    def zone_name(self) -> str:
        """The campaign's clock: its own zone, else its brand's."""
        return self.timezone or self.brand.timezone

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.zone_name)

    def clean(self) -> None:
        super().clean()
        self._clean_languages()
        if self.pk and self.starts_at and self.ends_at:
            outside = self.promotions.filter(
                Q(starts_at__lt=self.starts_at) | Q(ends_at__gt=self.ends_at)
            )
            slugs = sorted({p.slug for p in outside})
            if slugs:
                raise ValidationError(
                    _("These promotions would fall outside the new window: %(slugs)s."),
                    params={"slugs": ", ".join(slugs)},
                )

    def _clean_languages(self) -> None:
        from promotions.campaigns.languages import campaign_live_language_problems, language_codes

        errors: dict[str, list[object]] = {}
        for field in ("languages", "reviewed_languages"):
            value = getattr(self, field)
            if not isinstance(value, list) or not all(isinstance(c, str) for c in value):
                errors.setdefault(field, []).append(_("Choose languages from the list."))
                continue
            unknown = sorted(set(value) - set(language_codes()))
            if unknown:
                errors.setdefault(field, []).append(
                    _("Not languages the service offers: %(codes)s.")
                    % {"codes": ", ".join(unknown)}
                )
            setattr(self, field, [c for c in language_codes() if c in value])
        if errors:
            raise ValidationError(errors)
        if self.pk and self.status == Status.ACTIVE and self.brand_id:
            problems = campaign_live_language_problems(
                campaign=self,
                promotions=list(
                    self.promotions.exclude(status=Status.ENDED).prefetch_related("country_rules")
                ),
            )
            if problems:
                raise ValidationError({"languages": problems})

    @property
    def language_list(self) -> list[str]:
        """The languages a consumer may read this campaign in: the brand's, then the rest."""
        brand_language = self.brand.language
        return [brand_language, *(c for c in self.languages if c != brand_language)]


class PromotionQuerySet(models.QuerySet["Promotion"]):
    def live(self, at: datetime | None = None) -> PromotionQuerySet:
        """Promotions a consumer can open now: active, in their window, campaign live too."""
        at = at or timezone.now()
        return self.filter(
            status=Status.ACTIVE,
            starts_at__lte=at,
            ends_at__gt=at,
            campaign__status=Status.ACTIVE,
            campaign__starts_at__lte=at,
            campaign__ends_at__gt=at,
        )

    def for_brands(self, brand_ids: object) -> PromotionQuerySet:
        return self.filter(campaign__brand_id__in=brand_ids)


class EntryFrequency(models.TextChoices):
    ONCE = "once", _("Once")
    DAILY = "daily", _("Once a day")
    TOTAL = "total", _("N entries in total")


class EntryMethod(models.TextChoices):
    """Ways to enter or to earn entries; the last three are forbidden by Facebook."""

    FREE_FORM = "free_form", _("Free entry form (no purchase)")
    PURCHASE = "purchase", _("A purchase in the shop")
    SHARE_TIMELINE = "share_timeline", _("Share on a personal timeline (forbidden by Facebook)")
    TAG_FRIENDS = "tag_friends", _("Tag friends (forbidden by Facebook)")
    LIKE_PAGE = "like_page", _("Like the Page (forbidden by Facebook)")


FACEBOOK_FORBIDDEN_METHODS = frozenset(
    {EntryMethod.SHARE_TIMELINE, EntryMethod.TAG_FRIENDS, EntryMethod.LIKE_PAGE}
)


def default_entry_methods() -> list[str]:
    return [EntryMethod.FREE_FORM.value]


class SubmissionMedia(models.TextChoices):
    PHOTO = "photo", _("A photo")
    VIDEO = "video", _("A video (file or link)")
    TEXT = "text", _("A text")


class WinnersDisplay(models.TextChoices):
    """What the public winners page shows of a winner (the official rules decide)."""

    FIRST_INITIAL_COUNTRY = "first_initial_country", _("First name, initial and country")
    FIRST_INITIAL = "first_initial", _("First name and initial")
    ENTRY_NUMBER = "entry_number", _("Entry number only")


class Promotion(WindowedModel):
    class Kind(models.TextChoices):
        SWEEPSTAKES = "sweepstakes", _("Sweepstakes")
        INSTANT_WIN = "instant_win", _("Instant win")
        CONTEST = "contest", _("Contest")
        OFFER = "offer", _("Offer")

    campaign = models.ForeignKey(Campaign, on_delete=models.PROTECT, related_name="promotions")
    slug = models.SlugField(max_length=50)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(max_length=140)
    description = models.TextField(blank=True)
    image = models.ImageField(upload_to="promotions/%Y/%m/", blank=True)
    image_alt = models.CharField(
        max_length=200, blank=True, help_text=_("Describes the image for screen readers.")
    )
    cta_label = models.CharField(_("call-to-action label"), max_length=60, default="Take part")
    cta_url = models.URLField(
        _("call-to-action target"),
        max_length=500,
        blank=True,
        help_text=_("Where the call-to-action leads (https). Empty: the promotion's own form."),
    )
    official_rules = models.TextField(
        help_text=_("Shown on the promotion and its rules page: eligibility, prizes, dates.")
    )
    position = models.PositiveSmallIntegerField(default=0, help_text=_("Order of the tabs."))
    # --- who may enter, how often, how (condition) -----------------------------------------
    countries = models.CharField(
        max_length=400,
        blank=True,
        help_text=_(
            "ISO country codes of residence allowed to enter, e.g. FR, BE, DE. Empty: any."
        ),
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        default=18,
        validators=[MaxValueValidator(99)],
        help_text=_("Entrants must be at least this old on the day they enter. 0: no minimum."),
    )
    entry_frequency = models.CharField(
        max_length=8, choices=EntryFrequency.choices, default=EntryFrequency.ONCE
    )
    max_entries = models.PositiveSmallIntegerField(
        _("entries per person"),
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text=_("For 'N entries in total': how many one person may make."),
    )
    entry_methods = models.JSONField(
        default=default_entry_methods,
        blank=True,
        help_text=_(
            "How people enter or earn entries. Facebook forbids requiring a share on a "
            "timeline, tagging friends or a Like."
        ),
    )
    privacy_notice = models.TextField(
        blank=True,
        help_text=_("What entrants agree to about their data. Empty: the standard notice."),
    )
    marketing_text = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Optional opt-in offered unticked, e.g. 'Send me news from the brand'."),
    )
    # --- contests -----------------------------------------------------------------------
    submission_media = models.CharField(
        max_length=12,
        choices=SubmissionMedia.choices,
        default=SubmissionMedia.VIDEO,
        help_text=_("Contests: what entrants submit."),
    )
    jury_weight = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text=_(
            "Contests: the jury's share of the final score in percent; the public vote has "
            "the rest."
        ),
    )
    # --- after the draw (promotions/claims/) --------------------------------------------
    draw_grace_minutes = models.PositiveIntegerField(
        _("draw grace (minutes)"),
        default=15,
        validators=[MaxValueValidator(7 * 24 * 60)],
        help_text=_(
            "Sweepstakes: the worker runs the draw this long after entries close (late "
            "imports still count)."
        ),
    )
    claim_days = models.PositiveSmallIntegerField(
        _("days to claim"),
        default=7,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=_(
            "A winner claims within this many days of being told, as the official rules say; "
            "then the prize passes to the next alternate."
        ),
    )
    claim_reminder_hours = models.PositiveSmallIntegerField(
        _("reminder before the deadline (hours)"),
        default=48,
        validators=[MaxValueValidator(24 * 30)],
        help_text=_("A winner who has not claimed is reminded this long before the deadline."),
    )
    winners_display = models.CharField(
        _("winners are published as"),
        max_length=24,
        choices=WinnersDisplay.choices,
        default=WinnersDisplay.FIRST_INITIAL_COUNTRY,
        help_text=_("What the winners page shows of each winner, as the official rules say."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = PromotionQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "slug"], name="uniq_promotion_slug_per_campaign"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="promotion_window_ordered"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse(
            "promotions:tab", args=[self.campaign.brand.slug, self.campaign.slug, self.slug]
        )

    def clean(self) -> None:
        super().clean()
        errors: dict[str, list[object]] = {}
        if self.slug in RESERVED_PROMOTION_SLUGS:
            errors.setdefault("slug", []).append(
                _("%(slug)s is used by the hub itself; choose another slug.") % {"slug": self.slug}
            )
        if self.cta_url and not self.cta_url.startswith("https://"):
            errors.setdefault("cta_url", []).append(_("The target must be an https:// address."))
        if self.campaign_id and self.starts_at and self.ends_at:
            campaign = self.campaign
            if self.starts_at < campaign.starts_at or self.ends_at > campaign.ends_at:
                tz = campaign.tzinfo
                errors.setdefault("starts_at", []).append(
                    _("The window must lie inside the campaign's, %(start)s to %(end)s.")
                    % {
                        "start": f"{campaign.starts_at.astimezone(tz):%Y-%m-%d %H:%M}",
                        "end": f"{campaign.ends_at.astimezone(tz):%Y-%m-%d %H:%M} ({tz.key})",
                    }
                )
        self._clean_entry_rules(errors)
        if (
            self.campaign_id
            and self.status == Status.ACTIVE
            and self.campaign.status == Status.ACTIVE
        ):
            from promotions.campaigns.languages import campaign_live_language_problems

            problems = campaign_live_language_problems(campaign=self.campaign, promotions=[self])
            if problems:
                errors.setdefault("official_rules", []).extend(problems)
        if errors:
            raise ValidationError(errors)

    def _clean_entry_rules(self, errors: dict[str, list[object]]) -> None:
        """Facebook's promotion rules and the entry configuration (PRODUCT.md)."""
        methods = self.entry_methods if isinstance(self.entry_methods, list) else None
        if methods is None or not all(isinstance(m, str) for m in methods):
            errors.setdefault("entry_methods", []).append(_("Choose the ways to enter."))
            return
        unknown = sorted(set(methods) - set(EntryMethod.values))
        if unknown:
            errors.setdefault("entry_methods", []).append(
                _("Unknown entry methods: %(m)s.") % {"m": ", ".join(unknown)}
            )
        forbidden = [EntryMethod(m).label for m in methods if m in FACEBOOK_FORBIDDEN_METHODS]
        if forbidden:
            errors.setdefault("entry_methods", []).append(
                _(
                    "Facebook forbids requiring a share on a personal timeline, tagging "
                    "friends or a Like to enter or to earn entries: remove %(m)s."
                )
                % {"m": "; ".join(str(f) for f in forbidden)}
            )
        if not methods:
            errors.setdefault("entry_methods", []).append(_("Choose at least one way to enter."))
        elif EntryMethod.FREE_FORM not in methods:
            if self.kind == self.Kind.SWEEPSTAKES and EntryMethod.PURCHASE in methods:
                errors.setdefault("entry_methods", []).append(
                    _(
                        "A sweepstakes that gives entries for purchases must also offer a free "
                        "way to enter (no purchase necessary): add the free entry form."
                    )
                )
            else:
                errors.setdefault("entry_methods", []).append(
                    _("Consumers enter through the free entry form: keep it.")
                )
        try:
            self.countries = ", ".join(parse_countries(self.countries))
        except ValueError as exc:
            errors.setdefault("countries", []).append(str(exc))
        if self.kind in (self.Kind.OFFER, self.Kind.CONTEST) and (
            self.entry_frequency != EntryFrequency.ONCE
        ):
            errors.setdefault("entry_frequency", []).append(
                _("Offers and contests take one entry per person: choose 'Once'.")
            )
        if self.entry_frequency == EntryFrequency.ONCE:
            self.max_entries = 1
        if self.jury_weight and self.kind != self.Kind.CONTEST:
            self.jury_weight = 0

    @property
    def brand(self) -> Brand:
        return self.campaign.brand

    @property
    def country_list(self) -> list[str]:
        try:
            return parse_countries(self.countries)
        except ValueError:
            return []

    @property
    def country_names(self) -> str:
        from promotions.campaigns.countries import COUNTRY_NAMES

        return ", ".join(sorted(COUNTRY_NAMES[c] for c in self.country_list))
