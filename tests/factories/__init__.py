"""factory_boy factories, one module per app; import them from here."""

from tests.factories.promotions import (
    BrandFactory,
    BrandMembershipFactory,
    CampaignFactory,
    PromotionFactory,
    StaffUserFactory,
    UserFactory,
)
from tests.factories.shop import (
    CodeFactory,
    OfferFactory,
    OrderFactory,
    ProductFactory,
    VariantFactory,
)

__all__ = [
    "BrandFactory",
    "BrandMembershipFactory",
    "CampaignFactory",
    "CodeFactory",
    "OfferFactory",
    "OrderFactory",
    "ProductFactory",
    "PromotionFactory",
    "StaffUserFactory",
    "UserFactory",
    "VariantFactory",
]
