"""Reads of draws: the public commitment, certificates and their JSON export."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from promotions.campaigns.models import Promotion, Status
from promotions.draws.models import Draw
from promotions.social.selectors import social_certificate_get


def draw_commitment_get_public(*, promotion: Promotion) -> Draw | None:
    """The first draw of the promotion: its commitment is shown on the promotion page."""
    return promotion.draws.order_by("committed_at", "id").first()


def draw_list_done(*, promotion: Promotion) -> list[Draw]:
    return list(promotion.draws.filter(status=Draw.Status.DRAWN).order_by("drawn_at", "id"))


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


def draw_winners_current(*, draw: Draw) -> list[str]:
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
    social = social_certificate_get(draw=draw)
    if social is not None:  # comment giveaways: sources, rules, exclusions, comment refs
        data["social"] = social
    return data
