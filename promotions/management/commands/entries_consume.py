"""Store the sweepstakes entries accepted into Redis (promotions.entries.intake)."""

from __future__ import annotations

from django.conf import settings

from promotions.entries import intake
from tracking import stream
from tracking.consumer_command import ConsumerCommand


class Command(ConsumerCommand):
    help = (
        "Read the Redis stream of accepted entries with a consumer group, store each batch "
        "in one transaction, then acknowledge it. Runs until SIGTERM/SIGINT; --once stores "
        "what is waiting and exits. Run as many as you like: they share the stream."
    )
    what = "entries"
    off_detail = "entries are written straight to the database, there is no stream to consume."

    def off_reason(self) -> str:
        return (
            ""
            if settings.ENTRY_INTAKE
            else "The entry intake is off (no REDIS_URL, or ENTRY_INTAKE=false)"
        )

    def flow(self) -> stream.Flow:
        return intake.intake_flow()
