from typing import Any

from django.apps import apps
from django.core.management import call_command
from django.core.management.base import BaseCommand

from promotions.demo import demo_seed
from promotions.models import CouponCode, Prize, Submission


class Command(BaseCommand):
    help = (
        "Create the demo brand, campaign and one promotion of each kind with prizes, codes "
        "and contest films, then the brand's shop when the shop is installed (idempotent)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        campaign = demo_seed()
        live = campaign.promotions.live().count()
        prizes = Prize.objects.filter(promotion__campaign=campaign).count()
        codes = CouponCode.objects.filter(promotion__campaign=campaign).count()
        films = Submission.objects.filter(promotion__campaign=campaign).count()
        self.stdout.write(
            f"Demo ready: {campaign.get_absolute_url()} ({live} live promotions, {prizes} "
            f"prizes, {codes} codes, {films} contest films)"
        )
        # The shop sits above promotions (no import): its own command, by name.
        if apps.is_installed("shop"):
            call_command("seed_shop_demo", stdout=self.stdout, stderr=self.stderr)
