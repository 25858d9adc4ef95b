"""``manage.py social_tokens_reencrypt``: encrypt every connected Page's token again with
the newest key of ``FIELD_ENCRYPTION_KEYS`` (the first).

Key rotation (docs/operations.md): put the new key first and keep the old ones after it,
deploy, run this command, then drop the old keys.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from promotions.social import connections


class Command(BaseCommand):
    help = "Re-encrypt connected Pages' tokens with the newest FIELD_ENCRYPTION_KEYS key."

    def handle(self, *args: Any, **options: Any) -> None:
        result = connections.connected_page_tokens_reencrypt()
        self.stdout.write(f"Re-encrypted {result.done} Page token(s) with the newest key.")
        if result.unreadable:
            ids = ", ".join(str(pk) for pk in result.unreadable)
            raise CommandError(
                f"{len(result.unreadable)} token(s) could not be decrypted with any key of "
                f"FIELD_ENCRYPTION_KEYS (connected Page ids {ids}); they were left as they "
                "are. Put the old key back in the list, or connect those Pages again."
            )
