"""Reads of comment giveaways: counts per reason, per post and per hour, and what the
draw certificate publishes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncHour

from promotions.campaigns.models import Promotion
from promotions.draws.models import Draw
from promotions.social.comments import comment_ref
from promotions.social.models import ExclusionReason, SocialComment, SocialRules, SocialSource
from promotions.social.services import social_rules_get_or_default


@dataclass(frozen=True)
class SocialCounts:
    stored: int
    entered: int
    entries: int
    excluded: list[tuple[str, int]]  # (reason, count), every reason that occurred


def social_counts_get(*, promotion: Promotion, until: datetime | None = None) -> SocialCounts:
    """The promotion's comments read, entered and excluded; ``until``: those stored by
    then (a draw's certificate counts what was read when it was made)."""
    comments = SocialComment.objects.filter(source__promotion=promotion)
    if until is not None:
        comments = comments.filter(imported_at__lte=until)
    rows = dict(
        comments.filter(status=SocialComment.Status.EXCLUDED)
        .values("reason")
        .annotate(n=Count("id"))
        .values_list("reason", "n")
    )
    order = [r for r in ExclusionReason.values if r in rows]
    return SocialCounts(
        stored=comments.count(),
        entered=comments.filter(status=SocialComment.Status.ENTERED).count(),
        entries=promotion.entries.filter(source__in=("facebook", "instagram")).count(),
        excluded=[(r, rows[r]) for r in order],
    )


def social_rules_public(*, promotion: Promotion) -> dict[str, Any] | None:
    """What the official rules page says about entering on posts; None without posts."""
    sources = list(SocialSource.objects.filter(promotion=promotion).order_by("id"))
    if not sources:
        return None
    return {"rules": social_rules_get_or_default(promotion=promotion), "sources": sources}


def social_sources_list(*, promotion: Promotion) -> list[dict[str, Any]]:
    """Each source with its comments and entries (the dashboard's "entries per post")."""
    sources = SocialSource.objects.filter(promotion=promotion).annotate(
        comments_read=Count("comments"),
        comments_entered=Count("comments", filter=Q(comments__status=SocialComment.Status.ENTERED)),
    )
    return [
        {
            "platform": s.get_platform_display(),
            "object_id": s.object_id,
            "permalink": s.permalink,
            "read": s.comments_read,
            "entered": s.comments_entered,
            "imported_at": s.imported_at,
            "last_error": s.last_error,
        }
        for s in sources
    ]


def social_entries_hourly(*, promotion: Promotion) -> list[tuple[datetime, int]]:
    """Entries from posts per UTC hour (the dashboard's comments per hour)."""
    rows = (
        promotion.entries.filter(source__in=("facebook", "instagram"))
        .annotate(hour=TruncHour("created_at"))
        .values("hour")
        .annotate(n=Count("id"))
        .order_by("hour")
        .values_list("hour", "n")
    )
    return list(rows)


def social_certificate_get(*, draw: Draw) -> dict[str, Any] | None:
    """What a draw's certificate adds for a comment giveaway: the sources, the rules, the
    exclusions per reason, and each listed entry's pseudonymous comment id. No names, no
    usernames. None for a promotion without posts."""
    promotion = draw.promotion
    sources = list(SocialSource.objects.filter(promotion=promotion).order_by("id"))
    if not sources:
        return None
    rules = SocialRules.objects.filter(promotion=promotion).first() or SocialRules(
        promotion=promotion
    )
    counts = social_counts_get(promotion=promotion, until=draw.drawn_at if draw.is_drawn else None)
    data: dict[str, Any] = {
        "sources": [
            {"platform": s.platform, "object_id": s.object_id, "permalink": s.permalink}
            for s in sources
        ],
        "rules": {
            "entry": rules.entry_kind,
            "weighting": rules.weighting,
            "keyword": rules.keyword,
            "min_mentions": rules.min_mentions,
            "exclude_page": rules.exclude_page,
            "blocklist_size": len(rules.blocked()),
            "window": [promotion.starts_at.isoformat(), promotion.ends_at.isoformat()],
        },
        "comments_read": counts.stored,
        "excluded": dict(counts.excluded),
        "final_import_at": rules.final_imported_at.isoformat() if rules.final_imported_at else None,
    }
    if draw.is_drawn:
        listed = {line.split(" ", 1)[0] for line in draw.entry_list.splitlines()}
        refs: dict[str, list[str]] = {}
        rows = (
            SocialComment.objects.filter(
                source__promotion=promotion,
                status=SocialComment.Status.ENTERED,
                entry__isnull=False,
            )
            .order_by("entry__public_id", "created_time", "comment_id")
            .values_list("entry__public_id", "platform", "comment_id")
        )
        for public_id, platform, comment_id in rows.iterator(chunk_size=10_000):
            if public_id in listed:
                refs.setdefault(public_id, []).append(comment_ref(platform, comment_id))
        data["entry_comments"] = refs
    return data


CERTIFICATE_ROWS = 500


def social_certificate_page(*, draw: Draw) -> dict[str, Any] | None:
    """The certificate page's part: the published data with reasons in words and the
    first ``CERTIFICATE_ROWS`` lines of the entry list with their comment references."""
    data = social_certificate_get(draw=draw)
    if data is None:
        return None
    labels = dict(ExclusionReason.choices)
    data["excluded_labelled"] = [(labels.get(r, r), n) for r, n in data["excluded"].items()]
    if draw.is_drawn:
        lines = draw.entry_list.splitlines()
        refs = data.get("entry_comments", {})
        data["listed"] = [
            (entry, tag, refs.get(entry, []))
            for entry, _, tag in (line.partition(" ") for line in lines[:CERTIFICATE_ROWS])
        ]
        data["listed_more"] = max(0, len(lines) - CERTIFICATE_ROWS)
    return data
