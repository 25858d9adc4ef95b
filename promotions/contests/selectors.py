"""Contest reads: the public gallery, today's vote and the standings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count
from django.utils import timezone

from promotions.campaigns.models import Promotion
from promotions.contests.models import Submission, Vote
from promotions.entrants.models import Person
from promotions.entries.eligibility import local_day


@dataclass(frozen=True)
class GalleryItem:
    submission: Submission
    votes: int


def submission_gallery_list(*, promotion: Promotion, limit: int = 60) -> list[GalleryItem]:
    """The gallery's submissions (``in_gallery``) with their vote counts, most voted first."""
    rows = (
        Submission.objects.in_gallery()
        .filter(promotion=promotion)
        .annotate(vote_count=Count("votes"))
        .order_by("-vote_count", "created_at", "id")[:limit]
    )
    return [GalleryItem(submission=s, votes=s.vote_count) for s in rows]


def vote_today_get(
    *, promotion: Promotion, person: Person, at: datetime | None = None
) -> int | None:
    """The submission id this person voted for today (the campaign's day), if any."""
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


def submission_standings_list(*, promotion: Promotion) -> list[Standing]:
    """Final scores: public share (votes / most votes) and jury share (average / 10),
    weighted by the promotion's ``jury_weight`` percent; best first. Only the gallery's
    submissions (``in_gallery``: an excluded entry has no place)."""
    rows = list(
        Submission.objects.in_gallery()
        .filter(promotion=promotion)
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
