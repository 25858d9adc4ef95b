"""Alerts: a marketer's rule on a campaign's numbers and the incidents it opens."""

from __future__ import annotations

import secrets

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from promotions.campaigns.models import Campaign


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
        CLAIMS_UNFILLED = "claims_unfilled", _("Prizes left without a winner (alternates used up)")

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
