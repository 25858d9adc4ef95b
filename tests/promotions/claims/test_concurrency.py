"""Unclaimed prizes pass on under concurrency: 50 threads expiring and declining the same
claims at once never promote two alternates for one prize (PostgreSQL, real threads)."""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection
from django.utils import timezone

from promotions.claims import services as claims_services
from promotions.draws import selectors as draws_selectors
from promotions.models import DrawReplacement, PrizeClaim
from tests.promotions.claims.helpers import closed_sweepstakes

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 50


def race(task, items):
    gate = threading.Event()

    def run(item):
        gate.wait()
        try:
            return ("ok", task(item))
        except claims_services.ClaimAlreadyClosed:
            return ("closed", None)
        except Exception as exc:  # a refusal of a claim closed meanwhile
            return ("refused", type(exc).__name__)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(run, item) for item in items]
        gate.set()
        return [f.result() for f in futures]


def close_one(claim: PrizeClaim, n: int):
    """Half the racers decline as the winner, half expire the claim at its deadline."""
    if n % 2:
        return claims_services.claim_decline(
            claim=claim, person=claim.entry.person, at=timezone.now()
        )
    return claims_services.claim_close(
        claim=claim, status=PrizeClaim.Status.EXPIRED, reason="Not claimed.", at=claim.deadline
    )


def test_50_concurrent_expiries_and_declines_promote_one_alternate_per_prize():
    _promotion, draw, due = closed_sweepstakes(entrants=20, winners=5, alternates=10)
    claims_services.draws_run_due(at=due)
    draw.refresh_from_db()
    originals = list(PrizeClaim.objects.filter(draw=draw).select_related("entry__person"))
    assert len(originals) == 5

    # when: 10 racers per claim, 50 at once
    outcomes = race(lambda item: close_one(*item), [(c, n) for c in originals for n in range(10)])

    # then: each claim closed once, one successor each, five distinct alternates in order
    successes = [o for o in outcomes if o[0] == "ok"]
    assert len(successes) == 5, Counter(o[0] for o in outcomes)
    replacements = list(DrawReplacement.objects.filter(draw=draw))
    assert len(replacements) == 5
    assert {r.replaced_entry for r in replacements} == set(draw.winners)
    assert sorted(r.replacement_entry for r in replacements) == sorted(draw.alternates[:5])
    successors = PrizeClaim.objects.filter(draw=draw, predecessor__isnull=False)
    assert successors.count() == 5
    assert Counter(successors.values_list("predecessor_id", flat=True)) == Counter(
        {c.pk: 1 for c in originals}
    )
    assert sorted(successors.values_list("slot", flat=True)) == [0, 1, 2, 3, 4]

    # and again on the successors: the next five alternates, never two for one prize
    second = list(successors.select_related("entry__person"))
    outcomes = race(lambda item: close_one(*item), [(c, n) for c in second for n in range(10)])
    assert len([o for o in outcomes if o[0] == "ok"]) == 5
    replacements = DrawReplacement.objects.filter(draw=draw)
    assert replacements.count() == 10
    assert sorted(replacements.values_list("replacement_entry", flat=True)) == sorted(
        draw.alternates
    )
    assert PrizeClaim.objects.filter(draw=draw, status=PrizeClaim.Status.NOTIFIED).count() == 5
    current = draws_selectors.draw_winners_current(draw=draw)
    open_entries = PrizeClaim.objects.filter(draw=draw, status=PrizeClaim.Status.NOTIFIED)
    assert sorted(current) == sorted(open_entries.values_list("entry__public_id", flat=True))


def test_ten_workers_running_due_draws_at_once_make_each_draw_once(mailoutbox):
    _promotion, draw, due = closed_sweepstakes(entrants=12, winners=3, alternates=3)

    outcomes = race(lambda _n: claims_services.draws_run_due(at=due), range(10))

    assert sorted(value for _kind, value in outcomes) == [0] * 9 + [1]
    draw.refresh_from_db()
    assert draw.is_drawn
    assert PrizeClaim.objects.filter(draw=draw).count() == 3
    winners_told = [m for m in mailoutbox if m.to != ["manager@brand.example"]]
    assert len(winners_told) == 3
    assert len([m for m in mailoutbox if m.to == ["manager@brand.example"]]) == 1
