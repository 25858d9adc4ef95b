"""Partner webhooks (services): a partner key subscribes an HTTPS endpoint to some event
types of one of its brands; each event is POSTed there signed, retried with backoff,
logged, and can be re-sent.

- ``event_publish``, called by the service where the thing happens, inside its
  transaction: it stores the event and one delivery per subscription that wants it, and
  once the transaction commits queues ``tracking.tasks.webhook_event_send``, which sends
  them at once. It costs one indexed query when no subscription wants the event (the
  entry hot path calls it on every entry).
- The one-minute schedule ``tracking.webhooks.deliver`` (``tracking.tasks.webhooks_run``)
  sends every pending delivery that is due: retries, and any whose queued task was lost.
- Claiming, signing, backoff and the attempt log are report pushes' own
  (``tracking.deliveries``, ``tracking.webhooks``).

A body (``webhook_body``) is ``{"id", "type", "created", "api_version", "brand", "data"}``,
plus ``"pii"`` only for a subscription whose key has ``entries:pii`` and ``entries:read``.
``id`` is the event's: the same on every retry and re-send, so a receiver can ignore a
repeat.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from tracking import brands, deliveries, webhooks
from tracking.models import (
    ApiKey,
    OutboundState,
    Scope,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEvent,
    WebhookEventType,
    WebhookSubscription,
)
from tracking.queue import sweep, task_enqueue

API_VERSION = "2026-12-01"
# What a subscription's owner sets and may change (API); the brand and key are fixed.
SUBSCRIPTION_FIELDS = ("name", "url", "event_types", "active")
# A key receives events only with one of these scopes.
WEBHOOK_SCOPES = (Scope.WEBHOOKS_READ, Scope.WEBHOOKS_WRITE)
# Event types whose data is about entries: a key needs entries:read to receive them.
ENTRY_EVENTS = frozenset({WebhookEventType.ENTRY_CREATED})
# Why a delivery waiting for its turn was not sent (its log says so; it is given up).
PAUSED = "not sent: the subscription is paused"
NOT_WANTED = "not sent: the subscription no longer receives this event type"


def scopes_may_receive(scopes: object, event_type: str) -> bool:
    """Whether a key's scopes (as they are now) let it receive ``event_type``: every event
    needs webhooks:read or webhooks:write, entry events entries:read too; checked when a
    subscription is made, at every event and at every attempt, as a marketer may take a
    scope away in between."""
    if not isinstance(scopes, list) or not any(s in scopes for s in WEBHOOK_SCOPES):
        return False
    return event_type not in ENTRY_EVENTS or Scope.ENTRIES_READ in scopes


def _types_clean(event_types: Iterable[str], api_key: ApiKey) -> list[str]:
    types = list(event_types)
    if not any(api_key.has_scope(s) for s in WEBHOOK_SCOPES):
        raise ValidationError(
            {"event_types": "Events go only to keys with webhooks:read or webhooks:write."}
        )
    if not all(scopes_may_receive(api_key.scopes, t) for t in types):
        raise ValidationError(
            {"event_types": "entry.created needs a key with the entries:read scope."}
        )
    return [t for t in WebhookEventType.values if t in types] + [
        t for t in types if t not in WebhookEventType.values
    ]


@transaction.atomic
def webhook_subscription_create(
    *,
    api_key: ApiKey,
    brand_id: int,
    url: str,
    event_types: Iterable[str],
    name: str = "",
    active: bool = True,
) -> WebhookSubscription:
    """A new subscription with a fresh signing secret (shown to its owner once)."""
    webhooks.webhook_url_validate(url)
    subscription = WebhookSubscription(
        api_key=api_key,
        brand_id=brand_id,
        url=url,
        event_types=_types_clean(event_types, api_key),
        name=name,
        active=active,
        secret=f"whsec_{secrets.token_urlsafe(32)}",
    )
    subscription.full_clean()
    subscription.save()
    return subscription


@transaction.atomic
def webhook_subscription_update(
    *, subscription: WebhookSubscription, **changes: Any
) -> WebhookSubscription:
    """Change the name, URL, event types or active flag; the brand and key stay."""
    unknown = set(changes) - set(SUBSCRIPTION_FIELDS)
    if unknown:
        raise ValidationError({name: "This cannot be changed." for name in unknown})
    if "url" in changes and changes["url"] != subscription.url:
        webhooks.webhook_url_validate(changes["url"])
    if "event_types" in changes:
        changes["event_types"] = _types_clean(changes["event_types"], subscription.api_key)
    for name, value in changes.items():
        setattr(subscription, name, value)
    subscription.full_clean()
    subscription.save()
    return subscription


def webhook_subscription_delete(*, subscription: WebhookSubscription) -> None:
    """Stop sending: the subscription goes, with its deliveries and their log."""
    subscription.delete()


_WANTING_SQL = (
    f"SELECT s.id, s.event_types, k.scopes FROM {WebhookSubscription._meta.db_table} s"  # noqa: S608 (our tables)
    f" JOIN {ApiKey._meta.db_table} k ON k.id = s.api_key_id"
    " WHERE s.brand_id = %s AND s.active AND k.revoked_at IS NULL"
    " AND (k.expires_at IS NULL OR k.expires_at > %s)"
    f" AND EXISTS (SELECT 1 FROM {ApiKey.brands.through._meta.db_table} kb"
    "  WHERE kb.apikey_id = k.id AND kb.brand_id = s.brand_id)"
)


def _subscriptions_wanting(*, brand_id: int, event_type: str, at: datetime) -> list[int]:
    """Ids of the brand's active subscriptions of usable keys (still holding the brand) that
    want ``event_type``: one query on the index (brand, active), in SQL written once (it
    runs on every entry)."""
    with connection.cursor() as cursor:
        cursor.execute(_WANTING_SQL, [brand_id, at])
        rows = cursor.fetchall()
    wanting = []
    for pk, types, scopes in rows:
        if isinstance(types, str | bytes):  # a JSON text (SQLite, psycopg's raw jsonb)
            types = json.loads(types)
        if isinstance(scopes, str | bytes):
            scopes = json.loads(scopes)
        if event_type in types and scopes_may_receive(scopes, event_type):
            wanting.append(pk)
    return wanting


def event_wanted(*, brand_id: int, event_type: str, at: datetime | None = None) -> bool:
    """Whether a subscription of the brand wants ``event_type`` now (one indexed query):
    a batch asks once, then publishes each of its events only if so."""
    return bool(
        _subscriptions_wanting(brand_id=brand_id, event_type=event_type, at=at or timezone.now())
    )


def event_publish(
    *,
    brand_id: int,
    event_type: str,
    data: dict[str, Any],
    pii: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> WebhookEvent | None:
    """Tell the brand's subscribers that ``event_type`` happened; call it inside the
    transaction that makes it happen (nothing is stored or sent if that rolls back).

    ``data``: ids, slugs, times and counts only (JSON-serialisable); ``pii``: personal
    data (email, name), sent only to keys with ``entries:pii``. Returns the stored event,
    or None when no subscription of the brand wants this type (one indexed query, no
    write). The deliveries are sent by the worker once the transaction commits."""
    if event_type not in WebhookEventType.values:
        raise ValueError(f"unknown webhook event type {event_type!r}")
    at = at or timezone.now()
    wanting = _subscriptions_wanting(brand_id=brand_id, event_type=event_type, at=at)
    if not wanting:
        return None
    with transaction.atomic():
        event = WebhookEvent.objects.create(
            type=event_type, brand_id=brand_id, occurred_at=at, data=data, pii=pii or None
        )
        WebhookDelivery.objects.bulk_create(
            WebhookDelivery(subscription_id=pk, event=event, next_attempt_at=at) for pk in wanting
        )
    task_enqueue("tracking.tasks.webhook_event_send", event.pk)
    return event


def iso_utc(moment: datetime) -> str:
    """A time as partners read it: ISO 8601 in UTC, with Z."""
    return moment.isoformat().replace("+00:00", "Z")


def webhook_body(*, delivery: WebhookDelivery) -> bytes:
    """The JSON a delivery POSTs (the module doc); ``pii`` only with ``entries:pii`` (which
    applies with ``entries:read``, docs/partners.md)."""
    event = delivery.event
    body: dict[str, Any] = {
        "id": str(event.event_id),
        "type": event.type,
        "created": iso_utc(event.occurred_at),
        "api_version": API_VERSION,
        "brand": brands.brand_slug(event.brand_id),
        "data": event.data,
    }
    key = delivery.subscription.api_key
    if event.pii and key.has_scope(Scope.ENTRIES_PII) and key.has_scope(Scope.ENTRIES_READ):
        body["pii"] = event.pii
    return json.dumps(body, separators=(",", ":"), sort_keys=True).encode()


def _delivery_post(delivery: WebhookDelivery) -> webhooks.DeliveryResult:
    subscription = delivery.subscription
    return webhooks.webhook_post(
        url=subscription.url,
        body=webhook_body(delivery=delivery),
        secret=subscription.secret,
        headers={
            "X-Webhook-Event": str(delivery.event.event_id),
            "X-Webhook-Type": delivery.event.type,
            "X-Webhook-Delivery": str(delivery.pk),
            "X-Webhook-Subscription": str(subscription.pk),
        },
    )


def webhook_delivery_attempt(
    *, delivery_id: int, now: datetime | None = None
) -> WebhookAttempt | None:
    """Claim and send one attempt of a pending delivery that is due; None if not ours."""
    logged = deliveries.outbound_attempt(
        model=WebhookDelivery,
        pk=delivery_id,
        send=_delivery_post,
        log_model=WebhookAttempt,
        log_field="delivery",
        related=("event", "subscription__api_key"),
        refusal=lambda delivery: _delivery_refusal(delivery, now),
        now=now,
    )
    assert logged is None or isinstance(logged, WebhookAttempt)
    return logged


def _delivery_refusal(delivery: WebhookDelivery, now: datetime | None) -> str:
    """Why ``delivery`` may not be sent now ('' when it may), as its subscription and key
    are now: what ``event_publish`` checks, checked again at each attempt."""
    subscription, event_type = delivery.subscription, delivery.event.type
    key = subscription.api_key
    if not (
        key.may_read_brand(subscription.brand_id, now)
        and scopes_may_receive(key.scopes, event_type)
    ):
        return deliveries.NOT_ALLOWED
    if not subscription.active:
        return PAUSED
    if event_type not in subscription.event_types:
        return NOT_WANTED
    return ""


def webhook_deliveries_deliver(*, now: datetime | None = None, limit: int = 100) -> int:
    """Send every pending delivery that is due (up to ``limit``), each on its own (one that
    raises is logged and left for the next sweep); returns the attempts."""
    now = now or timezone.now()
    return sweep(
        deliveries.outbound_due(model=WebhookDelivery, now=now, limit=limit),
        lambda pk: webhook_delivery_attempt(delivery_id=pk, now=now) is not None,
        what="tracking: webhook delivery %s",
    )


def webhook_event_send(*, event_id: int, now: datetime | None = None) -> int:
    """Send the event's pending deliveries now (its queued task); returns the attempts."""
    pending = WebhookDelivery.objects.filter(event_id=event_id, state=OutboundState.PENDING)
    return sweep(
        list(pending.values_list("pk", flat=True)),
        lambda pk: webhook_delivery_attempt(delivery_id=pk, now=now) is not None,
        what="tracking: webhook delivery %s",
    )


@transaction.atomic
def webhook_delivery_resend(
    *, delivery: WebhookDelivery, now: datetime | None = None
) -> WebhookDelivery:
    """Send a delivery's event again to its subscription, as a new delivery with the same
    event id (a receiver that saw it can ignore it). Queued: sent by the worker once the
    transaction commits, or by the minute schedule were that task lost."""
    again = WebhookDelivery.objects.create(
        subscription_id=delivery.subscription_id,
        event_id=delivery.event_id,
        next_attempt_at=now or timezone.now(),
        resend_of=delivery,
    )
    task_enqueue("tracking.tasks.webhook_delivery_send", again.pk)
    return again


def webhook_events_pii_clear(*, older_than_days: int, now: datetime | None = None) -> int:
    """Drop the personal data of events older than ``older_than_days`` (every retry is over
    by then; a later re-send goes without it). Daily, from ``tracking_housekeep``."""
    before = (now or timezone.now()) - timedelta(days=older_than_days)
    return WebhookEvent.objects.filter(pii__isnull=False, occurred_at__lt=before).update(pii=None)


def webhook_events_pii_erase(*, event_type: str, key: str, values: Iterable[str | int]) -> int:
    """Drop the personal data of the ``event_type`` events whose ``data[key]`` is one of
    ``values`` (a forgotten person's entries, their orders), so that no retry or re-send
    carries it again. Reads only the events that still hold some (a partial index)."""
    wanted = list(dict.fromkeys(values))
    holding = WebhookEvent.objects.filter(pii__isnull=False, type=event_type)
    cleared = 0
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        cleared += holding.filter(**{f"data__{key}__in": chunk}).update(pii=None)
    return cleared
