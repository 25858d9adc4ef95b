"""Partner access (API keys) and, with the tracking issue, the event store and rollups.

Tracking is the ground floor: it knows brands, campaigns and promotions only by id or by
string model reference, and never imports the apps above it.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    REPORTS_READ = "reports:read", _("Read reports")
    EVENTS_WRITE = "events:write", _("Post events")
    ENTRIES_READ = "entries:read", _("Read entries (pseudonymous)")
    ENTRIES_PII = "entries:pii", _("Read entrants' personal data")


class ApiKeyQuerySet(models.QuerySet["ApiKey"]):
    def usable(self, at: datetime | None = None) -> ApiKeyQuerySet:
        at = at or timezone.now()
        return self.filter(revoked_at__isnull=True).exclude(expires_at__lte=at)


class ApiKey(models.Model):
    """A partner's key. Only a SHA-256 of the secret is stored; ``prefix`` finds the row.

    The full key reads ``phk_<prefix>_<secret>`` and is shown once, when it is created.
    Keys are 256-bit random strings, so a fast hash is the right one (there is nothing to
    brute-force, unlike a password).
    """

    name = models.CharField(max_length=120, help_text=_("Who holds the key, e.g. the agency."))
    prefix = models.CharField(max_length=16, unique=True, editable=False)
    hashed_secret = models.CharField(max_length=64, editable=False)
    brands = models.ManyToManyField("promotions.Brand", related_name="api_keys")
    scopes = models.JSONField(default=list, blank=True, help_text=_("List of scopes."))
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = ApiKeyQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API key")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_usable(self, at: datetime | None = None) -> bool:
        at = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > at)

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes
