from typing import Any

from django.core.management.base import BaseCommand

from shop.demo import shop_demo_seed


class Command(BaseCommand):
    help = "Create the demo brand's shop: products with stock, an offer with codes (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        demo = shop_demo_seed()
        self.stdout.write(
            f"Shop ready: /shop/{demo.brand.slug}/ ({demo.products} products, {demo.codes} codes; "
            f"try the code {demo.sample_code} or WELCOME5)"
        )
