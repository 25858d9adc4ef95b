"""``make bench``, comment giveaways: comments imported per second from the fake Graph
server (started in this process, real HTTP), and the draw over 100,000 comment entries.

Goals (issue 11): at least 2,000 comments/s imported; a draw in at most 2 s.
Knobs: BENCH_SOCIAL_COMMENTS (20,000), BENCH_SOCIAL_DRAW_ENTRIES (100,000).
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from typing import Any

COMMENTS = int(os.environ.get("BENCH_SOCIAL_COMMENTS", "20000"))
DRAW_ENTRIES = int(os.environ.get("BENCH_SOCIAL_DRAW_ENTRIES", "100000"))
TOKEN = "bench-token"  # noqa: S105 -- the fake Graph server's Page token


def say(text: str) -> None:
    print(text, flush=True)


def _giveaway(slug: str, weighting: str, page_id: str) -> tuple[Any, Any]:
    from promotions.models import (
        Brand,
        Campaign,
        ConnectedPage,
        Promotion,
        SocialRules,
        SocialSource,
    )

    now = datetime.now(UTC)
    brand, _ = Brand.objects.get_or_create(
        slug="bench-social", defaults={"name": "Bench social", "timezone": "UTC"}
    )
    campaign, _ = Campaign.objects.get_or_create(
        brand=brand,
        slug="bench",
        defaults={
            "name": "Bench",
            "status": "active",
            "starts_at": now - timedelta(days=30),
            "ends_at": now + timedelta(days=30),
        },
    )
    promotion = Promotion.objects.create(
        campaign=campaign,
        slug=slug,
        kind="sweepstakes",
        title=slug,
        status="active",
        starts_at=now - timedelta(days=10),
        ends_at=now + timedelta(days=10),
    )
    page, _ = ConnectedPage.objects.get_or_create(
        page_id=page_id,
        defaults={
            "brand": brand,
            "name": "Bench Page",
            "access_token": TOKEN,
            "connected_at": now,
        },
    )
    SocialRules.objects.create(promotion=promotion, weighting=weighting, keyword="#win")
    source = SocialSource.objects.create(
        promotion=promotion, page=page, platform="facebook", object_id=f"{page_id}_{promotion.pk}"
    )
    return promotion, source


def bench_import(graph: Any, weighting: str) -> float:
    from promotions.social.importer import social_promotion_import
    from tests.fakes import graph_comments

    page_id = "900000000000"
    promotion, source = _giveaway(f"import-{weighting}-{time.time_ns()}", weighting, page_id)
    start = promotion.starts_at + timedelta(hours=1)
    rows = [
        graph_comments.comment(
            f"{promotion.pk}{i:07d}_{i}",
            author=f"{10_000 + i % (COMMENTS * 2 // 5)}",
            message="#win me" if i % 10 else "hello",
            at=start + timedelta(seconds=i),
            parent=f"{promotion.pk}{i - 1:07d}_{i - 1}" if i % 4 == 3 else None,
        )
        for i in range(COMMENTS)
    ]
    graph_comments.post_add(graph, post_id=source.object_id, page_id=page_id, token=TOKEN)
    graph.state["posts"][source.object_id]["comments"] = rows
    started, cpu = time.perf_counter(), time.process_time()
    result = social_promotion_import(promotion=promotion, sleep=lambda s: None)
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert result.complete and result.read == COMMENTS, result
    rate = COMMENTS / elapsed
    say(
        f"   {weighting}: {COMMENTS:,} comments in {elapsed:.2f} s = {rate:,.0f} comments/s "
        f"({result.pages} pages of 100, {result.entries_created:,} entries); "
        f"{cpu:.2f} s of this process's CPU (fake server included), "
        f"load {os.getloadavg()[0]:.1f}"
    )
    return rate


def bench_draw() -> dict[str, float]:
    from django.db import transaction

    from promotions.draws.selectors import draw_export
    from promotions.draws.services import draw_commit, draw_run
    from promotions.models import Entry, Identity, Person, SocialComment

    promotion, source = _giveaway(f"draw-{time.time_ns()}", "per_comment", "900000000001")
    draw = draw_commit(promotion=promotion, at=promotion.starts_at)
    say(f"   making {DRAW_ENTRIES:,} comment entries...")
    at = promotion.starts_at + timedelta(hours=1)
    chunk = 10_000
    for offset in range(0, DRAW_ENTRIES, chunk):
        n = min(chunk, DRAW_ENTRIES - offset)
        with transaction.atomic():
            people = Person.objects.bulk_create([Person() for _ in range(n)])
            Identity.objects.bulk_create(
                [
                    Identity(
                        person=p, provider="facebook_page", subject=f"b{offset + i}", verified_at=at
                    )
                    for i, p in enumerate(people)
                ]
            )
            entries = Entry.objects.bulk_create(
                [
                    Entry(
                        promotion=promotion,
                        person=p,
                        slot=f"c{offset + i:015d}",
                        source="facebook",
                        created_at=at,
                    )
                    for i, p in enumerate(people)
                ]
            )
            SocialComment.objects.bulk_create(
                [
                    SocialComment(
                        source=source,
                        platform="facebook",
                        comment_id=f"{source.object_id}_{offset + i}",
                        author_id=f"b{offset + i}",
                        created_time=at,
                        status="entered",
                        entry=e,
                    )
                    for i, e in enumerate(entries)
                ]
            )
    started, cpu = time.perf_counter(), time.process_time()
    done = draw_run(draw=draw, at=promotion.ends_at + timedelta(seconds=1))
    draw_seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    assert done.entry_count == DRAW_ENTRIES
    started = time.perf_counter()
    export = draw_export(draw=done)
    export_seconds = time.perf_counter() - started
    assert len(export["social"]["entry_comments"]) == DRAW_ENTRIES
    say(
        f"   draw over {DRAW_ENTRIES:,} comment entries: {draw_seconds:.2f} s "
        f"({cpu:.2f} s CPU, load {os.getloadavg()[0]:.1f})"
    )
    say(f"   its JSON export with the comment references: {export_seconds:.2f} s")
    return {"draw_seconds": draw_seconds, "export_seconds": export_seconds}


def bench_social(results: dict[str, Any]) -> None:
    """Run both measures; the fake Graph server runs in a thread of this process."""
    from django.conf import settings

    from tests.fakes import graph_server

    say("\n7. Comment giveaways: import from a fake Graph server, draw over comment entries")
    graph, stop = graph_server.serve()
    previous = settings.FACEBOOK_GRAPH_URL
    settings.FACEBOOK_GRAPH_URL = graph.url
    try:
        rates = {w: bench_import(graph, w) for w in ("per_person", "per_comment")}
    finally:
        settings.FACEBOOK_GRAPH_URL = previous
        stop()
    results["social"] = {
        "comments": COMMENTS,
        "import_comments_per_second": rates,
        **bench_draw(),
        "draw_entries": DRAW_ENTRIES,
    }
