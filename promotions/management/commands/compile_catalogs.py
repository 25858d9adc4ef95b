"""``manage.py compile_catalogs [--force]``: the interface catalogs' .mo files (Babel)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from config.catalogs import compile_catalogs


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/django.po into .mo files (pure Python, no gettext)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Compile every catalog.")

    def handle(self, *args: Any, **options: Any) -> None:
        written = compile_catalogs(force=options["force"])
        self.stdout.write(f"{len(written)} catalogs compiled.")
