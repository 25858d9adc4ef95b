"""``manage.py social_tokens_reencrypt``: encrypt every connected Page's token again with
the newest key of ``FIELD_ENCRYPTION_KEYS`` (the first).

Key rotation (docs/operations.md): put the new key first and keep the old ones after it,
deploy, run this command, then drop the old keys.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from promotions.social import connections


class Command(BaseCommand):
    help = "Re-encrypt connected Pages' tokens with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        done = connections.connected_page_tokens_reencrypt()
        self.stdout.write(f"Re-encrypted {done} Page token(s) with the newest key.")
