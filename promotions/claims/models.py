"""Prize claims: a winner told, their answers, the prize passed on or sent (docs/draws.md,
"After the draw").

A claim is open while it is ``notified``; it closes once (declined, expired, not
eligible) by one conditional UPDATE, and only the request that closed it passes the prize
on. A replacement claim points at the claim it replaces (one-to-one), so one prize never
has two successors.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.core.files.storage import Storage, storages
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from promotions.campaigns.models import Promotion
from promotions.draws.models import Draw
from promotions.entries.models import Entry
from promotions.prizes.models import Prize, PrizeAward


def claim_document_storage() -> Storage:
    """Private: a storage with no public address (STORAGES["claim_documents"]); nothing
    under it is ever served, the admin streams a document to the brand's staff."""
    return storages["claim_documents"]


def _claim_nonce() -> str:
    return secrets.token_urlsafe(12)


class PrizeClaimQuerySet(models.QuerySet["PrizeClaim"]):
    def open(self) -> PrizeClaimQuerySet:
        return self.filter(status=PrizeClaim.Status.NOTIFIED)

    def due_to_expire(self, at: datetime) -> PrizeClaimQuerySet:
        return self.open().filter(deadline__lte=at)

    def unfilled(self) -> PrizeClaimQuerySet:
        """Closed with no alternate left, and no draw made for the promotion since."""
        later_draw = Draw.objects.filter(
            promotion_id=models.OuterRef("promotion_id"),
            status=Draw.Status.DRAWN,
            drawn_at__gt=models.OuterRef("unfilled_at"),
        )
        return self.filter(unfilled_at__isnull=False).exclude(models.Exists(later_draw))


class PrizeClaim(models.Model):
    class Status(models.TextChoices):
        NOTIFIED = "notified", _("Told, not claimed yet")
        CLAIMED = "claimed", _("Claimed")
        DECLINED = "declined", _("Declined by the winner")
        EXPIRED = "expired", _("Not claimed by the deadline")
        INELIGIBLE = "ineligible", _("Not eligible")
        SHIPPED = "shipped", _("Shipped")
        DELIVERED = "delivered", _("Delivered")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        COMMENT_REPLY = "comment_reply", _("Private reply to the winning comment")
        NONE = "none", _("None yet (no email address)")

    promotion = models.ForeignKey(Promotion, on_delete=models.PROTECT, related_name="claims")
    draw = models.ForeignKey(
        Draw, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    award = models.OneToOneField(
        PrizeAward, null=True, blank=True, on_delete=models.PROTECT, related_name="claim"
    )
    prize = models.ForeignKey(
        Prize, null=True, blank=True, on_delete=models.PROTECT, related_name="claims"
    )
    entry = models.ForeignKey(Entry, on_delete=models.PROTECT, related_name="claims")
    slot = models.PositiveSmallIntegerField(
        default=0, help_text=_("The winner's place in the draw (0 = first prize).")
    )
    predecessor = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="successor",
        help_text=_(
            "The claim this one replaces (its winner declined, expired or was not eligible)."
        ),
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOTIFIED)
    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.EMAIL)
    nonce = models.CharField(max_length=24, default=_claim_nonce, editable=False)
    deadline = models.DateTimeField()
    notified_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    rules_accepted_at = models.DateTimeField(null=True, blank=True)
    answers = models.JSONField(
        default=dict, blank=True, help_text=_("Shipping address, phone, size, confirmations.")
    )
    document = models.FileField(
        upload_to="claims/%Y/%m/", storage=claim_document_storage, blank=True, max_length=200
    )
    closed_at = models.DateTimeField(null=True, blank=True)
    close_reason = models.TextField(blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    unfilled_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("Closed when no alternate was left: the prize waits for a new draw."),
    )
    carrier = models.CharField(max_length=80, blank=True)
    tracking_number = models.CharField(max_length=80, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    data_deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(auto_now=True)

    objects = PrizeClaimQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["draw", "entry"],
                condition=Q(draw__isnull=False),
                name="uniq_claim_per_draw_winner",
            ),
        ]
        indexes = [models.Index(fields=["status", "deadline"], name="claim_status_deadline")]

    def __str__(self) -> str:
        return f"Claim {self.pk} ({self.entry.public_id})"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.NOTIFIED

    @property
    def link_is_proof(self) -> bool:
        """A winner with no email address to sign in with (told by a private reply to
        their comment, or given the link by the brand itself): the link is the proof, as it
        reached only them; the claim form asks for an address to write to about delivery."""
        return self.channel in (self.Channel.COMMENT_REPLY, self.Channel.NONE)
