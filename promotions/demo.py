"""The demo brand, campaign and promotions that `make run` shows (PRODUCT.md, "Setup"):
one promotion of each kind, with prizes, winning moments, a code pool and contest films."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone, translation

from promotions.codes import services as codes_services
from promotions.demo_translations import demo_translations_apply
from promotions.draws import services as draws_services
from promotions.models import (
    Brand,
    Campaign,
    EntryFrequency,
    Person,
    Prize,
    Promotion,
    Status,
    Submission,
    SubmissionMedia,
    WinningMoment,
)

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
        "entry_frequency": EntryFrequency.DAILY,
    },
    {
        "slug": "instant",
        "kind": Promotion.Kind.INSTANT_WIN,
        "title": "Instant win: open the box",
        "description": "Play once a day and find out at once whether you won earbuds or a case.",
        "cta_label": "Play now",
        "position": 2,
        "entry_frequency": EntryFrequency.DAILY,
    },
    {
        "slug": "shorts",
        "kind": Promotion.Kind.CONTEST,
        "title": "Shot on Nova: short-film competition",
        "description": "Submit a film of up to 60 seconds shot on your phone. A jury and the "
        "public vote pick the winners.",
        "cta_label": "Submit your film",
        "position": 3,
        "submission_media": SubmissionMedia.VIDEO,
        "jury_weight": 40,
    },
    {
        "slug": "coupon",
        "kind": Promotion.Kind.OFFER,
        "title": "15% off accessories",
        "description": "Claim your personal code and use it in the shop.",
        "cta_label": "Get my code",
        "position": 4,
    },
]


@transaction.atomic
def demo_seed() -> Campaign:
    """Create or refresh the demo data; running it again changes nothing but stale windows.
    Written in English, then in the other languages of ``promotions.demo_translations``."""
    with translation.override("en"):
        campaign = _demo_seed_english()
    demo_translations_apply(campaign)
    return campaign


def _demo_seed_english() -> Campaign:
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
        _PLAYTHINGS[Promotion.Kind(promotion.kind)](promotion, now)
    return campaign


def _prize(promotion: Promotion, name: str, **fields: object) -> Prize:
    prize, _ = Prize.objects.get_or_create(promotion=promotion, name=name, defaults=fields)
    return prize


def _giveaway(promotion: Promotion, now: datetime) -> None:
    _prize(
        promotion,
        "Nova X phone",
        description="256 GB, any colour",
        value_label="€899",
        quantity=3,
        claim_shipping_address=True,
        claim_phone=True,
        claim_statement="I am 18 or older and live in one of the promotion's countries.",
    )
    draws_services.draw_commitment_ensure(promotion=promotion, at=now)


def _instant(promotion: Promotion, now: datetime) -> None:
    buds = _prize(
        promotion, "Nova Buds earbuds", value_label="€129", quantity=20, odds_one_in=8, position=1
    )
    _prize(promotion, "Nova X case", value_label="€29", quantity=50, odds_one_in=4, position=2)
    if not buds.moments.exists():
        # The first play after each moment wins a pair: one has come already.
        WinningMoment.objects.bulk_create(
            WinningMoment(prize=buds, at=now + timedelta(hours=hours)) for hours in (-1, 24, 72)
        )


FILMS = [
    (
        "demo-film-1@example.com",
        "Léa",
        "Night ride",
        "https://video.example.com/shot-on-nova/night-ride",
    ),
    (
        "demo-film-2@example.com",
        "Tomás",
        "Grandma's kitchen",
        "https://video.example.com/shot-on-nova/kitchen",
    ),
    (
        "demo-film-3@example.com",
        "Aiko",
        "Low tide",
        "https://video.example.com/shot-on-nova/low-tide",
    ),
]


def _shorts(promotion: Promotion, now: datetime) -> None:
    _prize(promotion, "Jury prize: a Nova X and a festival pass", quantity=1)
    _prize(promotion, "Audience prize: Nova Buds", quantity=1, position=1)
    for email, name, title, url in FILMS:
        person, _ = Person.objects.get_or_create(
            email_normalized=email, defaults={"email": email, "name": name, "country": "FR"}
        )
        entry, _ = promotion.entries.get_or_create(person=person, slot="1")
        Submission.objects.get_or_create(
            entry=entry,
            defaults={
                "promotion": promotion,
                "person": person,
                "title": title,
                "description": f"{title}, shot on a Nova X in one afternoon.",
                "media": SubmissionMedia.VIDEO,
                "video_url": url,
                "status": Submission.Status.APPROVED,
                "moderated_at": now,
            },
        )


def _coupon(promotion: Promotion, now: datetime) -> None:
    if not promotion.codes.exists():
        codes_services.code_pool_generate(promotion=promotion, count=200, prefix="NOVA")


_PLAYTHINGS = {
    Promotion.Kind.SWEEPSTAKES: _giveaway,
    Promotion.Kind.INSTANT_WIN: _instant,
    Promotion.Kind.CONTEST: _shorts,
    Promotion.Kind.OFFER: _coupon,
}
