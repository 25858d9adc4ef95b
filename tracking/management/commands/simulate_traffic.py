"""Realistic traffic for the demo (and bench data): impressions, clicks and invalid events.

Straight into the pipeline by default (the Redis stream when REDIS_URL is set, else the
database), spread over the last ``--days`` days; ``--http URL`` sends it through the real
endpoints instead (beacons, then clicks of the same viewers, each with its event id).
The demo campaign's best promotion gets about 37% CTR and the campaign averages 13%.
"""

from __future__ import annotations

import http.client
import json
import random
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tracking import services, store, tokens
from tracking.ids import uuid7
from tracking.tracked_event import TrackedEvent

COUNTRIES = ["FR"] * 40 + ["DE"] * 15 + ["ES"] * 12 + ["IT"] * 10 + ["BE"] * 8 + ["GB"] * 15
DEVICES = ["mobile"] * 72 + ["desktop"] * 22 + ["tablet"] * 6
SOURCES = ["facebook"] * 55 + ["instagram"] * 20 + ["direct"] * 15 + ["newsletter"] * 10
BOT_SHARE = 0.03
BEST_CTR, AVERAGE_CTR = 0.37, 0.13


@dataclass(frozen=True)
class Target:
    promotion_id: int
    campaign_id: int
    brand_id: int
    ctr: float


def ctr_profile(count: int) -> list[float]:
    """The best at 37%, the others evenly so that the average is 13%."""
    if count == 1:
        return [AVERAGE_CTR]
    rest = max(0.005, (AVERAGE_CTR * count - BEST_CTR) / (count - 1))
    return [BEST_CTR] + [rest] * (count - 1)


class Progress:
    def __init__(self, total: int, out: Any) -> None:
        self.total, self.done, self.out, self.started = total, 0, out, time.monotonic()

    def add(self, n: int) -> None:
        self.done += n
        elapsed = max(time.monotonic() - self.started, 1e-6)
        share = min(self.done / self.total, 1.0) if self.total else 1.0
        bar = "#" * int(share * 30)
        self.out.write(
            f"\r[{bar:<30}] {share:6.1%} {self.done:>11,}/{self.total:,} events "
            f"{self.done / elapsed:>9,.0f}/s"
        )
        self.out.flush()

    def close(self) -> None:
        self.out.write("\n")


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--events", type=int, default=20_000, help="About this many events.")
        parser.add_argument("--brand", default="demo", help="Brand slug (default: demo).")
        parser.add_argument("--campaign", default="launch", help="Campaign slug.")
        parser.add_argument("--days", type=int, default=14, help="Spread over the last N days.")
        parser.add_argument("--http", default="", help="Send through this site's endpoints.")
        parser.add_argument(
            "--synthetic-promotions",
            type=int,
            default=0,
            help="Bench data: this many made-up promotion ids (no database rows needed).",
        )
        parser.add_argument(
            "--direct", action="store_true", help="Write to the database even with REDIS_URL."
        )
        parser.add_argument("--batch", type=int, default=5000, help="Events per write.")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        rng = random.Random(options["seed"])
        targets = self.targets(options)
        progress = Progress(options["events"], sys.stderr)
        if options["http"]:
            sent = self.over_http(options["http"], targets, options["events"], rng, progress)
        else:
            sent = self.into_pipeline(targets, options, rng, progress)
        progress.close()
        self.stdout.write(f"sent {sent:,} events for {len(targets)} promotion(s)")

    def targets(self, options: dict[str, Any]) -> list[Target]:
        if options["synthetic_promotions"]:
            n = options["synthetic_promotions"]
            return [
                Target(900_000 + i, 90_000 + i // 10, 9_000 + i // 100, ctr)
                for i, ctr in enumerate(ctr_profile(1) * n)
            ]
        promotion_model: Any = apps.get_model("promotions", "Promotion")
        promotions = list(
            promotion_model.objects.filter(
                campaign__brand__slug=options["brand"], campaign__slug=options["campaign"]
            )
            .select_related("campaign")
            .order_by("position", "id")
        )
        if not promotions:
            raise CommandError(
                f"No promotions in {options['brand']}/{options['campaign']}: run "
                "`manage.py seed_demo` first, or pass --synthetic-promotions N."
            )
        return [
            Target(p.pk, p.campaign_id, p.campaign.brand_id, ctr)
            for p, ctr in zip(promotions, ctr_profile(len(promotions)), strict=True)
        ]

    def events(
        self, targets: list[Target], total: int, days: int, rng: random.Random
    ) -> Iterator[TrackedEvent]:
        """Viewers see a promotion (sometimes twice), some click; a few bots pass by. The
        events walk forward in time from ``days`` ago to now."""
        now = datetime.now(UTC)
        span = days * 86400
        mean_ctr = sum(t.ctr for t in targets) / len(targets)
        impressions = int(total / (1 + mean_ctr + BOT_SHARE))
        viewers = max(1, impressions // 2)
        made = 0
        while made < total:
            target = targets[rng.randrange(len(targets))]
            viewer = rng.randrange(viewers).to_bytes(16, "big")
            # in time order, as a day's traffic arrives (and cheap to roll up in batches)
            ts = now - timedelta(seconds=span * (1 - made / total) + rng.random() * 60)
            common: dict[str, Any] = {
                "promotion_id": target.promotion_id,
                "campaign_id": target.campaign_id,
                "brand_id": target.brand_id,
                "pseudonym": viewer,
                "country": rng.choice(COUNTRIES),
                "device": rng.choice(DEVICES),
                "source": rng.choice(SOURCES),
            }
            if rng.random() < BOT_SHARE:
                yield TrackedEvent(uuid7(), ts, "impression", **common, invalid_reason="bot")
                made += 1
                continue
            yield TrackedEvent(uuid7(), ts, "impression", **common)
            made += 1
            if rng.random() < target.ctr and made < total:
                yield TrackedEvent(uuid7(), ts + timedelta(seconds=4), "click", **common)
                made += 1

    def into_pipeline(
        self, targets: list[Target], options: dict[str, Any], rng: random.Random, progress: Progress
    ) -> int:
        batch: list[TrackedEvent] = []
        sent = 0
        for event in self.events(targets, options["events"], options["days"], rng):
            batch.append(event)
            if len(batch) >= options["batch"]:
                sent += self.write(batch, options["direct"])
                progress.add(len(batch))
                batch = []
        if batch:
            sent += self.write(batch, options["direct"])
            progress.add(len(batch))
        return sent

    def write(self, batch: list[TrackedEvent], direct: bool) -> int:
        if direct:
            store.events_store(batch)
        else:
            services.events_record(events=batch)
        return len(batch)

    def over_http(
        self, base: str, targets: list[Target], total: int, rng: random.Random, progress: Progress
    ) -> int:
        parts = urlsplit(base)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        mean_ctr = sum(t.ctr for t in targets) / len(targets)
        visits = int(total / (1 + mean_ctr))
        plan = [(i, targets[rng.randrange(len(targets))], rng.random()) for i in range(visits)]

        def visit(item: tuple[int, Target, float]) -> int:
            i, target, luck = item
            ids = {
                "promotion_id": target.promotion_id,
                "campaign_id": target.campaign_id,
                "brand_id": target.brand_id,
            }
            headers = {
                "User-Agent": (
                    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
                    f"(KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/{400 + i % 50}.0] v{i}"
                ),
                "Content-Type": "text/plain",
            }
            conn = http.client.HTTPConnection(host, port, timeout=10)
            body = json.dumps({"p": tokens.promotion_token(**ids), "e": str(uuid7())})
            conn.request("POST", "/t/i", body=body, headers=headers)
            conn.getresponse().read()
            sent = 1
            if luck < target.ctr:
                path = tokens.click_url(**ids, target=f"/p/{i}/", base_url="")
                conn.request("GET", f"{path}?e={uuid7()}", headers=headers)
                conn.getresponse().read()
                sent += 1
            conn.close()
            return sent

        sent = 0
        with ThreadPoolExecutor(max_workers=8) as pool:
            for n in pool.map(visit, plan):
                sent += n
                progress.add(n)
        return sent
