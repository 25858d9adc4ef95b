"""Writes after the draw: the draw made (by the worker or by hand), winners' claims opened
and told, claims answered, declined, expired or refused, prizes passed on to the next
alternate, shipped, delivered, and claim data deleted.

Every close of a claim is one conditional UPDATE (``status = notified`` → closed): only the
caller whose UPDATE changed the row passes the prize on, and ``draw_replace_winner`` holds
the draw's row lock, so concurrent closes of one draw are serialised and one prize never
gets two alternates (the successor claim is also one-to-one with the claim it replaces).
Emails are queued once the transaction commits (``promotions.claims.tasks``), never sent on
a consumer's or marketer's request.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.campaigns.languages import path_in_language
from promotions.campaigns.zones import days_later
from promotions.claims.events import claim_event_publish
from promotions.claims.models import PrizeClaim
from promotions.draws import services as draws_services
from promotions.draws.models import Draw, DrawReplacement
from promotions.entrants.models import Person
from promotions.entries import intake
from promotions.entries.models import Entry
from promotions.prizes.models import Prize, PrizeAward
from promotions.social import importer as social_importer
from promotions.social import replies as social_replies
from promotions.social import services as social_services
from promotions.social.models import SocialSource
from tracking.models import WebhookEventType
from tracking.partner_webhooks import iso_utc
from tracking.queue import task_enqueue
from tracking.site import absolute_url

logger = logging.getLogger(__name__)

CLAIM_TOKEN_SALT = "promotions.claim-link"  # noqa: S105 (a signing salt, not a secret)
PRIVATE_REPLY_WINDOW = timedelta(days=7)  # Messenger's window for a reply to a comment


def claim_token(*, claim: PrizeClaim) -> str:
    """The claim link's signed token: this claim, this nonce, nothing else (single purpose:
    its salt is used for nothing but claim links). The same link every time (emails and
    reminders); it stops working when the claim closes or its deadline passes."""
    return signing.Signer(salt=CLAIM_TOKEN_SALT).sign_object({"c": claim.pk, "n": claim.nonce})


def claim_link(*, claim: PrizeClaim) -> str:
    """The claim page's absolute address, with the claim's token: for the winner alone. It
    names the language the winner entered in (``?lang=``), the one their emails are written
    in, so that the page speaks it in any browser they open it in."""
    promotion = claim.promotion
    campaign = promotion.campaign
    path = reverse(
        "promotions:claim",
        args=[campaign.brand.slug, campaign.slug, promotion.slug, claim_token(claim=claim)],
    )
    return absolute_url(path_in_language(path, claim.entry.language))


# --- the draw made ------------------------------------------------------------------------


def _draw_slot_prizes(draw: Draw, *, before: int | None = None) -> list[Prize | None]:
    """Which prize each winner's place stands for: the draw's prize, or the promotion's
    prizes by position, one place per unit, less the units the promotion's other draws
    made already hold (``_draw_prizes_held``), so that a new draw (a prize added later,
    alternates used up) gives what is left rather than the first prize again. Called as
    the draw is made, when every other draw made is an earlier one (as ``draw_run`` counts
    them); ``before``: only the draws of lower id count (a draw without claims)."""
    if draw.prize is not None:
        return [draw.prize] * draw.winners_count
    places: list[Prize | None] = []
    for prize in draw.promotion.prizes.order_by("position", "id"):
        places += [prize] * prize.quantity
    others = draw.promotion.draws.filter(status=Draw.Status.DRAWN).exclude(pk=draw.pk)
    if before is not None:
        others = others.filter(pk__lt=before)
    for other in others.select_related("prize", "promotion").order_by("id"):
        for held in _draw_prizes_held(other):
            place = next((n for n, p in enumerate(places) if p is not None and p.pk == held), None)
            if place is not None:
                del places[place]
    return places


def _draw_prizes_held(draw: Draw) -> list[int]:
    """The prizes (ids, one per unit) a draw's winners hold: each place's current claim
    (the last of its successors) unless it was left unfilled (no alternate left: the unit
    waits for a new draw); a draw made without claims holds its places."""
    claims = list(draw.claims.values_list("prize_id", "unfilled_at", "successor"))
    if not claims:
        places = _draw_slot_prizes(draw, before=draw.pk)[: draw.winners_count]
        return [p.pk for p in places if p is not None]
    return [
        prize_id
        for prize_id, unfilled_at, successor in claims
        if prize_id is not None and unfilled_at is None and successor is None
    ]


def claims_open_for_draw(*, draw: Draw, at: datetime) -> list[PrizeClaim]:
    """One claim per winner of a freshly made draw, each told by ``claim_notify``."""
    places = _draw_slot_prizes(draw)
    entries = {
        e.public_id: e
        for e in Entry.objects.filter(promotion_id=draw.promotion_id, public_id__in=draw.winners)
    }
    claims = []
    for slot, public_id in enumerate(draw.winners):
        claims.append(
            claim_open(
                promotion=draw.promotion,
                entry=entries[public_id],
                prize=places[slot] if slot < len(places) else None,
                draw=draw,
                slot=slot,
                at=at,
            )
        )
    return claims


def draw_complete(*, draw: Draw, by: Any = None, at: datetime | None = None) -> Draw:
    """Make the draw (``draw_run``), open its winners' claims and tell the brand's managers
    (the certificate link), all or nothing. The worker and the admin's "Run" both call it.
    Every entry accepted into the intake is stored first, outside the draw's transaction
    (a caller inside one, the schedule's, drained before taking its lock)."""
    at = at or timezone.now()
    intake.intake_drain_before_draw()
    with transaction.atomic():
        if draw_needs_final_import(draw=draw):
            raise ValidationError(
                _(
                    "The comments' final import has not finished yet: the draw is made after "
                    "it (the worker retries every few minutes)."
                )
            )
        done = draws_services.draw_run(draw=draw, by=by, at=at)
        claims_open_for_draw(draw=done, at=at)
        task_enqueue("promotions.claims.tasks.draw_done_send", done.pk)
    return done


def draw_needs_final_import(*, draw: Draw) -> bool:
    """A comment giveaway is drawn only after its final import (a complete pass over its
    posts started after the close): True while that has not been recorded."""
    promotion = draw.promotion
    if not SocialSource.objects.filter(promotion_id=promotion.pk).exists():
        return False
    rules = social_services.social_rules_get_or_default(promotion=promotion)
    return rules.final_imported_at is None or rules.final_imported_at < promotion.ends_at


def draw_final_import(*, draw: Draw) -> bool:
    """Before a comment giveaway's draw (never inside a transaction: it calls Graph): the
    final import, if not done yet. False when it could not finish (Graph throttled us, the
    Page's token expired): do not draw now, the next run of the schedule tries again."""
    if not draw_needs_final_import(draw=draw):
        return True
    result = social_importer.social_final_import(promotion=draw.promotion)
    if not result.complete:
        logger.warning(
            "draw %s not made yet: the final import of the comments did not finish (%s); "
            "the next run tries again",
            draw.pk,
            "; ".join(result.errors) or "incomplete",
        )
        return False
    return True


def draw_complete_after_import(*, draw_id: int, by: Any = None) -> Draw | None:
    """The admin's "Run" for a comment giveaway whose final import is not done (queued:
    Graph is never called while a marketer waits): the import, then the draw; nothing when
    the import could not finish (the schedule retries) or another runner drew first."""
    draw = Draw.objects.select_related("promotion").filter(pk=draw_id).first()
    if draw is None or not draw_final_import(draw=draw):
        return None
    intake.intake_drain_before_draw()
    with transaction.atomic():
        locked = (
            Draw.objects.select_for_update()
            .filter(pk=draw_id, status=Draw.Status.COMMITTED)
            .first()
        )
        return None if locked is None else draw_complete(draw=locked, by=by)


def draws_run_due(*, at: datetime | None = None) -> int:
    """Scheduled: make every committed sweepstakes draw whose entries closed more than the
    promotion's grace ago, once. A re-draw committed after the close is run by hand."""
    at = at or timezone.now()
    due = Draw.objects.filter(
        status=Draw.Status.COMMITTED,
        promotion__kind="sweepstakes",
        promotion__ends_at__lte=at,
        committed_at__lt=F("promotion__ends_at"),
    ).select_related("promotion")
    made = 0
    for draw in due:
        if draw.promotion.ends_at + timedelta(minutes=draw.promotion.draw_grace_minutes) > at:
            continue
        if not draw_final_import(draw=draw):
            continue
        try:
            intake.intake_drain_before_draw()  # outside the draw's transaction
        except ValidationError:
            return made  # the next run tries again
        try:
            with transaction.atomic():
                # One runner: the row lock queues a second worker, which then sees "drawn".
                locked = (
                    Draw.objects.select_for_update()
                    .filter(pk=draw.pk, status=Draw.Status.COMMITTED)
                    .first()
                )
                if locked is None:
                    continue
                draw_complete(draw=locked, at=at)
                made += 1
        except ValidationError as exc:
            logger.warning("draw %s could not be made: %s", draw.pk, " ".join(exc.messages))
    return made


# --- claims opened and told ---------------------------------------------------------------


def claim_channel(*, entry: Entry) -> str:
    """How a winner can be reached: a private reply to the comment they entered with (the
    rules send one), else email when the person has an address, else none."""
    person = entry.person
    if person.anonymised_at is not None:
        return PrizeClaim.Channel.NONE
    comment = social_replies.social_winning_comment_get(entry=entry)
    if comment is not None:
        rules = social_services.social_rules_get_or_default(promotion=entry.promotion)
        # Messenger takes a private reply only within 7 days of the comment (an alternate
        # told later cannot be reached there).
        if rules.reply_private and comment.created_time > timezone.now() - PRIVATE_REPLY_WINDOW:
            return PrizeClaim.Channel.COMMENT_REPLY
    if person.email:
        return PrizeClaim.Channel.EMAIL
    return PrizeClaim.Channel.NONE


def claim_open(
    *,
    promotion: Any,
    entry: Entry,
    prize: Prize | None,
    at: datetime,
    draw: Draw | None = None,
    award: PrizeAward | None = None,
    slot: int = 0,
    predecessor: PrizeClaim | None = None,
) -> PrizeClaim:
    """A winner's claim with the promotion's deadline, then told (``claim_notify``)."""
    claim = PrizeClaim(
        promotion=promotion,
        draw=draw,
        award=award,
        prize=prize,
        entry=entry,
        slot=slot,
        predecessor=predecessor,
        channel=claim_channel(entry=entry),
        deadline=days_later(promotion.campaign, at, promotion.claim_days),
        created_at=at,
    )
    claim.full_clean(exclude=["promotion", "draw", "award", "prize", "entry", "predecessor"])
    claim.save()
    claim_notify(claim=claim)
    return claim


def claim_notify(*, claim: PrizeClaim) -> str:
    """Tell a winner, by the channel of their claim; returns the channel used.

    Email: queued on commit (``claim_notification_send``). Comment reply: the private
    reply to the winning comment carries the claim link (only the commenter reads it); the
    public one, if the rules ask for it, says the comment won and to look at their private
    messages (``social_winner_reply``; sent by the worker after commit). Either way the
    winner counts as told (``notified_at``, ``winner.notified``) once the message has
    left: ``claim_told``. ``none``: recorded on the claim; the brand's managers are emailed
    to reach the winner themselves (the draw's own winners are in its "draw made" email)."""
    at = timezone.now()
    if claim.channel == PrizeClaim.Channel.EMAIL:
        task_enqueue("promotions.claims.tasks.claim_notification_send", claim.pk)
    elif claim.channel == PrizeClaim.Channel.COMMENT_REPLY:
        replies = social_replies.social_winner_reply(
            entry=claim.entry, link=claim_link(claim=claim), at=at
        )
        if not replies:  # the rules changed since: no private reply carries the link
            logger.warning("claim %s: no reply could be queued to the winning comment", claim.pk)
            PrizeClaim.objects.filter(pk=claim.pk).update(channel=PrizeClaim.Channel.NONE)
            claim.channel = PrizeClaim.Channel.NONE
            _unreachable_tell_managers(claim)
    else:
        logger.info("claim %s: the winner has no channel to be told on", claim.pk)
        _unreachable_tell_managers(claim)
    return claim.channel


def claim_told(*, claim: PrizeClaim, at: datetime) -> None:
    """The message carrying the claim link has left (the email was handed to the mail
    server, the private reply accepted by Graph): partners hear ``winner.notified`` now,
    not when it was queued, so a message that never goes out is never announced."""
    claim_event_publish(
        claim,
        WebhookEventType.WINNER_NOTIFIED,
        at,
        claim_deadline=iso_utc(claim.deadline),
        notified_at=iso_utc(at),
    )


def claim_private_reply_sent(*, entry_id: int, at: datetime) -> int:
    """The private reply to a winning comment was sent: its open claim is told (once: a
    second run finds ``notified_at`` set). Returns how many claims were told."""
    told = 0
    open_claims = PrizeClaim.objects.filter(
        entry_id=entry_id,
        status=PrizeClaim.Status.NOTIFIED,
        channel=PrizeClaim.Channel.COMMENT_REPLY,
        notified_at__isnull=True,
    )
    for claim_id in open_claims.values_list("pk", flat=True):
        with transaction.atomic():
            if open_claims.filter(pk=claim_id).update(notified_at=at):
                claim_told(
                    claim=PrizeClaim.objects.select_related("promotion__campaign", "entry").get(
                        pk=claim_id
                    ),
                    at=at,
                )
                told += 1
    return told


def claim_private_reply_failed(*, entry_id: int) -> int:
    """The private reply carrying a winner's claim link was given up on (Messenger refused
    it, or the retries ran out): their open claim has no channel any more, so its admin
    page shows the link to give, and the managers are emailed to reach the winner another
    way. Returns how many claims changed (one at most; none when run again)."""
    open_claims = PrizeClaim.objects.filter(
        entry_id=entry_id,
        status=PrizeClaim.Status.NOTIFIED,
        channel=PrizeClaim.Channel.COMMENT_REPLY,
    )
    changed = 0
    for claim_id in open_claims.values_list("pk", flat=True):
        if open_claims.filter(pk=claim_id).update(channel=PrizeClaim.Channel.NONE):
            logger.warning(
                "claim %s: the private reply failed: the managers give the link", claim_id
            )
            task_enqueue("promotions.claims.tasks.claim_unreachable_send", claim_id)
            changed += 1
    return changed


def _unreachable_tell_managers(claim: PrizeClaim) -> None:
    """A winner nothing can tell: the managers are emailed, unless the draw's own "draw
    made" email counts them (its first winners)."""
    if claim.draw_id is None or claim.predecessor_id is not None:
        task_enqueue("promotions.claims.tasks.claim_unreachable_send", claim.pk)


def claim_open_for_award(*, award: PrizeAward, at: datetime) -> PrizeClaim | None:
    """Instant win: a prize that needs claiming (``Prize.claim_required``) gets a claim."""
    prize = award.prize
    if not prize.claim_required:
        return None
    entry = award.entry
    return claim_open(promotion=entry.promotion, entry=entry, prize=prize, award=award, at=at)


# --- the winner answers -------------------------------------------------------------------


@dataclass
class ClaimAnswers:
    answers: dict[str, str] = field(default_factory=dict)
    document: UploadedFile | None = None


def _claim_refuse_closed(claim: PrizeClaim, at: datetime) -> None:
    if claim.status != PrizeClaim.Status.NOTIFIED:
        raise ValidationError(_("This claim is closed: it cannot be changed any more."))
    if claim.deadline <= at:
        raise ValidationError(_("The deadline to claim this prize has passed."))


def _claim_check_person(claim: PrizeClaim, person: Person | None) -> None:
    if person is None or person.pk != claim.entry.person_id:
        raise ValidationError(_("Confirm first that you are the winner."))
    if person.anonymised_at is not None:  # their data deleted: the claim is closed with it
        raise ValidationError(_("This claim is closed: it cannot be changed any more."))


@transaction.atomic
def claim_submit(
    *,
    claim: PrizeClaim,
    person: Person | None,
    answers: ClaimAnswers,
    at: datetime | None = None,
) -> PrizeClaim:
    """The winner claims: their answers, the rules accepted. The claim row is locked, so an
    expiry or decline at the same moment either comes first (and this refuses) or waits."""
    at = at or timezone.now()
    locked = PrizeClaim.objects.select_for_update().select_related("entry").get(pk=claim.pk)
    _claim_check_person(locked, person)
    _claim_refuse_closed(locked, at)
    locked.answers = {k: v for k, v in answers.answers.items() if v not in ("", None)}
    if answers.document is not None:
        locked.document.save(answers.document.name or "document", answers.document, save=False)
    locked.status = PrizeClaim.Status.CLAIMED
    locked.claimed_at = at
    locked.rules_accepted_at = at
    locked.save()
    task_enqueue("promotions.claims.tasks.claim_received_send", locked.pk)
    claim_event_publish(locked, WebhookEventType.PRIZE_CLAIMED, at, claimed_at=iso_utc(at))
    return locked


def claim_decline(
    *, claim: PrizeClaim, person: Person | None, at: datetime | None = None
) -> PrizeClaim | None:
    """The winner gives the prize up: it passes to the next alternate at once. Returns the
    successor's claim (None when no alternate is left)."""
    at = at or timezone.now()
    _claim_check_person(claim, person)
    _claim_refuse_closed(claim, at)
    return claim_close(
        claim=claim,
        status=PrizeClaim.Status.DECLINED,
        reason=_("The winner declined the prize."),
        at=at,
    )


class ClaimAlreadyClosed(Exception):
    """Another request closed (or claimed) this claim first: nothing was changed."""


_CLOSABLE_FROM = {
    PrizeClaim.Status.DECLINED: [PrizeClaim.Status.NOTIFIED],
    PrizeClaim.Status.EXPIRED: [PrizeClaim.Status.NOTIFIED],
    PrizeClaim.Status.INELIGIBLE: [PrizeClaim.Status.NOTIFIED, PrizeClaim.Status.CLAIMED],
}


@transaction.atomic
def claim_close(
    *,
    claim: PrizeClaim,
    status: PrizeClaim.Status,
    reason: str,
    by: Any = None,
    at: datetime | None = None,
) -> PrizeClaim | None:
    """Close a claim (declined, expired, not eligible) and pass the prize on. One
    conditional UPDATE closes it: a second closer changes nothing and gets
    ``ClaimAlreadyClosed``. Returns the successor's claim, None when no alternate is left
    (the claim is marked unfilled and the managers are alerted)."""
    at = at or timezone.now()
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the claim is closed.")})
    closing = PrizeClaim.objects.filter(pk=claim.pk, status__in=_CLOSABLE_FROM[status])
    if status == PrizeClaim.Status.EXPIRED:
        closing = closing.filter(deadline__lte=at)
    if not closing.update(
        status=status, closed_at=at, close_reason=reason, closed_by=by, updated_at=at
    ):
        raise ClaimAlreadyClosed(claim.pk)
    closed = PrizeClaim.objects.select_related("entry", "draw", "promotion", "prize").get(
        pk=claim.pk
    )
    return _claim_pass_on(claim=closed, reason=reason, by=by, at=at)


def _claim_pass_on(*, claim: PrizeClaim, reason: str, by: Any, at: datetime) -> PrizeClaim | None:
    """The next alternate of the claim's draw gets the prize, a claim with the same
    deadline length, and is told; the replacement is published on the certificate."""
    if claim.draw is None:
        return None  # an instant-win unit is not re-drawn: it stays unclaimed
    try:
        replacement = draws_services.draw_replace_winner(
            draw=claim.draw, entry_public_id=claim.entry.public_id, reason=reason, by=by, at=at
        )
    except draws_services.NoAlternateLeft as exc:
        logger.warning("claim %s: no successor: %s", claim.pk, " ".join(exc.messages))
        PrizeClaim.objects.filter(pk=claim.pk).update(unfilled_at=at)
        campaign_id = claim.promotion.campaign_id
        task_enqueue("promotions.claims.tasks.claims_unfilled_alert", campaign_id)
        return None
    alternate = Entry.objects.select_related("person").get(
        promotion_id=claim.promotion_id, public_id=replacement.replacement_entry
    )
    return claim_open(
        promotion=claim.promotion,
        entry=alternate,
        prize=claim.prize,
        draw=claim.draw,
        slot=claim.slot,
        predecessor=claim,
        at=at,
    )


def claim_mark_ineligible(
    *, claim: PrizeClaim, reason: str, by: Any = None, at: datetime | None = None
) -> PrizeClaim | None:
    """A marketer's "not eligible" (with the reason published on the certificate)."""
    return claim_close(
        claim=claim, status=PrizeClaim.Status.INELIGIBLE, reason=reason, by=by, at=at
    )


def claims_close_for_person(*, person: Person, at: datetime | None = None) -> int:
    """The data deletion (``person_anonymise``): every open claim of the person (told, or
    claimed and not sent yet: the address it would go to is deleted) closes as not
    eligible, its prize passing to the next alternate, as any close. A claim whose pass-on
    is refused (its winner replaced already) is closed all the same, without a successor.
    Returns how many claims were closed."""
    at = at or timezone.now()
    reason = _("The winner asked for their data to be deleted.")
    closable = _CLOSABLE_FROM[PrizeClaim.Status.INELIGIBLE]
    closed = 0
    for claim in PrizeClaim.objects.filter(entry__person=person, status__in=closable):
        try:
            claim_close(claim=claim, status=PrizeClaim.Status.INELIGIBLE, reason=reason, at=at)
        except ClaimAlreadyClosed:
            continue
        except ValidationError as exc:
            logger.error("claim %s: not passed on: %s", claim.pk, " ".join(exc.messages))
            if not PrizeClaim.objects.filter(pk=claim.pk, status__in=closable).update(
                status=PrizeClaim.Status.INELIGIBLE,
                closed_at=at,
                close_reason=reason,
                updated_at=at,
            ):
                continue
        closed += 1
    return closed


@transaction.atomic
def draw_winner_replace(
    *, draw: Draw, entry_public_id: str, reason: str, by: Any = None, at: datetime | None = None
) -> DrawReplacement:
    """A marketer re-draws one prize (admin: "Re-draw one prize"). With the winner's claim
    open, it closes as not eligible with the reason, and the next alternate gets the prize,
    a claim and the message, as after a decline; a prize sent already is not re-drawn.
    Without an open claim (a draw made before claims existed) the replacement is only
    recorded."""
    claims = PrizeClaim.objects.filter(draw=draw, entry__public_id=entry_public_id)
    if claims.filter(status__in=[PrizeClaim.Status.SHIPPED, PrizeClaim.Status.DELIVERED]).exists():
        raise ValidationError(_("This winner's prize has been sent: it is not re-drawn."))
    claim = claims.filter(status__in=_CLOSABLE_FROM[PrizeClaim.Status.INELIGIBLE]).first()
    if claim is None:  # no claim, or closed (the draw's own checks say why, if any)
        return draws_services.draw_replace_winner(
            draw=draw, entry_public_id=entry_public_id, reason=reason, by=by, at=at
        )
    claim_close(claim=claim, status=PrizeClaim.Status.INELIGIBLE, reason=reason, by=by, at=at)
    replacement = draw.replacements.filter(replaced_entry=entry_public_id).first()
    if replacement is None:  # the last alternate went meanwhile: nothing changes
        raise ValidationError(_("No alternate is left: commit a new draw (with its reason)."))
    return replacement


def claims_expire_due(*, at: datetime | None = None) -> int:
    """Scheduled: every open claim past its deadline expires and passes its prize on. A
    claim that cannot (its pass-on refused) is logged and left: the others still expire."""
    at = at or timezone.now()
    expired = 0
    for claim in PrizeClaim.objects.due_to_expire(at).order_by("deadline", "id"):
        try:
            claim_close(
                claim=claim,
                status=PrizeClaim.Status.EXPIRED,
                reason=_("Not claimed by the deadline."),
                at=at,
            )
            expired += 1
        except ClaimAlreadyClosed:
            continue
        except ValidationError as exc:
            logger.error("claim %s not expired: %s", claim.pk, " ".join(exc.messages))
    return expired


def claims_remind_due(*, at: datetime | None = None) -> int:
    """Scheduled: remind each open claim's winner once, the promotion's hours before the
    deadline (one conditional UPDATE per reminder: a second worker sends nothing). By
    email, or for a comment's winner by a public reminder under the comment where the
    rules reply in public (``social_winner_remind``: the private reply cannot be sent
    twice)."""
    at = at or timezone.now()
    reminded = 0
    due = (
        PrizeClaim.objects.open()
        .filter(reminder_sent_at__isnull=True, deadline__gt=at)
        .filter(
            Q(channel=PrizeClaim.Channel.EMAIL)
            | Q(
                channel=PrizeClaim.Channel.COMMENT_REPLY,
                promotion__social_rules__reply_public=True,
            )
        )
        .select_related("promotion", "entry")
    )
    for claim in due:
        hours = claim.promotion.claim_reminder_hours
        if not hours or claim.deadline - timedelta(hours=hours) > at:
            continue
        with transaction.atomic():
            if (
                not PrizeClaim.objects.open()
                .filter(pk=claim.pk, reminder_sent_at__isnull=True)
                .update(reminder_sent_at=at)
            ):
                continue
            reminded += _claim_remind(claim, at)
    return reminded


def _claim_remind(claim: PrizeClaim, at: datetime) -> bool:
    if claim.channel == PrizeClaim.Channel.EMAIL:
        task_enqueue("promotions.claims.tasks.claim_reminder_send", claim.pk)
        return True
    if social_replies.social_winner_remind(entry=claim.entry, deadline=claim.deadline, at=at):
        return True
    logger.warning("claim %s: no reminder could be queued to the comment", claim.pk)
    return False


# --- fulfilment ---------------------------------------------------------------------------


@transaction.atomic
def claim_mark_shipped(
    *, claim: PrizeClaim, carrier: str, tracking_number: str, at: datetime | None = None
) -> PrizeClaim:
    """claimed → shipped, with the carrier and tracking number; the winner is emailed."""
    at = at or timezone.now()
    carrier, tracking_number = carrier.strip()[:80], tracking_number.strip()[:80]
    if not carrier:
        raise ValidationError({"carrier": _("Name the carrier.")})
    if not PrizeClaim.objects.filter(pk=claim.pk, status=PrizeClaim.Status.CLAIMED).update(
        status=PrizeClaim.Status.SHIPPED,
        carrier=carrier,
        tracking_number=tracking_number,
        shipped_at=at,
        updated_at=at,
    ):
        raise ValidationError(_("Only a claimed prize can be marked shipped."))
    shipped = PrizeClaim.objects.select_related("promotion__campaign", "entry").get(pk=claim.pk)
    if shipped.channel == PrizeClaim.Channel.EMAIL or shipped.answers.get("email"):
        task_enqueue("promotions.claims.tasks.claim_shipped_send", claim.pk)
    claim_event_publish(
        shipped, WebhookEventType.PRIZE_SHIPPED, at, carrier=carrier, shipped_at=iso_utc(at)
    )
    return shipped


def claim_mark_delivered(*, claim: PrizeClaim, at: datetime | None = None) -> PrizeClaim:
    """shipped → delivered; the claim's data is deleted CLAIM_DATA_RETENTION_DAYS later."""
    at = at or timezone.now()
    if not PrizeClaim.objects.filter(pk=claim.pk, status=PrizeClaim.Status.SHIPPED).update(
        status=PrizeClaim.Status.DELIVERED, delivered_at=at, updated_at=at
    ):
        raise ValidationError(_("Only a shipped prize can be marked delivered."))
    return PrizeClaim.objects.get(pk=claim.pk)
