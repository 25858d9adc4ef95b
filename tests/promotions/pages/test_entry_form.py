"""The entry form's country: any of the ~250 countries (the allowed ones first), checked
as Django's ChoiceField would check it."""

from __future__ import annotations

import pytest

from promotions.pages.forms import EntryForm
from tests.factories.promotions import PromotionFactory
from tests.promotions.conftest import ENTRY_FORM

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("country", "valid"),
    [("FR", True), ("JP", True), ("", True), ("ZZ", False), ("fr", False), ("FRA", False)],
)
def test_a_country_is_one_of_the_list(country, valid):
    promotion = PromotionFactory(countries="FR,BE")
    form = EntryForm({**ENTRY_FORM, "country": country}, promotion=promotion)

    assert form.is_valid() is valid, form.errors
    if not valid:
        assert form.errors["country"] == [
            f"Select a valid choice. {country} is not one of the available choices."
        ]


def test_the_allowed_countries_come_first():
    promotion = PromotionFactory(countries="FR,BE")
    codes = [code for code, _label in EntryForm(promotion=promotion).fields["country"].choices]
    assert codes[0] == "" and set(codes[1:3]) == {"FR", "BE"}
    assert len(codes) > 240 and len(set(codes)) == len(codes)
