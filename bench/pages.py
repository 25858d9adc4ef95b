"""``make bench`` part 8: the campaign hub's server time in each language.

On the granian server of bench/run.py (production settings), one keep-alive connection
asks for the demo hub ``BENCH_PAGE_REQUESTS`` times per language (after 20 warm-up
requests): the brand's language (no ``?lang=``), then ``?lang=fr``, ``ar`` and ``ja``,
alternating, so each language meets the same machine. One connection at a time, so the
time measured is the server's time for one page plus a loopback round trip, not queueing
(the issue's budget: p95 ≤ 30 ms with translations on). The trivial view is measured the
same way first, as the floor of this machine. Knob: BENCH_PAGE_REQUESTS (default 300).
"""

from __future__ import annotations

import http.client
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

REQUESTS = int(os.environ.get("BENCH_PAGE_REQUESTS", "300"))
WARM_UP = 20
PAGES = {
    "trivial view": "/bench/trivial",
    "hub, brand's language": "/p/demo/launch/",
    "hub ?lang=fr": "/p/demo/launch/?lang=fr",
    "hub ?lang=ar": "/p/demo/launch/?lang=ar",
    "hub ?lang=ja": "/p/demo/launch/?lang=ja",
}


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _timed_get(connection: http.client.HTTPConnection, path: str) -> float:
    start = time.perf_counter()
    connection.request("GET", path, headers={"Accept-Encoding": "gzip"})
    response = connection.getresponse()
    response.read()
    elapsed = (time.perf_counter() - start) * 1000
    if response.status != 200:
        raise SystemExit(f"bench pages: GET {path} answered {response.status}")
    return elapsed


def bench_pages(*, results: dict[str, Any], say: Callable[[str], None], port: int) -> None:
    say(f"\n8. Hub server time per language: {REQUESTS} requests each, one connection")
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    times: dict[str, list[float]] = {name: [] for name in PAGES}
    for path in PAGES.values():
        for _ in range(WARM_UP):
            _timed_get(connection, path)
    for _ in range(REQUESTS):
        for name, path in PAGES.items():
            times[name].append(_timed_get(connection, path))
    connection.close()
    found = {}
    for name, values in times.items():
        row = {
            "p50_ms": round(statistics.median(values), 2),
            "p95_ms": round(_percentile(values, 95), 2),
            "p99_ms": round(_percentile(values, 99), 2),
        }
        found[name] = row
        say(
            f"   {name:<24} p50 {row['p50_ms']:>6.2f} ms   p95 {row['p95_ms']:>6.2f} ms   "
            f"p99 {row['p99_ms']:>6.2f} ms"
        )
    results["pages"] = found
