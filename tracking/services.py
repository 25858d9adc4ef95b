"""Writes of the tracking app: partner API keys, and recording events (impressions, clicks,
partner batches, conversions) through the pipeline (stream or direct, tracking.stream)."""

from __future__ import annotations

import hashlib
import logging
import secrets
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from tracking import classify, counters, partitions, partner_webhooks, store, stream
from tracking.classify import Visit
from tracking.conf import click_needs_impression, setting
from tracking.models import (
    ApiKey,
    DailySalt,
    EventType,
    InvalidReason,
    Scope,
    UniqueViewer,
)
from tracking.tokens import ClickRef, PromotionRef
from tracking.tracked_event import TrackedEvent

logger = logging.getLogger(__name__)

KEY_PREFIX = "phk"


def api_key_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_key_create(
    *,
    name: str,
    brand_ids: Iterable[int],
    scopes: Iterable[str],
    expires_at: datetime | None = None,
    created_by_id: int | None = None,
) -> tuple[ApiKey, str]:
    """Create a key; returns it with the full secret, which is never retrievable again."""
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in Scope.values]
    if unknown:
        raise ValidationError(
            {"scopes": f"Unknown scope(s): {', '.join(unknown)}. Known: {', '.join(Scope.values)}."}
        )
    brand_ids = list(brand_ids)
    if not brand_ids:
        raise ValidationError({"brands": "A key must be scoped to at least one brand."})
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationError({"expires_at": "The expiry must lie in the future."})
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = ApiKey(
        name=name,
        prefix=prefix,
        hashed_secret=api_key_hash(secret),
        scopes=scopes,
        expires_at=expires_at,
        created_by_id=created_by_id,
    )
    key.full_clean()
    key.save()
    key.brands.set(brand_ids)
    return key, f"{KEY_PREFIX}_{prefix}_{secret}"


def api_key_revoke(*, key: ApiKey, at: datetime | None = None) -> ApiKey:
    """Revoke a key; revoking twice keeps the first revocation time."""
    if key.revoked_at is None:
        key.revoked_at = at or timezone.now()
        ApiKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=key.revoked_at)
    return key


def api_key_touch(*, key: ApiKey, at: datetime, resolution_seconds: int) -> None:
    """Record use at most once per ``resolution_seconds``, with one conditional UPDATE."""
    stale_before = at - timedelta(seconds=resolution_seconds)
    if key.last_used_at is None or key.last_used_at < stale_before:
        ApiKey.objects.filter(pk=key.pk).exclude(last_used_at__gte=stale_before).update(
            last_used_at=at
        )
        key.last_used_at = at


# --- Events ------------------------------------------------------------------------------


class NotStored(Exception):
    """Neither Redis nor the database took the event: answer 503, never 2xx."""


def events_record(*, events: Sequence[TrackedEvent], mark_impressions: bool = False) -> int | None:
    """Store events durably: on the Redis stream when configured (None: counted once the
    consumer stores them), else, or when Redis fails, straight into the database (the
    number of new events). Raises NotStored when neither works."""
    if stream.enabled():
        try:
            stream.events_publish(events, mark_impressions=mark_impressions)
            return None
        except stream.StreamUnavailable:
            pass  # stream.enabled() is now False for a moment; write directly
    if mark_impressions:  # beacons and pixels; the consumer counts those of the stream
        stream.impressions_velocity_mark(events, _cache_counts)
    try:
        stored = store.events_store(events)
    except DatabaseError as exc:
        logger.error("tracking: could not store %d event(s): %s", len(events), exc)
        raise NotStored(str(exc)) from exc
    if mark_impressions:
        _cache_mark_impressions(events)
    return stored


def _cache_counts(keys: list[str], window: int) -> list[int]:
    return [counters.cache_count(key, window) for key in keys]


def _cache_mark_impressions(events: Sequence[TrackedEvent]) -> None:
    ttl = int(setting("TRACKING_IMPRESSION_MEMORY_SECONDS"))
    try:
        for e in events:
            if e.pseudonym and not e.invalid_reason:
                cache.set(stream.marker_key(e.promotion_id, e.pseudonym), 1, ttl)
    except Exception as exc:  # a cache outage must not fail a stored event
        logger.warning("tracking: cache unavailable for impression markers: %s", exc)


def _click_signals(promotion_id: int, pseudonym: bytes) -> tuple[int, bool] | None:
    """(recent clicks of this viewer on this promotion, impression seen?) or None when the
    counters are unreachable (then nothing is known and nothing is held against the click)."""
    if stream.enabled():
        try:
            return stream.click_signals(promotion_id, pseudonym)
        except stream.StreamUnavailable:
            return None
    key = stream.velocity_key(promotion_id, pseudonym)
    try:
        count = counters.cache_count(key, int(setting("TRACKING_CLICK_VELOCITY_WINDOW")))
        seen = cache.get(stream.marker_key(promotion_id, pseudonym)) is not None
    except Exception as exc:
        logger.warning("tracking: cache unavailable for click velocity: %s", exc)
        return None
    return count, seen


def _event(
    ref: PromotionRef | ClickRef, *, event_id: uuid.UUID, type: str, visit: Visit, reason: str
) -> TrackedEvent:
    return TrackedEvent(
        event_id=event_id,
        ts=datetime.now(UTC),
        type=type,
        promotion_id=ref.promotion_id,
        campaign_id=ref.campaign_id,
        brand_id=ref.brand_id,
        pseudonym=visit.pseudonym,
        country=visit.country,
        device=visit.device,
        source=visit.source,
        invalid_reason=reason,
        language=visit.language,
    )


def impression_record(*, ref: PromotionRef, event_id: uuid.UUID, visit: Visit) -> TrackedEvent:
    """Record an impression (beacon or pixel); bots and prefetches are stored as invalid."""
    event = _event(
        ref, event_id=event_id, type=EventType.IMPRESSION, visit=visit, reason=visit.invalid_reason
    )
    events_record(events=[event], mark_impressions=True)
    return event


def click_record(
    *, ref: PromotionRef | ClickRef, event_id: uuid.UUID, visit: Visit, preview: bool = False
) -> TrackedEvent:
    """Record a click. Invalid (stored, not in CTR): bots, prefetches, link previews (HEAD),
    more than TRACKING_CLICK_VELOCITY_LIMIT clicks per viewer and promotion within the
    window, and, where a shared cache makes it knowable, a click with no prior impression."""
    reason = InvalidReason.PREVIEW.value if preview else visit.invalid_reason
    if not reason and visit.pseudonym:
        signals = _click_signals(ref.promotion_id, visit.pseudonym)
        if signals is not None:
            clicks, seen = signals
            if clicks > int(setting("TRACKING_CLICK_VELOCITY_LIMIT")):
                reason = InvalidReason.VELOCITY.value
            elif not seen and click_needs_impression():
                reason = InvalidReason.NO_IMPRESSION.value
    event = _event(ref, event_id=event_id, type=EventType.CLICK, visit=visit, reason=reason)
    events_record(events=[event])
    return event


@dataclass(frozen=True)
class BatchOutcome:
    accepted: int
    duplicates: int


def event_batch_record(*, events: Sequence[TrackedEvent]) -> BatchOutcome:
    """Record a partner's batch (already validated) as one unit.

    A batch of at least ``TRACKING_BATCH_DIRECT_MIN_EVENTS`` events is a batch already:
    it is stored straight into the database by the same idempotent statement the consumers
    use (``accepted`` is what was new, ``duplicates`` the rest), and goes to the stream
    only when the database is unreachable or busy. Smaller batches take the stream, where
    the consumers merge them with other entries: events already stored (or repeated within
    the batch) are duplicates; a retry of a batch still waiting in the stream is reported
    as accepted and counted once by the consumer.
    """
    if not events:  # every event of the batch was rejected: nothing to record
        return BatchOutcome(accepted=0, duplicates=0)
    unique: dict[uuid.UUID, TrackedEvent] = {}
    for event in events:
        unique.setdefault(event.event_id, event)
    repeated = len(events) - len(unique)
    if not stream.enabled():
        stored = events_record(events=list(unique.values())) or 0
        return BatchOutcome(accepted=stored, duplicates=len(events) - stored)
    if len(unique) >= int(setting("TRACKING_BATCH_DIRECT_MIN_EVENTS")):
        try:
            stored = store.events_store(list(unique.values()))
            return BatchOutcome(accepted=stored, duplicates=len(events) - stored)
        except (OperationalError, InterfaceError) as exc:  # down or locked: the stream keeps it
            logger.warning("tracking: a batch of %d waits in the stream: %s", len(unique), exc)
            return _batch_publish(list(unique.values()), repeated=repeated)
        except DatabaseError as exc:  # anything else would fail the consumers just the same
            logger.exception("tracking: a batch of %d could not be stored", len(unique))
            raise NotStored(str(exc)) from exc
    try:
        seen = store.seen_event_ids(list(unique))
    except DatabaseError as exc:
        raise NotStored(str(exc)) from exc
    fresh = [e for e in unique.values() if e.event_id not in seen]
    return _batch_publish(fresh, repeated=repeated + len(seen))


def _batch_publish(events: list[TrackedEvent], *, repeated: int) -> BatchOutcome:
    """Append a batch to the stream; if Redis fails now, store it directly."""
    if not events:
        return BatchOutcome(accepted=0, duplicates=repeated)
    stored = events_record(events=events)
    if stored is not None:  # Redis failed over to the database just now
        return BatchOutcome(accepted=stored, duplicates=repeated + len(events) - stored)
    return BatchOutcome(accepted=len(events), duplicates=repeated)


def conversion_event_id(*, kind: str, object_id: object) -> uuid.UUID:
    """A stable event id for a conversion, so recording it twice counts it once:
    ``conversion_event_id(kind="entry", object_id=entry.pk)``."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"promohub:{kind}:{object_id}")


def conversion_record(
    *,
    event_id: uuid.UUID,
    type: str,
    promotion_id: int,
    campaign_id: int,
    brand_id: int,
    ts: datetime | None = None,
    value: int | None = None,
    currency: str = "",
    source: str = "",
    country: str = "",
    device: str = "",
    language: str = "",
) -> None:
    """Record an entry or a paid order of a promotion (same stream, same rollups).

    Call it from ``transaction.on_commit`` of the transaction that created the entry or
    order, with ``event_id=conversion_event_id(kind=..., object_id=...)``: a retry is then
    counted once. Orders carry ``value`` in minor units and a 3-letter ``currency`` (the
    order's own: reports keep revenue per currency and never add two currencies).
    ``language`` is the page's language when known (one of ``settings.LANGUAGES``).
    Raises ValidationError for a bad argument and NotStored when nothing could store it.
    """
    if type not in (EventType.ENTRY, EventType.ORDER):
        raise ValidationError({"type": "A conversion is an entry or an order."})
    if type == EventType.ORDER and (
        value is None or value < 0 or len(currency) != 3 or not currency.isupper()
    ):
        raise ValidationError({"value": "An order needs a value >= 0 and an ISO currency."})
    event = TrackedEvent(
        event_id=event_id,
        ts=ts or datetime.now(UTC),
        type=str(type),
        promotion_id=promotion_id,
        campaign_id=campaign_id,
        brand_id=brand_id,
        country=country[:2],
        device=device[:8],
        source=source[:40],
        language=classify.language(language),
        value=value if type == EventType.ORDER else None,
        currency=currency if type == EventType.ORDER else "",
    )
    events_record(events=[event])


def events_consume(**kwargs: object) -> stream.ConsumeResult:
    """Consume the Redis stream (see tracking.stream.stream_consume for the options)."""
    return stream.stream_consume(**kwargs)  # type: ignore[arg-type]


def tracking_housekeep() -> dict[str, int]:
    """Forget event ids past the retry horizon, salts of past days and the per-viewer rows
    of counted days (their counts stay in DailyUnique); create next months' partitions;
    drop partner webhook events' personal data after ``WEBHOOK_PII_DAYS``."""
    today = timezone.now().date()
    salts = DailySalt.objects.filter(day__lt=today - timedelta(days=2)).delete()[0]
    viewers = UniqueViewer.objects.filter(day__lt=today - timedelta(days=3)).delete()[0]
    seen = store.seen_events_purge(older_than_days=int(setting("TRACKING_DEDUPE_DAYS")))
    created = partitions.event_partitions_ensure(months_ahead=3)
    pii = partner_webhooks.webhook_events_pii_clear(
        older_than_days=int(setting("WEBHOOK_PII_DAYS"))
    )
    return {
        "salts_deleted": salts,
        "viewer_rows_deleted": viewers,
        "event_ids_forgotten": seen,
        "partitions_created": created,
        "webhook_pii_cleared": pii,
    }
