"""The entries of stored comments: a ``Person`` and an ``Identity`` per commenter, and
``Entry`` rows as the promotion's weighting says, so draws, dashboards and rollups work as
for any other entry.

An entry's slot holds the weighting in the database: ``s1`` for one entry per person,
``c<hash of the comment id>`` for one per comment, and ``(promotion, person, slot)`` is
unique. In one-per-person mode a person's first eligible comment holds the entry, the
others are ``repeat``; when it is deleted or no longer counts, the next one takes over.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db import IntegrityError, transaction

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


def comment_slot(platform: str, comment_id: str) -> str:
    """The entry slot of one comment (one entry per comment): stable, 16 characters."""
    return "c" + hashlib.sha256(f"{platform}:{comment_id}".encode()).hexdigest()[:15]


def _persons_for(platform: str, author_ids: set[str], at: datetime) -> dict[str, int]:
    """``{author id: person id}``, making a Person and an Identity for each new author.

    Two writers making the same author at once: the Identity's unique (provider, subject)
    keeps one; the other Person stays without identity or entry."""
    provider = PROVIDERS[platform]
    found = dict(
        Identity.objects.filter(provider=provider, subject__in=author_ids).values_list(
            "subject", "person_id"
        )
    )
    missing = sorted(author_ids - set(found))
    if missing:
        people = Person.objects.bulk_create([Person() for _ in missing])
        identities = [
            Identity(person_id=p.pk, provider=provider, subject=a, verified_at=at)
            for a, p in zip(missing, people, strict=True)
        ]
        try:  # the usual case: nobody made these authors meanwhile
            with transaction.atomic():
                Identity.objects.bulk_create(identities)
            found.update((i.subject, i.person_id) for i in identities)
        except IntegrityError:
            Identity.objects.bulk_create(identities, ignore_conflicts=True)
            found.update(
                Identity.objects.filter(provider=provider, subject__in=missing).values_list(
                    "subject", "person_id"
                )
            )
    return found


@dataclass
class _Plan:
    """What the stored comments of one batch become."""

    rows: dict[str, SocialComment] = field(default_factory=dict)  # comment id → row
    wanted: dict[tuple[int, str], datetime] = field(default_factory=dict)  # entry key → time
    unwanted: dict[tuple[int, str], str] = field(default_factory=dict)  # entry key → reason


def _final_reason(row: SocialComment) -> str:
    return ExclusionReason.DELETED if row.deleted_at else row.rule_reason


def comment_entries_apply(
    *, source: SocialSource, rules: SocialRules, touched: list[SocialComment], at: datetime
) -> tuple[int, int]:
    """Set status, reason and entry on ``touched`` (and, one entry per person, on the
    person's other comments, saved here) and make or exclude the entries."""
    if not touched:
        return 0, 0
    promotion = rules.promotion
    authors = {r.author_id for r in touched if r.author_id}
    people = _persons_for(source.platform, authors, at) if authors else {}
    plan = _Plan()
    others: list[SocialComment] = []
    before: dict[int, tuple[str, str, int | None]] = {}
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
            plan.rows[row.comment_id] = row
    else:
        ids = {r.comment_id for r in touched}
        source_ids = getattr(promotion, "_social_source_ids", None)
        if source_ids is None:
            source_ids = list(
                SocialSource.objects.filter(promotion=promotion).values_list("pk", flat=True)
            )
            promotion._social_source_ids = source_ids  # type: ignore[attr-defined]

        others = [
            row
            for row in SocialComment.objects.filter(
                source_id__in=source_ids, platform=source.platform, author_id__in=authors
            ).only(
                "pk",
                "comment_id",
                "author_id",
                "created_time",
                "rule_reason",
                "deleted_at",
                "status",
                "reason",
                "entry_id",
                "platform",
            )
            if row.comment_id not in ids
        ]
        before = {row.pk: (row.status, row.reason, row.entry_id) for row in others}
        by_author: dict[str, list[SocialComment]] = defaultdict(list)
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
    if others:
        others = [r for r in others if before[r.pk] != (r.status, r.reason, r.entry_id)]
    if others:
        SocialComment.objects.bulk_update(others, ["status", "reason", "entry"])
    return created, excluded


def _entries_ensure(
    *, promotion: Promotion, source: SocialSource, plan: _Plan, at: datetime
) -> tuple[dict[tuple[int, str], Entry], int]:
    """The entries of the plan's keys, valid where wanted: made when missing (ON CONFLICT
    DO NOTHING on the frequency slot), revived when only this room had excluded them."""
    keys = set(plan.wanted) | set(plan.unwanted)
    if not keys:
        return {}, 0
    persons = {p for p, _ in keys}
    slots = {s for _, s in keys}

    def load() -> dict[tuple[int, str], Entry]:
        rows = Entry.objects.filter(
            promotion=promotion, person_id__in=persons, slot__in=slots
        ).only("pk", "public_id", "person_id", "slot", "status", "exclusion_reason", "created_at")
        return {(e.person_id, e.slot): e for e in rows if (e.person_id, e.slot) in keys}

    entries = load()
    missing = [k for k in plan.wanted if k not in entries]
    created = 0
    if missing:
        rows = [
            Entry(
                promotion=promotion,
                person_id=person,
                slot=slot,
                source=source.platform,
                created_at=plan.wanted[(person, slot)],
            )
            for person, slot in missing
        ]
        try:  # the usual case: nobody made them meanwhile, and the ids come back
            with transaction.atomic():
                new = Entry.objects.bulk_create(rows)
            entries.update({(e.person_id, e.slot): e for e in new})
        except IntegrityError:  # a webhook or another import made some: keep theirs
            Entry.objects.bulk_create(rows, ignore_conflicts=True)
            before = set(entries)
            entries = load()
            new = [entries[k] for k in missing if k in entries and k not in before]
        created = len(new)
        if new:
            _conversions_record(promotion=promotion, entries=new, source=source.platform)
            if at < promotion.ends_at and not getattr(promotion, "_draw_committed", False):
                draw_commitment_ensure(promotion=promotion, at=at)
                promotion._draw_committed = True  # type: ignore[attr-defined]  # once per import
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


def _entries_exclude(*, entries: dict[tuple[int, str], Entry], plan: _Plan, at: datetime) -> int:
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


def _conversions_record(*, promotion: Promotion, entries: list[Entry], source: str) -> None:
    """Count the new entries in tracking's reports once the transaction commits (stable
    event ids: a retry counts each once), in one batch."""
    campaign_id, brand_id = promotion.campaign_id, promotion.campaign.brand_id
    events = [
        TrackedEvent(
            event_id=conversion_event_id(kind="entry", object_id=e.pk),
            ts=e.created_at,
            type="entry",
            promotion_id=promotion.pk,
            campaign_id=campaign_id,
            brand_id=brand_id,
            source=source,
        )
        for e in entries
    ]

    def record() -> None:
        try:
            events_record(events=events)
        except NotStored as exc:
            logger.warning("social: %d entries not counted by tracking: %s", len(events), exc)

    transaction.on_commit(record)
