"""signed_request verification (property tests), the callbacks, a legacy tab POST and
Facebook Login against a Graph API faked at the HTTP layer."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from promotions.facebook.client import signed_request_make, signed_request_parse
from promotions.models import Identity, Person
from tests.factories.promotions import IdentityFactory, PersonFactory, PromotionFactory
from tests.promotions.conftest import ENTRY_JSON, sign_in

SECRET = "test-facebook-app-secret"
GRAPH = "https://graph.facebook.com/v25.0"


def fresh(**payload):
    return {"issued_at": int(time.time()), **payload}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# --- the wrapper -----------------------------------------------------------------------------


def test_a_valid_signed_request_is_accepted_with_its_payload():
    value = signed_request_make(fresh(user_id="1234"))

    assert signed_request_parse(value)["user_id"] == "1234"


@pytest.mark.parametrize(
    "value",
    [
        None,
        "",
        ".",
        "abc",
        "abc.",
        ".abc",
        "a.b.c",
        "!!!.###",
        "x" * 9000,
        b64(b"sig") + "." + b64(b"not json"),
        b64(b"sig") + "." + b64(b"[1,2]"),
        b64(b"sig") + "." + b64("é".encode("latin-1")),
    ],
)
def test_malformed_values_are_refused_without_an_exception(value):
    assert signed_request_parse(value) is None


def test_wrong_secret_algorithm_or_age_is_refused():
    now = int(time.time())
    payload = b64(json.dumps({"algorithm": "HMAC-SHA1", "issued_at": now}).encode())
    sha1 = b64(hmac.new(SECRET.encode(), payload.encode(), hashlib.sha256).digest()) + "." + payload

    assert signed_request_parse(signed_request_make(fresh(), app_secret="other")) is None
    assert signed_request_parse(sha1) is None
    assert signed_request_parse(signed_request_make({"issued_at": now - 24 * 3600 - 1})) is None
    assert signed_request_parse(signed_request_make({"issued_at": now + 3600})) is None
    assert signed_request_parse(signed_request_make({"user_id": "1"})) is None  # no issued_at
    assert signed_request_parse(signed_request_make({"issued_at": str(now)})) is None
    assert (
        signed_request_parse(signed_request_make({"issued_at": now - 24 * 3600 + 60})) is not None
    )


@settings(max_examples=300)
@given(st.text(max_size=400))
def test_arbitrary_strings_never_raise_and_are_refused(value):
    assert signed_request_parse(value) is None


@settings(max_examples=300)
@given(
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.=", max_size=300
    )
)
def test_arbitrary_base64ish_strings_are_refused(value):
    assert signed_request_parse(value) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**9), 10**9) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200)
@given(
    payload=st.dictionaries(
        st.text(max_size=10).filter(lambda k: k not in ("algorithm", "issued_at")),
        json_values,
        max_size=5,
    ),
    age=st.integers(0, 24 * 3600 - 5),
    position=st.integers(0, 10_000),
    replacement=st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
)
def test_only_the_exact_signed_string_is_accepted(payload, age, position, replacement):
    value = signed_request_make({**payload, "issued_at": int(time.time()) - age})

    parsed = signed_request_parse(value)
    index = position % len(value)
    tampered = value[:index] + replacement + value[index + 1 :]

    assert parsed == {"algorithm": "HMAC-SHA256", **payload, "issued_at": parsed["issued_at"]}
    if tampered != value:
        assert signed_request_parse(tampered) is None


# --- the callbacks ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_deauthorize_forgets_the_token():
    identity = IdentityFactory(
        provider=Identity.Provider.FACEBOOK, subject="555", access_token="tok"
    )

    response = Client().post(
        "/facebook/deauthorize/", {"signed_request": signed_request_make(fresh(user_id="555"))}
    )

    identity.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "forgotten": 1, "pages": 0}
    assert identity.access_token == "" and identity.deauthorized_at is not None


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/facebook/deauthorize/", "/facebook/data-deletion/"])
def test_callbacks_refuse_bad_signed_requests_with_a_400(url):
    client = Client()
    expired = signed_request_make({"issued_at": int(time.time()) - 90_000, "user_id": "1"})

    for body in [
        {},
        {"signed_request": "garbage"},
        {"signed_request": expired},
        {"signed_request": signed_request_make(fresh())},
    ]:
        response = client.post(url, body)
        assert response.status_code == 400, body
        assert response.json()["error"]["code"] == "bad_signed_request"
    assert client.get(url).status_code == 405


@pytest.mark.django_db
@settings(
    max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(value=st.text(max_size=200))
def test_callbacks_answer_4xx_to_anything(value):
    response = Client().post("/facebook/data-deletion/", {"signed_request": value})

    assert response.status_code == 400


# --- a legacy tab POST -----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_signed_request_posted_to_a_tab_renders_it_with_its_locale_and_country(consumer):
    promotion = PromotionFactory(
        campaign__brand__facebook_page_id="987654321",
        campaign__languages=["fr"],
        official_rules_fr="Ouvert aux résidents de 18 ans et plus.",
    )
    signed = signed_request_make(
        fresh(
            page={"id": "987654321", "liked": False},
            user={"country": "be", "locale": "fr_FR", "age": {"min": 21}},
        )
    )
    sign_in(consumer, PersonFactory(country=""))

    response = consumer.post(promotion.get_absolute_url(), {"signed_request": signed})

    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="fr" dir="ltr">' in body
    assert '<option value="BE" selected>' in body


@pytest.mark.django_db
def test_a_bad_or_foreign_signed_request_on_a_tab_is_a_400(consumer):
    promotion = PromotionFactory(campaign__brand__facebook_page_id="987654321")
    foreign = signed_request_make(fresh(page={"id": "111111111"}))

    assert consumer.post(promotion.get_absolute_url(), {"signed_request": "x.y"}).status_code == 400
    assert (
        consumer.post(promotion.get_absolute_url(), {"signed_request": foreign}).status_code == 400
    )
    assert consumer.post(promotion.get_absolute_url(), {}).status_code == 400


@pytest.mark.django_db
def test_the_age_range_from_facebook_keeps_minors_out(consumer):
    promotion = PromotionFactory(min_age=18)
    sign_in(consumer, PersonFactory())
    consumer.post(
        promotion.get_absolute_url(),
        {"signed_request": signed_request_make(fresh(user={"age": {"min": 13, "max": 17}}))},
    )

    response = consumer.post(
        promotion.get_absolute_url() + "enter/", ENTRY_JSON, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json()["error"]["fields"] == {
        "birth_date": ["You must be 18 or older to enter."]
    }


# --- Facebook Login --------------------------------------------------------------------------


def _login(client, promotion):
    started = client.get("/facebook/login/?next=" + promotion.get_absolute_url())
    assert started.status_code == 302
    dialog = urlsplit(started["Location"])
    query = parse_qs(dialog.query)
    assert (
        f"{dialog.scheme}://{dialog.netloc}{dialog.path}"
        == "https://www.facebook.com/v25.0/dialog/oauth"
    )
    assert query["client_id"] == ["1234567890"]
    assert query["redirect_uri"] == ["http://testserver/facebook/callback/"]
    assert query["scope"] == ["email,public_profile"]
    return query["state"][0]


@pytest.mark.django_db
@responses.activate
def test_facebook_login_signs_in_the_same_person_as_their_email(consumer):
    promotion = PromotionFactory()
    person = PersonFactory(email="Camille@example.com", email_normalized="camille@example.com")
    responses.get(
        f"{GRAPH}/oauth/access_token",
        json={"access_token": "user-token", "token_type": "bearer", "expires_in": 5183944},
    )
    responses.get(
        f"{GRAPH}/me", json={"id": "10203040", "name": "Camille M", "email": "camille@example.com"}
    )
    state = _login(consumer, promotion)

    response = consumer.get(f"/facebook/callback/?code=the-code&state={state}")

    assert response.status_code == 302
    assert response["Location"] == promotion.get_absolute_url() + "#take-part"
    identity = Identity.objects.get(provider="facebook")
    assert (identity.person, identity.subject, identity.access_token) == (
        person,
        "10203040",
        "user-token",
    )
    assert Person.objects.count() == 1
    exchange = parse_qs(urlsplit(responses.calls[0].request.url).query)
    assert exchange["code"] == ["the-code"] and exchange["client_secret"] == [SECRET]
    assert (
        "Signed in as Camille@example.com."
        in consumer.get(promotion.get_absolute_url()).content.decode()
    )


@pytest.mark.django_db
@responses.activate
def test_facebook_login_with_a_wrong_state_or_a_graph_error_is_a_400(consumer):
    promotion = PromotionFactory()
    responses.get(
        f"{GRAPH}/oauth/access_token",
        status=400,
        json={"error": {"message": "Invalid code", "type": "OAuthException"}},
    )
    state = _login(consumer, promotion)

    forged = Client().get(f"/facebook/callback/?code=x&state={state}")
    failed = consumer.get(f"/facebook/callback/?code=bad&state={state}")

    assert forged.status_code == 400
    assert failed.status_code == 400
    assert "Facebook could not confirm your login." in failed.content.decode()
    assert Identity.objects.count() == 0


@pytest.mark.django_db
def test_facebook_login_cancelled_goes_back_to_the_promotion(consumer):
    promotion = PromotionFactory()
    state = _login(consumer, promotion)

    response = consumer.get(f"/facebook/callback/?error=access_denied&state={state}")

    assert response.status_code == 302
    assert response["Location"] == promotion.get_absolute_url() + "#take-part"


@pytest.mark.django_db
def test_login_next_must_be_on_this_site(consumer):
    consumer.get("/facebook/login/?next=https://evil.example/steal")

    assert consumer.session["promotions.facebook_oauth"]["next"] == "/"


def test_the_sdk_version_comes_from_settings():
    from promotions.facebook.client import graph_api

    assert graph_api().version == "v25.0"
    assert re.match(
        r"^https://www\.facebook\.com/v25\.0/dialog/oauth\?",
        graph_api().get_auth_url("1", "https://x/"),
    )
