"""GET /api/v1/entries/: scoped, pseudonymous unless entries:pii, filterable, paginated."""

from __future__ import annotations

import pytest
from django.utils import timezone

from tests.factories import BrandFactory, PromotionFactory
from tests.factories.promotions import EntryFactory, PersonFactory
from tests.tracking.api.conftest import assert_error

pytestmark = pytest.mark.django_db
ENTRIES = "/api/v1/entries/"


@pytest.fixture
def brand():
    return BrandFactory(slug="nova")


@pytest.fixture
def other():
    return BrandFactory(slug="rival")


def client_for(api_client, make_api_key, brands, scopes):
    _key, raw = make_api_key(brands=brands, scopes=scopes)
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api_client


def test_entries_are_pseudonymous_without_the_pii_scope(api_client, make_api_key, brand):
    person = PersonFactory(name="Marie Dupont", email="marie@example.com")
    promotion = PromotionFactory(campaign__brand=brand)
    first = EntryFactory(promotion=promotion, person=person)
    second = EntryFactory(promotion=PromotionFactory(campaign=promotion.campaign), person=person)
    client = client_for(api_client, make_api_key, [brand], ["entries:read"])

    response = client.get(ENTRIES)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [r["id"] for r in rows] == [second.public_id, first.public_id]
    assert rows[0]["entrant"] == rows[1]["entrant"]
    assert rows[0]["entrant"].startswith("ent_") and len(rows[0]["entrant"]) == 36
    assert rows[0]["person"] is None
    assert "marie" not in response.content.decode().lower()
    assert rows[1] == {
        "id": first.public_id,
        "promotion": promotion.pk,
        "campaign": promotion.campaign_id,
        "brand": "nova",
        "status": "valid",
        "flagged": False,
        "country": "FR",
        "source": "",
        "created_at": rows[1]["created_at"],
        "entrant": rows[0]["entrant"],
        "person": None,
    }


def test_the_same_person_has_another_pseudonym_in_another_brand(
    api_client, make_api_key, brand, other
):
    person = PersonFactory()
    EntryFactory(promotion__campaign__brand=brand, person=person)
    EntryFactory(promotion__campaign__brand=other, person=person)
    client = client_for(api_client, make_api_key, [brand, other], ["entries:read"])

    rows = client.get(ENTRIES).json()["results"]

    assert len(rows) == 2
    assert rows[0]["entrant"] != rows[1]["entrant"]


def test_personal_data_needs_the_pii_scope(api_client, make_api_key, brand):
    EntryFactory(
        promotion__campaign__brand=brand,
        person=PersonFactory(name="Marie Dupont", email="marie@example.com", country="BE"),
    )
    gone = EntryFactory(
        promotion__campaign__brand=brand, person=PersonFactory(anonymised_at=timezone.now())
    )
    client = client_for(api_client, make_api_key, [brand], ["entries:read", "entries:pii"])

    rows = client.get(ENTRIES).json()["results"]

    assert rows[0]["id"] == gone.public_id and rows[0]["person"] is None
    assert rows[1]["person"] == {
        "name": "Marie Dupont",
        "email": "marie@example.com",
        "country": "BE",
        "birth_date": "1990-05-17",
    }


def test_entries_need_the_entries_read_scope(api_client, make_api_key, brand):
    client = client_for(api_client, make_api_key, [brand], ["reports:read", "entries:pii"])

    assert_error(client.get(ENTRIES), 403, "missing_scope")


def test_a_key_sees_its_brands_entries_only(api_client, make_api_key, brand, other):
    mine = EntryFactory(promotion__campaign__brand=brand)
    theirs = EntryFactory(promotion__campaign__brand=other)
    client = client_for(api_client, make_api_key, [brand], ["entries:read"])

    assert [r["id"] for r in client.get(ENTRIES).json()["results"]] == [mine.public_id]
    assert client.get(ENTRIES, {"promotion": theirs.promotion_id}).json()["results"] == []
    assert client.get(ENTRIES, {"brand": "rival"}).json()["results"] == []


def test_entries_filter_by_promotion_campaign_status_and_time(api_client, make_api_key, brand):
    promotion = PromotionFactory(campaign__brand=brand)
    wanted = EntryFactory(promotion=promotion)
    EntryFactory(promotion=promotion, status="excluded", exclusion_reason="bot")
    EntryFactory(promotion__campaign__brand=brand)
    client = client_for(api_client, make_api_key, [brand], ["entries:read"])

    by_promotion = client.get(ENTRIES, {"promotion": promotion.pk, "status": "valid"})
    by_campaign = client.get(ENTRIES, {"campaign": promotion.campaign_id})
    later = client.get(ENTRIES, {"created_after": "2999-01-01T00:00:00Z"})

    assert [r["id"] for r in by_promotion.json()["results"]] == [wanted.public_id]
    assert len(by_campaign.json()["results"]) == 2
    assert later.json()["results"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"promotion": "1.5"}, "promotion"),
        ({"status": "maybe"}, "status"),
        ({"flagged": "perhaps"}, "flagged"),
        ({"page_size": "0"}, "page_size"),
        ({"emial": "x"}, "emial"),
    ],
)
def test_bad_filters_are_a_400_naming_them(api_client, make_api_key, brand, params, field):
    client = client_for(api_client, make_api_key, [brand], ["entries:read"])

    assert_error(client.get(ENTRIES, params), 400, "invalid", [field])


@pytest.mark.parametrize("size", [2, 20])
def test_a_page_costs_the_same_queries_whatever_its_size(
    api_client, make_api_key, brand, django_assert_num_queries, size
):
    for _ in range(25):
        EntryFactory(promotion__campaign__brand=brand)
    client = client_for(api_client, make_api_key, [brand], ["entries:read", "entries:pii"])

    # key lookup + key brands (authentication), then the page itself
    with django_assert_num_queries(3):
        response = client.get(ENTRIES, {"page_size": size})

    assert len(response.json()["results"]) == size
    assert response.json()["next"]
