"""Entering a promotion through its service, with answers that pass every rule."""

from __future__ import annotations

import dataclasses
from datetime import date

from promotions.entries import services as entries_services
from promotions.entries.eligibility import Answers
from tests.factories.promotions import PersonFactory

ANSWERS = Answers(
    name="Camille",
    birth_date=date(1990, 3, 8),
    country="FR",
    consents=frozenset({"official_rules", "privacy", "facebook_release"}),
)


def enter(promotion, person=None, **kwargs):
    person = person or PersonFactory()
    answers = dataclasses.replace(ANSWERS, name=person.name)
    return entries_services.entry_create(
        promotion=promotion, person=person, answers=answers, **kwargs
    )
