"""Partner access (API keys) and, with the tracking issue, the event store and rollups.

Tracking is the ground floor: it knows brands, campaigns and promotions only by id or by
string model reference, and never imports the apps above it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Scope(models.TextChoices):
    REPORTS_READ = "reports:read", _("Read reports")
    EVENTS_WRITE = "events:write", _("Post events")
    ENTRIES_READ = "entries:read", _("Read entries (pseudonymous)")
    ENTRIES_PII = "entries:pii", _("Read entrants' personal data")
    WEBHOOKS_READ = "webhooks:read", _("See webhook subscriptions and their deliveries")
    WEBHOOKS_WRITE = "webhooks:write", _("Manage webhook subscriptions, re-send deliveries")


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

    def may_read_brand(self, brand_id: int, at: datetime | None = None) -> bool:
        """Usable and still holding the brand: what sending its subscriptions needs."""
        return self.is_usable(at) and self.brands.filter(pk=brand_id).exists()

    def clean(self) -> None:
        if not isinstance(self.scopes, list) or not all(isinstance(s, str) for s in self.scopes):
            raise ValidationError({"scopes": _("Scopes must be a list of scope names.")})
        unknown = sorted(set(self.scopes) - set(Scope.values))
        if unknown:
            raise ValidationError(
                {"scopes": _("Unknown scope(s): %(s)s.") % {"s": ", ".join(unknown)}}
            )

    def has_scope(self, scope: str) -> bool:
        # A list membership test: on a string ("reports:read,events:write", as a JSON field
        # can hold) ``in`` would match any substring, e.g. "read" or "events".
        return isinstance(self.scopes, list) and scope in self.scopes


# --- Events and rollups ---------------------------------------------------------------
# Brands, campaigns and promotions are plain integer ids here (carried in signed tokens),
# so tracking never imports the apps above it. Raw events are written only by
# tracking.store (COPY / INSERT ... SELECT, idempotent on event_id) and never updated.


class EventType(models.TextChoices):
    IMPRESSION = "impression", _("Impression")
    CLICK = "click", _("Click")
    ENTRY = "entry", _("Entry")
    ORDER = "order", _("Order")


class InvalidReason(models.TextChoices):
    BOT = "bot", _("Known bot or crawler")
    PREFETCH = "prefetch", _("Prefetch or prerender")
    PREVIEW = "preview", _("Link preview (HEAD request)")
    VELOCITY = "velocity", _("Impossible velocity (clicks or impressions of one viewer)")
    NO_IMPRESSION = "no_impression", _("Click without a prior impression")


class DeviceClass(models.TextChoices):
    DESKTOP = "desktop", _("Desktop")
    MOBILE = "mobile", _("Mobile")
    TABLET = "tablet", _("Tablet")
    OTHER = "other", _("Other or unknown")


class Event(models.Model):
    """One raw event. PostgreSQL: partitioned by month on ``ts`` (migration 0002).

    The primary key includes ``ts`` because a partitioned table's unique keys must contain
    the partition key; uniqueness of ``event_id`` alone is kept by ``SeenEvent``.
    """

    pk = models.CompositePrimaryKey("event_id", "ts")
    event_id = models.UUIDField()
    ts = models.DateTimeField()
    type = models.CharField(max_length=12, choices=EventType.choices)
    promotion_id = models.BigIntegerField()
    campaign_id = models.BigIntegerField()
    brand_id = models.BigIntegerField()
    viewer_hash = models.BigIntegerField(
        default=0, help_text=_("Hash of the viewer under that day's salt; 0 when unknown.")
    )
    country = models.CharField(max_length=2, blank=True)
    device = models.CharField(max_length=8, blank=True, choices=DeviceClass.choices)
    source = models.CharField(max_length=40, blank=True)
    language = models.CharField(
        max_length=16, blank=True, help_text=_("The language the page was rendered in.")
    )
    invalid_reason = models.CharField(max_length=16, blank=True, choices=InvalidReason.choices)
    value = models.BigIntegerField(null=True, blank=True, help_text=_("Minor units (orders)."))
    currency = models.CharField(max_length=3, blank=True)

    class Meta:
        verbose_name = _("tracking event")

    def __str__(self) -> str:
        return f"{self.type} {self.event_id} p{self.promotion_id}"


class SeenEvent(models.Model):
    """Every stored event id, once: the dedupe key of the idempotent insert.

    ``INSERT ... ON CONFLICT (event_id) DO NOTHING RETURNING`` here says which events of a
    batch are new; only those go into ``Event`` and the rollups. Rows older than the retry
    horizon (``TRACKING_DEDUPE_DAYS``) are purged by a schedule. Only the primary key is
    indexed: every index here is paid by each event, the daily purge can afford a scan.
    """

    event_id = models.UUIDField(primary_key=True)
    ts = models.DateTimeField(help_text=_("The event's time; purged by a daily full scan."))

    def __str__(self) -> str:
        return str(self.event_id)


# The counts every rollup with totals keeps (RollupTotals), in this order everywhere.
COUNT_FIELDS = (
    "impressions",
    "clicks",
    "invalid_impressions",
    "invalid_clicks",
    "entries",
    "orders",
    "revenue",
)


class RollupTotals(models.Model):
    """The totals every time-bucketed rollup keeps (``COUNT_FIELDS``), for one promotion,
    one bucket and one currency (and, for breakdowns, one set of dimensions).

    The currency is part of every rollup's key: orders in two currencies are two rows,
    whose revenues are never added together. Impressions, clicks and entries carry no
    currency (their row's ``currency`` is empty); a report adds the counts of all the
    rows of a bucket and keeps revenue per currency."""

    campaign_id = models.BigIntegerField()
    brand_id = models.BigIntegerField()
    impressions = models.BigIntegerField(default=0)
    clicks = models.BigIntegerField(default=0)
    invalid_impressions = models.BigIntegerField(default=0)
    invalid_clicks = models.BigIntegerField(default=0)
    entries = models.BigIntegerField(default=0)
    orders = models.BigIntegerField(default=0)
    revenue = models.BigIntegerField(default=0, help_text=_("Minor units of ``currency``."))
    currency = models.CharField(
        max_length=3, blank=True, help_text=_("ISO 4217 of the orders; empty for other events.")
    )

    class Meta:
        abstract = True


class HourlyRollup(RollupTotals):
    """Totals per promotion and hour (``hour``: the start of the brand's local hour, in UTC;
    the UTC hour except in zones a half or quarter hour off UTC, so that a local day is
    whole hours everywhere): what reports without breakdowns read in another zone."""

    pk = models.CompositePrimaryKey("promotion_id", "hour", "currency")
    promotion_id = models.BigIntegerField()
    hour = models.DateTimeField()

    class Meta:
        indexes = [
            models.Index(fields=["campaign_id", "hour"], name="tracking_hourly_campaign"),
            models.Index(fields=["brand_id", "hour"], name="tracking_hourly_brand"),
        ]

    def __str__(self) -> str:
        return f"p{self.promotion_id} {self.hour:%Y-%m-%d %H}h"


class DailyRollup(RollupTotals):
    """Totals per promotion and day in its brand's time zone (the zone when the events were
    stored): what day, week, month and range reports read when asked in that zone, ~90 rows
    per promotion for 90 days. Reports in another zone read ``HourlyRollup``."""

    pk = models.CompositePrimaryKey("promotion_id", "day", "currency")
    promotion_id = models.BigIntegerField()
    day = models.DateField()

    class Meta:
        indexes = [
            models.Index(fields=["campaign_id", "day"], name="tracking_daily_campaign"),
            models.Index(fields=["brand_id", "day"], name="tracking_daily_brand"),
        ]

    def __str__(self) -> str:
        return f"p{self.promotion_id} {self.day}"


class BreakdownRollup(RollupTotals):
    """Totals per (promotion, hour, country, device class, source, language, currency);
    ``hour`` as in ``HourlyRollup``."""

    pk = models.CompositePrimaryKey(
        "promotion_id", "hour", "country", "device", "source", "language", "currency"
    )
    promotion_id = models.BigIntegerField()
    hour = models.DateTimeField()
    country = models.CharField(max_length=2, blank=True)
    device = models.CharField(max_length=8, blank=True)
    source = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=16, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["campaign_id", "hour"], name="tracking_brk_campaign"),
            models.Index(fields=["brand_id", "hour"], name="tracking_brk_brand"),
        ]

    def __str__(self) -> str:
        return f"p{self.promotion_id} {self.hour:%Y-%m-%d %H}h {self.country}/{self.device}"


class InvalidRollup(models.Model):
    """Invalid events per promotion, hour (as in ``HourlyRollup``), event type and reason."""

    pk = models.CompositePrimaryKey("promotion_id", "hour", "type", "reason")
    promotion_id = models.BigIntegerField()
    hour = models.DateTimeField()
    type = models.CharField(max_length=12, choices=EventType.choices)
    reason = models.CharField(max_length=16, choices=InvalidReason.choices)
    campaign_id = models.BigIntegerField()
    brand_id = models.BigIntegerField()
    events = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"p{self.promotion_id} {self.hour:%Y-%m-%d %H}h {self.type} {self.reason}"


class ViewerScope(models.IntegerChoices):
    PROMOTION = 1, _("Promotion")
    CAMPAIGN = 2, _("Campaign")
    BRAND = 3, _("Brand")


class UniqueViewer(models.Model):
    """A viewer seen on a day (in the brand's time zone) by a promotion, campaign or brand.

    Exact: one row per (scope, id, day, viewer hash); the insert that creates it adds one
    to ``DailyUnique``. The hash uses that day's random salt, so it cannot be joined
    across days. Rows of past days can be dropped once counted.
    """

    pk = models.CompositePrimaryKey("scope", "scope_id", "day", "viewer_hash")
    scope = models.PositiveSmallIntegerField(choices=ViewerScope.choices)
    scope_id = models.BigIntegerField()
    day = models.DateField()
    viewer_hash = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.scope}:{self.scope_id} {self.day} {self.viewer_hash:x}"


class DailyUnique(models.Model):
    """Unique viewers per promotion, campaign or brand and day (the brand's time zone)."""

    pk = models.CompositePrimaryKey("scope", "scope_id", "day")
    scope = models.PositiveSmallIntegerField(choices=ViewerScope.choices)
    scope_id = models.BigIntegerField()
    day = models.DateField()
    viewers = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.scope}:{self.scope_id} {self.day}: {self.viewers}"


class DailySalt(models.Model):
    """The random salt of a day's viewer hashes; deleted two days later, so old hashes
    can no longer be recomputed from an IP address and a user agent."""

    day = models.DateField(primary_key=True)
    salt = models.BinaryField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.day)


# --- Report subscriptions (scheduled pushes to a partner's endpoint) ----------------------


class ReportSchedule(models.TextChoices):
    HOURLY = "hourly", _("Hourly (the current day so far)")
    DAILY = "daily", _("Daily (yesterday)")
    WEEKLY = "weekly", _("Weekly (last Monday to Sunday)")


class ReportFormat(models.TextChoices):
    JSON = "json", _("JSON")
    CSV = "csv", _("CSV")


class ReportLevel(models.TextChoices):
    PROMOTION = "promotion", _("Promotion")
    CAMPAIGN = "campaign", _("Campaign")
    BRAND = "brand", _("Brand")


class ReportIncrement(models.TextChoices):
    DAY = "1", _("Daily rows")
    WEEK = "7", _("7-day rows")
    MONTH = "monthly", _("Monthly rows")
    ALL = "all_days", _("One row for the period")


def _key_deleted(collector: Any, field: Any, sub_objs: Any, using: str) -> None:
    """``on_delete`` of a report subscription's key: the subscription stays (its log with
    it) but stops, rather than becoming one a marketer made (no key) that keeps sending."""
    collector.add_field_update(field, None, sub_objs)
    collector.add_field_update(field.model._meta.get_field("active"), False, sub_objs)


class ReportSubscriptionQuerySet(models.QuerySet["ReportSubscription"]):
    def sendable(self, at: datetime | None = None) -> ReportSubscriptionQuerySet:
        """Active, and made in admin (no key) or by a key that is usable and still holds
        the subscription's brand: a revoked, expired or narrowed key's reports stop."""
        at = at or timezone.now()
        by_key = (
            Q(api_key__revoked_at__isnull=True)
            & (Q(api_key__expires_at__isnull=True) | Q(api_key__expires_at__gt=at))
            & Q(api_key__brands=F("brand_id"))
        )
        return self.filter(Q(api_key__isnull=True) | by_key, active=True).distinct()


class ReportSubscription(models.Model):
    """A report pushed on a schedule to an HTTPS endpoint, signed with ``secret``.

    Made by a partner through the API (``api_key`` is theirs; they alone see it there) or by
    a marketer in admin (no key). ``next_run_at`` is when the next report is due.
    """

    brand = models.ForeignKey(
        "promotions.Brand", on_delete=models.CASCADE, related_name="report_subscriptions"
    )
    name = models.CharField(max_length=120, blank=True)
    api_key = models.ForeignKey(
        ApiKey,
        null=True,
        blank=True,
        on_delete=_key_deleted,
        related_name="report_subscriptions",
        help_text=_("The partner key that created it; empty when made in admin."),
    )
    url = models.URLField(
        _("destination URL"), max_length=500, help_text=_("HTTPS endpoint receiving the POSTs.")
    )
    schedule = models.CharField(max_length=8, choices=ReportSchedule.choices)
    level = models.CharField(
        max_length=10, choices=ReportLevel.choices, default=ReportLevel.PROMOTION
    )
    time_increment = models.CharField(
        max_length=8, choices=ReportIncrement.choices, default=ReportIncrement.DAY
    )
    breakdowns = models.JSONField(default=list, blank=True, help_text=_("country, device, source"))
    fields = models.JSONField(
        default=list, blank=True, help_text=_("Metrics to include; empty: all of them.")
    )
    format = models.CharField(max_length=4, choices=ReportFormat.choices, default="json")
    secret = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ReportSubscriptionQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["active", "next_run_at"], name="tracking_sub_due")]

    def __str__(self) -> str:
        return self.name or f"{self.get_schedule_display()} → {self.url}"

    def scope_allows(self) -> bool:
        """A marketer's subscription, or a key's that may still read reports (a scope
        taken away after it was made stops its pushes)."""
        return self.api_key_id is None or (
            self.api_key is not None and self.api_key.has_scope(Scope.REPORTS_READ)
        )


class OutboundState(models.TextChoices):
    PENDING = "pending", _("Pending (retrying)")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")


class Outbound(models.Model):
    """Something on its way to a partner's endpoint, signed, retried with backoff: a report
    push or a webhook delivery. ``tracking.deliveries`` claims, sends and logs attempts. A
    re-send is a new row pointing at the one it repeats (``resend_of``)."""

    State = OutboundState

    state = models.CharField(max_length=10, choices=OutboundState.choices, default="pending")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    resend_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="resends"
    )

    class Meta:
        abstract = True


class OutboundAttempt(models.Model):
    """One HTTP attempt of an ``Outbound``: what the endpoint answered, and how fast."""

    attempt = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    succeeded = models.BooleanField(default=False)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.CharField(max_length=500, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        abstract = True
        ordering = ["-started_at", "-id"]


class ReportPush(Outbound):
    """One report (a period of a subscription) on its way to the endpoint: the body is
    kept, so every retry and a re-send deliver the same bytes (signed afresh)."""

    subscription = models.ForeignKey(
        ReportSubscription, on_delete=models.CASCADE, related_name="pushes"
    )
    period_start = models.DateField()
    period_end = models.DateField()
    body = models.TextField()
    content_type = models.CharField(max_length=40)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="tracking_push_due")]

    def __str__(self) -> str:
        return f"{self.subscription_id}: {self.period_start}..{self.period_end} ({self.state})"


class ReportDelivery(OutboundAttempt):
    """One HTTP attempt of a push."""

    push = models.ForeignKey(ReportPush, on_delete=models.CASCADE, related_name="deliveries")

    class Meta(OutboundAttempt.Meta):
        verbose_name_plural = _("report deliveries")

    def __str__(self) -> str:
        outcome = self.status_code or self.error or "?"
        return f"push {self.push_id} attempt {self.attempt}: {outcome}"


# --- Partner webhooks (events pushed to a partner's endpoint as they happen) -------------


class WebhookEventType(models.TextChoices):
    ENTRY_CREATED = "entry.created", _("An entry was made")
    DRAW_COMPLETED = "draw.completed", _("A draw was made")
    WINNER_NOTIFIED = "winner.notified", _("A winner was told")
    PRIZE_CLAIMED = "prize.claimed", _("A prize was claimed")
    PRIZE_SHIPPED = "prize.shipped", _("A prize was shipped")
    ORDER_PAID = "order.paid", _("An order was paid")


class WebhookSubscription(models.Model):
    """A partner key's HTTPS endpoint for some event types of one of its brands, signed
    with ``secret`` (shown once, when it is created). A revoked or expired key's
    subscriptions receive nothing."""

    brand = models.ForeignKey(
        "promotions.Brand", on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    api_key = models.ForeignKey(
        ApiKey, on_delete=models.CASCADE, related_name="webhook_subscriptions"
    )
    name = models.CharField(max_length=120, blank=True)
    url = models.URLField(
        _("destination URL"), max_length=500, help_text=_("HTTPS endpoint receiving the POSTs.")
    )
    event_types = models.JSONField(default=list, help_text=_("Event types to receive."))
    secret = models.CharField(max_length=64, editable=False)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["brand", "active"], name="tracking_whsub_brand")]

    def __str__(self) -> str:
        return self.name or f"{', '.join(self.event_types)} → {self.url}"

    def clean(self) -> None:
        types = self.event_types
        if (
            not isinstance(types, list)
            or not types
            or not all(isinstance(t, str) for t in types)
            or len(set(types)) != len(types)
        ):
            raise ValidationError({"event_types": _("Name one or more event types, once each.")})
        unknown = sorted(set(types) - set(WebhookEventType.values))
        if unknown:
            raise ValidationError(
                {"event_types": _("Unknown event type(s): %(t)s.") % {"t": ", ".join(unknown)}}
            )


class WebhookEvent(models.Model):
    """Something that happened to a brand, as its subscribers receive it. ``data`` holds
    ids, slugs, times and counts only; personal data is in ``pii``, sent only to keys with
    ``entries:pii``."""

    event_id = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    type = models.CharField(max_length=20, choices=WebhookEventType.choices)
    brand_id = models.BigIntegerField()
    occurred_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    data = models.JSONField(default=dict)
    pii = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["brand_id", "occurred_at"], name="tracking_whevent_brand"),
            # the few events that still hold personal data: housekeeping, a person's erasure
            models.Index(
                fields=["occurred_at"],
                condition=models.Q(pii__isnull=False),
                name="tracking_whevent_pii",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.event_id}"


class WebhookDelivery(Outbound):
    """One event on its way to one subscription (a re-send is another delivery of the
    same event, with the same event id)."""

    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries"
    )
    event = models.ForeignKey(WebhookEvent, on_delete=models.CASCADE, related_name="deliveries")

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = _("webhook deliveries")
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="tracking_whdel_due")]
        constraints = [
            models.UniqueConstraint(
                fields=["subscription", "event"],
                condition=models.Q(resend_of__isnull=True),
                name="tracking_whdel_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_id} → {self.subscription_id} ({self.state})"


class WebhookAttempt(OutboundAttempt):
    """One HTTP attempt of a webhook delivery."""

    delivery = models.ForeignKey(WebhookDelivery, on_delete=models.CASCADE, related_name="log")

    def __str__(self) -> str:
        outcome = self.status_code or self.error or "?"
        return f"delivery {self.delivery_id} attempt {self.attempt}: {outcome}"
