"""The idempotent write of a batch of events: raw events, dedupe ids, rollups, unique viewers.

``events_store`` is the one place events reach the database, for both paths: the embedded
default calls it from the request, the stream consumer calls it per batch. In one
transaction it

1. stages the batch (PostgreSQL: ``COPY`` into a temporary table; SQLite: executemany),
2. inserts the event ids into ``SeenEvent`` with ``ON CONFLICT DO NOTHING RETURNING``:
   the returned ids are the events never stored before,
3. inserts only those into the raw table, and adds only those to the rollups (hourly,
   daily in the brand's zone, by breakdown, invalid by reason:
   ``INSERT ... ON CONFLICT DO UPDATE SET n = n + EXCLUDED.n``) and to the unique
   viewers (a new (scope, day, viewer) row adds one to that day's count),

so a batch delivered twice, or a retried beacon, changes nothing the second time.
On PostgreSQL steps 2 and 3 are one statement (data-modifying CTEs), safe with several
consumers at once; on SQLite the write lock of the IMMEDIATE transaction serialises them.
"""

# ruff: noqa: S608 -- the SQL is assembled from this module's constants only; values travel
# as query parameters or through COPY.
from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.db import connection, connections, transaction

from config.postgresql import PLANNED_EACH_TIME
from tracking.models import COUNT_FIELDS, DailySalt, SeenEvent
from tracking.tracked_event import TrackedEvent
from tracking.zones import STORE_MAX_AGE_SECONDS, brand_zones

Checkpoint = Callable[[str], None]

STAGE_COLUMNS = (
    "event_id",
    "ts",
    "type",
    "promotion_id",
    "campaign_id",
    "brand_id",
    "viewer_hash",
    "country",
    "device",
    "source",
    "invalid_reason",
    "value",
    "currency",
    "hour",
    "day",
    "language",
)
EVENT_COLUMNS = (*STAGE_COLUMNS[:13], "language")
_PG_TYPES = [
    "uuid",
    "timestamptz",
    "text",
    "int8",
    "int8",
    "int8",
    "int8",
    "text",
    "text",
    "text",
    "text",
    "int8",
    "text",
    "timestamptz",
    "date",
    "text",
]

_COUNTS = """
    SUM(CASE WHEN type = 'impression' AND invalid_reason = '' THEN 1 ELSE 0 END),
    SUM(CASE WHEN type = 'click' AND invalid_reason = '' THEN 1 ELSE 0 END),
    SUM(CASE WHEN type = 'impression' AND invalid_reason <> '' THEN 1 ELSE 0 END),
    SUM(CASE WHEN type = 'click' AND invalid_reason <> '' THEN 1 ELSE 0 END),
    SUM(CASE WHEN type = 'entry' AND invalid_reason = '' THEN 1 ELSE 0 END),
    SUM(CASE WHEN type = 'order' AND invalid_reason = '' THEN 1 ELSE 0 END),
    SUM(CASE WHEN type = 'order' AND invalid_reason = '' THEN COALESCE(value, 0) ELSE 0 END)"""


def _add_counts(table: str) -> str:
    return ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in COUNT_FIELDS)


def _rollup_statements(src: str) -> list[str]:
    """INSERT ... SELECT ... ON CONFLICT DO UPDATE statements adding ``src``'s rows.

    The currency is a key of every rollup (an order's, or empty for other events), so
    revenues in two currencies are never added into one number."""
    counts = ", ".join(COUNT_FIELDS)
    hourly = f"""
        INSERT INTO tracking_hourlyrollup
            (promotion_id, hour, currency, campaign_id, brand_id, {counts})
        SELECT promotion_id, hour, currency, MAX(campaign_id), MAX(brand_id), {_COUNTS}
        FROM {src} WHERE true GROUP BY promotion_id, hour, currency
        ORDER BY promotion_id, hour, currency
        ON CONFLICT (promotion_id, hour, currency)
        DO UPDATE SET {_add_counts("tracking_hourlyrollup")}"""
    breakdown = f"""
        INSERT INTO tracking_breakdownrollup
            (promotion_id, hour, country, device, source, language, currency, campaign_id,
             brand_id, {counts})
        SELECT promotion_id, hour, country, device, source, language, currency,
            MAX(campaign_id), MAX(brand_id), {_COUNTS}
        FROM {src} WHERE true
        GROUP BY promotion_id, hour, country, device, source, language, currency
        ORDER BY promotion_id, hour, country, device, source, language, currency
        ON CONFLICT (promotion_id, hour, country, device, source, language, currency)
        DO UPDATE SET {_add_counts("tracking_breakdownrollup")}"""
    invalid = f"""
        INSERT INTO tracking_invalidrollup
            (promotion_id, hour, type, reason, campaign_id, brand_id, events)
        SELECT promotion_id, hour, type, invalid_reason, MAX(campaign_id), MAX(brand_id),
            COUNT(*)
        FROM {src} WHERE invalid_reason <> ''
        GROUP BY promotion_id, hour, type, invalid_reason
        ORDER BY promotion_id, hour, type, invalid_reason
        ON CONFLICT (promotion_id, hour, type, reason)
        DO UPDATE SET events = tracking_invalidrollup.events + excluded.events"""
    daily = f"""
        INSERT INTO tracking_dailyrollup
            (promotion_id, day, currency, campaign_id, brand_id, {counts})
        SELECT promotion_id, day, currency, MAX(campaign_id), MAX(brand_id), {_COUNTS}
        FROM {src} WHERE true GROUP BY promotion_id, day, currency
        ORDER BY promotion_id, day, currency
        ON CONFLICT (promotion_id, day, currency)
        DO UPDATE SET {_add_counts("tracking_dailyrollup")}"""
    return [hourly, daily, breakdown, invalid]


def _viewers_select(src: str) -> str:
    """(scope, id, day, viewer) of the valid impressions of known viewers, distinct."""
    where = "type = 'impression' AND invalid_reason = '' AND viewer_hash <> 0"
    return f"""
        SELECT 1 AS scope, promotion_id AS scope_id, day, viewer_hash FROM {src} WHERE {where}
        UNION SELECT 2, campaign_id, day, viewer_hash FROM {src} WHERE {where}
        UNION SELECT 3, brand_id, day, viewer_hash FROM {src} WHERE {where}"""


_ADD_VIEWERS = (
    "ON CONFLICT (scope, scope_id, day) "
    "DO UPDATE SET viewers = tracking_dailyunique.viewers + excluded.viewers"
)

_PG_STAGE = """
    CREATE TEMP TABLE IF NOT EXISTS tracking_stage (
        event_id uuid NOT NULL, ts timestamptz NOT NULL, type text NOT NULL,
        promotion_id bigint NOT NULL, campaign_id bigint NOT NULL, brand_id bigint NOT NULL,
        viewer_hash bigint NOT NULL, country text NOT NULL, device text NOT NULL,
        source text NOT NULL, invalid_reason text NOT NULL, value bigint,
        currency text NOT NULL, hour timestamptz NOT NULL, day date NOT NULL,
        language text NOT NULL
    ) ON COMMIT DELETE ROWS"""


def _pg_statement(*, viewers: bool, invalid: bool) -> str:
    """The one statement; the parts for viewers and invalid events are left out when the
    batch has none (partner batches carry no viewer), sparing three scans of the batch."""
    ctes = [
        """fresh AS (
            INSERT INTO tracking_seenevent (event_id, ts)
            SELECT event_id, ts FROM tracking_stage ORDER BY event_id
            ON CONFLICT (event_id) DO NOTHING RETURNING event_id)""",
        "new AS MATERIALIZED (SELECT s.* FROM tracking_stage s JOIN fresh USING (event_id))",
        f"""ev AS (INSERT INTO tracking_event ({", ".join(EVENT_COLUMNS)})
            SELECT {", ".join(EVENT_COLUMNS)} FROM new)""",
    ]
    for name, stmt in zip(("tot", "dly", "brk", "inv"), _rollup_statements("new"), strict=True):
        if name != "inv" or invalid:
            ctes.append(f"{name} AS ({stmt})")
    if viewers:
        ctes.append(
            f"""vw AS (
            INSERT INTO tracking_uniqueviewer (scope, scope_id, day, viewer_hash)
            SELECT * FROM ({_viewers_select("new")}) v ORDER BY 1, 2, 3, 4
            ON CONFLICT DO NOTHING RETURNING scope, scope_id, day)"""
        )
        ctes.append(
            f"""du AS (
            INSERT INTO tracking_dailyunique (scope, scope_id, day, viewers)
            SELECT scope, scope_id, day, COUNT(*) FROM vw
            GROUP BY scope, scope_id, day ORDER BY scope, scope_id, day {_ADD_VIEWERS})"""
        )
    return "WITH " + ",\n".join(ctes) + "\nSELECT COUNT(*) FROM fresh"


# (has viewers, has invalid events) -> statement
PG_STORE = {
    (viewers, invalid): _pg_statement(viewers=viewers, invalid=invalid)
    for viewers in (False, True)
    for invalid in (False, True)
}


def _store_postgres(rows: list[tuple[Any, ...]], nested: bool) -> int:
    with connection.cursor() as cursor:
        raw = connection.connection
        if not getattr(raw, "_tracking_stage", False):
            # Created inside this transaction: remembered only once that commits.
            cursor.execute(_PG_STAGE)
            transaction.on_commit(lambda: setattr(raw, "_tracking_stage", True))
        if nested:  # inside an outer transaction: ON COMMIT has not emptied it yet
            cursor.execute("DELETE FROM tracking_stage")
        if len(rows) > 5000:
            # The staged batch has no statistics: give the grouping room not to spill.
            cursor.execute("SET LOCAL work_mem = '64MB'")
        copy_sql = f"COPY tracking_stage ({', '.join(STAGE_COLUMNS)}) FROM STDIN (FORMAT BINARY)"
        with cursor.copy(copy_sql) as copy:
            copy.set_types(_PG_TYPES)
            for row in rows:
                copy.write_row(row)
        viewers = any(row[6] for row in rows)
        invalid = any(row[10] for row in rows)
        cursor.execute(PG_STORE[viewers, invalid])
        return int(cursor.fetchone()[0])


_SQLITE_STAGE = f"""
    CREATE TEMP TABLE IF NOT EXISTS tracking_stage (
        event_id char(32) NOT NULL PRIMARY KEY, ts text NOT NULL, type text NOT NULL,
        promotion_id integer NOT NULL, campaign_id integer NOT NULL, brand_id integer NOT NULL,
        viewer_hash integer NOT NULL, country text NOT NULL, device text NOT NULL,
        source text NOT NULL, invalid_reason text NOT NULL, value integer,
        currency text NOT NULL, hour text NOT NULL, day text NOT NULL, language text NOT NULL
    ) /* tracking.store, {len(STAGE_COLUMNS)} columns */"""


def _store_sqlite(rows: list[tuple[Any, ...]]) -> int:
    """The same steps as PostgreSQL's one statement; the IMMEDIATE transaction holds
    SQLite's write lock from its start, so "not seen yet" cannot change underneath."""
    ops = connection.ops
    adapted = [
        (
            r[0].hex,
            ops.adapt_datetimefield_value(r[1]),
            *r[2:13],
            ops.adapt_datetimefield_value(r[13]),
            ops.adapt_datefield_value(r[14]),
            r[15],
        )
        for r in rows
    ]
    placeholders = ", ".join(["%s"] * len(STAGE_COLUMNS))
    with connection.cursor() as cursor:
        cursor.execute(_SQLITE_STAGE)
        cursor.execute("DELETE FROM tracking_stage")
        cursor.executemany(f"INSERT INTO tracking_stage VALUES ({placeholders})", adapted)
        cursor.execute(
            "DELETE FROM tracking_stage WHERE EXISTS (SELECT 1 FROM tracking_seenevent s "
            "WHERE s.event_id = tracking_stage.event_id)"
        )
        cursor.execute("SELECT COUNT(*) FROM tracking_stage")
        fresh = int(cursor.fetchone()[0])
        if not fresh:
            return 0
        cursor.execute(
            "INSERT INTO tracking_seenevent (event_id, ts) SELECT event_id, ts "
            "FROM tracking_stage WHERE true"
        )
        cursor.execute(
            f"INSERT INTO tracking_event ({', '.join(EVENT_COLUMNS)}) "
            f"SELECT {', '.join(EVENT_COLUMNS)} FROM tracking_stage WHERE true"
        )
        for statement in _rollup_statements("tracking_stage"):
            cursor.execute(statement)
        viewers = _viewers_select("tracking_stage")
        cursor.execute(
            f"""INSERT INTO tracking_dailyunique (scope, scope_id, day, viewers)
            SELECT scope, scope_id, day, COUNT(*) FROM ({viewers}) v
            WHERE NOT EXISTS (SELECT 1 FROM tracking_uniqueviewer u WHERE u.scope = v.scope
                AND u.scope_id = v.scope_id AND u.day = v.day AND u.viewer_hash = v.viewer_hash)
            GROUP BY scope, scope_id, day {_ADD_VIEWERS}"""
        )
        cursor.execute(
            f"""INSERT INTO tracking_uniqueviewer (scope, scope_id, day, viewer_hash)
            SELECT scope, scope_id, day, viewer_hash FROM ({viewers}) v WHERE true
            ON CONFLICT DO NOTHING"""
        )
        cursor.execute("DELETE FROM tracking_stage")
    return fresh


# --- Daily salts (cached per process) -----------------------------

_salts: dict[date, bytes] = {}


def daily_salt(day: date) -> bytes:
    """The day's random salt, created on first use by whichever process needs it first."""
    salt = _salts.get(day)
    if salt is None:
        DailySalt.objects.bulk_create(
            [DailySalt(day=day, salt=os.urandom(16))], ignore_conflicts=True
        )
        salt = bytes(DailySalt.objects.values_list("salt", flat=True).get(day=day))
        if len(_salts) > 512:
            _salts.clear()
        _salts[day] = salt
    return salt


def viewer_hash(pseudonym: bytes, salt: bytes) -> int:
    digest = hashlib.blake2b(pseudonym, key=salt, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True) or 1


# --- The entry point ------------------------------------------------------------------


def _stage_rows(events: Sequence[TrackedEvent]) -> list[tuple[Any, ...]]:
    """The staged rows of a batch. Each event's ``hour`` is the start of its brand's local
    hour (in UTC): the UTC hour, but in zones a half or a quarter hour off UTC (India at
    +05:30, Nepal at +05:45, Newfoundland, South Australia...), where a UTC hour would
    straddle their midnight and put half an hour of events on the wrong local day of the
    hourly and breakdown rollups."""
    zones = brand_zones({e.brand_id for e in events}, max_age=STORE_MAX_AGE_SECONDS)
    # (brand, UTC hour) -> (its bucket and local day), or None where the brand's clock is
    # off the whole hour or a day starts inside it: then each event is placed by itself.
    hours: dict[tuple[int, datetime], tuple[datetime, date] | None] = {}
    rows = []
    for e in events:
        ts = e.ts if e.ts.tzinfo is UTC else e.ts.astimezone(UTC)
        utc_hour = ts.replace(minute=0, second=0, microsecond=0)
        key = (e.brand_id, utc_hour)
        if key not in hours:
            zone = zones[e.brand_id]
            first, last = utc_hour.astimezone(zone), (utc_hour + _LAST).astimezone(zone)
            whole = first.minute == 0 and first.utcoffset() == last.utcoffset()
            hours[key] = (utc_hour, first.date()) if whole and first.date() == last.date() else None
        found = hours[key]
        if found is not None:
            hour, day = found
        else:
            local = ts.astimezone(zones[e.brand_id])
            hour = local.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
            day = local.date()
        viewer = viewer_hash(e.pseudonym, daily_salt(day)) if e.pseudonym else 0
        rows.append(
            (
                e.event_id,
                ts,
                e.type,
                e.promotion_id,
                e.campaign_id,
                e.brand_id,
                viewer,
                e.country,
                e.device,
                e.source,
                e.invalid_reason,
                e.value,
                e.currency,
                hour,
                day,
                e.language,
            )
        )
    return rows


_LAST = timedelta(minutes=59, seconds=59, microseconds=999_999)


def events_store(events: Sequence[TrackedEvent], *, checkpoint: Checkpoint | None = None) -> int:
    """Store a batch exactly once; returns how many of its events were new.

    ``checkpoint("stored")`` is called inside the transaction after every write and
    before the commit (tests use it to crash a consumer there).
    """
    unique: dict[Any, TrackedEvent] = {}
    for event in events:
        unique.setdefault(event.event_id, event)
    if not unique:
        return 0
    rows = _stage_rows(list(unique.values()))
    nested = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql":
            stored = _store_postgres(rows, nested)
        else:
            stored = _store_sqlite(rows)
        if checkpoint is not None:
            checkpoint("stored")
    return stored


def seen_event_ids(event_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """Which of these event ids are stored already (one query, one array parameter)."""
    if not event_ids:
        return set()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"{PLANNED_EACH_TIME}SELECT event_id FROM tracking_seenevent "
                "WHERE event_id = ANY(%s::uuid[])",
                [[str(e) for e in event_ids]],
            )
            return {row[0] for row in cursor.fetchall()}
    return set(SeenEvent.objects.filter(pk__in=event_ids).values_list("pk", flat=True))


def seen_events_purge(*, older_than_days: int) -> int:
    """Forget event ids older than the retry horizon (their events stay counted)."""
    cutoff = datetime.now(UTC) - timedelta(days=older_than_days)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM tracking_seenevent WHERE ts < %s", [cutoff])
        return int(cursor.rowcount)


def connections_tidy() -> None:
    """What Django does around each request: drop connections that broke or aged out
    (never one inside a transaction, such as a test's)."""
    for conn in connections.all(initialized_only=True):
        if not conn.in_atomic_block:
            conn.close_if_unusable_or_obsolete()
