"""Consume the tracking stream: store batches, then acknowledge them (production path)."""

from __future__ import annotations

from django.conf import settings

from tracking import stream
from tracking.consumer_command import ConsumerCommand


class Command(ConsumerCommand):
    help = (
        "Read the Redis stream of tracking events with a consumer group, store each batch "
        "(COPY, idempotent insert, rollups, commit) and only then acknowledge it. Runs "
        "until SIGTERM/SIGINT; --once drains what is waiting and exits. Run as many as "
        "you like, on as many machines: they share the work through the consumer group."
    )
    what = "event(s)"
    off_detail = (
        "events are written straight to the database (the embedded default), there is no "
        "stream to consume."
    )

    def off_reason(self) -> str:
        return "" if settings.REDIS_URL else "REDIS_URL is not set"

    def flow(self) -> stream.Flow:
        return stream.tracking_flow()
