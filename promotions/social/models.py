"""Connected Facebook Pages (and their Instagram professional accounts), whose posts and
media a promotion can take its entries from.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from promotions.campaigns.models import Brand, Promotion


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


# --- Comment and reaction giveaways ------------------------------------------------------


class Platform(models.TextChoices):
    FACEBOOK = "facebook", _("Facebook Page post")
    INSTAGRAM = "instagram", _("Instagram media")


class SocialRules(models.Model):
    """How a sweepstakes takes its entries from posts (docs/architecture.md, "Social").

    The window is the promotion's own; the weighting is said on the rules page.
    """

    class EntryKind(models.TextChoices):
        COMMENTS = "comments", _("Comments")
        REACTIONS = "reactions", _("Reactions (Facebook posts only)")

    class Weighting(models.TextChoices):
        PER_PERSON = "per_person", _("One entry per person, however many comments")
        PER_COMMENT = "per_comment", _("One entry per comment")

    promotion = models.OneToOneField(
        Promotion, on_delete=models.CASCADE, related_name="social_rules"
    )
    entry_kind = models.CharField(
        max_length=10, choices=EntryKind.choices, default=EntryKind.COMMENTS
    )
    weighting = models.CharField(
        max_length=12, choices=Weighting.choices, default=Weighting.PER_PERSON
    )
    keyword = models.CharField(
        _("required keyword or #hashtag"),
        max_length=100,
        blank=True,
        help_text=_("Case does not matter; a #hashtag must appear as a hashtag."),
    )
    min_mentions = models.PositiveSmallIntegerField(
        _("minimum distinct @mentions (Instagram only)"),
        default=0,
        help_text=_("Facebook forbids tag-to-enter: only Instagram media may ask for mentions."),
    )
    exclude_page = models.BooleanField(_("exclude the Page's own comments"), default=True)
    blocklist = models.TextField(
        blank=True,
        help_text=_("Author ids or @usernames, one a line: their comments do not count."),
    )
    reply_public = models.BooleanField(
        _("reply publicly to the winning comment"),
        default=False,
        help_text=_(
            "Also posts one public reminder under it before the claim deadline, while the "
            "prize is not claimed (the promotion's reminder hours)."
        ),
    )
    reply_private = models.BooleanField(
        _("send a private reply to the winning comment (Messenger, within 7 days)"), default=False
    )
    reply_text = models.TextField(
        _("private reply"),
        blank=True,
        help_text=_(
            "The private message to a winner (only they can read it). It must hold "
            "{claim_url}, replaced by their claim link; nothing personal."
        ),
    )
    reply_public_text = models.TextField(
        _("public reply"),
        blank=True,
        help_text=_(
            "The public reply under the winning comment, seen by everyone: no link, no "
            "placeholder, nothing personal. Empty: “This comment won! Check your private "
            "messages to claim the prize.”"
        ),
    )
    final_imported_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("social rules")
        verbose_name_plural = _("social rules")

    def __str__(self) -> str:
        return f"{self.promotion}: {self.get_entry_kind_display()}"

    def blocked(self) -> frozenset[str]:
        """Blocklist entries, case-folded, without a leading @."""
        return frozenset(
            line.strip().lstrip("@").casefold()
            for line in self.blocklist.splitlines()
            if line.strip().lstrip("@")
        )


class SocialSource(models.Model):
    """A post (Facebook) or media (Instagram) whose comments or reactions are entries.

    ``cursor`` is where the running import pass is (stored with each page's rows, so a
    crashed import resumes there); empty means the next pass starts at the beginning.
    """

    promotion = models.ForeignKey(
        Promotion, on_delete=models.CASCADE, related_name="social_sources"
    )
    page = models.ForeignKey(ConnectedPage, on_delete=models.PROTECT, related_name="sources")
    platform = models.CharField(max_length=10, choices=Platform.choices)
    object_id = models.CharField(_("post or media id"), max_length=100)
    permalink = models.URLField(max_length=500, blank=True)
    cursor = models.TextField(blank=True, editable=False)
    pass_number = models.PositiveIntegerField(default=0, editable=False)
    pass_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    imported_at = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("End of the last complete pass.")
    )
    last_error = models.TextField(blank=True, editable=False)
    lease_until = models.DateTimeField(
        null=True, blank=True, editable=False, help_text=_("An import holds the source until then.")
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["promotion_id", "id"]
        constraints = [
            # Per Page: a post or media belongs to one account, so a source that names
            # another business's media (on a Page of its own) blocks nobody; it gets none
            # of that account's comments (webhooks) and Graph refuses its import.
            models.UniqueConstraint(
                fields=["page", "platform", "object_id"], name="uniq_social_source_page_object"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()} {self.object_id}"


class ExclusionReason(models.TextChoices):
    PAGE_OWN = "page_own", _("Written by the Page itself")
    BLOCKLISTED = "blocklisted", _("Author on the blocklist")
    BEFORE_START = "before_start", _("Before the promotion opened")
    AFTER_CLOSE = "after_close", _("After the promotion closed")
    NO_KEYWORD = "no_keyword", _("Required keyword or hashtag missing")
    FEW_MENTIONS = "few_mentions", _("Too few distinct @mentions")
    NO_AUTHOR = "no_author", _("Author not visible (no id from Facebook)")
    REPEAT = "repeat", _("Same person already entered (one entry per person)")
    DELETED = "deleted", _("Deleted by its author or the Page")


class SocialComment(models.Model):
    """One comment (or reaction) read from a source: stored once, whatever it became.

    ``status`` says whether it holds (or shares, one entry per person) an entry; an
    excluded one keeps its ``reason``. Reactions have no time in Graph: ``created_time``
    is when the import first saw them.
    """

    class Kind(models.TextChoices):
        COMMENT = "comment", _("Comment")
        REACTION = "reaction", _("Reaction")

    class Status(models.TextChoices):
        ENTERED = "entered", _("Entered")
        EXCLUDED = "excluded", _("Excluded")

    source = models.ForeignKey(SocialSource, on_delete=models.CASCADE, related_name="comments")
    platform = models.CharField(max_length=10, choices=Platform.choices)
    comment_id = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.COMMENT)
    parent_id = models.CharField(max_length=120, blank=True)
    author_id = models.CharField(max_length=64, blank=True)
    author_username = models.CharField(max_length=100, blank=True)
    text = models.TextField(blank=True)
    created_time = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices)
    reason = models.CharField(max_length=16, choices=ExclusionReason.choices, blank=True)
    rule_reason = models.CharField(
        max_length=16, choices=ExclusionReason.choices, blank=True, editable=False
    )
    entry = models.ForeignKey(
        "promotions.Entry", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    seen_pass = models.PositiveIntegerField(default=0, editable=False)
    deleted_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    imported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_time", "id"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "comment_id"], name="uniq_social_comment")
        ]
        indexes = [
            models.Index(fields=["source", "author_id"], name="social_comment_author"),
            models.Index(fields=["source", "reason"], name="social_comment_reason"),
        ]

    def __str__(self) -> str:
        return f"{self.platform}:{self.comment_id}"


class WebhookDelivery(models.Model):
    """A verified webhook delivery from Facebook, stored once (SHA-256 of the raw body)."""

    body_hash = models.CharField(max_length=64, unique=True)
    body = models.TextField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name_plural = _("webhook deliveries")

    def __str__(self) -> str:
        return f"delivery {self.body_hash[:12]}"


class SocialReply(models.Model):
    """A reply to a winning comment: public (a comment under it), private (Messenger), or
    the public reminder before the claim deadline (a second comment under it).

    ``(comment, kind)`` is unique: a winner's comment gets each kind of reply once.
    """

    class Kind(models.TextChoices):
        PUBLIC = "public", _("Public reply")
        PRIVATE = "private", _("Private reply")
        REMINDER = "reminder", _("Public reminder")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENDING = "sending", _("Being sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Gave up")

    comment = models.ForeignKey(SocialComment, on_delete=models.PROTECT, related_name="replies")
    entry = models.ForeignKey("promotions.Entry", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    text = models.TextField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    graph_id = models.CharField(max_length=120, blank=True)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = _("social replies")
        constraints = [
            models.UniqueConstraint(fields=["comment", "kind"], name="uniq_social_reply_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.comment}"


class SocialReplyAttempt(models.Model):
    """One try at sending a reply, and what Graph answered."""

    reply = models.ForeignKey(SocialReply, on_delete=models.CASCADE, related_name="log")
    at = models.DateTimeField()
    ok = models.BooleanField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    detail = models.TextField(blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.reply_id} @ {self.at:%Y-%m-%d %H:%M:%S}"
