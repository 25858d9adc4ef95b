"""Instant wins: prizes by odds or winning moments, never beyond their stock."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from promotions.models import Prize, PrizeAward, Promotion, WinningMoment
from promotions.prizes import services as prizes_services
from tests.factories.promotions import PersonFactory, PrizeFactory, PromotionFactory
from tests.promotions.conftest import ENTRY_FORM, ENTRY_JSON, make_consumer, sign_in
from tests.promotions.entering import enter

pytestmark = pytest.mark.django_db


def test_a_play_wins_while_stock_lasts_and_never_beyond_it():
    prize = PrizeFactory(quantity=2, odds_one_in=1, name="Earbuds")

    results = [enter(prize.promotion).award for _ in range(4)]

    assert [a.prize.name if a else None for a in results] == ["Earbuds", "Earbuds", None, None]
    prize.refresh_from_db()
    assert prize.awarded == 2
    assert sorted(PrizeAward.objects.values_list("unit", flat=True)) == [1, 2]


def test_a_winning_moment_goes_to_the_first_play_after_it():
    promotion = PromotionFactory(kind=Promotion.Kind.INSTANT_WIN)
    prize = PrizeFactory(promotion=promotion, quantity=5, odds_one_in=None, name="Case")
    past = WinningMoment.objects.create(prize=prize, at=timezone.now() - timedelta(minutes=5))
    WinningMoment.objects.create(prize=prize, at=timezone.now() + timedelta(days=1))

    first, second = enter(promotion), enter(promotion)

    past.refresh_from_db()
    assert first.award.prize == prize and past.entry == first.entry
    assert second.award is None
    assert WinningMoment.objects.filter(entry__isnull=True).count() == 1


def test_a_moment_of_an_exhausted_prize_wins_nothing():
    promotion = PromotionFactory(kind=Promotion.Kind.INSTANT_WIN)
    prize = PrizeFactory(promotion=promotion, quantity=1, odds_one_in=1)
    enter(promotion)  # takes the only unit by the odds
    WinningMoment.objects.create(prize=prize, at=timezone.now() - timedelta(minutes=1))

    outcome = enter(promotion)

    assert outcome.award is None
    assert WinningMoment.objects.get().entry is None


def test_the_database_refuses_more_awards_than_the_quantity():
    prize = PrizeFactory(quantity=1)
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Prize.objects.filter(pk=prize.pk).update(awarded=2)


def test_the_instant_win_tab_shows_the_result(consumer):
    prize = PrizeFactory(quantity=1, odds_one_in=1, name="Nova Buds")
    sign_in(consumer, PersonFactory())

    consumer.post(prize.promotion.get_absolute_url() + "enter/", ENTRY_FORM)
    page = consumer.get(prize.promotion.get_absolute_url()).content.decode()
    loser = sign_in(make_consumer(), PersonFactory())
    lost = loser.post(
        prize.promotion.get_absolute_url() + "enter/", ENTRY_JSON, content_type="application/json"
    )

    assert "You won: Nova Buds!" in page
    assert lost.json()["won"] is False and lost.json()["prize"] is None


def test_a_prize_quantity_cannot_drop_below_what_was_awarded():
    prize = PrizeFactory(quantity=3, odds_one_in=1)
    enter(prize.promotion)
    enter(prize.promotion)

    with pytest.raises(ValidationError, match="2 already awarded"):
        prizes_services.prize_set_quantity(prize=prize, quantity=1)
    assert prizes_services.prize_set_quantity(prize=prize, quantity=2).quantity == 2
