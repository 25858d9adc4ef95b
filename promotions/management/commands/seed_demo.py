from typing import Any

from django.core.management.base import BaseCommand

from promotions.demo import demo_seed


class Command(BaseCommand):
    help = "Create the demo brand, campaign and promotions (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = demo_seed()
        live = campaign.promotions.live().count()
        self.stdout.write(f"Demo ready: {campaign.get_absolute_url()} ({live} live promotions)")
