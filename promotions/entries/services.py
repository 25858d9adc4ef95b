"""Entering a promotion: every rule, then the entry written here, or, for a sweepstakes
with Redis, accepted into the intake and written by the entries consumer
(``promotions.entries.intake``); staff flagging and excluding entries (the reasons an
entry is flagged by itself are in ``promotions.entries.flags``).

Every "at most N" is held by the database, not by a read before a write: entry
frequency by ``(promotion, person, slot)`` unique (``Entry.slot``); prizes, codes and votes
in their rooms (``promotions.prizes``, ``promotions.codes``, ``promotions.contests``). On
SQLite the IMMEDIATE transactions of the settings serialise writers instead.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.campaigns.countries import COUNTRY_NAMES
from promotions.campaigns.models import EntryFrequency, EntryMethod, Promotion
from promotions.claims.emails import entry_confirmation_queue
from promotions.claims.services import claim_open_for_award
from promotions.codes.models import CouponCode
from promotions.codes.services import code_claim
from promotions.contests.models import Submission
from promotions.contests.services import SubmissionInput, submission_refusals, submission_store
from promotions.draws.services import draw_commitment_ensure
from promotions.entrants.models import Person
from promotions.entrants.services import consents_record, email_normalize
from promotions.entries import eligibility, intake
from promotions.entries.eligibility import Answers, Check, Refusal
from promotions.entries.flags import Looked, flag_reasons_at_once, flag_reasons_found
from promotions.entries.limits import rate_limit_or_refuse
from promotions.entries.models import PURCHASE_SOURCE, Entry, Flag, PromotionCountryRule
from promotions.entries.refusals import refuse
from promotions.entries.selectors import EntriesSoFar, entries_so_far_get
from promotions.entries.senders import Sender
from promotions.prizes.models import PrizeAward
from promotions.prizes.services import instant_win_play
from promotions.reports.dashboards import entrant_pseudonym
from tracking.models import WebhookEventType
from tracking.partner_webhooks import event_publish
from tracking.services import conversion_event_id, conversion_record

logger = logging.getLogger(__name__)


@dataclass
class EntryOutcome:
    entry: Entry
    award: PrizeAward | None = None
    code: CouponCode | None = None
    submission: Submission | None = None
    flags: list[Flag] = field(default_factory=list)

    @property
    def under_review(self) -> bool:
        return bool(self.flags)


def _total_slot(made: _Making) -> str:
    """The frequency slot of "N in total" (``(promotion, person, slot)`` is unique): the
    first of the slots 1..N the person's form entries have not taken. Only these N exist,
    so the unique key holds the cap under concurrency: two requests that read the same
    entries choose the same slot and the database refuses the second; none is left once
    the person has N (checked again here, after the rules, as the cap may be lowered)."""
    promotion = made.promotion
    taken = set(
        promotion.entries.by_form().filter(person=made.person).values_list("slot", flat=True)
    )
    free = (str(n) for n in range(1, promotion.max_entries + 1) if str(n) not in taken)
    slot = next(free, "") if len(taken) < promotion.max_entries else ""
    if not slot:
        raise refuse([eligibility.frequency_refusal(promotion, made.at)])
    return slot


def entry_check(
    *, promotion: Promotion, person: Person, answers: Answers, at: datetime
) -> list[Refusal]:
    """Every reason ``person`` may not enter ``promotion`` now with these answers."""
    return eligibility.entry_refusals(
        _check_build(promotion=promotion, person=person, answers=answers, at=at)
    )


def _check_build(
    *,
    promotion: Promotion,
    person: Person,
    answers: Answers,
    at: datetime,
    so_far: EntriesSoFar | None = None,
) -> Check:
    """The rules' view of this entry: ``so_far`` when the caller read the counts with the
    person (for this promotion and this local day), else read now."""
    if (
        so_far is None
        or so_far.promotion_id != promotion.pk
        or so_far.day != (eligibility.local_day(promotion, at).isoformat())
    ):
        so_far = entries_so_far_get(promotion=promotion, person_id=person.pk, at=at)
    return Check(
        promotion=promotion,
        person=person,
        answers=answers,
        at=at,
        entries_so_far=so_far.total,
        entered_today=promotion.entry_frequency == EntryFrequency.DAILY and so_far.on_day > 0,
    )


def entry_create(
    *,
    promotion: Promotion,
    person: Person,
    answers: Answers,
    sender: Sender | None = None,
    submission: SubmissionInput | None = None,
    honeypot: str = "",
    at: datetime | None = None,
    language: str = "",
    so_far: EntriesSoFar | None = None,
) -> EntryOutcome:
    """Enter ``person`` into ``promotion`` in ``language`` (the page's; default the
    brand's): check every rule, record the consents (the words in that language) and the
    entry, then by kind play the instant win, claim a coupon code or store the contest
    submission; flag what looks wrong. Raises ``Refused`` with every reason otherwise.
    ``so_far``: the person's entries as read with them at ``at`` (``entrant_get_for_entry``);
    the database still holds every limit when they change in between."""
    at = at or timezone.now()
    rate_limit_or_refuse(scope="enter", sender=sender, person=person)
    check = _check_build(promotion=promotion, person=person, answers=answers, at=at, so_far=so_far)
    refusals = eligibility.entry_refusals(check)
    refusals += (
        submission_refusals(promotion, submission)
        if not refusals or all(r.field for r in refusals)
        else []
    )
    if refusals:
        raise refuse(refusals)
    made = _Making(
        promotion=promotion,
        person=person,
        answers=answers,
        sender=sender,
        honeypot=honeypot,
        at=at,
        language=language or promotion.campaign.brand.language,
        local_rule=check.local_rule(),  # read by the checks already
    )
    if intake.intake_takes(promotion):
        accepted = _entry_accept(made)
        if accepted is not None:
            return accepted
    if (
        promotion.kind == Promotion.Kind.OFFER
        and not promotion.codes.filter(person__isnull=True).exists()
    ):
        raise refuse(
            [
                Refusal(
                    "codes_exhausted",
                    _("All codes have been claimed. Thank you for your interest!"),
                )
            ]
        )
    with transaction.atomic():
        outcome = _entry_insert(made, submission=submission)
        entry_event_publish(outcome)
    entry = outcome.entry
    transaction.on_commit(lambda: _conversion_record(entry))
    if person.email:
        entry_confirmation_queue(entry=entry)
    return outcome


@dataclass(frozen=True)
class _Making:
    """An entry that passed every rule, about to be accepted or stored."""

    promotion: Promotion
    person: Person
    answers: Answers
    sender: Sender | None
    honeypot: str
    at: datetime
    language: str
    local_rule: PromotionCountryRule | None

    def entry(self, slot: str) -> Entry:
        sender, answers = self.sender, self.answers
        attribution = sender.attribution if sender is not None else None
        if attribution is not None and attribution.brand_id != self.promotion.campaign.brand_id:
            attribution = None
        entry = Entry(
            promotion=self.promotion,
            person=self.person,
            slot=slot,
            country=answers.country.upper(),
            click_event_id=attribution.click_event_id if attribution else None,
            source=f"click:{attribution.promotion_id}" if attribution else "",
            viewer_hash=sender.viewer_hash if sender else "",
            device_hash=sender.device_hash if sender else "",
            language=self.language,
            created_at=self.at,
        )
        # The fields' own checks; the unique slot is the database's to hold (the entry is
        # inserted, or stored by the consumer, against it).
        entry.full_clean(
            exclude=["promotion", "person"], validate_unique=False, validate_constraints=False
        )
        return entry


def _entry_accept(made: _Making) -> EntryOutcome | None:
    """The intake's answer (``promotions.entries.intake``); None when Redis did not answer
    and the entry is to be stored directly. The flags found without a query are known now;
    the consumer adds those the stored entries show (velocity, duplicates)."""
    promotion, at = made.promotion, made.at
    reasons = flag_reasons_at_once(
        sender=made.sender, honeypot=made.honeypot, email=made.person.email
    )
    entry = made.entry(intake.intake_slot(promotion, at))
    entry.flagged = bool(reasons)
    try:
        intake.entry_accept(
            entry=entry, answers=made.answers, local_rule=made.local_rule, flag_reasons=reasons
        )
    except intake.IntakeUnavailable:
        return None
    except intake.SlotTaken as exc:
        raise refuse([eligibility.frequency_refusal(promotion, at)]) from exc
    flags = [Flag(entry=entry, kind=kind, reason=reason, created_at=at) for kind, reason in reasons]
    return EntryOutcome(entry=entry, flags=flags)


def entry_create_for_purchase(
    *,
    promotion_id: int,
    email: str,
    reference: int,
    at: datetime | None = None,
    country: str = "",
) -> Entry | None:
    """A paid order earns one entry where the promotion says so: a sweepstakes whose entry
    methods include "purchase", taking entries when the order is paid. The free entry form
    stays the other route (purchase entries are not counted by its frequency rules). Once
    per order: its reference names the entry's slot, and ``(promotion, person, slot)`` is
    unique. None when the order earns nothing: also when the promotion or its campaign is
    not live at ``at`` (paused, a draft, ended, outside its window), or when the buyer's
    ``country`` (the order's) may not enter as the form's country rule says: outside the
    allowed countries, excluded by a local rule, or unknown where a country decides (the
    free form is still theirs). Ages are the claim's to confirm (a purchase gives no date
    of birth)."""
    at = at or timezone.now()
    promotion = (
        Promotion.objects.live(at).select_related("campaign__brand").filter(pk=promotion_id).first()
    )
    if (
        promotion is None
        or promotion.kind != Promotion.Kind.SWEEPSTAKES
        or EntryMethod.PURCHASE not in (promotion.entry_methods or [])
    ):
        return None
    try:
        normalized = email_normalize(email)
    except ValidationError:
        return None
    country = country.strip().upper()
    if country not in COUNTRY_NAMES:  # a CDN's "EU", say: not known, not refused for it
        country = ""
    refused = eligibility.country_rule(
        Check(promotion=promotion, person=Person(), answers=Answers(country=country), at=at)
    )
    if refused is not None:
        logger.info(
            "order %s earns no entry into promotion %s: %s", reference, promotion.pk, refused.code
        )
        return None
    with transaction.atomic():
        person = Person.objects.filter(email_normalized=normalized).first()
        if person is None:
            try:
                with transaction.atomic():
                    person = Person.objects.create(email=email.strip(), email_normalized=normalized)
            except IntegrityError:  # the same buyer's other order at the same moment
                person = Person.objects.get(email_normalized=normalized)
        if person.anonymised_at is not None:
            return None
        try:
            with transaction.atomic():
                entry = Entry.objects.create(
                    promotion=promotion,
                    person=person,
                    slot=f"p{reference}",
                    source=PURCHASE_SOURCE,
                    country=country,
                    created_at=at,
                )
        except IntegrityError:  # this order's entry exists already (a retried task)
            return None
        draw_commitment_ensure(promotion=promotion, at=at)
    transaction.on_commit(lambda: _conversion_record(entry))
    entry_confirmation_queue(entry=entry)
    return entry


def _entry_insert(made: _Making, *, submission: SubmissionInput | None) -> EntryOutcome:
    promotion, person, answers, at = made.promotion, made.person, made.answers, made.at
    changed = []
    for attr, value in (
        ("name", answers.name.strip()[:120]),
        ("birth_date", answers.birth_date),
        ("country", answers.country.upper()),
    ):
        if value and getattr(person, attr) != value:
            setattr(person, attr, value)
            changed.append(attr)
    if changed:
        person.save(update_fields=[*changed, "updated_at"])
    kinds = [*answers.consents, *(["marketing"] if answers.marketing else [])]
    consents_record(
        person=person,
        promotion=promotion,
        kinds=kinds,
        at=at,
        language=made.language,
        local_rule=made.local_rule,
    )
    if promotion.entry_frequency == EntryFrequency.TOTAL:
        slot = _total_slot(made)
    else:  # once, or once a day: the slots the intake takes too
        slot = intake.intake_slot(promotion, at)
    entry = made.entry(slot)
    try:
        # No savepoint of its own: the caller's transaction (entry_create) is rolled back
        # by the refusal raised here, so nothing after a failed INSERT runs in it.
        entry.save()
    except IntegrityError as exc:  # the same person entering twice at once
        raise refuse([eligibility.frequency_refusal(promotion, at)]) from exc

    flags = _entry_flags(
        entry=entry, sender=made.sender, honeypot=made.honeypot, answers=answers, at=at
    )
    outcome = EntryOutcome(entry=entry, flags=flags)
    kind = promotion.kind
    # Flags found now (created at the entry's moment) hold the play or the code back until
    # a reviewer clears them (``entry_flags_clear`` plays or claims then).
    if kind == Promotion.Kind.INSTANT_WIN and not flags:
        outcome.award = instant_win_play(entry=entry, at=at)
        if outcome.award is not None:
            claim_open_for_award(award=outcome.award, at=at)
    elif kind == Promotion.Kind.OFFER and not flags:
        outcome.code = code_claim(entry=entry, at=at)
    elif kind == Promotion.Kind.CONTEST:
        outcome.submission = submission_store(
            entry=entry, submission=submission or SubmissionInput(), at=at
        )
    elif kind == Promotion.Kind.SWEEPSTAKES:
        draw_commitment_ensure(promotion=promotion, at=at)
    return outcome


def entry_event_publish(outcome: EntryOutcome) -> None:
    """``entry.created`` for the brand's partner webhooks (stored only if one wants it; the
    entries consumer's batches call it too)."""
    entry, promotion = outcome.entry, outcome.entry.promotion
    campaign = promotion.campaign
    person = entry.person
    event_publish(
        brand_id=campaign.brand_id,
        event_type=WebhookEventType.ENTRY_CREATED,
        data={
            "entry": entry.public_id,
            "promotion": {"id": promotion.pk, "slug": promotion.slug, "kind": promotion.kind},
            "campaign": {"id": campaign.pk, "slug": campaign.slug},
            "entrant": entrant_pseudonym(brand_id=campaign.brand_id, person_id=person.pk),
            "status": entry.status,
            "under_review": outcome.under_review,
            "country": entry.country,
            "source": entry.source,
            "created_at": entry.created_at.isoformat().replace("+00:00", "Z"),
        },
        pii={"email": person.email, "name": person.name},
        at=entry.created_at,
    )


def _conversion_record(entry: Entry) -> None:
    """Count the entry in tracking's reports (a stable event id: once even if retried).
    Tracking failing never fails the entry: it is already stored."""
    promotion = entry.promotion
    try:
        conversion_record(
            event_id=conversion_event_id(kind="entry", object_id=entry.pk),
            type="entry",
            promotion_id=promotion.pk,
            campaign_id=promotion.campaign_id,
            brand_id=promotion.campaign.brand_id,
            ts=entry.created_at,
            country=entry.country,
            language=entry.language,
        )
    except Exception as exc:
        logger.warning("promotions: entry %s not counted by tracking: %s", entry.pk, exc)


def _entry_flags(
    *, entry: Entry, sender: Sender | None, honeypot: str, answers: Answers, at: datetime
) -> list[Flag]:
    reasons = flag_reasons_at_once(sender=sender, honeypot=honeypot, email=entry.person.email)
    reasons += flag_reasons_found(
        looked=Looked.of(entry, name=answers.name, birth_date=answers.birth_date)
    )
    flags = [Flag(entry=entry, kind=kind, reason=reason, created_at=at) for kind, reason in reasons]
    if flags:
        Flag.objects.bulk_create(flags)
        Entry.objects.filter(pk=entry.pk).update(flagged=True)
        entry.flagged = True
    return flags


@transaction.atomic
def entry_flag(*, entry: Entry, reason: str, by: Any = None, at: datetime | None = None) -> Flag:
    """Staff flag an entry by hand: it leaves draws until reviewed."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is flagged.")})
    flag = Flag.objects.create(
        entry=entry, kind=Flag.Kind.MANUAL, reason=reason.strip(), created_at=at or timezone.now()
    )
    Entry.objects.filter(pk=entry.pk).update(flagged=True)
    entry.flagged = True
    return flag


@transaction.atomic
def entry_exclude(
    *, entry: Entry, reason: str, by: Any = None, at: datetime | None = None
) -> Entry:
    """Exclude an entry (from draws, galleries and prizes) with a reason; never delete it."""
    at = at or timezone.now()
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the entry is excluded.")})
    entry.flags.filter(status=Flag.Status.OPEN).update(
        status=Flag.Status.UPHELD, reviewed_at=at, reviewed_by=by, review_note=reason.strip()
    )
    entry.status = Entry.Status.EXCLUDED
    entry.exclusion_reason = reason.strip()
    entry.excluded_at = at
    entry.excluded_by = by
    entry.flagged = False
    entry.save(
        update_fields=["status", "exclusion_reason", "excluded_at", "excluded_by", "flagged"]
    )
    return entry


@transaction.atomic
def entry_flags_clear(
    *, entry: Entry, note: str = "", by: Any = None, at: datetime | None = None
) -> EntryOutcome:
    """Reviewed and fine: the open flags are cleared and the entry counts again. An offer
    claim held back by the flags gets its code now (``Refused`` if none is left). An
    instant-win entry held back by the flags found as it was made (``_entry_insert`` plays
    only an entry without them) gets its play now, as of its entry's moment, and a claim
    for a prize that needs one; once: only the clear that closes those flags (a conditional
    UPDATE) plays, and a later flag cleared again plays nothing."""
    at = at or timezone.now()
    open_flags = entry.flags.filter(status=Flag.Status.OPEN)
    review = {
        "status": Flag.Status.CLEARED,
        "reviewed_at": at,
        "reviewed_by": by,
        "review_note": note,
    }
    held_play = open_flags.filter(created_at=entry.created_at).update(**review)
    open_flags.update(**review)
    entry.flagged = False
    entry.save(update_fields=["flagged"])
    outcome = EntryOutcome(entry=entry)
    kind = entry.promotion.kind
    if kind == Promotion.Kind.OFFER and not CouponCode.objects.filter(entry=entry).exists():
        outcome.code = code_claim(entry=entry, at=at)
    elif (
        kind == Promotion.Kind.INSTANT_WIN
        and held_play
        and entry.status == Entry.Status.VALID
        and entry.person.anonymised_at is None
        and not PrizeAward.objects.filter(entry=entry).exists()
    ):
        outcome.award = instant_win_play(entry=entry, at=entry.created_at)
        if outcome.award is not None:
            claim_open_for_award(award=outcome.award, at=at)
    return outcome
