"""``manage.py verify_draw <url or file>``: re-derive a draw from its published data alone.

The argument is the JSON export linked from a draw certificate
(``/p/<brand>/<campaign>/<promotion>/draws/<id>.json``), as a URL or a saved file (``-``
reads standard input). Nothing is read from this service's database: the check uses only
what was published, with ``promotions.draws.fairdraw`` (docs/draws.md).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import requests
from django.core.management.base import BaseCommand, CommandError, CommandParser

from promotions.draws import fairdraw


class Command(BaseCommand):
    help = "Verify a draw from its published JSON (a URL or a file; - for stdin)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="The draw's JSON export: https://... or a file path.")

    def handle(self, *args: Any, **options: Any) -> None:
        published = self._load(options["source"])
        if published.get("status") != "drawn":
            raise CommandError(
                "This draw has not been made yet: only its commitment is published "
                f"({published.get('seed_commitment', '?')})."
            )
        result = fairdraw.verify(published)
        self.stdout.write(f"Algorithm:        {published.get('algorithm')}")
        self.stdout.write(f"Commitment:       {published.get('seed_commitment')}")
        self.stdout.write(f"Committed at:     {published.get('committed_at')}")
        self.stdout.write(f"Entries closed:   {published.get('entries_closed_at')}")
        self.stdout.write(f"Entries in list:  {published.get('entry_count')}")
        self.stdout.write(f"Entry list hash:  {published.get('entry_list_hash')}")
        self.stdout.write(f"Winners:          {', '.join(published.get('winners') or [])}")
        self.stdout.write(f"Alternates:       {', '.join(published.get('alternates') or [])}")
        if str(published.get("committed_at", "")) >= str(published.get("entries_closed_at", "~")):
            self.stdout.write(
                self.style.WARNING(
                    "Note: the seed was committed after entries closed (see the draw's reason)."
                )
            )
        if not result.ok:
            for problem in result.problems:
                self.stderr.write(self.style.ERROR(f"FAIL: {problem}"))
            raise CommandError("The draw does NOT verify.")
        self.stdout.write(self.style.SUCCESS("OK: the draw verifies from the published data."))

    def _load(self, source: str) -> dict[str, Any]:
        try:
            if source == "-":
                text = sys.stdin.read()
            elif source.startswith(("https://", "http://")):
                response = requests.get(source, timeout=30)
                if response.status_code != 200:
                    raise CommandError(f"{source} answered HTTP {response.status_code}.")
                text = response.text
            else:
                with open(source, encoding="utf-8") as handle:
                    text = handle.read()
        except (OSError, requests.RequestException) as exc:
            raise CommandError(f"Could not read {source}: {exc}") from exc
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise CommandError(f"{source} is not JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise CommandError(f"{source} is not a draw export (a JSON object).")
        return data
