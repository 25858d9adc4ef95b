"""The entries consumer's batch: accepted entries stored in one transaction.

What ``entry_create`` does for one entry on the database path, done for a batch of the
intake's records (``promotions.entries.intake``) in a few statements whatever its size:

- the people read (one query): a record of a person since deleted or anonymised is
  dropped, as its entry would have been refused;
- the entries: one ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (``promotions.bulk``).
  A record whose public id or frequency slot is stored already (a batch stored again
  after a crash, an entry made meanwhile on the database path) is skipped;
- for the entries stored now: the entrants' answers (name, date of birth, country) onto
  their person, their consents (the texts' versions looked up once per promotion,
  language and country rule), the flags (those known at acceptance, then the lookups of
  ``promotions.entries.flags``, one statement for the batch), the draw commitment of each
  sweepstakes,
  ``entry.created`` for partner webhooks where a subscription wants it;
- after the commit: the conversions for tracking (one batch) and the confirmation emails.
"""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone

from promotions.bulk import rows_insert
from promotions.campaigns.models import Promotion
from promotions.claims.emails import entry_confirmations_queue
from promotions.draws.services import draw_commitment_ensure
from promotions.entrants.models import Consent, Person
from promotions.entrants.services import consent_text_rows
from promotions.entries import intake
from promotions.entries.eligibility import Answers
from promotions.entries.flags import Looked, flag_reasons_found_many
from promotions.entries.models import Entry, Flag, PromotionCountryRule
from promotions.entries.services import EntryOutcome, entry_event_publish
from tracking import classify
from tracking.models import WebhookEventType
from tracking.partner_webhooks import event_wanted
from tracking.services import NotStored, conversion_event_id, events_record
from tracking.tracked_event import TrackedEvent

logger = logging.getLogger(__name__)

_PERSON_UPDATE_SQL = (
    f"UPDATE {Person._meta.db_table} SET name = %s, birth_date = %s, country = %s, "  # noqa: S608 (our table name)
    "updated_at = %s WHERE id = %s"
)
_ENTRY_FIELDS = (
    "public_id",
    "promotion_id",
    "person_id",
    "slot",
    "country",
    "source",
    "language",
    "click_event_id",
    "viewer_hash",
    "device_hash",
    "created_at",
    "flagged",
)


def entries_store(records: list[dict[str, Any]]) -> int:
    """Store a batch of accepted entries; the number of entries new to the database.

    A batch refused for what it holds (a constraint or a value the database or a field
    refuses) is stored again one entry at a time, and the entry refused alone is set aside
    as a dead letter: one bad record never holds up the others. Any other failure (the
    database down) is raised, and the consumer tries the batch again."""
    try:
        return _batch_store(records)
    except (IntegrityError, DataError, ValidationError, ValueError, TypeError, KeyError) as exc:
        if len(records) == 1:
            intake.dead_letter(records[0], str(exc).strip()[:500])
            return 0
    return sum(entries_store([record]) for record in records)


def _batch_store(records: list[dict[str, Any]]) -> int:
    with transaction.atomic():
        people = {
            p.pk: p
            for p in Person.objects.filter(
                pk__in={r["person"] for r in records}, anonymised_at__isnull=True
            )
        }
        promotions = {
            p.pk: p
            for p in Promotion.objects.select_related("campaign__brand").filter(
                pk__in={r["promotion"] for r in records}
            )
        }
        usable = [r for r in records if r["person"] in people and r["promotion"] in promotions]
        if len(usable) < len(records):
            logger.warning(
                "entries: %d accepted entries dropped (person deleted or anonymised)",
                len(records) - len(usable),
            )
        moments = {r["id"]: datetime.fromisoformat(r["at"]) for r in usable}
        inserted = rows_insert(
            Entry,
            _ENTRY_FIELDS,
            [
                (
                    r["id"],
                    r["promotion"],
                    r["person"],
                    r["slot"],
                    r["country"],
                    r["source"],
                    r["language"],
                    r["click"],
                    r["viewer"],
                    r["device"],
                    moments[r["id"]],
                    bool(r["flags"]),
                )
                for r in usable
            ],
            any_conflict=True,
            returning=("id", "public_id"),
        )
        ids = {public_id: pk for pk, public_id in inserted}
        stored = [r for r in usable if r["id"] in ids]
        if len(stored) < len(usable):
            logger.info(
                "entries: %d accepted entries were stored already", len(usable) - len(stored)
            )
        if not stored:
            return 0
        entries = []
        for r in stored:
            entry = Entry(
                pk=ids[r["id"]],
                public_id=r["id"],
                promotion=promotions[r["promotion"]],
                person=people[r["person"]],
                slot=r["slot"],
                country=r["country"],
                source=r["source"],
                language=r["language"],
                viewer_hash=r["viewer"],
                device_hash=r["device"],
                created_at=moments[r["id"]],
                flagged=bool(r["flags"]),
            )
            entries.append((r, entry))
        _people_update(entries)
        _consents_store(entries)
        flagged = _flags_store(entries)
        first: dict[int, Entry] = {}
        for _record, entry in sorted(entries, key=lambda pair: pair[1].created_at):
            first.setdefault(entry.promotion_id, entry)
        for entry in first.values():  # at the promotion's first entry of the batch
            draw_commitment_ensure(promotion=entry.promotion, at=entry.created_at)
        _events_publish(entries, flagged)
        transaction.on_commit(lambda: _after_commit(entries))
    return len(entries)


def _answers(record: dict[str, Any]) -> Answers:
    birth = record.get("birth_date")
    return Answers(
        name=record.get("name") or "",
        birth_date=date.fromisoformat(birth) if birth else None,
        country=record.get("country") or "",
    )


def _people_update(entries: list[tuple[dict[str, Any], Entry]]) -> None:
    """What each entrant answered onto their person, as an entry made directly does (only
    the answers given, only people whose answers changed): one batch of UPDATEs."""
    now = timezone.now()
    changed: dict[int, Person] = {}
    for record, entry in entries:
        person, answers = entry.person, _answers(record)
        for attr, value in (
            ("name", answers.name),
            ("birth_date", answers.birth_date),
            ("country", answers.country.upper()),
        ):
            if value and getattr(person, attr) != value:
                setattr(person, attr, value)
                changed[person.pk] = person
    if not changed:
        return
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.executemany(
            _PERSON_UPDATE_SQL,
            [
                (
                    p.name,
                    ops.adapt_datefield_value(p.birth_date),
                    p.country,
                    ops.adapt_datetimefield_value(now),
                    p.pk,
                )
                for p in changed.values()
            ],
        )
    for person in changed.values():
        person.updated_at = now


def _consents_store(entries: list[tuple[dict[str, Any], Entry]]) -> None:
    """Each entrant's consents, to the words of their language and country rule."""
    rules = {
        rule.pk: rule
        for rule in PromotionCountryRule.objects.filter(
            pk__in={r["local_rule"] for r, _e in entries if r.get("local_rule")}
        )
    }
    texts: dict[tuple[Any, ...], list[Any]] = {}
    consents = []
    for record, entry in entries:
        kinds = tuple(record.get("consents") or ())
        rule = rules.get(record.get("local_rule") or 0)
        key = (entry.promotion_id, entry.language, rule.pk if rule else None, kinds)
        if key not in texts:
            texts[key] = consent_text_rows(
                promotion=entry.promotion, kinds=kinds, language=entry.language, local_rule=rule
            )
        consents += [
            Consent(
                person_id=entry.person_id,
                promotion_id=entry.promotion_id,
                text=text,
                given_at=entry.created_at,
            )
            for text in texts[key]
        ]
    Consent.objects.bulk_create(consents, ignore_conflicts=True)


def _flags_store(entries: list[tuple[dict[str, Any], Entry]]) -> dict[int, list[Flag]]:
    """The flags of each entry: those known when it was accepted, then the lookups (one
    statement for the batch on PostgreSQL)."""
    looked = []
    for record, entry in entries:
        answers = _answers(record)
        looked.append(Looked.of(entry, name=answers.name, birth_date=answers.birth_date))
    lookups = flag_reasons_found_many(looked)
    found: dict[int, list[Flag]] = {}
    for record, entry in entries:
        reasons = [tuple(reason) for reason in record.get("flags") or ()]
        reasons += lookups.get(entry.pk, [])
        found[entry.pk] = [
            Flag(entry=entry, kind=kind, reason=reason, created_at=entry.created_at)
            for kind, reason in reasons
        ]
    flags = [flag for batch in found.values() for flag in batch]
    if flags:
        Flag.objects.bulk_create(flags)
        late = [pk for pk, batch in found.items() if batch]
        Entry.objects.filter(pk__in=late, flagged=False).update(flagged=True)
        for _record, entry in entries:
            entry.flagged = entry.flagged or bool(found[entry.pk])
    return found


def _events_publish(
    entries: list[tuple[dict[str, Any], Entry]], flags: dict[int, list[Flag]]
) -> None:
    """``entry.created`` per entry of a brand a subscription wants it for (one query per
    brand of the batch when none does)."""
    wanted: dict[int, bool] = {}
    for _record, entry in entries:
        brand_id = entry.promotion.campaign.brand_id
        if brand_id not in wanted:
            wanted[brand_id] = event_wanted(
                brand_id=brand_id, event_type=WebhookEventType.ENTRY_CREATED
            )
        if wanted[brand_id]:
            entry_event_publish(EntryOutcome(entry=entry, flags=flags.get(entry.pk, [])))


def _after_commit(entries: list[tuple[dict[str, Any], Entry]]) -> None:
    events = [
        TrackedEvent(
            event_id=conversion_event_id(kind="entry", object_id=entry.pk),
            ts=entry.created_at,
            type="entry",
            promotion_id=entry.promotion_id,
            campaign_id=entry.promotion.campaign_id,
            brand_id=entry.promotion.campaign.brand_id,
            country=entry.country,
            language=classify.language(entry.language),
        )
        for _record, entry in entries
    ]
    try:
        events_record(events=events)
    except NotStored as exc:
        logger.warning("entries: %d entries not counted by tracking: %s", len(events), exc)
    entry_confirmations_queue(entry_ids=[e.pk for _record, e in entries if e.person.email])
