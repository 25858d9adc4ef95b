"""``person_get``: the signed-in entrant read by one cursor query, the same Person the ORM
reads (on SQLite its text columns become UUIDs, dates and aware datetimes as the ORM's do)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

import pytest
from django.utils import timezone

from promotions.entrants.models import Person
from promotions.entrants.selectors import person_get
from tests.factories.promotions import PersonFactory

pytestmark = pytest.mark.django_db


def test_the_person_read_is_the_orms():
    person = PersonFactory(birth_date=date(1988, 2, 29), country="DE")

    got = person_get(person_id=person.pk)

    expected = Person.objects.get(pk=person.pk)
    assert got is not None
    assert {f.attname: getattr(got, f.attname) for f in Person._meta.concrete_fields} == {
        f.attname: getattr(expected, f.attname) for f in Person._meta.concrete_fields
    }
    assert isinstance(got.public_id, uuid.UUID)
    assert isinstance(got.created_at, datetime) and timezone.is_aware(got.created_at)
    assert got.birth_date == date(1988, 2, 29)
    assert not got._state.adding and got._state.db == "default"


def test_a_saved_read_updates_its_row():
    person = PersonFactory(name="Before")
    got = person_get(person_id=person.pk)
    assert got is not None

    got.name = "After"
    got.save(update_fields=["name"])

    assert Person.objects.get(pk=person.pk).name == "After"
    assert Person.objects.count() == 1


@pytest.mark.parametrize("person_id", [None, "1", 1.0, True])
def test_a_session_value_that_is_no_id_is_nobody(person_id):
    PersonFactory()
    assert person_get(person_id=person_id) is None


def test_an_anonymised_or_missing_person_is_nobody():
    person = PersonFactory(anonymised_at=timezone.now())
    assert person_get(person_id=person.pk) is None
    assert person_get(person_id=person.pk + 1000) is None
