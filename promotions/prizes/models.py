"""Prizes, instant-win moments and the prize units awarded to entries."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from promotions.campaigns.models import Promotion
from promotions.entries.models import Entry


class ClaimDocument(models.TextChoices):
    NONE = "none", _("Not asked")
    OPTIONAL = "optional", _("Optional")
    REQUIRED = "required", _("Required")


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
    # --- what the winner's claim asks (promotions/claims/) -------------------------------
    claim_required = models.BooleanField(
        _("instant win: winners claim it"),
        default=False,
        help_text=_(
            "Instant win: a winner of this prize gets a claim (shipping details, deadline). "
            "Draw winners always get one."
        ),
    )
    claim_shipping_address = models.BooleanField(_("ask for a shipping address"), default=False)
    claim_phone = models.BooleanField(_("ask for a phone number"), default=False)
    claim_sizes = models.CharField(
        _("sizes to choose from"),
        max_length=200,
        blank=True,
        help_text=_("Comma-separated, e.g. S, M, L, XL. Empty: no size asked."),
    )
    claim_statement = models.CharField(
        _("statement the winner confirms"),
        max_length=300,
        blank=True,
        help_text=_(
            "An age or identity confirmation the official rules require, e.g. 'I am 18 or "
            "older and live in France'. Empty: none."
        ),
    )
    claim_document = models.CharField(
        _("identity document upload"),
        max_length=8,
        choices=ClaimDocument.choices,
        default=ClaimDocument.NONE,
        help_text=_("Stored privately, never published, deleted with the claim's data."),
    )

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

    @property
    def claim_size_list(self) -> list[str]:
        return [s.strip() for s in self.claim_sizes.split(",") if s.strip()]


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
