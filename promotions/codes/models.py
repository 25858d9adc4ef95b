"""Offers: a coupon code per person, from the promotion's pool."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q

from promotions.campaigns.models import Brand, Promotion
from promotions.entrants.models import Person
from promotions.entries.models import Entry


class CouponCode(models.Model):
    """A code of an offer promotion's pool: claimed by one person, never by two.

    Codes are unique within a brand (the brand's shop finds a code by its text alone), so
    two brands may each use ``WELCOME10``. ``brand`` is the promotion's, set when the code
    is made (a campaign keeps its brand). The shop honours codes through
    ``selectors.promotion_code_lookup`` and ``services.promotion_code_redeem``.
    """

    brand = models.ForeignKey(
        Brand, on_delete=models.PROTECT, related_name="coupon_codes", editable=False
    )
    promotion = models.ForeignKey(Promotion, on_delete=models.CASCADE, related_name="codes")
    code = models.CharField(max_length=40)
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
            models.UniqueConstraint(fields=["brand", "code"], name="uniq_code_per_brand"),
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

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.brand_id is None and self.promotion_id is not None:
            self.brand_id = self.promotion.campaign.brand_id
        super().save(*args, **kwargs)
