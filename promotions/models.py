"""Brands, the staff who belong to them, campaigns and the promotions inside campaigns.

A bad configuration cannot be saved: every rule lives in ``clean()`` (forms, admin and
services call ``full_clean()``) and, where the database can hold it, in a constraint.
"""

from __future__ import annotations

import secrets
import uuid
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
    from promotions.countries import COUNTRY_NAMES

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
        help_text=_("IANA time zone; windows and daily reports are read in it."),
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

    def clean(self) -> None:
        super().clean()
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
                tz = campaign.brand.tzinfo
                errors.setdefault("starts_at", []).append(
                    _("The window must lie inside the campaign's, %(start)s to %(end)s.")
                    % {
                        "start": f"{campaign.starts_at.astimezone(tz):%Y-%m-%d %H:%M}",
                        "end": f"{campaign.ends_at.astimezone(tz):%Y-%m-%d %H:%M} ({tz.key})",
                    }
                )
        self._clean_entry_rules(errors)
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
        from promotions.countries import COUNTRY_NAMES

        return ", ".join(sorted(COUNTRY_NAMES[c] for c in self.country_list))


# --- Entrants ------------------------------------------------------------------------------
#
# A Person is one human however they sign in: each sign-in method is an Identity
# (normalised email, or Facebook app-scoped user id) pointing at the same person.
# Entries, votes, codes and consents hang off the person. Data deletion anonymises the
# person and keeps the rows, so counts in reports do not change.


def _entry_public_id() -> str:
    return secrets.token_hex(8)


class Person(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    email = models.EmailField(blank=True, help_text=_("As typed; used to contact winners."))
    email_normalized = models.CharField(
        max_length=254,
        null=True,
        blank=True,
        unique=True,
        help_text=_("Lower-cased, sub-address removed (Gmail: dots too): one person per mailbox."),
    )
    name = models.CharField(max_length=120, blank=True)
    birth_date = models.DateField(null=True, blank=True)
    country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("entrant")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        if self.anonymised_at:
            return f"anonymised entrant {self.pk}"
        return self.email or self.name or f"entrant {self.pk}"


class Identity(models.Model):
    class Provider(models.TextChoices):
        EMAIL = "email", _("Email (verified by link)")
        FACEBOOK = "facebook", _("Facebook Login")

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="identities")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    subject = models.CharField(
        max_length=254, help_text=_("Normalised email, or the Facebook app-scoped user id.")
    )
    verified_at = models.DateTimeField()
    access_token = models.TextField(blank=True, help_text=_("Facebook user token; forgotten."))
    token_expires_at = models.DateTimeField(null=True, blank=True)
    deauthorized_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = _("identities")
        constraints = [
            models.UniqueConstraint(fields=["provider", "subject"], name="uniq_identity_subject")
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} · {self.subject}"


class ConsentText(models.Model):
    """The exact words an entrant agreed to, stored once per version (SHA-256 of the text)."""

    class Kind(models.TextChoices):
        OFFICIAL_RULES = "official_rules", _("Official rules")
        PRIVACY = "privacy", _("Privacy notice")
        FACEBOOK_RELEASE = "facebook_release", _("Facebook release")
        MARKETING = "marketing", _("Marketing opt-in")

    kind = models.CharField(max_length=20, choices=Kind.choices)
    version = models.CharField(max_length=80, unique=True)
    text = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.version


class Consent(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="consents")
    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="consents")
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField()

    class Meta:
        ordering = ["given_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "promotion", "text"], name="uniq_consent_per_text_version"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} · {self.text.version}"


# --- Entries ------------------------------------------------------------------------------


class EntryQuerySet(models.QuerySet["Entry"]):
    def drawable(self) -> EntryQuerySet:
        """Entries that take part in a draw: valid, no open flag, person not anonymised."""
        return self.filter(
            status=Entry.Status.VALID, flagged=False, person__anonymised_at__isnull=True
        )


class Entry(models.Model):
    """One entry (a play, a claim, a submission) of one person in one promotion.

    ``slot`` holds the frequency rule in the database: ``(promotion, person, slot)`` is
    unique, and the service names the slot ``"1"`` (once), the local date (once a day) or
    the entry's number up to the cap (N in total).
    """

    class Status(models.TextChoices):
        VALID = "valid", _("Valid")
        EXCLUDED = "excluded", _("Excluded")

    public_id = models.CharField(
        max_length=16, unique=True, default=_entry_public_id, editable=False
    )
    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="entries")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="entries")
    slot = models.CharField(max_length=16)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VALID)
    flagged = models.BooleanField(
        default=False, help_text=_("Has an open flag: out of draws until reviewed.")
    )
    exclusion_reason = models.TextField(blank=True)
    excluded_at = models.DateTimeField(null=True, blank=True)
    excluded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    country = models.CharField(max_length=2, blank=True)
    source = models.CharField(max_length=40, blank=True)
    click_event_id = models.UUIDField(null=True, blank=True)
    viewer_hash = models.CharField(max_length=64, blank=True, editable=False)
    device_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)

    objects = EntryQuerySet.as_manager()

    class Meta:
        verbose_name_plural = _("entries")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "person", "slot"], name="uniq_entry_per_frequency_slot"
            )
        ]
        indexes = [
            models.Index(fields=["promotion", "created_at"], name="entry_promotion_time"),
            models.Index(fields=["viewer_hash", "created_at"], name="entry_viewer_time"),
        ]

    def __str__(self) -> str:
        return self.public_id


class Flag(models.Model):
    """A reason to doubt an entry. Flagged entries stay, out of draws until reviewed."""

    class Kind(models.TextChoices):
        DUPLICATE_PERSON = "duplicate_person", _("Duplicate person")
        DISPOSABLE_EMAIL = "disposable_email", _("Disposable email domain")
        VELOCITY = "velocity", _("Velocity")
        BOT = "bot", _("Bot")
        MANUAL = "manual", _("Flagged by staff")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld: entry excluded")
        CLEARED = "cleared", _("Cleared: entry counts")

    entry = models.ForeignKey(Entry, on_delete=models.CASCADE, related_name="flags")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    reason = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    review_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"


# --- Prizes and instant wins ----------------------------------------------------------------


class Prize(models.Model):
    """A prize with a quantity. ``awarded`` only grows through one conditional UPDATE
    (``WHERE awarded < quantity``) and a CHECK holds it at or below the quantity."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="prizes")
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    value_label = models.CharField(
        max_length=40, blank=True, help_text=_("Approximate retail value, e.g. €899.")
    )
    quantity = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    awarded = models.PositiveIntegerField(default=0, editable=False)
    odds_one_in = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Instant win: each play wins this prize with a chance of 1 in N while stock "
            "lasts. Empty: only winning moments give it."
        ),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(awarded__lte=models.F("quantity")), name="prize_awarded_within_quantity"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.pk and self.quantity is not None and self.quantity < self.awarded:
            raise ValidationError(
                {
                    "quantity": _("%(n)d already awarded: the quantity cannot be lower.")
                    % {"n": self.awarded}
                }
            )

    @property
    def remaining(self) -> int:
        return max(0, self.quantity - self.awarded)


class WinningMoment(models.Model):
    """Instant win: the first play at or after ``at`` wins the prize (one unit)."""

    prize = models.ForeignKey(Prize, on_delete=models.CASCADE, related_name="moments")
    at = models.DateTimeField()
    entry = models.OneToOneField(
        Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="winning_moment"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.prize} at {self.at:%Y-%m-%d %H:%M:%S}"


class PrizeAward(models.Model):
    """Unit ``unit`` (1..quantity) of a prize, won by one entry: never awarded twice."""

    prize = models.ForeignKey(Prize, on_delete=models.PROTECT, related_name="awards")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="award")
    unit = models.PositiveIntegerField()
    awarded_at = models.DateTimeField()

    class Meta:
        ordering = ["awarded_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["prize", "unit"], name="uniq_prize_unit"),
        ]

    def __str__(self) -> str:
        return f"{self.prize} #{self.unit}"


# --- Offers: a coupon code per person -------------------------------------------------------


class CouponCode(models.Model):
    """A code of an offer promotion's pool: claimed by one person, never by two.

    The shop honours codes through ``selectors.promotion_code_lookup`` and
    ``services.promotion_code_redeem``.
    """

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=40, unique=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="codes"
    )
    entry = models.OneToOneField(
        Entry, null=True, blank=True, on_delete=models.PROTECT, related_name="code"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    redeemed_at = models.DateTimeField(null=True, blank=True)
    redemption_ref = models.CharField(max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "person"],
                condition=Q(person__isnull=False),
                name="uniq_code_per_person",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=True, claimed_at__isnull=True, entry__isnull=True)
                | Q(person__isnull=False, claimed_at__isnull=False),
                name="code_claim_complete",
            ),
        ]
        indexes = [models.Index(fields=["promotion", "claimed_at"], name="code_pool_free")]

    def __str__(self) -> str:
        return self.code


# --- Contests ------------------------------------------------------------------------------


class Submission(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for moderation")
        APPROVED = "approved", _("Approved (in the gallery)")
        REJECTED = "rejected", _("Rejected")

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="submissions")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="submissions")
    entry = models.OneToOneField(Entry, on_delete=models.PROTECT, related_name="submission")
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=2000)
    media = models.CharField(max_length=12, choices=SubmissionMedia.choices)
    file = models.FileField(upload_to="submissions/%Y/%m/", blank=True)
    video_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    moderation_note = models.TextField(blank=True)
    moderated_at = models.DateTimeField(null=True, blank=True)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    removed_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Content deleted at the entrant's request.")
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["promotion", "status"], name="submission_gallery")]

    def __str__(self) -> str:
        return self.title


class Vote(models.Model):
    """One vote per person per contest per (brand-local) day: a unique constraint says so."""

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="votes")
    submission = models.ForeignKey(Submission, on_delete=models.PROTECT, related_name="votes")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="votes")
    day = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "person", "day"], name="uniq_vote_per_person_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.person_id} → {self.submission_id} ({self.day})"


class JuryScore(models.Model):
    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="scores")
    juror = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="jury_scores"
    )
    score = models.PositiveSmallIntegerField(validators=[MaxValueValidator(10)])
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["submission", "juror"], name="uniq_score_per_juror"),
            models.CheckConstraint(condition=Q(score__lte=10), name="jury_score_0_to_10"),
        ]

    def __str__(self) -> str:
        return f"{self.score}/10"


# --- Fair draws ----------------------------------------------------------------------------


class Draw(models.Model):
    """A verifiable random draw (docs/draws.md).

    Committed: a secret seed is chosen and SHA-256(seed) published on the promotion page.
    Drawn: the eligible entries are frozen in a canonical list whose SHA-256 is published,
    the seed revealed, and winners and alternates derived from both.
    """

    class Status(models.TextChoices):
        COMMITTED = "committed", _("Committed (seed secret)")
        DRAWN = "drawn", _("Drawn (seed revealed)")

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="draws")
    prize = models.ForeignKey(
        Prize, null=True, blank=True, on_delete=models.PROTECT, related_name="draws"
    )
    algorithm = models.CharField(max_length=40, default="promohub-draw-v1", editable=False)
    seed = models.CharField(max_length=64, editable=False)
    seed_commitment = models.CharField(max_length=64, editable=False)
    committed_at = models.DateTimeField()
    reason = models.TextField(
        blank=True, help_text=_("Why this draw exists when it is not the first (a re-draw).")
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.COMMITTED)
    winners_count = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    alternates_count = models.PositiveIntegerField(default=0)
    drawn_at = models.DateTimeField(null=True, blank=True)
    drawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    entry_count = models.PositiveIntegerField(null=True, blank=True)
    entry_list = models.TextField(blank=True, editable=False)
    entry_list_hash = models.CharField(max_length=64, blank=True, editable=False)
    winners = models.JSONField(default=list, blank=True, editable=False)
    alternates = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        ordering = ["committed_at", "id"]

    def __str__(self) -> str:
        return f"Draw {self.pk} of {self.promotion}"

    def get_absolute_url(self) -> str:
        promotion = self.promotion
        return reverse(
            "promotions:draw",
            args=[promotion.campaign.brand.slug, promotion.campaign.slug, promotion.slug, self.pk],
        )

    @property
    def is_drawn(self) -> bool:
        return self.status == self.Status.DRAWN


class DrawReplacement(models.Model):
    """A winner replaced by the next alternate, and why (a re-draw of one prize)."""

    draw = models.ForeignKey(Draw, on_delete=models.PROTECT, related_name="replacements")
    replaced_entry = models.CharField(max_length=16)
    replacement_entry = models.CharField(max_length=16)
    reason = models.TextField()
    replaced_at = models.DateTimeField()
    replaced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["replaced_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "replaced_entry"], name="uniq_replacement_per_winner"
            ),
            models.UniqueConstraint(
                fields=["draw", "replacement_entry"], name="uniq_alternate_used_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.replaced_entry} → {self.replacement_entry}"


# --- Facebook data deletion ----------------------------------------------------------------


class DataDeletionRequest(models.Model):
    confirmation_code = models.CharField(max_length=32, unique=True)
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-requested_at"]

    def __str__(self) -> str:
        return self.confirmation_code


# --- Alerts -------------------------------------------------------------------------------


def _alert_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


class AlertRule(models.Model):
    """A condition a marketer wants to hear about at once, checked by the worker.

    ``threshold`` reads per kind: a ratio for CTR (0.05 = 5%) and invalid share (0.2 =
    20%), a multiple of the usual hourly entries for spikes (3 = three times), a number of
    prizes and codes left for the pool. One incident is opened when the condition starts
    holding (one email and one signed webhook), and resolved when it stops.
    """

    class Kind(models.TextChoices):
        CTR_BELOW = "ctr_below", _("CTR below a threshold over the last N impressions")
        INVALID_SHARE_ABOVE = "invalid_above", _("Invalid traffic share above a threshold")
        ENTRY_SPIKE = "entry_spike", _("Entry spike (last hour against the usual rate)")
        PRIZE_POOL_LOW = "prize_pool_low", _("Prize pool running out (prizes and codes left)")

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="alert_rules")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    threshold = models.FloatField(
        validators=[MinValueValidator(0)],
        help_text=_(
            "CTR and invalid share: a ratio (0.05 = 5%). Entry spike: times the usual hourly "
            "entries (e.g. 3). Prize pool: prizes and codes left (e.g. 10)."
        ),
    )
    window_impressions = models.PositiveIntegerField(
        default=1000,
        validators=[MinValueValidator(10)],
        help_text=_("CTR: measured over this many most recent impressions."),
    )
    window_hours = models.PositiveIntegerField(
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text=_("Invalid share: over these hours. Entry spike: the usual rate's hours."),
    )
    min_entries = models.PositiveIntegerField(
        default=20, help_text=_("Entry spike: at least this many entries in the last hour.")
    )
    emails = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("Comma-separated; empty: the brand's managers."),
    )
    webhook_url = models.URLField(
        max_length=500, blank=True, help_text=_("Optional HTTPS endpoint for a signed POST.")
    )
    webhook_secret = models.CharField(max_length=64, default=_alert_secret, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["campaign", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.campaign})"

    def clean(self) -> None:
        from tracking.webhooks import webhook_url_validate

        errors: dict[str, object] = {}
        ratio_kinds = (self.Kind.CTR_BELOW, self.Kind.INVALID_SHARE_ABOVE)
        if self.kind in ratio_kinds and self.threshold is not None and self.threshold > 1:
            errors["threshold"] = _("A ratio between 0 and 1 (0.05 = 5%).")
        if self.webhook_url:
            try:
                webhook_url_validate(self.webhook_url)
            except ValidationError as exc:
                errors["webhook_url"] = exc.messages
        if errors:
            raise ValidationError(errors)


class AlertIncident(models.Model):
    """A time during which a rule's condition held; notified once, when it opened."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="incidents")
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    value = models.FloatField(null=True, blank=True, help_text=_("What was measured."))
    message = models.TextField()
    emailed_to = models.CharField(max_length=500, blank=True)
    webhook_status = models.PositiveIntegerField(null=True, blank=True)
    webhook_error = models.CharField(max_length=500, blank=True)
    webhook_attempts = models.PositiveSmallIntegerField(default=0)
    webhook_delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-opened_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["rule"],
                condition=Q(resolved_at__isnull=True),
                name="uniq_open_incident_per_rule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.rule}: {self.opened_at:%Y-%m-%d %H:%M}"
