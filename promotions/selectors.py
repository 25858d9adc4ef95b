"""Reads for the consumer pages and the partner API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Avg, Count
from django.http import Http404
from django.utils import timezone

from promotions.eligibility import BLOCKING_RULES, Answers, Check, Refusal, local_day
from promotions.models import (
    Brand,
    Campaign,
    CouponCode,
    DataDeletionRequest,
    Draw,
    Entry,
    EntryFrequency,
    Person,
    Promotion,
    Status,
    Submission,
    Vote,
)


class Gone(Exception):
    """The thing existed and is over: the page answers 410 with a friendly message."""

    def __init__(self, message: str, campaign: Campaign | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.campaign = campaign


@dataclass(frozen=True)
class Hub:
    campaign: Campaign
    promotions: list[Promotion]
    preview: bool


def user_can_preview(*, user: AbstractBaseUser | AnonymousUser, brand: Brand) -> bool:
    """Staff of the brand (and superusers) see drafts and upcoming promotions as a preview."""
    if not getattr(user, "is_staff", False):
        return False
    return Brand.objects.for_user(user).filter(pk=brand.pk).exists()


def campaign_get_for_page(
    *,
    brand_slug: str,
    campaign_slug: str,
    user: AbstractBaseUser | AnonymousUser,
    at: datetime | None = None,
) -> tuple[Campaign, bool]:
    """The campaign a hub shows, and whether the viewer previews it as the brand's staff.

    Staff of the brand see drafts and upcoming things; for everybody else unknown or draft
    campaigns are 404 and finished ones raise ``Gone`` (410).
    """
    at = at or timezone.now()
    campaign = (
        Campaign.objects.select_related("brand")
        .filter(brand__slug=brand_slug, slug=campaign_slug)
        .first()
    )
    if campaign is None:
        raise Http404("No such campaign.")
    if user_can_preview(user=user, brand=campaign.brand):
        return campaign, True
    if campaign.is_live(at):
        return campaign, False
    if campaign.status != Status.DRAFT and campaign.is_finished(at):
        raise Gone(f"{campaign.name} has ended. Thank you for taking part!", campaign)
    raise Http404("This campaign is not open.")


def hub_get(
    *,
    brand_slug: str,
    campaign_slug: str,
    user: AbstractBaseUser | AnonymousUser,
    at: datetime | None = None,
) -> Hub:
    at = at or timezone.now()
    campaign, preview = campaign_get_for_page(
        brand_slug=brand_slug, campaign_slug=campaign_slug, user=user, at=at
    )
    promotions = campaign.promotions.all() if preview else campaign.promotions.live(at)
    if preview:
        promotions = promotions.exclude(status=Status.ENDED)
    return Hub(campaign=campaign, promotions=list(promotions), preview=preview)


def promotion_get_for_page(
    *,
    brand_slug: str,
    campaign_slug: str,
    promotion_slug: str,
    user: AbstractBaseUser | AnonymousUser,
    at: datetime | None = None,
) -> tuple[Promotion, bool]:
    """The promotion a tab shows and whether it is a preview; 404 or ``Gone`` otherwise."""
    at = at or timezone.now()
    campaign, preview = campaign_get_for_page(
        brand_slug=brand_slug, campaign_slug=campaign_slug, user=user, at=at
    )
    promotion = campaign.promotions.filter(slug=promotion_slug).first()
    if promotion is None:
        raise Http404("No such promotion.")
    promotion.campaign = campaign  # already loaded with its brand
    if preview or promotion.is_live(at):
        return promotion, preview
    if promotion.status != Status.DRAFT and promotion.is_finished(at):
        raise Gone(f"{promotion.title} has ended. Thank you for taking part!", campaign)
    raise Http404("This promotion is not open.")


# --- Entrants, entries and what a tab shows them --------------------------------------------


def person_get(*, person_id: object) -> Person | None:
    """The signed-in entrant of a session, if it still exists and is not anonymised."""
    if not isinstance(person_id, int):
        return None
    return Person.objects.filter(pk=person_id, anonymised_at__isnull=True).first()


@dataclass(frozen=True)
class EntrantState:
    """What the tab says to the signed-in entrant: their entries and whether they may enter."""

    entries: list[Entry]
    blocking: Refusal | None

    @property
    def latest(self) -> Entry | None:
        return self.entries[0] if self.entries else None


def entrant_state(
    *, promotion: Promotion, person: Person, at: datetime | None = None
) -> EntrantState:
    at = at or timezone.now()
    entries = list(
        promotion.entries.filter(person=person)
        .select_related("award__prize", "code", "submission")
        .order_by("-created_at", "-id")[:20]
    )
    check = Check(
        promotion=promotion,
        person=person,
        answers=Answers(),
        at=at,
        entries_so_far=len(entries)
        if len(entries) < 20
        else promotion.entries.filter(person=person).count(),
        entered_today=promotion.entry_frequency == EntryFrequency.DAILY
        and any(e.slot == local_day(promotion, at).isoformat() for e in entries),
    )
    blocking = next(
        (r for rule in BLOCKING_RULES if (r := rule(check)) is not None),
        None,
    )
    return EntrantState(entries=entries, blocking=blocking)


def draw_commitment_public(*, promotion: Promotion) -> Draw | None:
    """The first draw of the promotion: its commitment is shown on the promotion page."""
    return promotion.draws.order_by("committed_at", "id").first()


def draws_done(*, promotion: Promotion) -> list[Draw]:
    return list(promotion.draws.filter(status=Draw.Status.DRAWN).order_by("drawn_at", "id"))


@dataclass(frozen=True)
class GalleryItem:
    submission: Submission
    votes: int


def gallery(*, promotion: Promotion, limit: int = 60) -> list[GalleryItem]:
    """Approved submissions with their vote counts, most voted first."""
    rows = (
        promotion.submissions.filter(status=Submission.Status.APPROVED, removed_at__isnull=True)
        .annotate(vote_count=Count("votes"))
        .order_by("-vote_count", "created_at", "id")[:limit]
    )
    return [GalleryItem(submission=s, votes=s.vote_count) for s in rows]


def voted_today(*, promotion: Promotion, person: Person, at: datetime | None = None) -> int | None:
    """The submission id this person voted for today (brand's day), if any."""
    at = at or timezone.now()
    vote = Vote.objects.filter(
        promotion=promotion, person=person, day=local_day(promotion, at)
    ).first()
    return vote.submission_id if vote else None


@dataclass(frozen=True)
class Standing:
    submission: Submission
    votes: int
    jury_average: float | None
    score: float


def contest_standings(*, promotion: Promotion) -> list[Standing]:
    """Final scores: public share (votes / most votes) and jury share (average / 10),
    weighted by the promotion's ``jury_weight`` percent; best first."""
    rows = list(
        promotion.submissions.filter(status=Submission.Status.APPROVED, removed_at__isnull=True)
        .annotate(vote_count=Count("votes", distinct=True), jury=Avg("scores__score"))
        .order_by("id")
    )
    most = max((r.vote_count for r in rows), default=0)
    weight = promotion.jury_weight / 100
    standings = []
    for r in rows:
        public = r.vote_count / most if most else 0.0
        jury = r.jury / 10 if r.jury is not None else 0.0
        standings.append(
            Standing(
                submission=r,
                votes=r.vote_count,
                jury_average=r.jury,
                score=round((1 - weight) * public + weight * jury, 6),
            )
        )
    return sorted(standings, key=lambda s: (-s.score, -s.votes, s.submission.pk))


# --- Draw certificates ----------------------------------------------------------------------


def promotion_get_public_record(
    *, brand_slug: str, campaign_slug: str, promotion_slug: str
) -> Promotion:
    """A promotion whose public records (draw certificates) stay readable after it ends:
    anything but a draft (404)."""
    promotion = (
        Promotion.objects.select_related("campaign__brand")
        .filter(
            campaign__brand__slug=brand_slug,
            campaign__slug=campaign_slug,
            slug=promotion_slug,
        )
        .exclude(status=Status.DRAFT)
        .exclude(campaign__status=Status.DRAFT)
        .first()
    )
    if promotion is None:
        raise Http404("No such promotion.")
    return promotion


def draw_get_public(*, promotion: Promotion, draw_id: int) -> Draw:
    draw = promotion.draws.select_related("prize").filter(pk=draw_id).first()
    if draw is None:
        raise Http404("No such draw.")
    draw.promotion = promotion
    return draw


def draw_current_winners(*, draw: Draw) -> list[str]:
    """The winners after replacements, in the order drawn."""
    replaced = dict(draw.replacements.values_list("replaced_entry", "replacement_entry"))
    current = list(draw.winners)
    for _ in range(len(replaced)):
        current = [replaced.get(w, w) for w in current]
    return current


def draw_export(*, draw: Draw, url: str = "") -> dict[str, Any]:
    """Everything needed to verify a draw, and nothing personal (docs/draws.md).

    Before the draw only the commitment is published; the seed stays secret.
    """
    promotion = draw.promotion
    data: dict[str, Any] = {
        "algorithm": draw.algorithm,
        "draw": draw.pk,
        "promotion": promotion.slug,
        "certificate": url,
        "status": draw.status,
        "seed_commitment": draw.seed_commitment,
        "committed_at": draw.committed_at.isoformat(),
        "entries_closed_at": promotion.ends_at.isoformat(),
        "reason": draw.reason,
        "winners_count": draw.winners_count,
        "alternates_count": draw.alternates_count,
    }
    if draw.is_drawn:
        assert draw.drawn_at is not None
        data.update(
            {
                "drawn_at": draw.drawn_at.isoformat(),
                "seed": draw.seed,
                "entry_count": draw.entry_count,
                "entry_list_hash": draw.entry_list_hash,
                "entry_list": draw.entry_list,
                "winners": list(draw.winners),
                "alternates": list(draw.alternates),
                "replacements": [
                    {
                        "replaced": r.replaced_entry,
                        "replacement": r.replacement_entry,
                        "reason": r.reason,
                        "at": r.replaced_at.isoformat(),
                    }
                    for r in draw.replacements.all()
                ],
            }
        )
    return data


# --- For the shop ---------------------------------------------------------------------------


class PromotionCodeClaim(NamedTuple):
    promotion_id: int
    entrant_id: int
    claimed_at: datetime


def promotion_code_lookup(*, code: str) -> PromotionCodeClaim | None:
    """For the shop: the offer promotion, entrant and claim time of a code that a
    promotion handed out; None for an unknown code or one never handed out.

    Codes are unique across promotions and looked up case-insensitively (spaces ignored).
    Whether it was already used is ``CouponCode.redeemed_at``; mark use with
    ``promotions.services.promotion_code_redeem(code=..., reference=<order id>)``.
    """
    normalized = "".join(code.split()).upper()
    if not normalized or len(normalized) > 40:
        return None
    row = (
        CouponCode.objects.filter(code=normalized, person__isnull=False)
        .values_list("promotion_id", "person_id", "claimed_at")
        .first()
    )
    if row is None or row[2] is None:
        return None
    return PromotionCodeClaim(promotion_id=row[0], entrant_id=row[1], claimed_at=row[2])


def data_deletion_get(*, confirmation_code: str) -> DataDeletionRequest | None:
    if not confirmation_code.isalnum() or len(confirmation_code) > 32:
        return None
    return DataDeletionRequest.objects.filter(confirmation_code=confirmation_code).first()
