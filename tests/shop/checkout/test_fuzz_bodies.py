"""Fuzzing the shop's JSON endpoints (quote, checkout) with bodies of any shape: never a 5xx,
and a refused checkout creates no order and holds no stock. No body reaches Stripe: a
well-formed checkout needs a real PaymentMethod, which no generated body has."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shop.models import Order, Variant
from tests.fuzzing import json_values

FUZZ = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FIELDS = ["items", "email", "code", "payment_method", "checkout_id", "x"]
JSON_VALUES = json_values(
    samples=[
        "pm_card_visa",
        "ana@example.com",
        "WELCOME10",
        "00000000-0000-0000-0000-000000000000",
    ],
    keys=st.sampled_from(["variant", "quantity", "y"]),
    max_leaves=8,
)
BODIES = st.one_of(st.dictionaries(st.sampled_from(FIELDS), JSON_VALUES, max_size=5), JSON_VALUES)


@FUZZ
@given(body=BODIES)
def test_quote_and_checkout_answer_any_body_without_a_5xx(shop, body):
    stock = Variant.objects.get(pk=shop.variant.pk).stock
    for path in ("/shop/nova/quote/", "/shop/nova/checkout/"):
        answer = Client().post(path, json.dumps(body), content_type="application/json")
        assert answer.status_code < 500, (path, body, answer.status_code, answer.content[:300])
        assert answer["Content-Type"].startswith("application/json")
    assert Order.objects.count() == 0
    assert Variant.objects.get(pk=shop.variant.pk).stock == stock


@pytest.mark.parametrize("variant", [2**63, 2**63 - 1, 10**30])
def test_a_variant_id_beyond_any_column_is_a_400(shop, variant):
    body = {"items": [{"variant": variant, "quantity": 1}], "email": "ana@example.com"}
    for path in ("/shop/nova/quote/", "/shop/nova/checkout/"):
        answer = Client().post(path, json.dumps(body), content_type="application/json")

        assert answer.status_code in (400, 404, 409), (path, answer.status_code)
        assert answer.json()["error"]["code"]


def test_a_body_nested_deeper_than_the_parser_goes_is_a_400(shop):
    # given arrays nested a hundred thousand deep (Python's parser gives up on them)
    body = "[" * 100_000 + "]" * 100_000

    for path in ("/shop/nova/quote/", "/shop/nova/checkout/"):
        # when it is posted
        answer = Client(raise_request_exception=False).post(
            path, body, content_type="application/json"
        )

        # then it is refused as any other bad JSON
        assert answer.status_code == 400, path
        assert answer.json()["error"] == {
            "code": "malformed_json",
            "message": "The body is not valid JSON: nested too deeply.",
            "fields": {},
        }
    assert Order.objects.count() == 0
