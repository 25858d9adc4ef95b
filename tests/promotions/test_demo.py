import pytest
from django.core.management import call_command

from promotions.models import CouponCode, Draw, Prize, Submission, WinningMoment

pytestmark = pytest.mark.django_db


def _counts():
    return {
        "prizes": sorted(Prize.objects.values_list("promotion__slug", "name", "quantity")),
        "moments": WinningMoment.objects.count(),
        "codes": CouponCode.objects.count(),
        "films": sorted(Submission.objects.values_list("promotion__slug", "title", "status")),
        "draws": list(Draw.objects.values_list("promotion__slug", "seed_commitment")),
    }


def test_seed_demo_gives_each_promotion_its_prizes_codes_and_films_once():
    call_command("seed_demo")
    first = _counts()
    call_command("seed_demo")

    assert _counts() == first
    assert [p[:2] for p in first["prizes"]] == [
        ("giveaway", "Nova X phone"),
        ("instant", "Nova Buds earbuds"),
        ("instant", "Nova X case"),
        ("shorts", "Audience prize: Nova Buds"),
        ("shorts", "Jury prize: a Nova X and a festival pass"),
    ]
    assert first["moments"] == 3
    assert first["codes"] == 200
    assert (
        CouponCode.objects.filter(promotion__slug="coupon", code__startswith="NOVA-").count() == 200
    )
    assert [f[0] for f in first["films"]] == ["shorts"] * 3
    assert {f[2] for f in first["films"]} == {"approved"}
    assert [d[0] for d in first["draws"]] == ["giveaway"]
