"""Prizes in admin: every edited field is saved, the quantity through its service (never
below what was awarded), on the prize's own page and in the promotion's prize inline."""

from __future__ import annotations

import pytest

from promotions.models import Prize
from promotions.prizes import services as prizes_services
from tests.factories.promotions import PrizeFactory
from tests.promotions.admin.conftest import admin_url
from tests.promotions.admin.forms import promotion_form

pytestmark = pytest.mark.django_db


def prize_form(prize: Prize, **overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "promotion": prize.promotion_id,
        "name": prize.name,
        "description": prize.description,
        "value_label": prize.value_label,
        "quantity": str(prize.quantity),
        "odds_one_in": "" if prize.odds_one_in is None else str(prize.odds_one_in),
        "position": str(prize.position),
        "claim_sizes": prize.claim_sizes,
        "claim_statement": prize.claim_statement,
        "claim_document": prize.claim_document,
        "moments-TOTAL_FORMS": "0",
        "moments-INITIAL_FORMS": "0",
        "moments-MIN_NUM_FORMS": "0",
        "moments-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def inline_form(promotion, prize: Prize, **overrides: object) -> dict[str, object]:
    data = promotion_form(
        promotion.campaign,
        kind=promotion.kind,
        title=promotion.title,
        slug=promotion.slug,
        **{
            "prizes-TOTAL_FORMS": "1",
            "prizes-INITIAL_FORMS": "1",
            "prizes-0-id": str(prize.pk),
            "prizes-0-promotion": str(promotion.pk),
            "prizes-0-name": prize.name,
            "prizes-0-description": prize.description,
            "prizes-0-value_label": prize.value_label,
            "prizes-0-quantity": str(prize.quantity),
            "prizes-0-odds_one_in": "" if prize.odds_one_in is None else str(prize.odds_one_in),
            "prizes-0-position": str(prize.position),
        },
    )
    data.update(overrides)
    return data


@pytest.fixture
def prize(alpha) -> Prize:
    return PrizeFactory(promotion=alpha.promotion, name="Earbuds", quantity=3)


def test_editing_a_prizes_name_and_quantity_together_saves_both(as_manager, prize):
    response = as_manager.post(admin_url(prize), prize_form(prize, name="Nova Buds", quantity="5"))

    assert response.status_code == 302
    prize.refresh_from_db()
    assert (prize.name, prize.quantity) == ("Nova Buds", 5)


def test_editing_a_prizes_name_and_quantity_in_the_promotion_inline_saves_both(
    as_manager, alpha, prize
):
    data = inline_form(
        alpha.promotion, prize, **{"prizes-0-name": "Nova Buds", "prizes-0-quantity": "5"}
    )

    response = as_manager.post(admin_url(alpha.promotion), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    prize.refresh_from_db()
    assert (prize.name, prize.quantity) == ("Nova Buds", 5)


def test_saving_a_prize_never_writes_back_a_stale_awarded_count(prize):
    # given: a prize read before two plays won it
    stale = Prize.objects.get(pk=prize.pk)
    Prize.objects.filter(pk=prize.pk).update(awarded=2)
    stale.name = "Nova Buds"
    stale.quantity = 4

    # when
    saved = prizes_services.prize_update(prize=stale, fields=["name", "quantity"])

    # then
    prize.refresh_from_db()
    assert (prize.name, prize.quantity, prize.awarded) == ("Nova Buds", 4, 2)
    assert (saved.name, saved.quantity, saved.awarded) == ("Nova Buds", 4, 2)


def test_a_quantity_below_what_was_awarded_is_a_form_error(as_manager, prize):
    Prize.objects.filter(pk=prize.pk).update(awarded=2)

    response = as_manager.post(admin_url(prize), prize_form(prize, name="Nova Buds", quantity="1"))

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "quantity": ["2 already awarded: the quantity cannot be lower."]
    }
    prize.refresh_from_db()
    assert (prize.name, prize.quantity, prize.awarded) == ("Earbuds", 3, 2)


def test_a_prize_is_added_and_deleted_in_the_promotion_inline(as_manager, alpha, prize):
    data = inline_form(
        alpha.promotion,
        prize,
        **{
            "prizes-TOTAL_FORMS": "2",
            "prizes-0-DELETE": "on",
            "prizes-1-promotion": str(alpha.promotion.pk),
            "prizes-1-name": "Tote bag",
            "prizes-1-description": "",
            "prizes-1-value_label": "",
            "prizes-1-quantity": "10",
            "prizes-1-odds_one_in": "",
            "prizes-1-position": "1",
        },
    )

    response = as_manager.post(admin_url(alpha.promotion), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(Prize.objects.values_list("name", "quantity")) == [("Tote bag", 10)]
