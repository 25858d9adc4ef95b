"""Fuzzing the claim and winners URLs and forms: 4xx only, and nothing changes."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.claims import services as claims_services
from promotions.claims.emails import claim_link
from promotions.models import DrawReplacement, PrizeClaim
from tests.promotions.claims.helpers import closed_sweepstakes
from tests.promotions.conftest import sign_in

pytestmark = pytest.mark.django_db
FUZZ = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

FIELDS = [
    "action",
    "full_name",
    "address_line1",
    "address_line2",
    "postal_code",
    "city",
    "country",
    "phone",
    "size",
    "statement",
    "document",
    "csrfmiddlewaretoken",
    "x",
]
VALUES = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["claim", "decline", "identify", "", "FR", "ZZ", "\x00", "9" * 400, "on"]),
)


@pytest.fixture
def drawn(django_capture_on_commit_callbacks):
    promotion, draw, due = closed_sweepstakes(
        claim_sizes="S, M, L", claim_statement="I am 18 or older.", claim_document="optional"
    )
    with django_capture_on_commit_callbacks(execute=True):
        claims_services.draws_run_due(at=due)
    claim = PrizeClaim.objects.get(draw=draw)
    path = "/" + claim_link(claim=claim).split("://", 1)[1].split("/", 1)[1]
    return promotion, claim, path


def _unchanged(claim: PrizeClaim) -> None:
    fresh = PrizeClaim.objects.get(pk=claim.pk)
    assert fresh.status == PrizeClaim.Status.NOTIFIED and fresh.answers == {}
    assert not fresh.document and PrizeClaim.objects.count() == 1
    assert DrawReplacement.objects.count() == 0


@FUZZ
@given(token=st.text(min_size=1, max_size=400), keep=st.integers(min_value=0, max_value=120))
def test_claim_tokens_never_give_a_5xx(drawn, token, keep):
    _promotion, claim, path = drawn
    base, real = path.rstrip("/").rsplit("/", 1)
    for candidate in (token, real[:keep] + token, token + real[keep:]):
        if candidate == real:
            continue
        url = f"{base}/{quote(candidate, safe='')}/"
        get = Client().get(url)
        post = Client().post(url, {"action": "claim", "accept_rules": "on"})
        assert 400 <= get.status_code < 500, (candidate, get.status_code)
        assert 400 <= post.status_code < 500, (candidate, post.status_code)
    _unchanged(claim)


@FUZZ
@given(fields=st.lists(st.tuples(st.sampled_from(FIELDS), VALUES), max_size=8))
def test_claim_forms_never_give_a_5xx_and_change_nothing(drawn, fields):
    """Without the rules accepted (or the decline confirmed) nothing may be claimed or
    declined, whoever posts and whatever else they send."""
    _promotion, claim, path = drawn
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    winner = sign_in(Client(), claim.entry.person)
    for client in (Client(), winner):
        response = client.post(path, data)
        if data.get("action", [""])[-1] == "identify":
            assert response.status_code in (200, 429)  # a sign-in link to the winner's mailbox
        else:
            assert 400 <= response.status_code < 500, (data, response.status_code)
    _unchanged(claim)


@FUZZ
@given(
    segment=st.text(min_size=1, max_size=60),
    where=st.sampled_from(["brand", "campaign", "promotion"]),
)
def test_winners_urls_never_give_a_5xx(drawn, segment, where):
    promotion, claim, _path = drawn
    parts = {
        "brand": promotion.campaign.brand.slug,
        "campaign": promotion.campaign.slug,
        "promotion": promotion.slug,
    }
    parts[where] = quote(segment, safe="")
    url = f"/p/{parts['brand']}/{parts['campaign']}/{parts['promotion']}/winners/"
    response = Client().get(url)
    if (
        segment
        == {
            "brand": promotion.campaign.brand.slug,
            "campaign": promotion.campaign.slug,
            "promotion": promotion.slug,
        }[where]
    ):
        assert response.status_code == 200
    else:
        assert response.status_code == 404, (url, response.status_code)
    _unchanged(claim)
