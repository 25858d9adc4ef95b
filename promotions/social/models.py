"""Connected Facebook Pages (and their Instagram professional accounts), whose posts and
media a promotion can take its entries from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from promotions.campaigns.models import Brand


class ConnectedPage(models.Model):
    """A brand's Facebook Page, connected by a marketer through Facebook Login.

    The long-lived Page access token is encrypted at rest (``settings.SALT_KEY``, from
    ``FIELD_ENCRYPTION_KEYS``), never shown again and never logged.
    """

    class TokenStatus(models.TextChoices):
        VALID = "valid", _("Valid")
        EXPIRED = "expired", _("Expired")
        REVOKED = "revoked", _("Revoked")

    brand = models.ForeignKey(Brand, on_delete=models.CASCADE, related_name="connected_pages")
    page_id = models.CharField(_("Facebook Page id"), max_length=64, unique=True)
    name = models.CharField(max_length=200)
    instagram_account_id = models.CharField(
        _("Instagram professional account id"), max_length=64, blank=True
    )
    instagram_username = models.CharField(max_length=100, blank=True)
    access_token = EncryptedTextField(editable=False, null=True)
    scopes = models.JSONField(default=list, blank=True, editable=False)
    token_status = models.CharField(
        max_length=10, choices=TokenStatus.choices, default=TokenStatus.VALID
    )
    token_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    token_error = models.TextField(blank=True, editable=False)
    connected_at = models.DateTimeField()
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # --- connecting and checking the Page (promotions/social/connections.py) -----------
    # The app-scoped Facebook user id of the marketer who connected it: the deauthorize
    # callback names that user when they remove the app.
    connected_facebook_user_id = models.CharField(
        _("connected by Facebook user id"), max_length=64, blank=True, db_index=True, editable=False
    )
    webhooks_subscribed_at = models.DateTimeField(null=True, blank=True, editable=False)
    token_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # When the current bad status was alerted (the status change alerts once, not each check).
    token_alerted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["brand_id", "name"]

    def __str__(self) -> str:
        return self.name
