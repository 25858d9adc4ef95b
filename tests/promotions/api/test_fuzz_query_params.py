"""Nothing a client puts in a list's query string produces a 5xx (PRODUCT.md)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import PromotionFactory

NAMES = [
    "brand",
    "campaign",
    "campaign_slug",
    "kind",
    "status",
    "live",
    "starts_after",
    "starts_before",
    "ends_after",
    "ends_before",
    "cursor",
    "page_size",
    "format",
    "x",
]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "true",
            "false",
            "0",
            "-1",
            "1.5",
            "9" * 30,
            "2026-01-01T00:00:00Z",
            "9999-12-31T23:59:59-12:00",
            "0001-01-01T00:00:00+14:00",
            "cD00",
            "\x00",
        ]
    ),
)


@pytest.mark.django_db
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(params=st.lists(st.tuples(st.sampled_from(NAMES), VALUES), max_size=4))
def test_list_query_strings_never_give_a_5xx(client_a, brand_a, params):
    if not brand_a.campaigns.exists():
        PromotionFactory(campaign__brand=brand_a)
    for endpoint in ("campaigns", "promotions"):
        query = {}
        for name, value in params:
            query.setdefault(name, []).append(value)
        response = client_a.get(f"/api/v1/{endpoint}/", query)
        assert response.status_code in (200, 400), (query, response.content)
        if response.status_code == 400:
            assert set(response.json()["error"]["fields"]) <= set(query)
