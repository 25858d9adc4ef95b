"""Why an entry looks wrong: the reasons that hold it back for review (``Flag``).

Some come from the request alone (no query): the hidden form field filled in, a robot's
user agent, a disposable email domain. The others from the stored entries, in one query
of indexed lookups: ``recent`` (the browser's entries in the velocity window, up to this
one), ``same_device`` and ``twin`` (another entrant's entry in this promotion from the
same device, or with the same name and birth date). An entry made directly asks for its
own (``flag_reasons_found``); the entries consumer asks for a whole batch in one
statement on PostgreSQL (``flag_reasons_found_many``: the same lookups, one row per
entry). Each reason is (kind, words for the reviewer).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection

from config.postgresql import PLANNED_EACH_TIME
from promotions.entrants.models import Person
from promotions.entries.models import Entry, Flag
from promotions.entries.senders import Sender

Reason = tuple[str, str]


@functools.cache
def _disposable_blocklist() -> frozenset[str]:
    """The package's list, read once per process (copying it cost 3 ms an entry)."""
    from disposable_email_domains import blocklist

    return frozenset(blocklist)


def email_is_disposable(email: str) -> bool:
    domain = email.rpartition("@")[2].strip().lower()
    return bool(domain) and (
        domain in _disposable_blocklist() or domain in settings.PROMOTIONS_EXTRA_DISPOSABLE_DOMAINS
    )


def flag_reasons_at_once(*, sender: Sender | None, honeypot: str, email: str) -> list[Reason]:
    """The reasons an entry's request gives by itself (no query)."""
    reasons: list[Reason] = []
    if honeypot:
        reasons.append(
            (Flag.Kind.BOT, "The hidden form field was filled in (people never see it).")
        )
    if sender is not None and sender.looks_like_bot:
        ua = sender.user_agent[:120] or "(none)"
        reasons.append((Flag.Kind.BOT, f"The browser says it is a robot: user agent {ua!r}."))
    if email and email_is_disposable(email):
        domain = email.rpartition("@")[2].lower()
        reasons.append((Flag.Kind.DISPOSABLE_EMAIL, f"{domain} is a disposable email domain."))
    return reasons


@dataclass(frozen=True)
class Looked:
    """What the lookups need of one stored entry."""

    id: int
    promotion_id: int
    person_id: int
    viewer_hash: str
    device_hash: str
    created_at: datetime
    name: str
    birth_date: date | None

    @classmethod
    def of(cls, entry: Entry, *, name: str, birth_date: date | None) -> Looked:
        return cls(
            id=entry.pk,
            promotion_id=entry.promotion_id,
            person_id=entry.person_id,
            viewer_hash=entry.viewer_hash,
            device_hash=entry.device_hash,
            created_at=entry.created_at,
            name=name.strip(),
            birth_date=birth_date,
        )


# Each lookup once, over the values of ``k``: placeholders (one entry) or the columns of
# an unnest (a batch). Up to the entry's own time: a batch is stored at once. device_hash
# <> '': the partial index entry_promotion_device; UPPER(name) and birth_date: the index
# person_birth_name.
_E, _P = Entry._meta.db_table, Person._meta.db_table
_LOOKUPS: dict[str, tuple[str, tuple[str, ...]]] = {
    "recent": (
        f"(SELECT COUNT(*) FROM {_E} WHERE viewer_hash = {{viewer}} AND created_at > {{since}}"  # noqa: S608 (our table names)
        " AND created_at <= {at} AND id <> {id})",
        ("viewer", "since", "at", "id"),
    ),
    "same_device": (
        f"(SELECT public_id FROM {_E} WHERE promotion_id = {{promotion}}"  # noqa: S608 (our table names)
        " AND device_hash = {device} AND device_hash <> '' AND person_id <> {person} LIMIT 1)",
        ("promotion", "device", "person"),
    ),
    "twin": (
        f"(SELECT e.public_id FROM {_E} e JOIN {_P} p ON p.id = e.person_id"  # noqa: S608 (our table names)
        " WHERE e.promotion_id = {promotion} AND p.birth_date = {birth}"
        " AND p.birth_date IS NOT NULL AND UPPER(p.name) = UPPER({name})"
        " AND e.person_id <> {person} LIMIT 1)",
        ("promotion", "birth", "name", "person"),
    ),
}
_COLUMNS = {
    "id": "bigint",
    "promotion": "bigint",
    "person": "bigint",
    "viewer": "text",
    "device": "text",
    "since": "timestamptz",
    "at": "timestamptz",
    "name": "text",
    "birth": "date",
}


def _values(looked: Looked, since: datetime) -> dict[str, Any]:
    return {
        "id": looked.id,
        "promotion": looked.promotion_id,
        "person": looked.person_id,
        "viewer": looked.viewer_hash,
        "device": looked.device_hash,
        "since": since,
        "at": looked.created_at,
        "name": looked.name,
        "birth": looked.birth_date,
    }


def _applies(name: str, values: dict[str, Any]) -> bool:
    if name == "recent":
        return bool(values["viewer"])
    if name == "same_device":
        return bool(values["device"])
    return bool(values["birth"] and values["name"])


def _reasons(found: dict[str, Any]) -> list[Reason]:
    reasons: list[Reason] = []
    window = settings.PROMOTIONS_VELOCITY_WINDOW_SECONDS
    recent = found.get("recent")
    if recent is not None and recent + 1 > settings.PROMOTIONS_VELOCITY_LIMIT:
        reasons.append(
            (
                Flag.Kind.VELOCITY,
                f"{recent + 1} entries from the same browser within {window // 60} minutes.",
            )
        )
    if found.get("same_device"):
        reasons.append(
            (
                Flag.Kind.DUPLICATE_PERSON,
                f"Same browser as entry {found['same_device']} by another entrant.",
            )
        )
    if found.get("twin"):
        reasons.append(
            (
                Flag.Kind.DUPLICATE_PERSON,
                f"Same name and date of birth as entry {found['twin']} (another email).",
            )
        )
    return reasons


def _since(at: datetime) -> datetime:
    return at - timedelta(seconds=settings.PROMOTIONS_VELOCITY_WINDOW_SECONDS)


def flag_reasons_found(*, looked: Looked) -> list[Reason]:
    """The reasons the stored entries give this stored entry: one query (none when no
    lookup applies)."""
    values = _values(looked, _since(looked.created_at))
    parts, params = [], []
    for name, (template, slots) in _LOOKUPS.items():
        if _applies(name, values):
            parts.append(f"{template.format(**dict.fromkeys(slots, '%s'))} AS {name}")
            params += [values[slot] for slot in slots]
    if not parts:
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
        names = [column[0] for column in cursor.description]
    return _reasons(dict(zip(names, row, strict=True)))


def flag_reasons_found_many(looked: Sequence[Looked]) -> dict[int, list[Reason]]:
    """``flag_reasons_found`` for each of many stored entries, by entry id: one statement
    on PostgreSQL (each lookup runs only for the rows it applies to); one per entry
    elsewhere."""
    if connection.vendor != "postgresql":
        return {item.id: flag_reasons_found(looked=item) for item in looked}
    if not looked:
        return {}
    rows = [_values(item, _since(item.created_at)) for item in looked]
    k = {slot: f"k.{slot}" for slot in _COLUMNS}
    selected = ", ".join(
        f"CASE WHEN {condition} THEN {template.format(**k)} END AS {name}"
        for name, (template, _slots), condition in (
            (name, _LOOKUPS[name], condition)
            for name, condition in (
                ("recent", "k.viewer <> ''"),
                ("same_device", "k.device <> ''"),
                ("twin", "k.birth IS NOT NULL AND k.name <> ''"),
            )
        )
    )
    arrays = ", ".join(f"%s::{kind}[]" for kind in _COLUMNS.values())
    names = ", ".join(_COLUMNS)
    sql = f"{PLANNED_EACH_TIME}SELECT k.id, {selected} FROM unnest({arrays}) AS k({names})"  # noqa: S608 (our SQL)
    with connection.cursor() as cursor:
        cursor.execute(sql, [[row[slot] for row in rows] for slot in _COLUMNS])
        found = cursor.fetchall()
    return {
        pk: _reasons({"recent": recent, "same_device": device, "twin": twin})
        for pk, recent, device, twin in found
    }
