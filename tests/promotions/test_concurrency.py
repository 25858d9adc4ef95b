"""Every "at most N" under concurrent requests, on PostgreSQL with real threads.

Each test lets 200 entrants (or one person 200 times) race through the services from a
pool of threads, each on its own database connection, released before the first starts.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from promotions.codes import services as codes_services
from promotions.contests import services as contests_services
from promotions.draws import services as draws_services
from promotions.entries import refusals as entries_refusals
from promotions.entries import services as entries_services
from promotions.entries.eligibility import Answers
from promotions.models import (
    CouponCode,
    Entry,
    EntryFrequency,
    Person,
    Prize,
    PrizeAward,
    Promotion,
    Vote,
    WinningMoment,
)
from tests.factories.promotions import PersonFactory, PromotionFactory, SubmissionFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

RACERS = 200
THREADS = 32
CONSENTS = frozenset({"official_rules", "privacy", "facebook_release"})


@pytest.fixture(autouse=True)
def _no_rate_limits(settings):
    settings.PROMOTIONS_RATES = {"enter": "100000/min", "vote": "100000/min", "email": "100000/min"}


def race(task, items):
    """Run ``task(item)`` for every item from THREADS threads released together; the
    outcome of each ('ok', value) or ('refused', code)."""
    gate = threading.Event()

    def run(item):
        gate.wait()
        try:
            return ("ok", task(item))
        except entries_refusals.Refused as refused:
            return ("refused", refused.code)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(run, item) for item in items]
        gate.set()
        return [f.result() for f in futures]


def people(n):
    return Person.objects.bulk_create(
        Person(
            email=f"racer{i}@example.com",
            email_normalized=f"racer{i}@example.com",
            name=f"Racer {i}",
        )
        for i in range(n)
    )


def enter(promotion):
    def task(person):
        answers = Answers(
            name=person.name, birth_date=date(1990, 1, 1), country="FR", consents=CONSENTS
        )
        return entries_services.entry_create(promotion=promotion, person=person, answers=answers)

    return task


def test_200_entrants_against_10_instant_win_prizes_make_exactly_10_winners():
    promotion = PromotionFactory(kind=Promotion.Kind.INSTANT_WIN)
    prize = Prize.objects.create(promotion=promotion, name="Earbuds", quantity=10, odds_one_in=1)

    results = race(enter(promotion), people(RACERS))

    assert Counter(kind for kind, _ in results) == {"ok": RACERS}
    winners = [outcome.award for kind, outcome in results if outcome.award is not None]
    assert len(winners) == 10
    prize.refresh_from_db()
    assert prize.awarded == 10
    assert sorted(PrizeAward.objects.values_list("unit", flat=True)) == list(range(1, 11))
    assert PrizeAward.objects.values("entry__person").distinct().count() == 10


def test_200_entrants_against_10_winning_moments_make_exactly_10_winners():
    promotion = PromotionFactory(kind=Promotion.Kind.INSTANT_WIN)
    prize = Prize.objects.create(promotion=promotion, name="Case", quantity=10)
    past = timezone.now() - timedelta(minutes=10)
    WinningMoment.objects.bulk_create(
        WinningMoment(prize=prize, at=past + timedelta(seconds=i)) for i in range(10)
    )

    results = race(enter(promotion), people(RACERS))

    assert sum(1 for _, outcome in results if outcome.award is not None) == 10
    assert WinningMoment.objects.filter(entry__isnull=True).count() == 0
    assert WinningMoment.objects.values("entry").distinct().count() == 10
    prize.refresh_from_db()
    assert prize.awarded == 10


def test_200_claimants_against_10_codes_get_exactly_10_distinct_codes():
    promotion = PromotionFactory(kind=Promotion.Kind.OFFER)
    codes_services.code_pool_generate(promotion=promotion, count=10)

    results = race(enter(promotion), people(RACERS))

    assert Counter(kind if kind == "ok" else value for kind, value in results) == {
        "ok": 10,
        "codes_exhausted": RACERS - 10,
    }
    claimed = CouponCode.objects.filter(promotion=promotion, person__isnull=False)
    assert claimed.count() == 10
    assert claimed.values("person").distinct().count() == 10
    assert len({outcome.code.code for kind, outcome in results if kind == "ok"}) == 10
    assert Entry.objects.filter(promotion=promotion).count() == 10  # refused claims leave nothing


def test_one_person_voting_200_times_at_once_votes_once():
    film = SubmissionFactory()
    voter = PersonFactory()

    results = race(
        lambda _: contests_services.vote_cast(submission=film, person=voter), range(RACERS)
    )

    assert Counter(kind if kind == "ok" else value for kind, value in results) == {
        "ok": 1,
        "already_voted_today": RACERS - 1,
    }
    assert Vote.objects.filter(person=voter).count() == 1


def test_one_person_entering_200_times_at_once_enters_once():
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)
    person = PersonFactory()

    results = race(lambda _: enter(promotion)(person), range(RACERS))

    assert Counter(kind if kind == "ok" else value for kind, value in results) == {
        "ok": 1,
        "already_entered": RACERS - 1,
    }
    assert Entry.objects.filter(promotion=promotion, person=person).count() == 1
    assert promotion.draws.count() == 1  # the first entries all asked for a commitment


def test_one_person_entering_200_times_at_once_into_n_in_total_enters_n_times():
    # given: 5 entries in total per person, one of them made already
    promotion = PromotionFactory(
        kind=Promotion.Kind.SWEEPSTAKES, entry_frequency=EntryFrequency.TOTAL, max_entries=5
    )
    person = PersonFactory()
    enter(promotion)(person)

    results = race(lambda _: enter(promotion)(person), range(RACERS))

    # then: four more, whichever requests read the entries at the same moment
    assert Counter(kind if kind == "ok" else value for kind, value in results) == {
        "ok": 4,
        "no_entries_left": RACERS - 4,
    }
    slots = Entry.objects.filter(promotion=promotion, person=person).values_list("slot", flat=True)
    assert sorted(slots) == ["1", "2", "3", "4", "5"]


def test_concurrent_first_commitments_make_one_first_draw():
    # given: a live sweepstakes without a draw; marketers commit and first entries arrive
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)
    gate = threading.Event()

    def commit(n):
        gate.wait()
        try:
            if n % 2:  # an entry's commitment, in the entry's transaction
                with transaction.atomic():
                    return draws_services.draw_commitment_ensure(promotion=promotion).pk
            return draws_services.draw_commit(promotion=promotion).pk
        except ValidationError:
            return "refused"
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=THREADS) as pool:
        futures = [pool.submit(commit, n) for n in range(40)]
        gate.set()
        outcomes = [f.result() for f in futures]

    # then: one draw, without a reason; every entry's commitment is that draw, and every
    # marketer's commit but the one that made it (if one did) is asked for a reason
    draw = promotion.draws.get()
    assert draw.reason == ""
    refused = outcomes.count("refused")
    assert refused in (19, 20)
    assert outcomes.count(draw.pk) == 40 - refused
