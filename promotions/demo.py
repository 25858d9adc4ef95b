"""The demo brand, campaign and promotions that `make run` shows (PRODUCT.md, "Setup")."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from promotions.models import Brand, Campaign, Promotion, Status

RULES = (
    "NO PURCHASE NECESSARY. Open to legal residents of the countries listed, aged 18 or "
    "over. Entries close at the end of the promotion window (Europe/Paris time). Winners "
    "are drawn at random with a published, verifiable procedure and contacted by email. "
    "Each entrant completely releases Facebook from any liability. This promotion is in no "
    "way sponsored, endorsed, administered by or associated with Facebook."
)

PROMOTIONS = [
    {
        "slug": "giveaway",
        "kind": Promotion.Kind.SWEEPSTAKES,
        "title": "Win the new Nova X phone",
        "description": "Enter once a day for a chance to win one of three Nova X phones.",
        "cta_label": "Enter the giveaway",
        "position": 1,
    },
    {
        "slug": "instant",
        "kind": Promotion.Kind.INSTANT_WIN,
        "title": "Instant win: open the box",
        "description": "Play once a day and find out at once whether you won earbuds or a case.",
        "cta_label": "Play now",
        "position": 2,
    },
    {
        "slug": "shorts",
        "kind": Promotion.Kind.CONTEST,
        "title": "Shot on Nova: short-film competition",
        "description": "Submit a film of up to 60 seconds shot on your phone. A jury and the "
        "public vote pick the winners.",
        "cta_label": "Submit your film",
        "position": 3,
    },
    {
        "slug": "coupon",
        "kind": Promotion.Kind.OFFER,
        "title": "15% off accessories",
        "description": "Claim your personal code and use it in the shop.",
        "cta_label": "Get my code",
        "cta_url": "https://example.com/nova/accessories",
        "position": 4,
    },
]


@transaction.atomic
def demo_seed() -> Campaign:
    """Create or refresh the demo data; running it again changes nothing but stale windows."""
    now = timezone.now()
    brand, _ = Brand.objects.get_or_create(
        slug="demo",
        defaults={"name": "Nova Mobile (demo)", "timezone": "Europe/Paris", "language": "en"},
    )
    campaign, created = Campaign.objects.get_or_create(
        brand=brand,
        slug="launch",
        defaults={
            "name": "Nova X launch",
            "description": "Celebrate the Nova X: win one, shoot a film with it, save on extras.",
            "status": Status.ACTIVE,
            "starts_at": now - timedelta(days=14),
            "ends_at": now + timedelta(days=90),
        },
    )
    if not created and campaign.ends_at < now + timedelta(days=30):
        campaign.ends_at = now + timedelta(days=90)
        campaign.save(update_fields=["ends_at", "updated_at"])
    for spec in PROMOTIONS:
        promotion, made = Promotion.objects.get_or_create(
            campaign=campaign,
            slug=spec["slug"],
            defaults={
                **spec,
                "official_rules": RULES,
                "status": Status.ACTIVE,
                "starts_at": campaign.starts_at,
                "ends_at": campaign.ends_at,
            },
        )
        if not made and promotion.ends_at < campaign.ends_at - timedelta(days=60):
            promotion.ends_at = campaign.ends_at
            promotion.save(update_fields=["ends_at", "updated_at"])
    return campaign
