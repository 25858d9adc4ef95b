"""Store the sweepstakes entries accepted into Redis (promotions.entries.intake)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from promotions.entries import intake
from tracking import stream


class Command(BaseCommand):
    help = (
        "Read the Redis stream of accepted entries with a consumer group, store each batch "
        "in one transaction, then acknowledge it. Runs until SIGTERM/SIGINT; --once stores "
        "what is waiting and exits. Run as many as you like: they share the stream."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Drain the stream, then exit.")
        parser.add_argument("--block-ms", type=int, default=1000, help="Wait for new entries.")
        parser.add_argument("--consumer", default=None, help="Consumer name (default: unique).")
        parser.add_argument(
            "--idle-if-off",
            action="store_true",
            help="With nothing to consume, say so and wait for SIGTERM instead of failing "
            "(for supervisors that stop everything when one process exits).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.ENTRY_INTAKE:
            if options["idle_if_off"]:
                self.stdout.write(
                    "the entry intake is off (no REDIS_URL, or ENTRY_INTAKE=false): nothing "
                    "to consume, waiting for SIGTERM"
                )
                stream.idle_until_signalled()
                return
            raise CommandError(
                "The entry intake is off (no REDIS_URL, or ENTRY_INTAKE=false): entries are "
                "written straight to the database, there is no stream to consume."
            )
        name = options["consumer"] or stream.consumer_name()
        self.stdout.write(f"entries consumer {name} on {intake.stream_name()}")
        result = stream.stream_consume_until_signalled(
            flow=intake.intake_flow(),
            consumer=name,
            block_ms=options["block_ms"],
            until_empty=options["once"],
        )
        self.stdout.write(f"stored {result.stored} new entries of {result.events} accepted")
