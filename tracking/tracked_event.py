"""A captured event on its way to the database, and its compact form in the Redis stream."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

WIRE_VERSION = "1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICRO = timedelta(microseconds=1)


@dataclass(slots=True)
class TrackedEvent:
    """One event, classified; ``pseudonym`` names the viewer in flight (never stored)."""

    event_id: uuid.UUID
    ts: datetime
    type: str
    promotion_id: int
    campaign_id: int
    brand_id: int
    pseudonym: bytes | None = None
    country: str = ""
    device: str = ""
    source: str = ""
    invalid_reason: str = ""
    value: int | None = None
    currency: str = ""
    language: str = ""


def _to_wire(event: TrackedEvent) -> list[object]:
    return [
        event.event_id.hex,
        (event.ts - _EPOCH) // _MICRO,
        event.type,
        event.promotion_id,
        event.campaign_id,
        event.brand_id,
        event.pseudonym.hex() if event.pseudonym else "",
        event.country,
        event.device,
        event.source,
        event.invalid_reason,
        event.value,
        event.currency,
        event.language,
    ]


def events_encode(events: Sequence[TrackedEvent]) -> bytes:
    """One stream entry's payload: a JSON list of positional lists (no keys to repeat)."""
    return json.dumps([_to_wire(e) for e in events], separators=(",", ":")).encode()


def events_decode(payload: bytes | str) -> list[TrackedEvent]:
    """The events of an entry; raises ValueError (or a subclass) when it is not ours.

    An event is 14 values; 13 (no language) is an entry written before languages were
    kept, still read while such entries wait in the stream."""
    rows = json.loads(payload)
    if not isinstance(rows, list):
        raise ValueError("not a list of events")
    events = []
    for r in rows:
        if not isinstance(r, list) or len(r) not in (13, 14):
            raise ValueError("not an event")
        events.append(
            TrackedEvent(
                event_id=uuid.UUID(hex=r[0]),
                ts=_EPOCH + int(r[1]) * _MICRO,
                type=str(r[2]),
                promotion_id=int(r[3]),
                campaign_id=int(r[4]),
                brand_id=int(r[5]),
                pseudonym=bytes.fromhex(r[6]) if r[6] else None,
                country=str(r[7]),
                device=str(r[8]),
                source=str(r[9]),
                invalid_reason=str(r[10]),
                value=None if r[11] is None else int(r[11]),
                currency=str(r[12]),
                language=str(r[13]) if len(r) == 14 else "",
            )
        )
    return events
