"""Demo products and offers for the demo brand that `make run` shows (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from promotions.models import Brand, CouponCode, Promotion
from shop.catalog.services import product_create
from shop.models import Code, Offer, Product
from shop.offers.codes import codes_generate, codes_import

PRODUCTS = [
    {
        "slug": "nova-x-case",
        "title": "Nova X silicone case",
        "description": "Soft-touch silicone, raised edges around the camera, "
        "wireless-charging friendly.",
        "price": 1990,
        "variants": [("Midnight", 25), ("Ocean", 25), ("Coral", 25)],
        "position": 1,
    },
    {
        "slug": "nova-buds",
        "title": "Nova Buds earbuds",
        "description": "Noise-cancelling earbuds with 30 hours of battery in the case.",
        "price": 5900,
        "stock": 40,
        "position": 2,
    },
    {
        "slug": "charger-30w",
        "title": "30 W fast charger",
        "description": "USB-C power delivery: 50% in 25 minutes.",
        "price": 2490,
        "stock": 60,
        "position": 3,
    },
    {
        "slug": "screen-protector",
        "title": "Screen protector (2-pack)",
        "description": "Tempered glass with an alignment frame.",
        "price": 1290,
        "stock": 100,
        "position": 4,
    },
]


@dataclass(frozen=True)
class DemoShop:
    brand: Brand
    products: int
    codes: int
    sample_code: str
    promotion_path: str  # where consumers claim the offer's codes, when a promotion does


@transaction.atomic
def shop_demo_seed(*, brand_slug: str = "demo") -> DemoShop:
    """Create what is missing; stock and codes already there are left alone."""
    brand, _ = Brand.objects.get_or_create(
        slug=brand_slug,
        defaults={"name": "Nova Mobile (demo)", "timezone": "Europe/Paris", "language": "en"},
    )
    for spec in PRODUCTS:
        if not Product.objects.filter(brand=brand, slug=spec["slug"]).exists():
            product_create(brand=brand, currency="EUR", **spec)  # type: ignore[arg-type]
    accessories = list(Product.objects.filter(brand=brand).exclude(slug="nova-buds"))
    promotion = Promotion.objects.filter(campaign__brand=brand, slug="coupon").first()

    offer = _offer(
        brand,
        name="15% off accessories",
        promotion=promotion,
        kind=Offer.Kind.PERCENT,
        percent_off=15,
        code_type=Offer.CodeType.UNIQUE,
        max_per_customer=1,
    )
    offer.products.set(accessories)
    promotion_pool = (
        promotion is not None and CouponCode.objects.filter(promotion=promotion).exists()
    )
    if not promotion_pool and not offer.codes.exists():
        # No promotion hands out codes here: the shop's own single-use codes stand in.
        codes_generate(offer=offer, count=200, prefix="NOVA")
    welcome = _offer(
        brand,
        name="5 € welcome",
        promotion=None,
        kind=Offer.Kind.AMOUNT,
        amount_off=500,
        currency="EUR",
        code_type=Offer.CodeType.SHARED,
        max_per_customer=1,
        max_redemptions=1000,
    )
    if not welcome.codes.exists():
        codes_import(offer=welcome, codes=["WELCOME5"])
    sample = offer.codes.filter(issued_at__isnull=True, times_used=0).order_by("id").first()
    return DemoShop(
        brand=brand,
        products=Product.objects.filter(brand=brand).count(),
        codes=Code.objects.filter(brand=brand).count(),
        sample_code=sample.code if sample else "",
        promotion_path=promotion.get_absolute_url() if promotion_pool and promotion else "",
    )


def _offer(brand: Brand, *, name: str, **fields: object) -> Offer:
    now = timezone.now()
    offer = Offer.objects.filter(brand=brand, name=name).first()
    if offer is None:
        offer = Offer(
            brand=brand,
            name=name,
            starts_at=now - timedelta(days=1),
            ends_at=now + timedelta(days=90),
            **fields,
        )
        offer.full_clean()
        offer.save()
    elif offer.ends_at < now + timedelta(days=30):
        offer.ends_at = now + timedelta(days=90)
        offer.save(update_fields=["ends_at", "updated_at"])
    return offer
