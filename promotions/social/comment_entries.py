"""The entries of stored comments: a ``Person`` and an ``Identity`` per commenter, and
``Entry`` rows as the promotion's weighting says, so draws, dashboards and rollups work as
for any other entry.

An entry's slot holds the weighting in the database: ``s1`` for one entry per person,
``c<hash of the comment id>`` for one per comment, and ``(promotion, person, slot)`` is
unique. In one-per-person mode a person's first eligible comment holds the entry, the
others are ``repeat``; when it is deleted or no longer counts, the next one takes over.

A page of the import is a few statements whatever its size: one lookup per table, one
``INSERT ... ON CONFLICT DO NOTHING RETURNING`` each for new people, identities and entries
(``promotions.bulk``), and the comments are handled as plain rows (``Stored``), not
model instances.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from django.db import transaction

from promotions.bulk import rows_get, rows_insert
from promotions.campaigns.models import Promotion
from promotions.draws.services import draw_commitment_ensure
from promotions.entrants.models import Identity, Person
from promotions.entries.models import Entry
from promotions.social.models import (
    ExclusionReason,
    Platform,
    SocialComment,
    SocialRules,
    SocialSource,
)
from tracking.services import NotStored, conversion_event_id, events_record
from tracking.tracked_event import TrackedEvent

logger = logging.getLogger(__name__)

PER_PERSON_SLOT = "s1"
EXCLUDED_PREFIX = "social: "  # exclusions made here (and undone here) start with it
PROVIDERS: dict[str, str] = {
    Platform.FACEBOOK: Identity.Provider.FACEBOOK_PAGE,
    Platform.INSTAGRAM: Identity.Provider.INSTAGRAM,
}

EntryKey = tuple[int, str]  # (person id, slot)


def comment_slot(platform: str, comment_id: str) -> str:
    """The entry slot of one comment (one entry per comment): stable, 16 characters."""
    return "c" + hashlib.sha256(f"{platform}:{comment_id}".encode()).hexdigest()[:15]


@dataclass(slots=True, eq=False)
class Stored:
    """A stored comment (or one about to be) as its entry sees it: a ``SocialComment`` row's
    columns, without the model instance. ``status``, ``reason`` and ``entry_id`` are what
    ``comment_entries_apply`` sets."""

    comment_id: str
    platform: str
    author_id: str
    created_time: datetime
    rule_reason: str
    deleted_at: datetime | None = None
    status: str = ""
    reason: str = ""
    entry_id: int | None = None
    pk: int | None = None

    @classmethod
    def of(cls, row: SocialComment) -> Stored:
        return cls(
            comment_id=row.comment_id,
            platform=row.platform,
            author_id=row.author_id,
            created_time=row.created_time,
            rule_reason=row.rule_reason,
            deleted_at=row.deleted_at,
            status=row.status,
            reason=row.reason,
            entry_id=row.entry_id,
            pk=row.pk,
        )


STORED_COLUMNS = (
    "comment_id",
    "platform",
    "author_id",
    "created_time",
    "rule_reason",
    "deleted_at",
    "status",
    "reason",
    "entry_id",
    "pk",
)


def stored_save(rows: Sequence[Stored], fields: Sequence[str]) -> None:
    """Write ``fields`` (attribute names) of stored rows back, in one UPDATE per batch."""
    if rows:
        SocialComment.objects.bulk_update(
            [SocialComment(pk=r.pk, **{f: getattr(r, f) for f in fields}) for r in rows],
            list(fields),
        )


def _persons_for(platform: str, author_ids: set[str], at: datetime) -> dict[str, int]:
    """``{author id: person id}``, making a Person and an Identity for each new author.

    Two writers making the same author at once: the Identity's unique (provider, subject)
    keeps one; the other Person stays without identity or entry."""
    provider = PROVIDERS[platform]

    def read(subjects: Iterable[str]) -> dict[str, int]:
        keys = [(s,) for s in subjects]
        columns = ("subject", "person_id")
        return dict(rows_get(Identity, ("subject",), keys, columns, where={"provider": provider}))

    found = read(author_ids)
    missing = sorted(author_ids - set(found))
    if missing:
        # New, empty people: RETURNING's order gives one to each author (any pairing would do).
        people = rows_insert(Person, (), [() for _ in missing], returning=("id",))
        found.update(
            rows_insert(
                Identity,
                ("person_id", "subject"),
                [(p, a) for (p,), a in zip(people, missing, strict=True)],
                same={"provider": provider, "verified_at": at},
                conflict=("provider", "subject"),
                returning=("subject", "person_id"),
            )
        )
        lost = [a for a in missing if a not in found]  # made meanwhile by another writer
        found.update(read(lost))
    return found


@dataclass
class _Plan:
    """What the stored comments of one batch become."""

    wanted: dict[EntryKey, datetime] = field(default_factory=dict)  # entry key → time
    unwanted: dict[EntryKey, str] = field(default_factory=dict)  # entry key → reason


class _EntryRow(NamedTuple):
    pk: int
    status: str
    exclusion_reason: str


def _final_reason(row: Stored) -> str:
    return ExclusionReason.DELETED if row.deleted_at else row.rule_reason


def comment_entries_apply(
    *, source: SocialSource, rules: SocialRules, touched: Sequence[Stored], at: datetime
) -> tuple[int, int]:
    """Set status, reason and entry on ``touched`` (and, one entry per person, on the
    person's other comments, saved here) and make or exclude the entries."""
    if not touched:
        return 0, 0
    promotion = rules.promotion
    authors = {r.author_id for r in touched if r.author_id}
    people = _persons_for(source.platform, authors, at) if authors else {}
    plan = _Plan()
    others: list[Stored] = []
    before: dict[int | None, tuple[str, str, int | None]] = {}
    if rules.weighting == SocialRules.Weighting.PER_COMMENT:
        for row in touched:
            reason = _final_reason(row)
            person = people.get(row.author_id)
            row.status = SocialComment.Status.EXCLUDED if reason else SocialComment.Status.ENTERED
            row.reason = reason
            if person is None:
                continue
            key = (person, comment_slot(row.platform, row.comment_id))
            if reason:
                plan.unwanted[key] = reason
            else:
                plan.wanted[key] = row.created_time
    else:
        others = _others_get(promotion, source.platform, authors, {r.comment_id for r in touched})
        before = {row.pk: (row.status, row.reason, row.entry_id) for row in others}
        by_author: dict[str, list[Stored]] = defaultdict(list)
        for row in [*touched, *others]:
            by_author[row.author_id].append(row)
        for author, rows in by_author.items():
            person = people.get(author)
            rows.sort(key=lambda r: (r.created_time, r.comment_id))
            first = next((r for r in rows if not _final_reason(r)), None)
            for row in rows:
                reason = _final_reason(row) or ("" if row is first else ExclusionReason.REPEAT)
                row.status = (
                    SocialComment.Status.EXCLUDED if reason else SocialComment.Status.ENTERED
                )
                row.reason = reason
            if person is None:
                continue
            key = (person, PER_PERSON_SLOT)
            if first is not None:
                plan.wanted[key] = first.created_time
            else:
                plan.unwanted[key] = _final_reason(rows[0]) or ExclusionReason.DELETED
    entries, created = _entries_ensure(promotion=promotion, source=source, plan=plan, at=at)
    excluded = _entries_exclude(entries=entries, plan=plan, at=at)
    for row in [*touched, *others]:
        person = people.get(row.author_id)
        if person is None:
            row.entry_id = None
            continue
        slot = (
            PER_PERSON_SLOT
            if rules.weighting == SocialRules.Weighting.PER_PERSON
            else comment_slot(row.platform, row.comment_id)
        )
        entry = entries.get((person, slot))
        row.entry_id = entry.pk if entry is not None else None
    stored_save(
        [r for r in others if before[r.pk] != (r.status, r.reason, r.entry_id)],
        ("status", "reason", "entry_id"),
    )
    return created, excluded


def _others_get(
    promotion: Promotion, platform: str, authors: set[str], skip: set[str]
) -> list[Stored]:
    """The authors' other stored comments on the promotion's sources (one entry per
    person: they decide which comment holds it)."""
    if not authors:
        return []
    source_ids = getattr(promotion, "_social_source_ids", None)
    if source_ids is None:
        source_ids = list(
            SocialSource.objects.filter(promotion=promotion).values_list("pk", flat=True)
        )
        promotion._social_source_ids = source_ids  # type: ignore[attr-defined]
    rows = rows_get(
        SocialComment,
        ("author_id",),
        [(a,) for a in authors],
        STORED_COLUMNS,
        where={"source_id": source_ids, "platform": platform},
    )
    return [Stored(*row) for row in rows if row[0] not in skip]


def _entries_ensure(
    *, promotion: Promotion, source: SocialSource, plan: _Plan, at: datetime
) -> tuple[dict[EntryKey, _EntryRow], int]:
    """The entries of the plan's keys, valid where wanted: made when missing (ON CONFLICT
    DO NOTHING on the frequency slot: one made meanwhile by a webhook or another import
    is kept), revived when only this room had excluded them."""
    entries: dict[EntryKey, _EntryRow] = {}
    if plan.wanted:
        made = rows_insert(
            Entry,
            ("person_id", "slot", "created_at"),
            [(p, s, t) for (p, s), t in plan.wanted.items()],
            same={"promotion_id": promotion.pk, "source": source.platform},
            conflict=("promotion_id", "person_id", "slot"),
            returning=("id", "person_id", "slot"),
        )
        entries = {(p, s): _EntryRow(pk, Entry.Status.VALID, "") for pk, p, s in made}
        if made:
            _conversions_record(promotion=promotion, entries=entries, plan=plan, source=source)
            if at < promotion.ends_at and not getattr(promotion, "_draw_committed", False):
                draw_commitment_ensure(promotion=promotion, at=at)
                promotion._draw_committed = True  # type: ignore[attr-defined]  # once per import
    created = len(entries)
    rest = [k for k in (*plan.wanted, *plan.unwanted) if k not in entries]
    entries.update(_entries_get(promotion, rest))
    revive = [
        e.pk
        for k, e in entries.items()
        if k in plan.wanted
        and e.status == Entry.Status.EXCLUDED
        and e.exclusion_reason.startswith(EXCLUDED_PREFIX)
    ]
    if revive:
        Entry.objects.filter(pk__in=revive).update(
            status=Entry.Status.VALID, exclusion_reason="", excluded_at=None
        )
    return entries, created


def _entries_get(promotion: Promotion, keys: Iterable[EntryKey]) -> dict[EntryKey, _EntryRow]:
    rows = rows_get(
        Entry,
        ("person_id", "slot"),
        keys,
        ("person_id", "slot", "pk", "status", "exclusion_reason"),
        where={"promotion_id": promotion.pk},
    )
    return {(p, s): _EntryRow(pk, st, why) for p, s, pk, st, why in rows}


def _entries_exclude(*, entries: dict[EntryKey, _EntryRow], plan: _Plan, at: datetime) -> int:
    by_reason: dict[str, list[int]] = defaultdict(list)
    for key, reason in plan.unwanted.items():
        entry = entries.get(key)
        if entry is not None and entry.status == Entry.Status.VALID:
            by_reason[reason].append(entry.pk)
    done = 0
    for reason, pks in by_reason.items():
        label = str(ExclusionReason(reason).label) if reason in ExclusionReason.values else reason
        done += Entry.objects.filter(pk__in=pks, status=Entry.Status.VALID).update(
            status=Entry.Status.EXCLUDED,
            exclusion_reason=f"{EXCLUDED_PREFIX}{label}",
            excluded_at=at,
        )
    return done


def _conversions_record(
    *,
    promotion: Promotion,
    entries: dict[EntryKey, _EntryRow],
    plan: _Plan,
    source: SocialSource,
) -> None:
    """Count the new entries in tracking's reports once the transaction commits (stable
    event ids: a retry counts each once), in one batch."""
    campaign_id, brand_id = promotion.campaign_id, promotion.campaign.brand_id
    events = [
        TrackedEvent(
            event_id=conversion_event_id(kind="entry", object_id=e.pk),
            ts=plan.wanted[key],
            type="entry",
            promotion_id=promotion.pk,
            campaign_id=campaign_id,
            brand_id=brand_id,
            source=source.platform,
        )
        for key, e in entries.items()
    ]

    def record() -> None:
        try:
            events_record(events=events)
        except NotStored as exc:
            logger.warning("social: %d entries not counted by tracking: %s", len(events), exc)

    transaction.on_commit(record)
