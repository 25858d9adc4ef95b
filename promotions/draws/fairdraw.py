"""The fair-draw algorithm, ``promohub-draw-v1``: pure Python, no Django, no database.

Anyone can run it on the published data of a draw (docs/draws.md explains each step):

1. ``commitment == sha256_hex(bytes.fromhex(seed))``: the seed revealed at the draw is
   the one committed to (its SHA-256 was on the promotion page before entries closed).
2. ``list_hash == sha256_hex(entry_list.encode("utf-8"))``: the frozen list is the one
   whose hash was published. One line per eligible entry, ``<entry id> <person tag>\\n``,
   sorted by entry id; the person tag groups the entries of one person without saying who.
3. ``pick(seed, list_hash, lines, k)``: for counter = 0, 1, 2, ...:
   ``r = int(HMAC-SHA256(key=seed, msg=bytes.fromhex(list_hash) || counter as 8 bytes
   big-endian))``; values at or above the largest multiple of n below 2**256 are thrown
   away (rejection sampling: every index is exactly as likely); ``index = r mod n``.
   An index is skipped when its person was already picked (one prize per person). The
   first ``winners`` picks win, the next ``alternates`` are alternates, in order.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

ALGORITHM = "promohub-draw-v1"
_SPACE = 1 << 256
_SPACE_CHAR = re.compile(r"\s")  # what str.isspace() calls a space, in C


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_entry_list(rows: list[tuple[str, str]]) -> str:
    """``[(entry id, person tag), ...]`` → the frozen list text (sorted, one line each)."""
    for entry_id, tag in rows:
        if not entry_id or not tag or _SPACE_CHAR.search(entry_id) or _SPACE_CHAR.search(tag):
            raise ValueError("Entry ids and person tags are non-empty words.")
    return "".join(f"{entry_id} {tag}\n" for entry_id, tag in sorted(rows))


def parse_entry_list(text: str) -> list[tuple[str, str]]:
    rows = []
    for line in text.splitlines():
        entry_id, _, tag = line.partition(" ")
        rows.append((entry_id, tag))
    return rows


def _random_indices(seed: bytes, list_hash: bytes, n: int) -> Iterator[int]:
    limit = _SPACE - (_SPACE % n)
    counter = 0
    while True:
        digest = hmac.new(seed, list_hash + counter.to_bytes(8, "big"), hashlib.sha256).digest()
        counter += 1
        value = int.from_bytes(digest, "big")
        if value < limit:
            yield value % n


@dataclass(frozen=True)
class Result:
    winners: list[str]
    alternates: list[str]


def pick(
    *, seed_hex: str, list_hash: str, entry_list: str, winners: int, alternates: int
) -> Result:
    """Winners and alternates (entry ids, in order) for this seed and frozen list."""
    rows = parse_entry_list(entry_list)
    people = len({tag for _, tag in rows})
    wanted = min(winners + alternates, people)
    chosen: list[str] = []
    seen_people: set[str] = set()
    if wanted:
        for index in _random_indices(bytes.fromhex(seed_hex), bytes.fromhex(list_hash), len(rows)):
            entry_id, tag = rows[index]
            if tag in seen_people:
                continue
            seen_people.add(tag)
            chosen.append(entry_id)
            if len(chosen) == wanted:
                break
    return Result(winners=chosen[:winners], alternates=chosen[winners:])


@dataclass(frozen=True)
class Verification:
    ok: bool
    problems: list[str]


def verify(published: dict[str, Any]) -> Verification:
    """Check a draw's published JSON (the certificate's export) from its own data alone."""
    problems: list[str] = []
    try:
        winners_count = int(published.get("winners_count", len(published["winners"])))
        alternates_count = int(published.get("alternates_count", len(published["alternates"])))
        seed = str(published["seed"])
        commitment = str(published["seed_commitment"])
        entry_list = str(published["entry_list"])
        list_hash = str(published["entry_list_hash"])
        winners = list(published["winners"])
        alternates = list(published["alternates"])
        algorithm = str(published["algorithm"])
        bytes.fromhex(seed)
        bytes.fromhex(list_hash)
    except (KeyError, TypeError, ValueError) as exc:
        return Verification(False, [f"The published data is incomplete or malformed: {exc}"])
    if algorithm != ALGORITHM:
        return Verification(False, [f"Unknown algorithm {algorithm!r} (this tool: {ALGORITHM})."])
    if sha256_hex(bytes.fromhex(seed)) != commitment:
        problems.append("SHA-256 of the revealed seed is not the published commitment.")
    if sha256_hex(entry_list.encode("utf-8")) != list_hash:
        problems.append("SHA-256 of the entry list is not the published list hash.")
    try:
        canonical = canonical_entry_list(parse_entry_list(entry_list))
    except ValueError:
        canonical = ""
    if entry_list != canonical:
        problems.append("The entry list is not in canonical form (sorted, one entry a line).")
        return Verification(False, problems)
    derived = pick(
        seed_hex=seed,
        list_hash=list_hash,
        entry_list=entry_list,
        winners=winners_count,
        alternates=alternates_count,
    )
    if derived.winners != winners:
        problems.append(f"Re-derived winners {derived.winners} differ from published {winners}.")
    if derived.alternates != alternates:
        problems.append(
            f"Re-derived alternates {derived.alternates} differ from published {alternates}."
        )
    return Verification(not problems, problems)
