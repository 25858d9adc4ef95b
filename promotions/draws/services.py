"""Fair draws: commit a seed before close, run the draw on the frozen list, replace a winner."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from promotions.campaigns.models import Promotion
from promotions.campaigns.zones import moment_display
from promotions.draws import fairdraw
from promotions.draws.models import Draw, DrawReplacement
from promotions.entrants.models import Person
from promotions.entries.models import Entry
from promotions.entries.senders import keyed_hash
from promotions.prizes.models import Prize
from tracking.models import WebhookEventType
from tracking.partner_webhooks import event_publish


def _default_winners(promotion: Promotion, prize: Prize | None) -> int:
    if prize is not None:
        return prize.quantity
    return sum(p.quantity for p in promotion.prizes.all()) or 1


@transaction.atomic
def draw_commit(
    *,
    promotion: Promotion,
    prize: Prize | None = None,
    winners_count: int | None = None,
    alternates_count: int | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> Draw:
    """Choose a secret seed and publish its SHA-256 (the promotion page shows it).

    The first draw of a promotion must be committed before entries close, or the
    commitment proves nothing; any later draw (a re-draw) must say why. The promotion's row
    is locked first (as at the first entry's commitment), so a marketer's commit and the
    first entry's never both make a "first" draw.
    """
    at = at or timezone.now()
    Promotion.objects.select_for_update().filter(pk=promotion.pk).first()
    draw_commit_check(promotion=promotion, prize=prize, reason=reason, at=at)
    winners = winners_count or _default_winners(promotion, prize)
    alternates = alternates_count if alternates_count is not None else max(3, winners)
    seed = secrets.token_hex(32)
    draw = Draw(
        promotion=promotion,
        prize=prize,
        seed=seed,
        seed_commitment=fairdraw.sha256_hex(bytes.fromhex(seed)),
        committed_at=at,
        reason=reason.strip(),
        winners_count=winners,
        alternates_count=alternates,
    )
    draw.full_clean()
    draw.save()
    return draw


def draw_commit_check(
    *,
    promotion: Promotion,
    prize: Prize | None = None,
    reason: str = "",
    at: datetime | None = None,
) -> None:
    """Raise the ValidationError ``draw_commit`` would raise for these choices (field by
    field), so that a form can show it before anything is committed."""
    at = at or timezone.now()
    earlier = promotion.draws.exists()
    if earlier and not reason.strip():
        raise ValidationError(
            {"reason": _("This promotion already has a draw: say why you draw again.")}
        )
    if not earlier and at >= promotion.ends_at and not reason.strip():
        raise ValidationError(
            {"reason": _("Entries have closed, so a commitment made now proves nothing: say why.")}
        )
    if prize is not None and prize.promotion_id != promotion.pk:
        raise ValidationError({"prize": _("The prize belongs to another promotion.")})


def draw_commitment_ensure(*, promotion: Promotion, at: datetime | None = None) -> Draw | None:
    """A sweepstakes has a committed draw while it takes entries (made at its first entry
    or by the schedule, whichever comes first)."""
    at = at or timezone.now()
    if promotion.kind != Promotion.Kind.SWEEPSTAKES or at >= promotion.ends_at:
        return None
    existing = promotion.draws.order_by("id").first()
    if existing is not None:
        return existing
    Promotion.objects.select_for_update().filter(pk=promotion.pk).first()  # one at a time
    return promotion.draws.order_by("id").first() or draw_commit(promotion=promotion, at=at)


def draws_commit_due(*, at: datetime | None = None) -> int:
    """Scheduled: commit a draw for every live sweepstakes that has none yet."""
    at = at or timezone.now()
    made = 0
    for promotion in Promotion.objects.live(at).filter(
        kind=Promotion.Kind.SWEEPSTAKES, draws__isnull=True
    ):
        with transaction.atomic():
            if draw_commitment_ensure(promotion=promotion, at=at) is not None:
                made += 1
    return made


def draw_person_tag(draw: Draw, person: Person) -> str:
    """Groups one person's entries in a draw's list without saying who they are."""
    return _person_tag(draw, person.public_id)


def _person_tag(draw: Draw, person_public_id: object) -> str:
    return keyed_hash("draw-person", str(draw.pk), str(person_public_id))[:16]


@transaction.atomic
def draw_run(*, draw: Draw, by: Any = None, at: datetime | None = None) -> Draw:
    """Freeze the eligible entries, publish the list's hash, reveal the seed and derive
    winners and alternates (promotions.draws.fairdraw). Earlier draws' winners take no part."""
    at = at or timezone.now()
    draw = Draw.objects.select_for_update().select_related("promotion").get(pk=draw.pk)
    promotion = draw.promotion
    if draw.is_drawn:
        raise ValidationError(_("This draw has already been made."))
    if at < promotion.ends_at:
        raise ValidationError(
            _("Entries are open until %(end)s: draw after they close.")
            % {"end": moment_display(promotion.campaign, promotion.ends_at)}
        )
    entries = (
        promotion.entries.drawable()
        .filter(created_at__lt=promotion.ends_at)
        .exclude(person_id__in=_winners_elsewhere(draw))
        .values_list("public_id", "person__public_id")
    )
    tags: dict[object, str] = {}  # one tag per person, however many entries (and fast)
    rows = [
        (public_id, tags.get(person) or tags.setdefault(person, _person_tag(draw, person)))
        for public_id, person in entries.iterator(chunk_size=10_000)
    ]
    entry_list = fairdraw.canonical_entry_list(rows)
    list_hash = fairdraw.sha256_hex(entry_list.encode("utf-8"))
    result = fairdraw.pick(
        seed_hex=draw.seed,
        list_hash=list_hash,
        entry_list=entry_list,
        winners=draw.winners_count,
        alternates=draw.alternates_count,
    )
    draw.entry_list = entry_list
    draw.entry_list_hash = list_hash
    draw.entry_count = len(rows)
    draw.winners = result.winners
    draw.alternates = result.alternates
    draw.status = Draw.Status.DRAWN
    draw.drawn_at = at
    draw.drawn_by = by
    draw.save()
    _draw_event_publish(draw)
    return draw


def _draw_event_publish(draw: Draw) -> None:
    """``draw.completed`` for the brand's partner webhooks: counts and the certificate's
    public data (entry ids, hashes), never who the winners are."""
    promotion = draw.promotion
    campaign = promotion.campaign
    assert draw.drawn_at is not None
    event_publish(
        brand_id=campaign.brand_id,
        event_type=WebhookEventType.DRAW_COMPLETED,
        data={
            "draw": draw.pk,
            "promotion": {"id": promotion.pk, "slug": promotion.slug, "kind": promotion.kind},
            "campaign": {"id": campaign.pk, "slug": campaign.slug},
            "prize": draw.prize_id,
            "entry_count": draw.entry_count,
            "winners_count": draw.winners_count,
            "alternates_count": draw.alternates_count,
            "winners": list(draw.winners),
            "alternates": list(draw.alternates),
            "entry_list_hash": draw.entry_list_hash,
            "seed_commitment": draw.seed_commitment,
            "drawn_at": draw.drawn_at.isoformat().replace("+00:00", "Z"),
        },
        at=draw.drawn_at,
    )


class NoAlternateLeft(ValidationError):
    """Every alternate of the draw has been used, or none left may take the prize: the
    prize waits for a new draw."""


@transaction.atomic
def draw_replace_winner(
    *, draw: Draw, entry_public_id: str, reason: str, by: Any = None, at: datetime | None = None
) -> DrawReplacement:
    """Re-draw one prize: the winner gives way to the next unused alternate, and the
    reason is published on the certificate. An alternate whose entry no longer takes part
    (excluded, held for review, or their data deleted since the draw) is passed over the
    same way: it takes the place in turn and gives way at once to the next, with the reason
    published, so that every replacement still takes the next alternate. Returns the last
    replacement (its ``replacement_entry`` is the new winner); ``NoAlternateLeft`` when no
    alternate may take the prize (nothing is recorded then)."""
    at = at or timezone.now()
    # The promotion's row first: replacements in its other draws wait, so that one person
    # is never made a winner of two of them at once (``_winners_elsewhere``).
    Promotion.objects.select_for_update().filter(pk=draw.promotion_id).first()
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    chain = _replacement_chain(draw=draw, entry_public_id=entry_public_id, reason=reason)
    made = [
        DrawReplacement.objects.create(
            draw=draw,
            replaced_entry=replaced,
            replacement_entry=replacement,
            reason=why,
            replaced_at=at,
            replaced_by=by if n == 0 else None,  # the passing-over is the service's
        )
        for n, (replaced, replacement, why) in enumerate(chain)
    ]
    return made[-1]


def draw_replace_winner_check(*, draw: Draw, entry_public_id: str, reason: str) -> None:
    """Raise the ValidationError ``draw_replace_winner`` would raise, for a form to show."""
    _replacement_chain(draw=draw, entry_public_id=entry_public_id, reason=reason)


def _passed_over_reason(entry: Entry | None, won_elsewhere: set[int]) -> str:
    """Why an alternate cannot take the prize now ('' when they can): the same tests as the
    draw's list (``Entry.objects.drawable``, and the promotion's other draws' winners, as
    ``draw_run`` leaves them out), said for the certificate without anything personal (an
    exclusion's own reason is the organiser's record, not published)."""
    if entry is None or entry.person.anonymised_at is not None:
        return _("The alternate asked for their data to be deleted.")
    if entry.status != Entry.Status.VALID:
        return _("The alternate's entry was excluded.")
    if entry.flagged:
        return _("The alternate's entry is held for review.")
    if entry.person_id in won_elsewhere:
        return _("The alternate has won a prize of another draw of this promotion.")
    return ""


def _winners_elsewhere(draw: Draw) -> set[int]:
    """The people the promotion's other draws named as winners, first or by replacement:
    ``draw_run`` leaves them out, and a replacement passes over such an alternate."""
    named: set[str] = set()
    others = draw.promotion.draws.filter(status=Draw.Status.DRAWN).exclude(pk=draw.pk)
    for other in others.prefetch_related("replacements"):
        named.update(other.winners)
        named.update(r.replacement_entry for r in other.replacements.all())
    if not named:
        return set()
    found = Entry.objects.filter(promotion_id=draw.promotion_id, public_id__in=named)
    return set(found.values_list("person_id", flat=True))


def _replacement_chain(
    *, draw: Draw, entry_public_id: str, reason: str
) -> list[tuple[str, str, str]]:
    """The replacements that give this winner's prize to the next alternate who may take
    it: ``(replaced, replacement, reason)``, the first for the winner with ``reason``, one
    more for each alternate passed over. ValidationError when none may be made."""
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the winner is replaced.")})
    if not draw.is_drawn:
        raise ValidationError(_("The draw has not been made yet."))
    replaced = {r.replaced_entry: r.replacement_entry for r in draw.replacements.all()}
    current = [replaced.get(w, w) for w in draw.winners]
    while any(w in replaced for w in current):
        current = [replaced.get(w, w) for w in current]
    if entry_public_id not in current:
        raise ValidationError(
            _("%(e)s is not a current winner of this draw.") % {"e": entry_public_id}
        )
    used = set(replaced.values())
    spare = [a for a in draw.alternates if a not in used]
    entries = {
        e.public_id: e
        for e in Entry.objects.filter(
            promotion_id=draw.promotion_id, public_id__in=spare
        ).select_related("person")
    }
    won_elsewhere = _winners_elsewhere(draw)
    chain: list[tuple[str, str, str]] = []
    giving_way, why = entry_public_id, reason.strip()
    for alternate in spare:
        chain.append((giving_way, alternate, why))
        why = _passed_over_reason(entries.get(alternate), won_elsewhere)
        if not why:
            return chain
        giving_way = alternate
    raise NoAlternateLeft(_("No alternate is left: commit a new draw (with its reason)."))
