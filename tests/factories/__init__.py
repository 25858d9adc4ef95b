"""factory_boy factories, one module per app; import them from here."""

from tests.factories.promotions import (
    BrandFactory,
    BrandMembershipFactory,
    CampaignFactory,
    PromotionFactory,
    StaffUserFactory,
    UserFactory,
)

__all__ = [
    "BrandFactory",
    "BrandMembershipFactory",
    "CampaignFactory",
    "PromotionFactory",
    "StaffUserFactory",
    "UserFactory",
]
