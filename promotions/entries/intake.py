"""Entry intake: sweepstakes entries accepted into Redis, stored by the entries consumer.

An entry into a sweepstakes answers nothing but "you're in" and its number, so with Redis
(``ENTRY_INTAKE``, on when ``REDIS_URL`` is set) the request does not write it itself:

1. ``entry_create`` runs every rule as always: the promotion, the person and their stored
   entries are read from the database (the stored entries decide the frequency rule).
2. ``entry_accept`` takes the frequency slot and appends the entry to a Redis stream in
   one script (``SET <slot key> NX`` then ``XADD``): two requests for one slot at once get
   one "you're in" and one "already entered", before either is stored. The answer carries
   the entry's final number (its ``public_id``, chosen here).
3. The entries consumer (``manage.py entries_consume``, or the one-minute schedule
   ``promotions.entries.consume``) reads the stream with a consumer group and stores each
   batch in one transaction (``intake_store.entries_store``): the entries with
   ``INSERT ... ON CONFLICT DO NOTHING``, the person's answers, consents, flags, the draw
   commitment, partner webhooks; conversions and confirmation emails after the commit.
   Only then are the stream entries acknowledged: killed before that, they are stored
   again and the unique keys (``public_id``; promotion, person, slot) count each once.

Until it is stored (or set aside as a dead letter, which frees the slot), the entrant's
tab shows the accepted entry from its slot key
(``entry_pending``: its number, and that they have entered). The database still holds
every limit: an entry whose slot is already stored is not stored twice. Before a draw is
made the stream is drained (``intake_drain_before_draw``), so every accepted entry is in
it. When Redis does not answer, the entry is written to the database
directly, as without Redis: no entry is acknowledged that neither holds. Other kinds
(instant wins, coupon offers, contests answer with a result) and "N entries in total"
(slot numbers count stored entries) always take the database path.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils.translation import gettext as _

from promotions.campaigns.models import EntryFrequency, Promotion
from promotions.entrants.models import Person
from promotions.entries.eligibility import Answers, local_day
from promotions.entries.models import Entry, PromotionCountryRule
from tracking import redis_lean, stream
from tracking.conf import setting

logger = logging.getLogger(__name__)

WIRE_VERSION = "1"

# KEYS: the slot key, the stream. ARGV: the slot's value ("<public id> <time> <flagged>",
# what the tab shows until the entry is stored), slot seconds, the record, the version.
_ACCEPT = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('XADD', KEYS[2], '*', 'v', ARGV[4], 'd', ARGV[3])
  return 1
end
return 0
"""

# KEYS: the slot key. ARGV: the public id. Frees the slot only while it still names that
# entry (the slot's value starts with "<public id> ").
_RELEASE = """
local held = redis.call('GET', KEYS[1])
if held and string.sub(held, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. ' ' then
  return redis.call('DEL', KEYS[1])
end
return 0
"""

_down_until = 0.0


class IntakeUnavailable(Exception):
    """Redis did not answer: the caller stores the entry in the database instead."""


class SlotTaken(Exception):
    """The entrant's frequency slot was taken by an entry accepted a moment ago."""


def intake_takes(promotion: Promotion) -> bool:
    """True when an entry into ``promotion`` goes through the intake now."""
    return (
        bool(settings.ENTRY_INTAKE)
        and promotion.kind == Promotion.Kind.SWEEPSTAKES
        and promotion.entry_frequency in (EntryFrequency.ONCE, EntryFrequency.DAILY)
        and time.monotonic() >= _down_until
    )


def intake_slot(promotion: Promotion, at: datetime) -> str:
    """The frequency slot an entry into ``promotion`` at ``at`` takes (the intake's kinds:
    "1" once, the brand's day once a day), as ``Entry.slot`` names it."""
    if promotion.entry_frequency == EntryFrequency.DAILY:
        return local_day(promotion, at).isoformat()
    return "1"


def stream_name() -> str:
    return str(settings.ENTRY_INTAKE_STREAM)


def slot_key(*, promotion_id: int, person_id: int, slot: str) -> str:
    return f"{stream_name()}:slot:{promotion_id}:{person_id}:{slot}"


def entry_accept(
    *,
    entry: Entry,
    answers: Answers,
    local_rule: PromotionCountryRule | None,
    flag_reasons: list[tuple[str, str]],
) -> None:
    """Take ``entry``'s slot and queue it (not stored: its ``public_id`` is the number the
    consumer stores it under); ``SlotTaken`` if another entry holds the slot,
    ``IntakeUnavailable`` if Redis did not answer (nothing was taken)."""
    global _down_until
    promotion, person, slot, at = entry.promotion, entry.person, entry.slot, entry.created_at
    record = {
        "id": entry.public_id,
        "promotion": promotion.pk,
        "person": person.pk,
        "slot": slot,
        "country": entry.country,
        "source": entry.source,
        "click": str(entry.click_event_id) if entry.click_event_id else None,
        "viewer": entry.viewer_hash,
        "device": entry.device_hash,
        "language": entry.language,
        "at": at.isoformat(),
        "name": answers.name.strip()[:120],
        "birth_date": answers.birth_date.isoformat() if answers.birth_date else None,
        "consents": sorted({*answers.consents, *(["marketing"] if answers.marketing else [])}),
        "local_rule": local_rule.pk if local_rule is not None else None,
        "flags": flag_reasons,
    }
    key = slot_key(promotion_id=promotion.pk, person_id=person.pk, slot=slot)
    try:
        (taken,) = redis_lean.execute(
            settings.REDIS_URL,
            [
                [
                    "EVAL",
                    _ACCEPT,
                    2,
                    key,
                    stream_name(),
                    f"{entry.public_id} {at.isoformat()} {int(entry.flagged)}",
                    int(settings.ENTRY_INTAKE_SLOT_SECONDS),
                    json.dumps(record, separators=(",", ":")),
                    WIRE_VERSION,
                ]
            ],
        )
    except (redis_lean.RedisUnavailable, redis_lean.RedisReplyError) as exc:
        _down_until = time.monotonic() + float(setting("TRACKING_REDIS_RETRY_SECONDS"))
        logger.warning("entries: Redis unavailable, storing entries directly: %s", exc)
        raise IntakeUnavailable(str(exc)) from exc
    if not taken:
        raise SlotTaken(key)


_RECORD_TYPES: dict[str, type | tuple[type, ...]] = {
    "id": str,
    "promotion": int,
    "person": int,
    "slot": str,
    "country": str,
    "source": str,
    "viewer": str,
    "device": str,
    "language": str,
    "at": str,
    "consents": list,
    "flags": list,
}


def entry_pending(*, promotion: Promotion, person: Person, at: datetime) -> Entry | None:
    """The entry ``person`` was just told is in, not stored yet: what their tab shows (its
    number, and that they have entered) until the consumer stores it. None when there is
    none, or Redis does not answer (the tab then shows what is stored)."""
    if not intake_takes(promotion):
        return None
    slot = intake_slot(promotion, at)
    key = slot_key(promotion_id=promotion.pk, person_id=person.pk, slot=slot)
    try:
        (value,) = redis_lean.execute(settings.REDIS_URL, [["GET", key]])
    except (redis_lean.RedisUnavailable, redis_lean.RedisReplyError):
        return None
    parts = value.decode().split(" ") if isinstance(value, bytes) else []
    if len(parts) != 3:
        return None
    public_id, moment, flagged = parts
    return Entry(
        public_id=public_id,
        promotion=promotion,
        person=person,
        slot=slot,
        created_at=datetime.fromisoformat(moment),
        flagged=flagged == "1",
    )


def records_decode(fields: dict[bytes, bytes]) -> list[dict[str, Any]]:
    """One stream entry's record; ValueError for one that is not (a dead letter, so that
    one bad record never holds up the entries behind it)."""
    if fields.get(b"v") != WIRE_VERSION.encode():
        raise ValueError(f"unknown version {fields.get(b'v')!r}")
    record = json.loads(fields[b"d"])
    if not isinstance(record, dict):
        raise ValueError("not an entry record")
    wrong = [k for k, kind in _RECORD_TYPES.items() if not isinstance(record.get(k), kind)]
    if wrong:
        raise ValueError(f"not an entry record: {', '.join(wrong)}")
    datetime.fromisoformat(record["at"])  # ValueError if it is not a moment
    if record.get("birth_date") is not None:
        date.fromisoformat(record["birth_date"])
    if record.get("click") is not None:
        uuid.UUID(str(record["click"]))
    return [record]


def dead_letter(record: dict[str, Any], error: str) -> None:
    """Set aside an accepted entry the database refused (``<stream>:dead``), logged, and free
    its slot: the tab stops showing it as entered, and the entrant can enter again."""
    logger.error(
        "entries: accepted entry %s cannot be stored (%s): dead letter", record["id"], error
    )
    key = slot_key(
        promotion_id=record["promotion"], person_id=record["person"], slot=record["slot"]
    )
    pipe = stream.client().pipeline(transaction=False)
    pipe.xadd(
        f"{stream_name()}:dead", {"d": json.dumps(record, separators=(",", ":")), "error": error}
    )
    pipe.eval(_RELEASE, 1, key, record["id"])
    pipe.execute()


def intake_flow() -> stream.Flow:
    from promotions.entries.intake_store import entries_store

    return stream.Flow(
        name="entries",
        key=stream_name(),
        group=str(settings.ENTRY_INTAKE_GROUP),
        decode=records_decode,
        store=lambda records, _checkpoint: entries_store(records),
        count=int(settings.ENTRY_INTAKE_BATCH),
        target_items=int(settings.ENTRY_INTAKE_BATCH),
        linger_ms=int(settings.ENTRY_INTAKE_LINGER_MS),
    )


def intake_consume(**kwargs: Any) -> stream.ConsumeResult:
    """Store accepted entries (``tracking.stream.stream_consume``'s options)."""
    return stream.stream_consume(flow=intake_flow(), **kwargs)


class IntakeBacklog(Exception):
    """Entries accepted before the drain began are still not stored (a consumer holds
    them, or the database fails): a draw must wait."""


def intake_drain(*, timeout: float = 60.0) -> int:
    """Store every entry accepted before now (a draw calls it first); the number this call
    stored. Entries another consumer is storing are waited for, and those of a consumer
    that died are taken over once idle. ``IntakeBacklog`` (or Redis' error) when they are
    not all stored within ``timeout`` seconds, so that nothing is drawn without them."""
    if not settings.ENTRY_INTAKE:
        return 0
    r: Any = stream.client()
    seconds, micros = r.time()
    mark = int(seconds) * 1000 + int(micros) // 1000  # stream ids start with Redis' clock
    deadline = time.monotonic() + timeout
    stored = 0
    while True:
        stored += intake_consume(until_empty=True, deadline=deadline).stored
        first = r.xrange(stream_name(), count=1)
        if not first or int(first[0][0].split(b"-")[0]) > mark:
            return stored
        if time.monotonic() >= deadline:
            raise IntakeBacklog(f"accepted entries still waiting after {timeout:.0f} s")
        time.sleep(0.2)


def intake_drain_before_draw() -> None:
    """Before a draw is made: every entry accepted so far is stored, or ValidationError
    (nothing is drawn without them). Outside any transaction only: the drain acknowledges
    what it stores, so it must commit on its own; a caller inside one drained first."""
    if not settings.ENTRY_INTAKE or connection.in_atomic_block:
        return
    try:
        intake_drain()
    except Exception as exc:
        logger.warning("entries: accepted entries not all stored before a draw: %s", exc)
        raise ValidationError(
            _("Entries accepted a moment ago are still being stored: try again in a minute.")
        ) from exc


def intake_waiting() -> int:
    """Accepted entries not stored yet (0 without the intake)."""
    if not settings.ENTRY_INTAKE:
        return 0
    return stream.stream_lag(stream_name())[0]
