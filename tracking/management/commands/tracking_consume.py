"""Consume the tracking stream: store batches, then acknowledge them (production path)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracking import stream


class Command(BaseCommand):
    help = (
        "Read the Redis stream of tracking events with a consumer group, store each batch "
        "(COPY, idempotent insert, rollups, commit) and only then acknowledge it. Runs "
        "until SIGTERM/SIGINT; --once drains what is waiting and exits. Run as many as "
        "you like, on as many machines: they share the work through the consumer group."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="Drain the stream, then exit.")
        parser.add_argument("--count", type=int, default=None, help="Entries per read.")
        parser.add_argument("--block-ms", type=int, default=1000, help="Wait for new entries.")
        parser.add_argument("--consumer", default=None, help="Consumer name (default: unique).")
        parser.add_argument(
            "--idle-if-off",
            action="store_true",
            help="With nothing to consume, say so and wait for SIGTERM instead of failing "
            "(for supervisors that stop everything when one process exits).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.REDIS_URL:
            if options["idle_if_off"]:
                self.stdout.write("REDIS_URL is not set: nothing to consume, waiting for SIGTERM")
                stream.idle_until_signalled()
                return
            raise CommandError(
                "REDIS_URL is not set: events are written straight to the database "
                "(the embedded default), there is no stream to consume."
            )
        name = options["consumer"] or stream.consumer_name()
        self.stdout.write(f"tracking consumer {name} on {stream.stream_key()}")
        result = stream.stream_consume_until_signalled(
            consumer=name,
            count=options["count"],
            block_ms=options["block_ms"],
            until_empty=options["once"],
        )
        self.stdout.write(
            f"stored {result.stored} new event(s) of {result.events} in {result.entries} entries"
        )
