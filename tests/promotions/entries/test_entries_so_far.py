"""An entry's request reads the entrant and their entries so far in one query
(``entrant_get_for_entry``), and the rules use those counts only for the promotion and
local day they were read for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from promotions.entrants.selectors import person_get
from promotions.entries.eligibility import local_day
from promotions.entries.models import PURCHASE_SOURCE
from promotions.entries.refusals import Refused
from promotions.entries.selectors import (
    EntriesSoFar,
    entrant_get_for_entry,
    entries_so_far_get,
)
from promotions.models import EntryFrequency, Promotion
from tests.factories.promotions import EntryFactory, PersonFactory, PromotionFactory
from tests.promotions.conftest import ENTRY_JSON, sign_in
from tests.promotions.entering import enter

pytestmark = pytest.mark.django_db


def _counts_queries(captured: CaptureQueriesContext) -> list[str]:
    """The queries that count the person's form entries (every other source)."""
    return [q["sql"] for q in captured.captured_queries if "e.source <>" in q["sql"]]


def test_the_entrant_and_their_counts_come_in_one_query():
    promotion = PromotionFactory(entry_frequency=EntryFrequency.DAILY)
    person = PersonFactory()
    now = timezone.now()
    today = local_day(promotion, now).isoformat()
    EntryFactory(promotion=promotion, person=person, slot=today)
    EntryFactory(promotion=promotion, person=person, slot="2020-01-01")
    EntryFactory(promotion=promotion, person=person, slot="order:7", source=PURCHASE_SOURCE)
    EntryFactory(promotion=PromotionFactory(), person=person, slot=today)  # another promotion
    EntryFactory(promotion=promotion, slot=today)  # someone else

    with CaptureQueriesContext(connection) as captured:
        found = entrant_get_for_entry(person_id=person.pk, promotion=promotion, at=now)

    assert len(captured.captured_queries) == 1
    assert found is not None
    got, so_far = found
    expected = person_get(person_id=person.pk)
    assert expected is not None
    assert got.pk == person.pk and got.public_id == expected.public_id
    assert got.created_at == expected.created_at and got.email == expected.email
    assert so_far == EntriesSoFar(promotion_id=promotion.pk, day=today, total=2, on_day=1)
    assert so_far == entries_so_far_get(promotion=promotion, person_id=person.pk, at=now)


@pytest.mark.parametrize("person_id", [None, "1", True])
def test_no_entrant_without_a_valid_session_value(person_id):
    PersonFactory()
    assert (
        entrant_get_for_entry(person_id=person_id, promotion=PromotionFactory(), at=timezone.now())
        is None
    )


def test_an_anonymised_entrant_is_nobody():
    person = PersonFactory(anonymised_at=timezone.now())
    found = entrant_get_for_entry(
        person_id=person.pk, promotion=PromotionFactory(), at=timezone.now()
    )
    assert found is None


def test_counts_read_for_this_promotion_and_day_are_used():
    promotion = PromotionFactory(entry_frequency=EntryFrequency.ONCE)
    person = PersonFactory()
    now = timezone.now()
    found = entrant_get_for_entry(person_id=person.pk, promotion=promotion, at=now)
    assert found is not None

    with CaptureQueriesContext(connection) as captured:
        enter(promotion, person=found[0], at=now, so_far=found[1])

    assert _counts_queries(captured) == []


@pytest.mark.parametrize("stale", ["another day", "another promotion"])
def test_counts_for_another_day_or_promotion_are_read_again(stale):
    promotion = PromotionFactory(entry_frequency=EntryFrequency.DAILY)
    person = PersonFactory()
    now = timezone.now()
    EntryFactory(promotion=promotion, person=person, slot=local_day(promotion, now).isoformat())
    yesterday = local_day(promotion, now - timedelta(days=1)).isoformat()
    so_far = (
        EntriesSoFar(promotion_id=promotion.pk, day=yesterday, total=0, on_day=0)
        if stale == "another day"
        else EntriesSoFar(
            promotion_id=PromotionFactory().pk,
            day=local_day(promotion, now).isoformat(),
            total=0,
            on_day=0,
        )
    )

    with CaptureQueriesContext(connection) as captured, pytest.raises(Refused) as refused:
        enter(promotion, person=person, at=now, so_far=so_far)

    assert len(_counts_queries(captured)) == 1
    assert refused.value.code == "already_entered_today"


def test_a_json_entry_reads_its_entrant_once(consumer):
    promotion = PromotionFactory(kind=Promotion.Kind.SWEEPSTAKES)
    person = PersonFactory()
    sign_in(consumer, person)

    with CaptureQueriesContext(connection) as captured:
        response = consumer.post(
            promotion.get_absolute_url() + "enter/", ENTRY_JSON, content_type="application/json"
        )

    assert response.status_code == 201, response.content
    person_reads = [
        q["sql"] for q in captured.captured_queries if "anonymised_at IS NULL" in q["sql"]
    ]
    assert len(person_reads) == 1 and "COUNT(*)" in person_reads[0]
    assert len(_counts_queries(captured)) == 1
