"""The flags' lookups for a batch (the entries consumer's) find what one entry's lookups
find: one statement on PostgreSQL, the single query elsewhere."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from promotions.entries.flags import Looked, flag_reasons_found, flag_reasons_found_many
from promotions.models import Flag
from tests.factories.promotions import EntryFactory, PersonFactory, PromotionFactory

pytestmark = pytest.mark.django_db


def test_a_batchs_lookups_are_each_entrys_lookups(settings):
    settings.PROMOTIONS_VELOCITY_LIMIT = 2
    promotion = PromotionFactory()
    now = timezone.now()
    # (name, birth date, browser, device, seconds ago): one browser makes three entries
    # within the window (the third is over the limit), the first two by twins on one
    # device; the last has nothing in common with anyone
    made = [
        ("Ana Lopez", date(1990, 1, 2), "v1", "d1", 30),
        ("ANA LOPEZ", date(1990, 1, 2), "v1", "d1", 20),
        ("Bruno", None, "v1", "", 10),
        ("Chloé", date(1985, 6, 7), "", "d9", 0),
    ]
    entries = [
        EntryFactory(
            promotion=promotion,
            person=PersonFactory(name=name, birth_date=birth),
            viewer_hash=viewer,
            device_hash=device,
            created_at=now - timedelta(seconds=ago),
        )
        for name, birth, viewer, device, ago in made
    ]
    looked = [Looked.of(e, name=e.person.name, birth_date=e.person.birth_date) for e in entries]

    many = flag_reasons_found_many(looked)
    one_by_one = {item.id: flag_reasons_found(looked=item) for item in looked}

    assert many == one_by_one
    kinds = {e.person.name: sorted(kind for kind, _ in many[e.pk]) for e in entries}
    assert kinds == {
        "Ana Lopez": [Flag.Kind.DUPLICATE_PERSON] * 2,  # same device, same name and birth
        "ANA LOPEZ": [Flag.Kind.DUPLICATE_PERSON] * 2,
        "Bruno": [Flag.Kind.VELOCITY],  # 3 entries from the browser, limit 2
        "Chloé": [],
    }
    assert flag_reasons_found_many([]) == {}
