"""Reads after the draw: a claim by its link, the public winners list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from promotions.campaigns.countries import COUNTRY_NAMES
from promotions.campaigns.models import Promotion, WinnersDisplay
from promotions.claims.models import PrizeClaim
from promotions.claims.services import CLAIM_TOKEN_SALT
from promotions.draws import selectors as draws_selectors
from promotions.draws.models import Draw
from promotions.entries.models import PURCHASE_SOURCE, Entry
from promotions.social.models import SocialReply

TOKEN_MAX_LENGTH = 300


def claim_get_by_token(*, token: str, promotion: Promotion) -> PrizeClaim | None:
    """The claim a link names, if its signature holds, its nonce is the claim's and it
    belongs to this promotion; None for anything else (tampered, foreign, replaced)."""
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return None
    try:
        data = signing.Signer(salt=CLAIM_TOKEN_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    claim_id, nonce = data.get("c"), data.get("n")
    if not isinstance(claim_id, int) or not isinstance(nonce, str):
        return None
    return (
        PrizeClaim.objects.select_related("entry__person", "prize", "draw")
        .filter(pk=claim_id, nonce=nonce, promotion=promotion)
        .first()
    )


@dataclass(frozen=True)
class WinnerRow:
    label: str
    country: str
    prize: str
    entry: str
    draw: Draw


def winner_label(*, name: str, display: str, entry: str) -> str:
    """A winner as the rules publish them: "Ana L." (first name and initial) or the entry."""
    if display == WinnersDisplay.ENTRY_NUMBER:
        return entry
    parts = name.split()
    if not parts:
        return entry
    first = parts[0]
    initial = f" {parts[-1][0].upper()}." if len(parts) > 1 else ""
    return f"{first}{initial}"


_LOST = (PrizeClaim.Status.DECLINED, PrizeClaim.Status.EXPIRED, PrizeClaim.Status.INELIGIBLE)


def winners_public_list(*, promotion: Promotion) -> list[WinnerRow] | None:
    """The current winners (after replacements) of every draw made, in the order drawn;
    None before any draw is made. Left out: a winner whose data was deleted, and one who
    lost the prize (declined, did not claim in time, not eligible) when no alternate was
    left to take it: they did not win it."""
    draws = draws_selectors.draw_list_done(promotion=promotion)
    if not draws:
        return None
    rows: list[WinnerRow] = []
    for draw in draws:
        current = draws_selectors.draw_winners_current(draw=draw)
        entries = {
            e.public_id: e
            for e in Entry.objects.filter(
                promotion=promotion, public_id__in=current
            ).select_related("person")
        }
        claims = list(draw.claims.select_related("entry", "prize"))
        prizes = {c.entry.public_id: c.prize.name for c in claims if c.prize is not None}
        lost = {c.entry.public_id for c in claims if c.status in _LOST}
        fallback = draw.prize.name if draw.prize else ""
        for public_id in current:
            entry = entries.get(public_id)
            if entry is None or entry.person.anonymised_at is not None or public_id in lost:
                continue
            display = promotion.winners_display
            country = entry.country or entry.person.country
            rows.append(
                WinnerRow(
                    label=winner_label(name=entry.person.name, display=display, entry=public_id),
                    country=COUNTRY_NAMES.get(country, country)
                    if display == WinnersDisplay.FIRST_INITIAL_COUNTRY
                    else "",
                    prize=prizes.get(public_id, fallback),
                    entry=public_id,
                    draw=draw,
                )
            )
    return rows


def winners_url_get(*, promotion: Promotion) -> str:
    """The winners page's address once a draw of the promotion is made, else ''."""
    if not promotion.draws.filter(status=Draw.Status.DRAWN).exists():
        return ""
    campaign = promotion.campaign
    return reverse("promotions:winners", args=[campaign.brand.slug, campaign.slug, promotion.slug])


# A confirmation queued this long ago and still not sent has failed (the mail server, a
# lost task); after this long it is no longer news and is not sent.
CONFIRMATION_RETRY_AFTER = timedelta(minutes=10)
CONFIRMATION_GIVE_UP_AFTER = timedelta(days=2)


def entries_confirmation_due(*, at: datetime | None = None, limit: int = 500) -> list[int]:
    """Entries by the form or by a purchase whose "you're in" email has not gone out
    although it was queued a while ago: oldest first, for the resend (the partial index
    ``entry_unconfirmed_time``). Comment entries are told by a reply, not by email."""
    at = at or timezone.now()
    return list(
        Entry.objects.filter(
            Q(source="") | Q(source__startswith="click:") | Q(source=PURCHASE_SOURCE),
            confirmation_sent_at__isnull=True,
            created_at__lte=at - CONFIRMATION_RETRY_AFTER,
            created_at__gte=at - CONFIRMATION_GIVE_UP_AFTER,
            person__anonymised_at__isnull=True,
        )
        .exclude(person__email="")
        .order_by("created_at")
        .values_list("pk", flat=True)[:limit]
    )


def claims_notice_due(*, at: datetime | None = None, limit: int = 200) -> list[int]:
    """Open claims whose winner has not been told although the message was queued a while
    ago (the mail server refused, a task was lost): by email, or for a comment's winner
    whose private reply did go out but was not recorded. Oldest first, for the resend; a
    deadline that has passed is the expiry's business."""
    at = at or timezone.now()
    replied = SocialReply.objects.filter(
        entry_id=OuterRef("entry_id"),
        kind=SocialReply.Kind.PRIVATE,
        status=SocialReply.Status.SENT,
    )
    return list(
        PrizeClaim.objects.filter(
            status=PrizeClaim.Status.NOTIFIED,
            notified_at__isnull=True,
            created_at__lte=at - CONFIRMATION_RETRY_AFTER,
            deadline__gt=at,
        )
        .filter(
            Q(channel=PrizeClaim.Channel.EMAIL)
            | Q(Exists(replied), channel=PrizeClaim.Channel.COMMENT_REPLY)
        )
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
