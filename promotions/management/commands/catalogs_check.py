"""``manage.py catalogs_check``: every string a catalog lacks; exit status 1 if any."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from config.catalogs import LANGUAGES, catalog_problems, extract


class Command(BaseCommand):
    help = (
        "Report missing, empty or fuzzy translations and placeholders that differ from the "
        "source, for every catalog; fails when there is one."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        template = extract()
        problems = [p for code in LANGUAGES for p in catalog_problems(code, template)]
        for problem in problems:
            self.stdout.write(problem)
        if problems:
            raise CommandError(
                f"{len(problems)} translations to fix "
                "(manage.py catalogs_extract adds new strings)."
            )
        self.stdout.write(f"{len(LANGUAGES)} catalogs complete.")
