"""``manage.py catalogs_extract``: the sources' strings into every catalog."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from config.catalogs import catalogs_update, po_path


class Command(BaseCommand):
    help = (
        "Add the consumer pages' new strings to every locale/*/LC_MESSAGES/django.po (to "
        "translate; English gets the source) and drop the unused ones."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        for code, lacking in catalogs_update().items():
            self.stdout.write(f"{po_path(code)}: {lacking} to translate")
