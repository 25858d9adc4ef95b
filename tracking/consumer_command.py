"""The long-running stream consumers' command (``manage.py tracking_consume``,
``manage.py entries_consume``): options, the reason there is nothing to consume, the loop
until SIGTERM. A subclass names its ``flow`` and when it is off."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracking import stream


class ConsumerCommand(BaseCommand):
    what = "entries"  # what the summary counts (a stream entry may hold many events)
    off_detail = ""  # what happens instead when the stream is off

    def off_reason(self) -> str:
        """Why there is nothing to consume here ('' when there is a stream)."""
        raise NotImplementedError  # each command says when its stream is off

    def flow(self) -> stream.Flow:
        raise NotImplementedError  # each command names its stream

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

    def _say(self, line: str) -> None:
        """A line a supervisor's log shows at once (stdout is buffered when piped)."""
        self.stdout.write(line)
        self.stdout.flush()

    def handle(self, *args: Any, **options: Any) -> None:
        off = self.off_reason()
        if off:
            if options["idle_if_off"]:
                stream.idle_until_signalled(
                    ready=lambda: self._say(f"{off}: nothing to consume, waiting for SIGTERM")
                )
                return
            raise CommandError(f"{off}: {self.off_detail}")
        flow = self.flow()
        name = options["consumer"] or stream.consumer_name()
        self._say(f"{flow.name} consumer {name} on {flow.key}")
        result = stream.stream_consume_until_signalled(
            flow=flow,
            consumer=name,
            count=options["count"],
            block_ms=options["block_ms"],
            until_empty=options["once"],
        )
        self.stdout.write(
            f"stored {result.stored} new {self.what} of {result.events} in {result.entries} entries"
        )
