"""``make bench`` part 6: accepted entries per second for distinct signed-in entrants.

Against PostgreSQL only (skipped with a printed line otherwise), on the granian server of
bench/run.py (production settings, ``BENCH_WEB_WORKERS`` workers, 2 by default):

``BENCH_ENTRY_ROUNDS`` rounds (3 by default) of 1 and 2, each printed, then their medians
(the round with the median rate is the one reported):

1. the trivial Django view's rate, measured just before, as the ceiling of this machine;
2. the highest rate of ``POST /p/demo/launch/giveaway/enter/`` (JSON, the real view, the
   real ``entry_create``), each request a different entrant: ``BENCH_ENTRANTS`` people per
   run are made in the database beforehand, each signed in as a sign-in leaves them (a
   session row, cached in Redis), with a CSRF secret and a device cookie;
   ``bench/entries.lua`` gives each wrk thread its own share, so no entrant enters twice.
   Accepted = the 2xx answers, divided by wrk's run time. With Redis the entries go
   through the intake (promotions/entries/intake.py) and one ``manage.py entries_consume``
   runs beside the web server; the run then waits until every accepted entry is stored
   (rows counted in the database) and says how long that took. With the CPU time each
   stored entry cost the web workers, the consumer and PostgreSQL (numbers that other load
   on the machine changes less than the rates);
3. p50/p99 latency at about half that rate: wrk with 8 connections, each pausing
   between requests (wrk's ``delay()``, as the click part does; wrk2's fixed-rate mode
   is not available here) ``8 / (half rate)`` seconds less the request's own time (the
   median latency of a 3-second probe at the bare pause); the rate comes out close to half.

Confirmation emails and webhooks are never on the request's path: the consumer queues
one confirmation task per batch and publishes ``entry.created`` only for brands a
subscription wants it for (none here). ``ENTRY_INTAKE=false`` measures the database path.
Knobs: BENCH_ENTRANTS (per run), BENCH_ENTRY_DURATION, BENCH_ENTRY_CONNECTIONS,
BENCH_ENTRY_ROUNDS.
"""

from __future__ import annotations

import os
import secrets
import statistics
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
ENTRANTS = int(os.environ.get("BENCH_ENTRANTS", "30000"))
DURATION = int(os.environ.get("BENCH_ENTRY_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_ENTRY_CONNECTIONS", "32"))
ROUNDS = max(1, int(os.environ.get("BENCH_ENTRY_ROUNDS", "3")))
PACED_CONNECTIONS = 8
PROBE_SECONDS = 3
PATH = "/p/demo/launch/giveaway/enter/"


def entrants_prepare(*, count: int, tag: str) -> Path:
    """``count`` people, each signed in as a sign-in leaves them: a session row and, when
    sessions are cached (Redis), its cache entry; a file of their cookies for wrk
    (``session csrf device`` per line)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.cache import caches
    from django.utils import timezone

    from promotions.models import Person
    from promotions.pages.http import SESSION_PERSON

    now = timezone.now()
    people = Person.objects.bulk_create(
        [
            Person(
                email=f"bench-{tag}-{i}@example.com",
                email_normalized=f"bench-{tag}-{i}@example.com",
                name=f"Bench {i}",
                country="FR",
            )
            for i in range(count)
        ],
        batch_size=5000,
    )
    store = SessionStore()
    sessions, lines = [], []
    for person in people:
        key = secrets.token_hex(16)
        sessions.append(
            Session(
                session_key=key,
                session_data=store.encode({SESSION_PERSON: person.pk}),
                expire_date=now + timedelta(days=1),
            )
        )
        lines.append(f"{key} {secrets.token_hex(16)} {secrets.token_hex(12)}")
    Session.objects.bulk_create(sessions, batch_size=5000)
    engine = import_module(settings.SESSION_ENGINE)
    prefix = getattr(engine.SessionStore, "cache_key_prefix", None)
    if prefix is not None:  # cached_db: what SessionStore.save() writes to the cache too
        cache = caches[settings.SESSION_CACHE_ALIAS]
        for start in range(0, len(people), 5000):
            cache.set_many(
                {
                    prefix + s.session_key: {SESSION_PERSON: p.pk}
                    for s, p in zip(
                        sessions[start : start + 5000], people[start : start + 5000], strict=True
                    )
                },
                timeout=24 * 3600,
            )
    path = ROOT / "var" / f"bench-entrants-{tag}.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def giveaway_open() -> Any:
    """The demo sweepstakes, open now (and for the whole bench), entries counted from 0."""
    from django.utils import timezone

    from promotions.models import Campaign, Promotion

    promotion = Promotion.objects.select_related("campaign").get(
        slug="giveaway", campaign__slug="launch", campaign__brand__slug="demo"
    )
    now = timezone.now()
    Campaign.objects.filter(pk=promotion.campaign_id, ends_at__lt=now + timedelta(days=2)).update(
        ends_at=now + timedelta(days=30)
    )
    Promotion.objects.filter(pk=promotion.pk, ends_at__lt=now + timedelta(days=2)).update(
        ends_at=now + timedelta(days=30)
    )
    return promotion


def entries_count(promotion: Any) -> int:
    from promotions.models import Entry

    return int(Entry.objects.filter(promotion_id=promotion.pk).count())


def entries_measurable(*, results: dict[str, Any], say: Callable[[str], None]) -> bool:
    """True on PostgreSQL; otherwise says that part 6 is skipped."""
    if results["setup"]["database"] == "postgresql":
        return True
    say("\n6. Entries per second: skipped (PostgreSQL is not reachable)")
    return False


def bench_entries(
    *,
    results: dict[str, Any],
    say: Callable[[str], None],
    wrk: Callable[..., dict[str, float]],
    port: int,
    cpu: Callable[[], tuple[float, float, float]],
    intake: bool = False,
) -> None:
    """Part 6 (see the module doc) on PostgreSQL; the web server is already running."""
    say(
        f"\n6. Entries per second, distinct signed-in entrants, PostgreSQL, "
        f"{results['setup']['web_workers']} web workers"
        + (", intake through Redis + 1 entries consumer" if intake else ", stored directly")
    )
    base = f"http://127.0.0.1:{port}"
    promotion = giveaway_open()
    started = time.monotonic()
    top_files = [
        entrants_prepare(count=ENTRANTS, tag=f"top{secrets.token_hex(3)}") for _ in range(ROUNDS)
    ]
    half_file = entrants_prepare(count=ENTRANTS, tag=f"half{secrets.token_hex(3)}")
    probe_file = entrants_prepare(count=ENTRANTS // 4, tag=f"probe{secrets.token_hex(3)}")
    say(
        f"   prepared {ROUNDS + 1} x {ENTRANTS:,} + {ENTRANTS // 4:,} entrants with sessions in "
        f"{time.monotonic() - started:.1f}s"
    )

    def run(file: Path, duration: int = DURATION, **kwargs: Any) -> dict[str, float]:
        before = entries_count(promotion)
        web_cpu, pg_cpu, consumer_cpu = cpu()
        t0 = time.monotonic()
        found = wrk(
            base,
            script="entries.lua",
            env={
                "BENCH_ENTRANTS_FILE": str(file),
                "BENCH_ENTER_PATH": PATH,
                **kwargs.pop("env", {}),
            },
            duration=duration,
            timeout="10s",  # a queued entry is slow, not lost: count it
            **kwargs,
        )
        seconds = time.monotonic() - t0
        accepted = int(found.get("requests", 0) - found["non_2xx_3xx"])
        # Every accepted entry must be stored: wait for the consumer (at most a minute).
        waited = time.monotonic()
        made = entries_count(promotion) - before
        while intake and made < accepted and time.monotonic() - waited < 60:
            time.sleep(0.1)
            made = entries_count(promotion) - before
        web_after, pg_after, consumer_after = cpu()
        found["accepted"] = accepted
        found["entries"] = made
        found["stored_within_s"] = round(time.monotonic() - waited, 2)
        found["web_cpu_ms_per_entry"] = round((web_after - web_cpu) * 1000 / max(1, made), 2)
        found["postgres_cpu_ms_per_entry"] = round((pg_after - pg_cpu) * 1000 / max(1, made), 2)
        found["consumer_cpu_ms_per_entry"] = round(
            (consumer_after - consumer_cpu) * 1000 / max(1, made), 2
        )
        run_seconds = found.get("seconds") or min(seconds, duration + 0.5)
        found["accepted_per_s"] = round(accepted / run_seconds, 1)
        return found

    # Rounds alternate the trivial view and the entries, as part 1 does: this machine's
    # speed drifts within minutes, and each round's share of the trivial rate moves less.
    rounds = []
    for n, file in enumerate(top_files, start=1):
        trivial = wrk(f"{base}/bench/trivial", connections=CONNECTIONS, duration=DURATION)
        top = run(file, connections=CONNECTIONS)
        top["trivial_rps"] = trivial["rps"]
        rounds.append(top)
        say(
            f"   round {n}: trivial view {trivial['rps']:,.0f} req/s; "
            f"{top['accepted_per_s']:,.0f} accepted entries/s ({top['accepted']:,} accepted, "
            f"{top['entries']:,} stored {top['stored_within_s']} s after the run; non-2xx "
            f"{top['non_2xx_3xx']:.0f}; p50 {top.get('p50_ms', 0):.1f} ms, p99 "
            f"{top.get('p99_ms', 0):.1f} ms at {CONNECTIONS} connections), "
            f"{top['accepted_per_s'] / max(1.0, trivial['rps']):.1%} of the trivial view's; "
            f"CPU per stored entry: web workers {top['web_cpu_ms_per_entry']} ms, "
            + (f"entries consumer {top['consumer_cpu_ms_per_entry']} ms, " if intake else "")
            + f"PostgreSQL {top['postgres_cpu_ms_per_entry']} ms"
        )
        if top["entries"] < top["accepted"]:
            say(f"   !! {top['accepted'] - top['entries']:,} accepted entries were not stored")
    top = sorted(rounds, key=lambda r: r["accepted_per_s"])[len(rounds) // 2]
    trivial = {"rps": statistics.median(r["trivial_rps"] for r in rounds)}
    each = ", ".join(f"{r['accepted_per_s']:,.0f}" for r in rounds)
    say(
        f"   highest rate, median of {len(rounds)} rounds: {top['accepted_per_s']:,.0f} "
        f"accepted entries/s (rounds {each}); "
        f"the trivial view's median {trivial['rps']:,.0f} req/s"
    )
    say(
        f"   that is {top['accepted_per_s'] / max(1.0, trivial['rps']):.1%} of the trivial view's "
        f"rate on this machine; 1,000 entries/s would be {1000 / max(1.0, trivial['rps']):.1%} "
        f"(load average now {os.getloadavg()[0]:.1f}: other work on this machine slows every "
        "number above)"
    )
    half = max(1.0, top["accepted_per_s"] / 2)
    # Each connection's cycle is its pause plus the request's own time: a short probe at
    # the bare pause measures that time (its median latency; the rate of 3 seconds moves
    # with their first, cold, requests), and the pause is shortened by it.
    bare_ms = PACED_CONNECTIONS * 1000 / half
    probe = run(
        probe_file,
        connections=PACED_CONNECTIONS,
        duration=PROBE_SECONDS,
        env={"BENCH_DELAY_MS": str(max(1, round(bare_ms)))},
    )
    delay_ms = max(1, round(bare_ms - float(probe.get("p50_ms", 0.0))))
    paced = run(
        half_file,
        connections=PACED_CONNECTIONS,
        env={"BENCH_DELAY_MS": str(delay_ms)},
    )
    say(
        f"   at about half ({paced['accepted_per_s']:,.0f} of {half:,.0f} entries/s, "
        f"{PACED_CONNECTIONS} connections each pausing {delay_ms} ms): "
        f"p50 {paced.get('p50_ms', 0):.1f} ms, p99 {paced.get('p99_ms', 0):.1f} ms "
        f"(non-2xx {paced['non_2xx_3xx']:.0f})"
    )
    results["entries"] = {
        "trivial_view_rps": trivial["rps"],
        "entrants_per_run": ENTRANTS,
        "rounds": rounds,
        "top": top,
        "target_rps": half,
        "probe": probe,
        "at_half": paced,
        "ratio_to_trivial": round(top["accepted_per_s"] / trivial["rps"], 3),
    }
