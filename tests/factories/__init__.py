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
    CapiAttemptFactory,
    CapiDeliveryFactory,
    CodeFactory,
    OfferCustomerUsageFactory,
    OfferFactory,
    OrderFactory,
    OrderLineFactory,
    ProductFactory,
    ProductImageFactory,
    RedemptionFactory,
    RefundFactory,
    StripeEventFactory,
    VariantFactory,
)

__all__ = [
    "BrandFactory",
    "BrandMembershipFactory",
    "CampaignFactory",
    "CapiAttemptFactory",
    "CapiDeliveryFactory",
    "CodeFactory",
    "OfferCustomerUsageFactory",
    "OfferFactory",
    "OrderFactory",
    "OrderLineFactory",
    "ProductFactory",
    "ProductImageFactory",
    "PromotionFactory",
    "RedemptionFactory",
    "RefundFactory",
    "StaffUserFactory",
    "StripeEventFactory",
    "UserFactory",
    "VariantFactory",
]
