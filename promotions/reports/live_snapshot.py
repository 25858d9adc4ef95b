"""What the live wall shows (``promotions.reports.live``): counters, CTR and the newest
entries and approved submissions, with a first name and an initial at most.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.utils import timezone

from promotions.models import Campaign, Entry, Person, Submission
from tracking import selectors as tracking_selectors

LIVE_ITEMS = 8


def public_first_name(person: Person) -> str:
    """What a wall may show of a person: a first name and an initial ("Marie D.")."""
    if person.anonymised_at is not None or not person.name.strip():
        return "A participant"
    words = person.name.split()
    initial = f" {words[-1][0].upper()}." if len(words) > 1 else ""
    return f"{words[0][:30]}{initial}"


def live_snapshot_get(*, campaign: Campaign, now: datetime | None = None) -> dict[str, Any]:
    """The wall's numbers and newest items, JSON-ready, without personal data beyond a
    first name and an initial. Counts of impressions and clicks come from the rollups
    (the campaign's window up to today); entries and submissions from their tables."""
    now = now or timezone.now()
    brand = campaign.brand
    zone = brand.tzinfo
    since = campaign.starts_at.astimezone(zone).date()
    until = max(now.astimezone(zone).date(), since)
    stats = tracking_selectors.stats_total_get(
        level="campaign",
        id=campaign.pk,
        since=since,
        until=until,
        timezone=brand.timezone,
        brand_ids=[brand.pk],
    )
    entries = Entry.objects.filter(promotion__campaign=campaign, status=Entry.Status.VALID)
    newest = entries.select_related("person", "promotion").order_by("-created_at", "-pk")
    submissions = Submission.objects.in_gallery().filter(promotion__campaign=campaign)
    shown = submissions.select_related("person", "promotion").order_by("-created_at", "-pk")

    def iso(at: datetime) -> str:
        return at.astimezone(UTC).isoformat().replace("+00:00", "Z")

    return {
        "campaign": campaign.name,
        "brand": brand.name,
        "as_of": iso(now),
        "counters": {
            "impressions": stats.impressions,
            "clicks": stats.clicks,
            "ctr": stats.ctr,
            "entries": entries.count(),
            "submissions": submissions.count(),
        },
        "entries": [
            {
                "id": e.public_id,
                "name": public_first_name(e.person),
                "promotion": e.promotion.title,
                "at": iso(e.created_at),
            }
            for e in newest[:LIVE_ITEMS]
        ],
        "submissions": [
            {
                "id": s.pk,
                "title": s.title,
                "name": public_first_name(s.person),
                "promotion": s.promotion.title,
                "media": s.media,
                "at": iso(s.created_at),
            }
            for s in shown[:LIVE_ITEMS]
        ],
    }
