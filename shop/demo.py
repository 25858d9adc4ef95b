"""Demo products and offers for the demo brand that `make run` shows (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone, translation

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


# The products and offers in the demo campaign's other languages (promotions.demo_translations).
TRANSLATIONS: dict[str, dict[str, tuple[str, str]]] = {
    "nova-x-case": {
        "fr": (
            "Coque en silicone Nova X",
            "Silicone au toucher doux, bords surélevés autour "
            "de l'appareil photo, compatible avec la recharge sans fil.",
        ),
        "de": (
            "Nova X Silikonhülle",
            "Softtouch-Silikon, erhöhter Rand um die Kamera, geeignet für kabelloses Laden.",
        ),
        "es": (
            "Funda de silicona Nova X",
            "Silicona de tacto suave, bordes elevados alrededor "
            "de la cámara, compatible con la carga inalámbrica.",
        ),
        "ar": (
            "غطاء سيليكون لهاتف Nova X",
            "سيليكون ناعم الملمس، وحواف بارزة حول الكاميرا، ومتوافق مع الشحن اللاسلكي.",
        ),
        "he": (
            "כיסוי סיליקון ל-Nova X",
            "סיליקון רך למגע, שוליים מוגבהים סביב המצלמה, תואם לטעינה אלחוטית.",
        ),
    },
    "nova-buds": {
        "fr": (
            "Écouteurs Nova Buds",
            "Écouteurs à réduction de bruit, 30 heures d'autonomie avec le boîtier.",
        ),
        "de": (
            "Nova Buds Ohrhörer",
            "Ohrhörer mit Geräuschunterdrückung und 30 Stunden Akku im Ladecase.",
        ),
        "es": (
            "Auriculares Nova Buds",
            "Auriculares con cancelación de ruido y 30 horas de batería en el estuche.",
        ),
        "ar": (
            "سماعات Nova Buds",
            "سماعات أذن بخاصية إلغاء الضوضاء وبطارية تدوم 30 ساعة مع علبة الشحن.",
        ),
        "he": (
            "אוזניות Nova Buds",
            "אוזניות עם סינון רעשים ו-30 שעות סוללה עם נרתיק הטעינה.",  # noqa: RUF001 (Hebrew vav)
        ),
    },
    "charger-30w": {
        "fr": ("Chargeur rapide 30 W", "USB-C Power Delivery : 50 % en 25 minutes."),
        "de": ("30-W-Schnellladegerät", "USB-C Power Delivery: 50 % in 25 Minuten."),
        "es": ("Cargador rápido de 30 W", "USB-C Power Delivery: 50 % en 25 minutos."),
        "ar": ("شاحن سريع بقدرة 30 واط", "توصيل طاقة عبر USB-C: شحن 50% في 25 دقيقة."),
        "he": ("מטען מהיר 30W", "USB-C Power Delivery: 50% ב-25 דקות."),
    },
    "screen-protector": {
        "fr": ("Protection d'écran (lot de 2)", "Verre trempé avec cadre d'alignement."),
        "de": ("Displayschutz (2er-Pack)", "Gehärtetes Glas mit Positionierrahmen."),
        "es": ("Protector de pantalla (pack de 2)", "Vidrio templado con marco de alineación."),
        "ar": ("واقي شاشة (عبوة من قطعتين)", "زجاج مقوّى مع إطار للمحاذاة."),
        "he": ("מגן מסך (מארז של 2)", "זכוכית מחוסמת עם מסגרת ליישור."),
    },
}
OFFER_NAMES = {
    "15% off accessories": {
        "fr": "15 % de remise sur les accessoires",
        "de": "15 % Rabatt auf Zubehör",
        "es": "15 % de descuento en accesorios",
        "ar": "خصم 15% على الملحقات",
        "he": "15% הנחה על אביזרים",
    },
    "5 € welcome": {
        "fr": "5 € de bienvenue",
        "de": "5 € Willkommensrabatt",
        "es": "5 € de bienvenida",
        "ar": "خصم ترحيبي بقيمة 5 €",
        "he": "הטבת הצטרפות של 5 €",
    },
}


def _translations_apply(brand: Brand) -> None:
    """Each language's columns, written only where they differ (a second seed changes
    nothing)."""
    for product in Product.objects.filter(brand=brand, slug__in=TRANSLATIONS):
        changes = {
            column: text
            for code, (title, description) in TRANSLATIONS[product.slug].items()
            for column, text in ((f"title_{code}", title), (f"description_{code}", description))
            if getattr(product, column) != text
        }
        if changes:
            Product.objects.filter(pk=product.pk).update(**changes)
    # The translated columns are made at run time (modeltranslation): named as strings.
    for offer in Offer.objects.filter(brand=brand, **{"name_en__in": OFFER_NAMES}):
        names = OFFER_NAMES[str(getattr(offer, "name_en"))]  # noqa: B009
        changes = {
            f"name_{code}": name
            for code, name in names.items()
            if getattr(offer, f"name_{code}") != name
        }
        if changes:
            Offer.objects.filter(pk=offer.pk).update(**changes)


@dataclass(frozen=True)
class DemoShop:
    brand: Brand
    products: int
    codes: int
    sample_code: str
    promotion_path: str  # where consumers claim the offer's codes, when a promotion does


@transaction.atomic
def shop_demo_seed(*, brand_slug: str = "demo") -> DemoShop:
    """Create what is missing (in English, then its translations); stock and codes already
    there are left alone."""
    with translation.override("en"):
        shop = _shop_demo_seed(brand_slug)
    _translations_apply(shop.brand)
    return shop


def _shop_demo_seed(brand_slug: str) -> DemoShop:
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
