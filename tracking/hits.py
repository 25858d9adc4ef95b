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
class Hit:
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


def _to_wire(hit: Hit) -> list[object]:
    return [
        hit.event_id.hex,
        (hit.ts - _EPOCH) // _MICRO,
        hit.type,
        hit.promotion_id,
        hit.campaign_id,
        hit.brand_id,
        hit.pseudonym.hex() if hit.pseudonym else "",
        hit.country,
        hit.device,
        hit.source,
        hit.invalid_reason,
        hit.value,
        hit.currency,
    ]


def hits_encode(hits: Sequence[Hit]) -> bytes:
    """One stream entry's payload: a JSON list of positional lists (no keys to repeat)."""
    return json.dumps([_to_wire(h) for h in hits], separators=(",", ":")).encode()


def hits_decode(payload: bytes | str) -> list[Hit]:
    """The hits of an entry; raises ValueError (or a subclass) when it is not ours."""
    rows = json.loads(payload)
    if not isinstance(rows, list):
        raise ValueError("not a list of events")
    hits = []
    for r in rows:
        if not isinstance(r, list) or len(r) != 13:
            raise ValueError("not an event")
        hits.append(
            Hit(
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
            )
        )
    return hits
