"""Reads after the draw: a claim by its link, the public winners list."""

from __future__ import annotations

from dataclasses import dataclass

from django.core import signing
from django.urls import reverse

from promotions.campaigns.countries import COUNTRY_NAMES
from promotions.campaigns.models import Promotion, WinnersDisplay
from promotions.claims.models import PrizeClaim
from promotions.claims.services import CLAIM_TOKEN_SALT
from promotions.draws import selectors as draws_selectors
from promotions.draws.models import Draw
from promotions.entries.models import Entry

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


def winners_public_list(*, promotion: Promotion) -> list[WinnerRow] | None:
    """The current winners (after replacements) of every draw made, in the order drawn;
    None before any draw is made. A winner whose data was deleted is left out."""
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
        prizes = {
            c.entry.public_id: c.prize.name
            for c in draw.claims.select_related("entry", "prize")
            if c.prize is not None
        }
        fallback = draw.prize.name if draw.prize else ""
        for public_id in current:
            entry = entries.get(public_id)
            if entry is None or entry.person.anonymised_at is not None:
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
