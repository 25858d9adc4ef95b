"""What the payment integrations keep: Stripe's events (each handled once) and the
Conversions API delivery of a paid order with its attempts."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shop.orders.models import Order


class StripeEvent(models.Model):
    """Every webhook event, stored by id before it is handled: a replay is a no-op."""

    id = models.CharField(max_length=255, primary_key=True)
    type = models.CharField(max_length=100)
    payload = models.JSONField()
    received_at = models.DateTimeField(auto_now_add=True)
    deliveries = models.PositiveIntegerField(
        default=1, help_text=_("How many times Stripe delivered it (replays change nothing).")
    )
    outcome = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["type", "received_at"], name="shop_stripe_event_type")]

    def __str__(self) -> str:
        return f"{self.type} {self.id}"


class CapiDelivery(models.Model):
    """The Purchase event of a paid order for Facebook's Conversions API, until delivered."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENT = "sent", _("Sent")
        GAVE_UP = "gave_up", _("Gave up")

    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="capi_delivery")
    event_id = models.CharField(max_length=64)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="shop_capi_due")]
        verbose_name_plural = _("Conversions API deliveries")

    def __str__(self) -> str:
        return f"Purchase {self.event_id} ({self.status})"


class CapiAttempt(models.Model):
    """One HTTP call to the Graph API: the delivery log."""

    delivery = models.ForeignKey(CapiDelivery, on_delete=models.CASCADE, related_name="log")
    attempted_at = models.DateTimeField(default=timezone.now)
    ok = models.BooleanField()
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.TextField(blank=True)

    class Meta:
        ordering = ["attempted_at", "id"]

    def __str__(self) -> str:
        return f"{self.attempted_at:%Y-%m-%d %H:%M:%S} {'ok' if self.ok else 'failed'}"
