"""Fair draws (docs/draws.md): a commitment before close, the frozen entry list, winners,
alternates and published replacements.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from promotions.campaigns.models import Promotion
from promotions.prizes.models import Prize


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
