"""Entries and the flags that keep a suspicious entry out of draws until reviewed."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from promotions.campaigns.models import Promotion, Status
from promotions.entrants.models import Person


def _entry_public_id() -> str:
    return secrets.token_hex(8)


PURCHASE_SOURCE = "purchase"


class EntryQuerySet(models.QuerySet["Entry"]):
    def by_form(self) -> EntryQuerySet:
        """Entries made through the entry form, which the frequency rules count; entries
        earned by purchases (``source = "purchase"``) come on top of them."""
        return self.exclude(source=PURCHASE_SOURCE)

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
    language = models.CharField(
        max_length=8,
        blank=True,
        help_text=_("The language the entrant entered in; their emails are sent in it."),
    )
    click_event_id = models.UUIDField(null=True, blank=True)
    viewer_hash = models.CharField(max_length=64, blank=True, editable=False)
    device_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmation_sent_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("When the entry number was emailed.")
    )

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
            # the duplicate-device flag looks up each entry's device among the promotion's
            models.Index(
                fields=["promotion", "device_hash"],
                condition=~models.Q(device_hash=""),
                name="entry_promotion_device",
            ),
            # the confirmations' resend reads the entries whose email has not gone out
            models.Index(
                fields=["created_at"],
                condition=models.Q(confirmation_sent_at__isnull=True),
                name="entry_unconfirmed_time",
            ),
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


class PromotionCountryRule(models.Model):
    """What differs for the residents of one country: the country may be excluded from the
    promotion, have another minimum age, or its own official rules text (shown on the rules
    page to visitors from there, the general rules one link away). Eligibility
    (``promotions.entries.eligibility``) applies the rule of the entrant's country of
    residence, as the entry form gives it; with any rule, the form must give it."""

    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="country_rules")
    country = models.CharField(
        max_length=2, help_text=_("ISO 3166 country code of residence, e.g. FR.")
    )
    excluded = models.BooleanField(
        default=False, help_text=_("Residents of this country may not enter.")
    )
    min_age = models.PositiveSmallIntegerField(
        _("minimum age"),
        null=True,
        blank=True,
        validators=[MaxValueValidator(99)],
        help_text=_("Instead of the promotion's minimum age. Empty: the promotion's."),
    )
    official_rules = models.TextField(
        _("official rules for this country"),
        blank=True,
        help_text=_("Shown instead of the general rules to visitors from this country."),
    )

    class Meta:
        ordering = ["promotion", "country"]
        verbose_name = _("local rule")
        constraints = [
            models.UniqueConstraint(
                fields=["promotion", "country"], name="uniq_country_rule_per_promotion"
            )
        ]

    def __str__(self) -> str:
        return f"{self.promotion}: {self.country}"

    @property
    def country_name(self) -> str:
        from promotions.campaigns.countries import COUNTRY_NAMES

        return COUNTRY_NAMES.get(self.country, self.country)

    def clean(self) -> None:
        from promotions.campaigns.countries import COUNTRY_NAMES

        self.country = (self.country or "").strip().upper()
        if self.country not in COUNTRY_NAMES:
            raise ValidationError(
                {"country": _("Not an ISO 3166 country code (use two letters, e.g. FR).")}
            )
        allowed = self.promotion.country_list if self.promotion_id else []
        if allowed and self.country not in allowed and not self.excluded:
            raise ValidationError(
                {
                    "country": _(
                        "The promotion is open to %(countries)s only: add this country "
                        "there first, or tick 'excluded'."
                    )
                    % {"countries": ", ".join(allowed)}
                }
            )
        if self.promotion_id:
            self._clean_languages()

    def _clean_languages(self) -> None:
        """While the promotion and its campaign are live, a rules text written in the
        brand's language is written in every language the campaign offers too, as the
        promotion's own rules must be (``Promotion.clean``)."""
        from promotions.campaigns.languages import country_rule_missing_text

        promotion = self.promotion
        campaign = promotion.campaign
        if promotion.status != Status.ACTIVE or campaign.status != Status.ACTIVE:
            return
        names = dict(settings.LANGUAGES)
        missing = [
            names.get(code, code)
            for code in campaign.language_list[1:]
            if country_rule_missing_text(self, code, campaign.brand.language)
        ]
        if missing:
            raise ValidationError(
                {
                    "official_rules": _(
                        "The campaign is live in %(languages)s: write these rules in it too "
                        "(a campaign cannot be live in a language whose official rules are "
                        "missing)."
                    )
                    % {"languages": ", ".join(missing)}
                }
            )
