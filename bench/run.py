#!/usr/bin/env python3
"""``make bench``: the tracking path's numbers, measured in one run on this machine.

Starts granian with production settings (bench/settings.py: production plus a trivial
view) on a spare port, against PostgreSQL and Redis when they answer (else SQLite), and
prints:

1. single-event beacon requests/s next to a trivial Django view's, alternating rounds
   (wrk; median of the rounds) and their ratio;
2. the click redirect's highest rate, then its p50/p99 latency at half that rate;
3. partner batch ingest, events/s end to end: rounds of POST /api/v1/events/batch with
   1,000 events per request, each timed until every event is counted in the rollups
   (median of the rounds; two consumers running for the stream's share);
4. the web workers' memory (RSS) before, after the load and along a soak;
5. report latency for one promotion over 90 days (p50/p95 of the selector) at 1M and at
   10M raw events;
6. accepted entries/s for distinct signed-in entrants (PostgreSQL only), next to the
   trivial view, with p50/p99 at half the top rate (bench/entries.py).
7. comment giveaways (bench/social.py): comments imported per second from the fake Graph
   server, and the draw over 100,000 comment entries;
8. the campaign hub's server time (p50/p95/p99) in the brand's language, French, Arabic
   and Japanese, next to the trivial view (bench/pages.py);
9. Lighthouse's mobile scores of the consumer pages (hub, tabs, rules, shop, a product),
   against the bar of performance >= 95 (bench/lighthouse.py; needs node and npm).

Numbers are printed and written to var/bench-results.json; nothing is asserted. Knobs
(environment): BENCH_PORT, BENCH_DURATION (s per wrk run), BENCH_ROUNDS, BENCH_CONNECTIONS,
BENCH_BATCH_EVENTS (per round), BENCH_BATCH_ROUNDS, BENCH_BATCH_CLIENTS,
BENCH_REPORT_SIZES (e.g. "1000000,10000000"), BENCH_SOAK_SECONDS, BENCH_WEB_WORKERS,
BENCH_BLOCKING_THREADS, BENCH_DATABASE_URL, BENCH_REDIS_URL, BENCH_LANGUAGE (the page
language beacons and clicks carry, default fr; "" for none),
BENCH_PARTS ("http,entries,reports,social,pages,lighthouse": any of them alone; "batch": only the
batch ingest of the HTTP part); bench/entries.py's, bench/social.py's and bench/pages.py's.
"""

# ruff: noqa: S603, S607 -- runs fixed commands of this project (granian, wrk, ps, manage.py)
from __future__ import annotations

import http.client
import json
import os
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

PORT = int(os.environ.get("BENCH_PORT", "8791"))
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "32"))
BATCH_EVENTS = int(os.environ.get("BENCH_BATCH_EVENTS", "300000"))  # per round
BATCH_ROUNDS = int(os.environ.get("BENCH_BATCH_ROUNDS", "3"))
BATCH_CLIENTS = int(os.environ.get("BENCH_BATCH_CLIENTS", "4"))
REPORT_SIZES = [int(n) for n in os.environ.get("BENCH_REPORT_SIZES", "1000000,10000000").split(",")]
SOAK_SECONDS = int(os.environ.get("BENCH_SOAK_SECONDS", "60"))
PARTS = os.environ.get("BENCH_PARTS", "http,entries,reports,social,pages,lighthouse").split(",")
WEB_WORKERS = int(os.environ.get("BENCH_WEB_WORKERS", "2"))
BLOCKING_THREADS = int(os.environ.get("BENCH_BLOCKING_THREADS", "4"))
PG_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/promohub_bench")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/4")
ENTRY_STREAM = "bench:entries"
STREAM = "bench:tracking:events"
SECRET = "bench-secret-" + "k" * 50

results: dict[str, Any] = {}
children: list[subprocess.Popen[bytes]] = []


def say(text: str) -> None:
    print(text, flush=True)


def reachable(host: str, port: int) -> bool:
    try:
        socket.create_connection((host, port), timeout=1).close()
        return True
    except OSError:
        return False


def configure() -> dict[str, str]:
    use_pg = reachable("127.0.0.1", 5432) and not PG_URL.startswith("sqlite")
    use_redis = bool(REDIS_URL) and reachable("127.0.0.1", 6379)
    env = {
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "SECRET_KEY": SECRET,
        "FIELD_ENCRYPTION_KEYS": "bench-field-key",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "API_THROTTLE_RATE": "100000000/min",
        "BENCH_STREAM": STREAM,
        "ENTRY_INTAKE_STREAM": ENTRY_STREAM,
        "CONN_MAX_AGE": "600",
        "DATABASE_URL": PG_URL if use_pg else f"sqlite:///{ROOT / 'var' / 'bench.sqlite3'}",
        "REDIS_URL": REDIS_URL if use_redis else "",
        "SQLITE_PATH": str(ROOT / "var" / "bench.sqlite3"),
    }
    os.environ.update(env)
    results["setup"] = {
        "database": "postgresql" if use_pg else "sqlite",
        "redis": use_redis,
        "cpus": os.cpu_count(),
        "web_workers": WEB_WORKERS,
        "blocking_threads": BLOCKING_THREADS,
        "load_average_at_start": os.getloadavg()[0],
    }
    return env


def fresh_database(env: dict[str, str]) -> None:
    if env["DATABASE_URL"].startswith("postgres"):
        import psycopg

        name = env["DATABASE_URL"].rsplit("/", 1)[1]
        admin = env["DATABASE_URL"].rsplit("/", 1)[0] + "/postgres"
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        Path(env["SQLITE_PATH"]).unlink(missing_ok=True)
    if env["REDIS_URL"]:
        import redis

        r = redis.Redis.from_url(env["REDIS_URL"])
        for prefix in (STREAM, ENTRY_STREAM):  # the entry slots name rows of the old database
            keys = list(r.scan_iter(match=f"{prefix}*", count=10_000))
            if keys:
                r.delete(*keys)


def django_setup() -> dict[str, Any]:
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)
    from promotions.models import Promotion
    from tracking import tokens
    from tracking.services import api_key_create

    promotions = list(
        Promotion.objects.filter(campaign__brand__slug="demo").select_related("campaign")
    )
    giveaway = next(p for p in promotions if p.slug == "giveaway")
    ids = {
        "promotion_id": giveaway.pk,
        "campaign_id": giveaway.campaign_id,
        "brand_id": giveaway.campaign.brand_id,
    }
    _key, raw = api_key_create(
        name="bench", brand_ids=[giveaway.campaign.brand_id], scopes=["events:write"]
    )
    return {
        "token": tokens.promotion_token(**ids),
        "click_path": tokens.click_url(**ids, target="https://example.com/landing", base_url=""),
        "promotion_ids": [p.pk for p in promotions],
        "api_key": raw,
    }


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        command,
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    children.append(process)
    return process


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def start_web(env: dict[str, str]) -> subprocess.Popen[bytes]:
    web = start(
        [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(PORT),
            "--workers",
            str(WEB_WORKERS),
            "--blocking-threads",
            str(BLOCKING_THREADS),
            "--no-ws",
            "config.wsgi:application",
        ],
        env,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=1)
            conn.request("GET", "/bench/trivial")
            if conn.getresponse().status == 200:
                return web
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"granian did not answer on port {PORT}")


def worker_pids(web: subprocess.Popen[bytes]) -> list[int]:
    out = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(web.pid)], capture_output=True, text=True
    )
    return [int(p) for p in out.stdout.split()]


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU seconds each process has used so far (from /proc)."""
    tick = os.sysconf("SC_CLK_TCK")
    found = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found[pid] = (int(fields[11]) + int(fields[12])) / tick  # utime + stime
    return found


def cpu_used(before: dict[int, float], pids: list[int]) -> float:
    """CPU seconds used since ``before`` by ``pids`` (a process started since counts whole)."""
    return sum(now - before.get(pid, 0.0) for pid, now in cpu_seconds(pids).items())


def postgres_pids() -> list[int]:
    out = subprocess.run(["pgrep", "-x", "postgres"], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def rss_mb(pids: list[int]) -> list[float]:
    sizes = []
    for pid in pids:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"VmRSS:\s+(\d+) kB", status)
        if match:
            sizes.append(round(int(match.group(1)) / 1024, 1))
    return sizes


def wrk(
    url: str,
    *,
    script: str | None = None,
    env: dict[str, str] | None = None,
    connections: int = CONNECTIONS,
    duration: int = DURATION,
    timeout: str = "2s",
) -> dict[str, float]:
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", f"--timeout={timeout}"]
    command.append("--latency")
    if script:
        command += ["-s", str(ROOT / "bench" / script)]
    out = subprocess.run(
        [*command, url], capture_output=True, text=True, env={**os.environ, **(env or {})}
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise SystemExit(f"wrk printed no request rate for {url}:\n{out}")
    found: dict[str, float] = {"rps": float(rate.group(1))}
    done = re.search(r"(\d+) requests in ([\d.]+)(ms|s|m)\b", out)
    if done:
        found["requests"] = float(done.group(1))
        found["seconds"] = float(done.group(2)) * {"ms": 0.001, "s": 1, "m": 60}[done.group(3)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    found["non_2xx_3xx"] = float(errors.group(1)) if errors else 0.0
    for pct in ("50", "99"):
        match = re.search(rf"\s{pct}%\s+([\d.]+)(us|ms|s)\b", out)
        if match:
            value, unit = float(match.group(1)), match.group(2)
            found[f"p{pct}_ms"] = (
                value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
            )
    return found


def bench_beacon(setup: dict[str, Any]) -> None:
    say(f"\n1. Beacon vs a trivial Django view: {ROUNDS} alternating rounds of {DURATION}s")
    trivial, beacon = [], []
    base = f"http://127.0.0.1:{PORT}"
    for n in range(ROUNDS):
        t = wrk(f"{base}/bench/trivial")
        b = wrk(base, script="beacon.lua", env={"BENCH_TOKEN": setup["token"]})
        trivial.append(t["rps"])
        beacon.append(b["rps"])
        say(
            f"   round {n + 1}: trivial view {t['rps']:>9,.0f} req/s   "
            f"beacon {b['rps']:>9,.0f} req/s   (beacon non-2xx: {b['non_2xx_3xx']:.0f})"
        )
    t_med, b_med = statistics.median(trivial), statistics.median(beacon)
    results["beacon"] = {
        "trivial_view_rps": trivial,
        "beacon_rps": beacon,
        "median_trivial_rps": t_med,
        "median_beacon_rps": b_med,
        "ratio": round(b_med / t_med, 2),
    }
    say(
        f"   median: trivial {t_med:,.0f} req/s, beacon {b_med:,.0f} req/s, "
        f"ratio {b_med / t_med:.2f}"
    )


def bench_click(setup: dict[str, Any]) -> None:
    say("\n2. Click redirect")
    base = f"http://127.0.0.1:{PORT}"
    env = {"BENCH_CLICK_PATH": setup["click_path"]}
    top = wrk(base, script="click.lua", env=env)
    half = top["rps"] / 2
    connections = 16
    delay_ms = max(1, round(connections * 1000 / half))
    paced = wrk(
        base,
        script="click.lua",
        env={**env, "BENCH_DELAY_MS": str(delay_ms)},
        connections=connections,
    )
    results["click"] = {
        "max_rps": top["rps"],
        "target_rps": half,
        **{f"at_half_{k}": v for k, v in paced.items()},
    }
    say(
        f"   highest rate {top['rps']:,.0f} req/s; at about half ({paced['rps']:,.0f} req/s): "
        f"p50 {paced.get('p50_ms', 0):.2f} ms, p99 {paced.get('p99_ms', 0):.2f} ms"
    )


def rollup_total() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(impressions + clicks + invalid_impressions + invalid_clicks), 0)"
            " FROM tracking_hourlyrollup"
        )
        return int(cursor.fetchone()[0])


def wait_counted(target: int, timeout: float = 600) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if rollup_total() >= target:
            return time.monotonic()
        time.sleep(0.05)
    raise SystemExit(f"only {rollup_total():,} of {target:,} events counted after {timeout}s")


def bench_backlog() -> None:
    """The beacons of step 1 sit in the stream: how fast do two consumers store them?"""
    from tracking import stream

    waiting = int(stream.client().xlen(STREAM))
    if not waiting:
        return
    say(f"\n   draining the {waiting:,} single-event stream entries the beacon runs left...")
    before = rollup_total()
    started = time.monotonic()
    while stream.client().xlen(STREAM):
        time.sleep(0.1)
    done = time.monotonic()
    stored = rollup_total() - before
    results["beacon_backlog"] = {
        "entries": waiting,
        "events_per_s": round(stored / (done - started)),
    }
    say(
        f"   two consumers stored them at {stored / (done - started):,.0f} events/s "
        "(one event per stream entry)"
    )


def batch_bodies(setup: dict[str, Any], count: int, rng: random.Random) -> list[bytes]:
    """``count`` request bodies of 1,000 events each, as a partner would send them."""
    now = datetime.now(UTC)
    bodies = []
    for _ in range(count):
        events = [
            {
                "event_id": str(uuid.uuid4()),  # partners' ids: random, the costly case
                "type": "click" if rng.random() < 0.12 else "impression",
                "promotion": rng.choice(setup["promotion_ids"]),
                "ts": (now - timedelta(seconds=rng.random() * 60)).isoformat(),
                "country": rng.choice(["FR", "DE", "ES", "IT"]),
                "device": rng.choice(["mobile", "desktop", "tablet"]),
                "source": rng.choice(["facebook", "instagram", "newsletter"]),
            }
            for _ in range(1000)
        ]
        bodies.append(json.dumps(events).encode())
    return bodies


def batch_round(
    setup: dict[str, Any], bodies: list[bytes], threads: int, web_pids: list[int]
) -> dict[str, float]:
    """POST the bodies from ``threads`` clients; time until every event is in the rollups.
    Also: CPU milliseconds per 1,000 events spent by the web workers, by PostgreSQL (all
    its processes) and by this client."""
    total = len(bodies) * 1000
    before = rollup_total()
    web_before, pg_before, own_before = (
        cpu_seconds(web_pids),
        cpu_seconds(postgres_pids()),
        time.process_time(),
    )
    accepted = []
    lock = threading.Lock()

    def post(chunk: list[bytes]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=60)
        for body in chunk:
            conn.request(
                "POST",
                "/api/v1/events/batch",
                body=body,
                headers={
                    "Authorization": f"Bearer {setup['api_key']}",
                    "Content-Type": "application/json",
                },
            )
            response = conn.getresponse()
            data = json.loads(response.read())
            with lock:
                accepted.append(data.get("accepted", 0) if response.status == 202 else 0)

    started = time.monotonic()
    workers = [threading.Thread(target=post, args=(bodies[i::threads],)) for i in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    posted = time.monotonic()
    counted = wait_counted(before + total)
    web_cpu, pg_cpu, own_cpu = (
        cpu_used(web_before, web_pids),
        cpu_used(pg_before, postgres_pids()),
        time.process_time() - own_before,
    )
    per_1000 = 1_000_000 / total  # CPU seconds for all the events -> ms per 1,000 events
    return {
        "web_cpu_ms_per_1000": round(web_cpu * per_1000, 2),
        "postgres_cpu_ms_per_1000": round(pg_cpu * per_1000, 2),
        "client_cpu_ms_per_1000": round(own_cpu * per_1000, 2),
        "events": total,
        "accepted": sum(accepted),
        "post_events_per_s": round(total / (posted - started)),
        "end_to_end_events_per_s": round(total / (counted - started)),
        "seconds": round(counted - started, 2),
    }


def bench_batches(setup: dict[str, Any], web: subprocess.Popen[bytes]) -> None:
    per_round = BATCH_EVENTS // 1000
    say(
        f"\n3. Batch ingest, end to end: {BATCH_ROUNDS} rounds of {per_round * 1000:,} events, "
        f"1,000 per POST, {BATCH_CLIENTS} clients"
    )
    rng = random.Random(7)
    rounds = []
    for n in range(BATCH_ROUNDS):
        bodies = batch_bodies(setup, per_round, rng)
        found = batch_round(setup, bodies, BATCH_CLIENTS, worker_pids(web))
        rounds.append(found)
        say(
            f"   round {n + 1}: accepted {found['accepted']:,}; the API took them at "
            f"{found['post_events_per_s']:,} events/s; all counted in the rollups after "
            f"{found['seconds']:.1f}s: {found['end_to_end_events_per_s']:,} events/s end to end"
        )
        say(
            f"            CPU per 1,000 events: web workers {found['web_cpu_ms_per_1000']} ms, "
            f"PostgreSQL {found['postgres_cpu_ms_per_1000']} ms, "
            f"this client {found['client_cpu_ms_per_1000']} ms"
        )
    median = statistics.median(r["end_to_end_events_per_s"] for r in rounds)
    results["batch"] = {
        "clients": BATCH_CLIENTS,
        "rounds": rounds,
        "median_end_to_end_events_per_s": median,
    }
    say(f"   median end to end: {median:,.0f} events/s")


def soak(setup: dict[str, Any], web: subprocess.Popen[bytes]) -> None:
    say(f"\n4. Memory of the web workers under {SOAK_SECONDS}s of beacon load")
    pids = worker_pids(web)
    samples = [rss_mb(pids)]
    stop_at = time.monotonic() + SOAK_SECONDS
    while time.monotonic() < stop_at:
        slice_s = int(min(15, max(1, stop_at - time.monotonic())))
        wrk(
            f"http://127.0.0.1:{PORT}",
            script="beacon.lua",
            env={"BENCH_TOKEN": setup["token"]},
            duration=slice_s,
        )
        samples.append(rss_mb(pids))
    results["rss_mb"] = {
        "start_of_soak": samples[0],
        "samples": samples,
        "end": samples[-1],
        "before_any_load": results.get("rss_before_mb"),
    }
    say(
        f"   RSS per worker before any load {results.get('rss_before_mb')} MB, "
        f"soak start {samples[0]} MB, end {samples[-1]} MB "
        f"({len(samples) - 1} samples: {[s for s in samples]})"
    )


def bench_reports() -> None:
    say("\n5. Report for one promotion over 90 days (selector, in process)")
    from django.core.management import call_command
    from django.db import connection

    from tracking import selectors

    today = datetime.now(UTC).date()
    timings: dict[str, Any] = {}

    def synthetic() -> int:  # the report's promotions, not the HTTP runs' demo promotions
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM tracking_event WHERE promotion_id >= 900000")
            return int(cursor.fetchone()[0])

    for size in REPORT_SIZES:
        missing = size - synthetic()
        if missing > 0:
            say(f"   generating {missing:,} raw events (200 promotions, 90 days)...")
            started = time.monotonic()
            with open(os.devnull, "w") as quiet:
                call_command(
                    "simulate_traffic",
                    events=missing,
                    synthetic_promotions=200,
                    days=90,
                    direct=True,
                    batch=20_000,
                    seed=size,
                    stdout=quiet,
                )
            say(f"   ...{missing / (time.monotonic() - started):,.0f} events/s through the store")
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("ANALYZE")
        with connection.cursor() as cursor:
            cursor.execute("SELECT COUNT(*) FROM tracking_event")
            have = int(cursor.fetchone()[0])
        row: dict[str, Any] = {"raw_events": have, "report_promotions_events": synthetic()}
        for increment in ("1", "all_days"):
            samples = []
            for n in range(320):
                t = time.perf_counter()
                rows = selectors.stats_row_list(
                    level="promotion",
                    since=today - timedelta(days=89),
                    until=today,
                    timezone="Europe/Paris",
                    time_increment=increment,
                    brand_ids=[9000],
                    promotion_ids=[900_000],
                )
                if n >= 20:  # the first calls warm the caches
                    samples.append((time.perf_counter() - t) * 1000)
            samples.sort()
            row[increment] = {
                "p50_ms": round(samples[len(samples) // 2], 2),
                "p95_ms": round(samples[int(len(samples) * 0.95)], 2),
                "rows": len(rows),
            }
        timings[str(size)] = row
        say(
            f"   {have:>11,} raw events ({row['report_promotions_events']:,} of the report's "
            f"promotions): daily rows p50 {row['1']['p50_ms']} ms, "
            f"p95 {row['1']['p95_ms']} ms; whole range p50 {row['all_days']['p50_ms']} ms, "
            f"p95 {row['all_days']['p95_ms']} ms"
        )
    results["reports"] = timings
    sizes = [str(s) for s in REPORT_SIZES]
    if len(sizes) >= 2:
        first, last = timings[sizes[0]]["1"]["p95_ms"], timings[sizes[-1]]["1"]["p95_ms"]
        results["reports"]["p95_growth"] = round(last / first, 2) if first else None
        say(f"   p95 at {int(sizes[-1]):,} / p95 at {int(sizes[0]):,}: {last / first:.2f}x")


def main() -> None:
    # bin/ensure-tool installs Debian's wrk when it can (root with apt-get).
    if subprocess.run([sys.executable, str(ROOT / "bin" / "ensure-tool"), "wrk", "wrk"]).returncode:
        raise SystemExit("make bench needs wrk (a HTTP load generator): apt-get install wrk")
    env = configure()
    say(f"bench: {results['setup']}")
    fresh_database(env)
    setup = django_setup()
    if "http" in PARTS or "batch" in PARTS:
        http_parts(env, setup)
    if "entries" in PARTS:
        entries_part(env)
    if REPORT_SIZES and "reports" in PARTS:
        bench_reports()
    if "social" in PARTS:
        from bench.social import bench_social

        bench_social(results)
    if "pages" in PARTS or "lighthouse" in PARTS:
        pages_part(env)
    results["setup"]["load_average_at_end"] = os.getloadavg()[0]
    out = ROOT / "var" / "bench-results.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    say(f"\nwritten to {out.relative_to(ROOT)}")


def pages_part(env: dict[str, str]) -> None:
    """8. the hub's server time per language (bench/pages.py); 9. Lighthouse's scores of
    the consumer pages (bench/lighthouse.py), on the same server."""
    from django.core.management import call_command

    from bench.lighthouse import bench_lighthouse
    from bench.pages import bench_pages

    call_command("collectstatic", "--noinput", verbosity=0)  # pages name hashed static files
    if "lighthouse" in PARTS:
        call_command("seed_shop_demo", verbosity=0)  # the shop's pages are audited too
    web = start_web(env)
    try:
        if "pages" in PARTS:
            bench_pages(results=results, say=say, port=PORT)
        if "lighthouse" in PARTS:
            bench_lighthouse(results=results, say=say, port=PORT)
    finally:
        stop(web)


def entries_part(env: dict[str, str]) -> None:
    """6. accepted entries/s for distinct signed-in entrants (bench/entries.py)."""
    from bench import entries

    if not entries.entries_measurable(results=results, say=say):
        return
    web = start_web(env)
    # With Redis the sweepstakes entries go through the intake: one entries consumer stores
    # them (its CPU counts with the web workers').
    intake = bool(env["REDIS_URL"]) and os.environ.get("ENTRY_INTAKE", "true") != "false"
    consumer = start([sys.executable, "manage.py", "entries_consume"], env) if intake else None

    def cpu() -> tuple[float, float, float]:  # CPU seconds: web workers, PostgreSQL, consumer
        return (
            sum(cpu_seconds(worker_pids(web)).values()),
            sum(cpu_seconds(postgres_pids()).values()),
            sum(cpu_seconds([consumer.pid]).values()) if consumer is not None else 0.0,
        )

    try:
        entries.bench_entries(results=results, say=say, wrk=wrk, port=PORT, cpu=cpu, intake=intake)
    finally:
        for process in [web, *([consumer] if consumer is not None else [])]:
            stop(process)


def http_parts(env: dict[str, str], setup: dict[str, Any]) -> None:
    web = start_web(env)
    consumers: list[subprocess.Popen[bytes]] = []
    try:
        results["rss_before_mb"] = rss_mb(worker_pids(web))
        if "http" in PARTS:
            bench_beacon(setup)
            bench_click(setup)
            results["rss_after_bursts_mb"] = rss_mb(worker_pids(web))
        if env["REDIS_URL"]:
            consumers = [
                start([sys.executable, "manage.py", "tracking_consume"], env) for _ in range(2)
            ]
            bench_backlog()
        bench_batches(setup, web)
        if SOAK_SECONDS and "http" in PARTS:
            soak(setup, web)
        if env["REDIS_URL"]:
            from tracking import stream

            while stream.client().xlen(STREAM):
                time.sleep(0.2)
    finally:
        for process in [web, *consumers]:
            stop(process)


if __name__ == "__main__":
    try:
        main()
    finally:
        for child in children:
            if child.poll() is None:
                os.killpg(child.pid, signal.SIGTERM)
