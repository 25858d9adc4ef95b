"""The partner events of a claim's life (winner.notified, prize.claimed, prize.shipped;
docs/partners.md): ids, slugs and times, never personal data."""

from __future__ import annotations

from datetime import datetime

from promotions.claims.models import PrizeClaim
from tracking.partner_webhooks import event_publish


def claim_event_publish(claim: PrizeClaim, event_type: str, at: datetime, **extra: object) -> None:
    """A partner event about a claim (docs/partners.md): ids, slugs and times only."""
    promotion = claim.promotion
    campaign = promotion.campaign
    event_publish(
        brand_id=campaign.brand_id,
        event_type=event_type,
        data={
            "draw": claim.draw_id,
            "promotion": {"id": promotion.pk, "slug": promotion.slug, "kind": promotion.kind},
            "campaign": {"id": campaign.pk, "slug": campaign.slug},
            "entry": claim.entry.public_id,
            "prize": claim.prize_id,
            **extra,
        },
        at=at,
    )
