"""``manage.py social_import --promotion <id>``: import every comment (or reaction) of a
promotion's posts now, with a progress bar on a terminal, and print the counts."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from promotions.campaigns.models import Promotion
from promotions.social import importer, selectors


class Command(BaseCommand):
    help = "Import the comments or reactions of a promotion's Facebook posts and Instagram media."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--promotion", type=int, required=True, help="The promotion's id.")
        parser.add_argument(
            "--final",
            action="store_true",
            help="The import before the draw: a complete pass started after the close.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        promotion = Promotion.objects.filter(pk=options["promotion"]).first()
        if promotion is None:
            raise CommandError(f"No promotion {options['promotion']}.")
        if not promotion.social_sources.exists():
            raise CommandError(
                "This promotion takes no entries from posts (add a source in admin)."
            )
        bar = tqdm(
            unit=" comments",
            disable=not sys.stderr.isatty(),
            file=sys.stderr,
            desc=promotion.slug,
        )
        try:
            if options["final"]:
                result = importer.social_final_import(promotion=promotion)
            else:
                result = importer.social_promotion_import(promotion=promotion, progress=bar.update)
        finally:
            bar.close()
        counts = selectors.social_counts_get(promotion=promotion)
        self.stdout.write(
            f"read {result.read} ({result.pages} pages, {result.retries} retries), "
            f"new {result.new}, new entries {result.entries_created}, deleted {result.deleted}"
        )
        self.stdout.write(
            f"stored {counts.stored}, entered {counts.entered}, entries {counts.entries}"
        )
        for reason, n in counts.excluded:
            self.stdout.write(f"excluded {reason}: {n}")
        for error in result.errors:
            self.stderr.write(f"stopped: {error}")
        if not result.complete:
            self.stderr.write("The import did not reach the end; the next run resumes it.")
