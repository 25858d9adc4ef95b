"""The production path: web processes append to a Redis stream, consumers store batches.

Producer: ``events_publish`` appends one entry (one event, or a partner's whole batch) with
``XADD``, in the same pipelined round trip as the impression marker (tracking.redis_lean, a lean
client for this hot path). Redis answering is
what lets the view answer 2xx; when Redis fails, ``StreamUnavailable`` sends the caller to
the database instead (tracking.services) and Redis is left alone for a couple of seconds.

Consumer: ``stream_consume`` reads with a consumer group (``XREADGROUP``), takes over the
entries of a consumer that died (``XAUTOCLAIM`` after ``TRACKING_CLAIM_IDLE_MS``), stores
each batch with ``tracking.store.events_store`` (COPY, idempotent insert, rollups, commit)
and only then acknowledges (``XACK`` + ``XDEL``). Killed anywhere before the ack, the
entries are delivered again and the idempotent insert counts them once.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis
from django.db import connection

from tracking import counters, redis_lean
from tracking.conf import setting
from tracking.models import InvalidReason
from tracking.store import Checkpoint, connections_tidy, events_store
from tracking.tracked_event import WIRE_VERSION, TrackedEvent, events_decode, events_encode

logger = logging.getLogger(__name__)


class StreamUnavailable(Exception):
    """Redis did not take the entry: the caller must store the events another way."""


_clients: dict[str, redis.Redis] = {}
_lock = threading.Lock()
_down_until = 0.0


def client() -> redis.Redis:
    url = setting("REDIS_URL")
    found = _clients.get(url)
    if found is None:
        with _lock:
            found = _clients.get(url) or redis.Redis.from_url(
                url,
                socket_connect_timeout=0.5,
                socket_timeout=5,
                health_check_interval=30,
            )
            _clients[url] = found
    return found


def enabled() -> bool:
    """True when events should go through Redis now (configured, and not failing)."""
    return bool(setting("REDIS_URL")) and time.monotonic() >= _down_until


def _mark_down(exc: Exception) -> None:
    global _down_until
    _down_until = time.monotonic() + float(setting("TRACKING_REDIS_RETRY_SECONDS"))
    logger.warning("tracking: Redis unavailable, writing to the database: %s", exc)


def stream_key() -> str:
    return str(setting("TRACKING_STREAM"))


def marker_key(promotion_id: int, pseudonym: bytes) -> str:
    return f"{stream_key()}:seen:{promotion_id}:{pseudonym[:8].hex()}"


def velocity_key(promotion_id: int, pseudonym: bytes) -> str:
    return f"{stream_key()}:vel:{promotion_id}:{pseudonym[:8].hex()}"


def impression_velocity_key(promotion_id: int, pseudonym: bytes) -> str:
    return f"{stream_key()}:ivel:{promotion_id}:{pseudonym[:8].hex()}"


def impressions_velocity_mark(
    events: Sequence[TrackedEvent], count: Callable[[list[str], int], list[int]]
) -> Sequence[TrackedEvent]:
    """Mark invalid (``velocity``), in place, each impression beyond
    ``TRACKING_IMPRESSION_VELOCITY_LIMIT`` of one viewer and promotion within the window;
    ``count`` adds one to each key and says its count. Unmarked when it fails."""
    candidates = [  # valid so far, with a viewer
        e
        for e in events
        if e.type == "impression" and e.pseudonym is not None and not e.invalid_reason
    ]
    if not candidates:
        return events
    window = int(setting("TRACKING_IMPRESSION_VELOCITY_WINDOW"))
    limit = int(setting("TRACKING_IMPRESSION_VELOCITY_LIMIT"))
    keys = [impression_velocity_key(e.promotion_id, e.pseudonym or b"") for e in candidates]
    try:
        counts = count(keys, window)
    except Exception as exc:  # the counter's outage must not lose the events
        logger.warning("tracking: impression velocity not counted: %s", exc)
        return events
    for event, n in zip(candidates, counts, strict=True):
        if n > limit:
            event.invalid_reason = InvalidReason.VELOCITY.value
    return events


def _redis_counts(keys: list[str], window: int) -> list[int]:
    commands = [c for key in keys for c in counters.counter_commands(key, window)]
    replies = redis_lean.execute(setting("REDIS_URL"), commands)
    return [int(n) for n in replies[::2]]


def events_publish(events: Sequence[TrackedEvent], *, mark_impressions: bool = False) -> None:
    """Append the events as one stream entry; raise StreamUnavailable if Redis did not take it.

    With ``mark_impressions``, the same round trip remembers each valid impression's viewer
    for an hour, so that a later click can be checked for a prior impression.
    """
    commands: list[redis_lean.Command] = []
    if mark_impressions:
        ttl = int(setting("TRACKING_IMPRESSION_MEMORY_SECONDS"))
        for e in events:
            if e.pseudonym and not e.invalid_reason:
                commands.append(["SET", marker_key(e.promotion_id, e.pseudonym), "1", "EX", ttl])
    commands.append(["XADD", stream_key(), "*", "v", WIRE_VERSION, "d", events_encode(events)])
    try:
        redis_lean.execute(setting("REDIS_URL"), commands)
    except (redis_lean.RedisUnavailable, redis_lean.RedisReplyError) as exc:
        _mark_down(exc)
        raise StreamUnavailable(str(exc)) from exc


def click_signals(promotion_id: int, pseudonym: bytes) -> tuple[int, bool]:
    """(clicks by this viewer on this promotion in the velocity window, impression seen?)."""
    window = int(setting("TRACKING_CLICK_VELOCITY_WINDOW"))
    key = velocity_key(promotion_id, pseudonym)
    try:
        count, _expire, seen = redis_lean.execute(
            setting("REDIS_URL"),
            [
                *counters.counter_commands(key, window),
                ["EXISTS", marker_key(promotion_id, pseudonym)],
            ],
        )
    except (redis_lean.RedisUnavailable, redis_lean.RedisReplyError) as exc:
        _mark_down(exc)
        raise StreamUnavailable(str(exc)) from exc
    return int(count), bool(seen)


# --- Consumer ---------------------------------------------------------------------------


@dataclass
class ConsumeResult:
    entries: int = 0
    events: int = 0
    stored: int = 0
    dead_letters: int = 0


def consumer_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def group_ensure(r: redis.Redis, key: str, group: str) -> None:
    try:
        r.xgroup_create(key, group, id="0", mkstream=True)
    except redis.ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


@dataclass(frozen=True)
class Flow:
    """One stream and what its consumers do with it: ``decode`` turns an entry's fields
    into items (raising ValueError, KeyError or TypeError for an entry that is not one of
    ours: a dead letter), ``store`` stores a batch of items in one commit and says how many
    were new. Tracking events are one flow; entries accepted into Redis are another
    (promotions.entries.intake)."""

    name: str
    key: str
    group: str
    decode: Callable[[dict[bytes, bytes]], list[Any]]
    store: Callable[[list[Any], Checkpoint | None], int]
    count: int  # entries per read, at most
    target_items: int  # items per stored batch, about
    linger_ms: int = 0  # after a short read, wait this long for more before storing


def _events_decode(fields: dict[bytes, bytes]) -> list[Any]:
    if fields.get(b"v") != WIRE_VERSION.encode():
        raise ValueError(f"unknown version {fields.get(b'v')!r}")
    return list(events_decode(fields[b"d"]))


def tracking_flow() -> Flow:
    return Flow(
        name="tracking",
        key=stream_key(),
        group=str(setting("TRACKING_STREAM_GROUP")),
        decode=_events_decode,
        store=lambda events, checkpoint: events_store(
            impressions_velocity_mark(events, _redis_counts), checkpoint=checkpoint
        ),
        count=int(setting("TRACKING_CONSUMER_COUNT")),
        target_items=int(setting("TRACKING_CONSUMER_EVENTS")),
    )


def _decode_entries(
    r: redis.Redis, flow: Flow, entries: list[tuple[bytes, dict[bytes, bytes]]]
) -> tuple[list[bytes], list[Any]]:
    """Entry ids and their items; an entry that is not ours goes to ``<key>:dead``."""
    ids, items = [], []
    for entry_id, fields in entries:
        if fields is None:  # deleted while pending (already stored and acknowledged)
            ids.append(entry_id)
            continue
        try:
            items.extend(flow.decode(fields))
        except (ValueError, KeyError, TypeError) as exc:
            logger.error(
                "%s: stream entry %s is not ours (%s): dead letter", flow.name, entry_id, exc
            )
            dead: dict[Any, Any] = {**fields, b"error": str(exc)}
            r.xadd(f"{flow.key}:dead", dead)
        ids.append(entry_id)
    return ids, items


def _store_and_ack(
    r: redis.Redis,
    flow: Flow,
    entries: list[tuple[bytes, dict[bytes, bytes]]],
    result: ConsumeResult,
    checkpoint: Checkpoint | None,
) -> None:
    ids, items = _decode_entries(r, flow, entries)
    stored = flow.store(items, checkpoint) if items else 0
    if checkpoint is not None:
        checkpoint("committed")
    pipe = r.pipeline(transaction=False)
    pipe.xack(flow.key, flow.group, *ids)
    pipe.xdel(flow.key, *ids)
    pipe.execute()
    result.entries += len(ids)
    result.events += len(items)
    result.stored += stored


def stream_consume(
    *,
    consumer: str | None = None,
    max_batches: int | None = None,
    block_ms: int = 1000,
    count: int | None = None,
    until_empty: bool = False,
    deadline: float | None = None,
    should_stop: Callable[[], bool] = lambda: False,
    checkpoint: Checkpoint | None = None,
    flow: Flow | None = None,
) -> ConsumeResult:
    """Consume batches of ``flow`` (default: tracking events) until stopped, ``max_batches``
    done, the stream is drained (``until_empty``) or ``deadline`` (time.monotonic()) passes.

    A failure to store (database down) leaves the batch pending; it is retried from this
    consumer's pending list after a pause, or claimed by another consumer if this one dies.
    """
    r: Any = client()
    flow = flow or tracking_flow()
    key, group = flow.key, flow.group
    consumer = consumer or consumer_name()
    count = count or flow.count
    claim_idle = int(setting("TRACKING_CLAIM_IDLE_MS"))
    group_ensure(r, key, group)
    result = ConsumeResult()
    target_events = flow.target_items
    per_entry = 1.0  # items per entry, a moving average: beacons 1, partner batches ~1000
    batches = failures = 0
    backlog = True  # first read our own pending entries (a restart with the same name)
    while not should_stop() and (max_batches is None or batches < max_batches):
        if deadline is not None and time.monotonic() >= deadline:
            break
        n = max(1, min(count, int(target_events / per_entry)))
        entries: list[Any] = []
        if backlog:
            reply = r.xreadgroup(group, consumer, {key: "0"}, count=n)
            entries = reply[0][1] if reply else []
            backlog = bool(entries)
        if not entries:
            _next, entries, *_deleted = r.xautoclaim(
                key, group, consumer, min_idle_time=claim_idle, start_id="0-0", count=n
            )
        if not entries:
            reply = r.xreadgroup(
                group, consumer, {key: ">"}, count=n, block=None if until_empty else block_ms
            )
            entries = reply[0][1] if reply else []
            if entries and len(entries) < n and flow.linger_ms and not until_empty:
                # A short batch: wait for more, so that a batch's fixed cost is shared.
                time.sleep(flow.linger_ms / 1000)
                more = r.xreadgroup(group, consumer, {key: ">"}, count=n - len(entries))
                entries += more[0][1] if more else []
        if not entries:
            if until_empty:
                break
            continue
        batches += 1
        try:
            connections_tidy()
            events_before = result.events
            _store_and_ack(r, flow, entries, result, checkpoint)
            per_entry = 0.7 * per_entry + 0.3 * max(
                1.0, (result.events - events_before) / len(entries)
            )
            failures = 0
        except Exception:
            failures += 1
            logger.exception("%s: storing a batch of %d entries failed", flow.name, len(entries))
            if not connection.in_atomic_block:
                connection.close()
            if until_empty and failures >= 3:
                raise  # a one-off drain reports the failure; the entries stay pending
            backlog = True  # retry them first, from this consumer's pending list
            time.sleep(min(0.2 * 2**failures, 5))
    return result


def idle_until_signalled(ready: Callable[[], None] = lambda: None) -> None:
    """Wait for SIGTERM or SIGINT: what a consumer with nothing to consume does under a
    supervisor that stops every process once one exits (``make serve``). ``ready`` runs
    once the signals are caught (a line saying so is true from then on)."""
    stopped = threading.Event()

    def stop(*_args: object) -> None:
        stopped.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    ready()
    while not stopped.wait(1.0):
        pass


def stream_consume_until_signalled(**kwargs: Any) -> ConsumeResult:
    """``stream_consume`` until SIGTERM or SIGINT (the long-running consumer commands): the
    batch being stored is finished and acknowledged first."""
    stopping = False

    def stop(*_args: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return stream_consume(should_stop=lambda: stopping, **kwargs)


def stream_lag(key: str | None = None) -> tuple[int, float | None]:
    """(entries not yet stored, unix time of the oldest one or None), of the tracking
    stream or ``key``.

    Acknowledged entries are deleted, so whatever is left in the stream is waiting.
    """
    r: Any = client()
    key = key or stream_key()
    waiting = int(r.xlen(key))
    if not waiting:
        return 0, None
    first = r.xrange(key, count=1)
    return waiting, (int(first[0][0].split(b"-")[0]) / 1000 if first else None)
