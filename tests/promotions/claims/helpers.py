"""A closed sweepstakes with named entrants, a committed draw and a prize to claim."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from promotions.draws import services as draws_services
from promotions.models import BrandMembership, Draw, Promotion
from tests.factories.promotions import (
    BrandMembershipFactory,
    EntryFactory,
    PersonFactory,
    PrizeFactory,
    PromotionFactory,
)

NAMES = ["Ana Lopez", "Bruno Costa", "Chloé Martin", "Dmitri Ivanov", "Emma Schmidt"]


def closed_sweepstakes(
    *, entrants: int = 8, winners: int = 1, alternates: int = 3, **prize_settings: object
) -> tuple[Promotion, Draw, datetime]:
    """Entries in, a draw committed before close, entries closed a minute ago. Returns the
    promotion, its draw and the moment the worker may run it (close + grace)."""
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)
    BrandMembershipFactory(
        brand=promotion.campaign.brand,
        role=BrandMembership.Role.MANAGER,
        user__email="manager@brand.example",
    )
    PrizeFactory(
        promotion=promotion,
        name="Phone X",
        quantity=winners,
        **{"claim_shipping_address": True, "claim_phone": True, **prize_settings},
    )
    draw = draws_services.draw_commit(
        promotion=promotion, winners_count=winners, alternates_count=alternates
    )
    entered = timezone.now() - timedelta(hours=1)
    for n in range(entrants):
        person = PersonFactory(name=NAMES[n % len(NAMES)], country="FR")
        EntryFactory(promotion=promotion, person=person, created_at=entered, country="FR")
    closed = timezone.now() - timedelta(minutes=1)
    Promotion.objects.filter(pk=promotion.pk).update(ends_at=closed)
    Draw.objects.filter(pk=draw.pk).update(committed_at=entered - timedelta(hours=1))
    promotion.refresh_from_db()
    draw.refresh_from_db()
    return promotion, draw, closed + timedelta(minutes=promotion.draw_grace_minutes)


SHIPPING = {
    "action": "claim",
    "full_name": "Ana Lopez",
    "address_line1": "12 rue de la Paix",
    "postal_code": "75002",
    "city": "Paris",
    "country": "FR",
    "phone": "+33 6 12 34 56 78",
    "accept_rules": "on",
}
