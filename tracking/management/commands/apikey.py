"""Partner API keys from the command line: create (the key is shown once), list, revoke.

    manage.py apikey create --brand demo [--brand other] --scopes reports:read,events:write \
        [--name N] [--expires-in-days D]
    manage.py apikey list [--brand demo]
    manage.py apikey revoke <prefix>

``create`` writes what it made to stderr and the key alone to stdout, so the key is the
last line of the output and ``KEY=$(manage.py apikey create ...)`` captures just the key.
Tracking never imports promotions: brands are looked up through the app registry.
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from tracking.models import ApiKey, Scope
from tracking.services import KEY_PREFIX, api_key_create, api_key_revoke

MAX_EXPIRY_DAYS = 3650


def _positive_days(value: str) -> int:
    try:
        days = int(value)
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_EXPIRY_DAYS:
        raise CommandError(f"--expires-in-days must be a whole number from 1 to {MAX_EXPIRY_DAYS}.")
    return days


def _when(value: datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M %Z") if value else "-"


class Command(BaseCommand):
    help = "Create, list and revoke partner API keys."

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(
            dest="action", required=True, metavar="{create,list,revoke}"
        )

        create: ArgumentParser = actions.add_parser(
            "create", help="Create a key and print it once (alone on the last line)."
        )
        create.add_argument(
            "--brand",
            action="append",
            required=True,
            metavar="SLUG",
            help="A brand the key may read (repeat for several).",
        )
        create.add_argument(
            "--scopes",
            default="",
            metavar="S1,S2",
            help=f"Comma-separated scopes: {', '.join(Scope.values)}. None: campaigns and "
            "promotions only.",
        )
        create.add_argument("--name", default="", help="Who holds the key (default: from brands).")
        create.add_argument(
            "--expires-in-days", type=str, default=None, metavar="D", help="Expire in D days."
        )

        listing: ArgumentParser = actions.add_parser("list", help="List keys (never secrets).")
        listing.add_argument("--brand", metavar="SLUG", help="Only keys of this brand.")

        revoke: ArgumentParser = actions.add_parser("revoke", help="Revoke a key by its prefix.")
        revoke.add_argument("prefix", help=f"The key's prefix (or the whole {KEY_PREFIX}_ key).")

    def handle(self, *args: Any, **options: Any) -> None:
        handlers = {"create": self.create_key, "list": self.list_keys, "revoke": self.revoke_key}
        handlers[options["action"]](**options)

    # --- create -------------------------------------------------------------------
    def create_key(self, **options: Any) -> None:
        brands = self._brands(options["brand"])
        scopes = self._scopes(options["scopes"])
        expires_at = None
        if options["expires_in_days"] is not None:
            days = _positive_days(options["expires_in_days"])
            expires_at = timezone.now() + timedelta(days=days)
        name = options["name"].strip() or f"Key for {', '.join(b.slug for b in brands)}"
        try:
            key, raw = api_key_create(
                name=name[:120],
                brand_ids=[b.pk for b in brands],
                scopes=scopes,
                expires_at=expires_at,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(
            f"Created API key {key.prefix} ({key.name}) for brands "
            f"{', '.join(b.slug for b in brands)}; scopes: {', '.join(scopes) or 'none'}; "
            f"expires: {_when(expires_at) if expires_at else 'never'}.\n"
            "The key follows on the last line. It is shown only now: store it safely.",
            style_func=self.style.SUCCESS,
        )
        self.stdout.write(raw)

    def _brands(self, slugs: list[str]) -> list[Any]:
        brand_model = apps.get_model("promotions", "Brand")
        wanted = list(
            dict.fromkeys(s.strip() for slug in slugs for s in slug.split(",") if s.strip())
        )
        if not wanted:
            raise CommandError("Give at least one --brand.")
        found = {b.slug: b for b in brand_model.objects.filter(slug__in=wanted)}
        unknown = [s for s in wanted if s not in found]
        if unknown:
            known = ", ".join(
                brand_model.objects.order_by("slug").values_list("slug", flat=True)[:20]
            )
            raise CommandError(
                f"Unknown brand(s): {', '.join(unknown)}. Known brands: {known or 'none'}."
            )
        return [found[s] for s in wanted]

    def _scopes(self, text: str) -> list[str]:
        scopes = list(dict.fromkeys(s.strip() for s in text.split(",") if s.strip()))
        unknown = [s for s in scopes if s not in Scope.values]
        if unknown:
            raise CommandError(
                f"Unknown scope(s): {', '.join(unknown)}. Known scopes: {', '.join(Scope.values)}."
            )
        return scopes

    # --- list ---------------------------------------------------------------------
    def list_keys(self, **options: Any) -> None:
        keys = ApiKey.objects.prefetch_related("brands").order_by("-created_at", "-id")
        if options.get("brand"):
            self._brands([options["brand"]])  # a clear error for an unknown brand
            keys = keys.filter(brands__slug=options["brand"]).distinct()
        header = (
            "PREFIX",
            "NAME",
            "BRANDS",
            "SCOPES",
            "CREATED",
            "EXPIRES",
            "REVOKED",
            "LAST USED",
        )
        rows = [
            (
                key.prefix,
                key.name,
                ",".join(sorted(b.slug for b in key.brands.all())) or "-",
                ",".join(key.scopes) or "-",
                _when(key.created_at),
                _when(key.expires_at),
                _when(key.revoked_at),
                _when(key.last_used_at),
            )
            for key in keys
        ]
        if not rows:
            self.stdout.write("No API keys.")
            return
        widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip()
            )

    # --- revoke -------------------------------------------------------------------
    def revoke_key(self, **options: Any) -> None:
        prefix = options["prefix"].strip()
        if prefix.startswith(f"{KEY_PREFIX}_"):
            prefix = prefix.split("_")[1]
        key = ApiKey.objects.filter(prefix=prefix).first()
        if key is None:
            raise CommandError(
                f"No API key with prefix {prefix!r}. `manage.py apikey list` shows the prefixes."
            )
        if key.revoked_at is not None:
            self.stdout.write(
                f"API key {key.prefix} ({key.name}) was already revoked at {_when(key.revoked_at)}."
            )
            return
        api_key_revoke(key=key)
        self.stdout.write(
            self.style.SUCCESS(f"Revoked API key {key.prefix} ({key.name}): it no longer works.")
        )
