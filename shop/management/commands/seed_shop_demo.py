from typing import Any

from django.core.management.base import BaseCommand

from shop.demo import shop_demo_seed


class Command(BaseCommand):
    help = "Create the demo brand's shop: products with stock, an offer with codes (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = shop_demo_seed()
        where = (
            f"claim a 15% code at {demo.promotion_path}"
            if demo.promotion_path
            else f"try the code {demo.sample_code}"
        )
        self.stdout.write(
            f"Shop ready: /shop/{demo.brand.slug}/ ({demo.products} products; {where}, "
            "or WELCOME5 for 5 € off)"
        )
