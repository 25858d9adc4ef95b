"""Ensure an admin user exists and print how to log in.

Credentials come from DJANGO_SUPERUSER_USERNAME / _PASSWORD / _EMAIL when set; otherwise
`admin` with a random password, kept in var/admin-credentials.txt (mode 0600) so that the
next `make run` can print it again.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Create the admin user if missing and print its credentials."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        username = os.environ.get("DJANGO_SUPERUSER_USERNAME", "admin")
        email = os.environ.get("DJANGO_SUPERUSER_EMAIL", f"{username}@localhost")
        password = os.environ.get("DJANGO_SUPERUSER_PASSWORD")
        store = Path(settings.BASE_DIR) / "var" / "admin-credentials.txt"
        user = user_model.objects.filter(username=username).first()
        if user is None:
            password = password or secrets.token_urlsafe(12)
            user_model.objects.create_superuser(username=username, email=email, password=password)
            if "DJANGO_SUPERUSER_PASSWORD" not in os.environ:
                store.parent.mkdir(parents=True, exist_ok=True)
                store.write_text(f"{username}\n{password}\n")
                store.chmod(0o600)
        elif password:
            user.set_password(password)
            user.save(update_fields=["password"])
        elif store.exists() and store.read_text().split("\n")[0] == username:
            password = store.read_text().split("\n")[1]
        if password:
            self.stdout.write(f"Admin login: {username} / {password}")
        else:
            self.stdout.write(f"Admin user {username!r} exists (password unchanged).")
