"""Keys (401, 403, last use), throttling (429) and the one error format for every failure."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.test import override_settings
from django.utils import timezone
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from tests.factories import CampaignFactory
from tests.tracking.api.conftest import assert_error
from tracking.api.serializers import StrictSerializer
from tracking.models import ApiKey, Scope
from tracking.selectors import api_key_brand_id_list, api_key_get_by_token
from tracking.services import api_key_revoke

pytestmark = pytest.mark.django_db

CAMPAIGNS = "/api/v1/campaigns/"


def _client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


# --- 401 -----------------------------------------------------------------------------


def test_no_key_is_a_401_with_the_error_format(api_client):
    response = api_client.get(CAMPAIGNS)
    assert_error(response, 401, "not_authenticated", fields=[])
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_revoked_key_is_a_401(key_a):
    key, raw = key_a
    assert _client(raw).get(CAMPAIGNS).status_code == 200

    api_key_revoke(key=key)

    error = assert_error(_client(raw).get(CAMPAIGNS), 401, "authentication_failed")
    assert "revoked" in error["message"]


def test_an_expired_key_is_a_401(key_a):
    key, raw = key_a
    ApiKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    error = assert_error(_client(raw).get(CAMPAIGNS), 401, "authentication_failed")
    assert "expired" in error["message"]


def test_a_key_that_expires_later_works(make_api_key, brand_a):
    _, raw = make_api_key(brands=[brand_a], expires_at=timezone.now() + timedelta(days=1))
    assert _client(raw).get(CAMPAIGNS).status_code == 200


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Basic dXNlcjpwYXNz",
        "Bearer phk_deadbeef_wrongsecretwrongsecretwrongsecret",
        "Bearer phk_zz_x",
        "Bearer phk_dead\x00beef_secretsecretsecretsecret",
        "Bearer " + "phk_" + "a" * 5000,
        "Bearer sk_live_abcdefghijklmnopqrstuvwxyz",
    ],
)
def test_malformed_or_unknown_keys_are_a_401(key_a, header):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(client.get(CAMPAIGNS), 401, "authentication_failed")


def test_the_right_prefix_with_a_wrong_secret_is_a_401(key_a):
    key, raw = key_a
    forged = f"phk_{key.prefix}_" + "A" * 43
    assert forged != raw
    assert_error(_client(forged).get(CAMPAIGNS), 401, "authentication_failed")


# --- last use ------------------------------------------------------------------------


@override_settings(API_KEY_LAST_USED_RESOLUTION_SECONDS=60)
def test_last_used_at_is_set_and_not_rewritten_within_the_resolution(key_a):
    key, raw = key_a
    client = _client(raw)
    assert key.last_used_at is None

    client.get(CAMPAIGNS)
    key.refresh_from_db()
    first = key.last_used_at
    assert first is not None
    assert timezone.now() - first < timedelta(seconds=5)

    client.get(CAMPAIGNS)
    key.refresh_from_db()
    assert key.last_used_at == first  # within a minute: not rewritten

    stale = timezone.now() - timedelta(seconds=61)
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=stale)
    client.get(CAMPAIGNS)
    key.refresh_from_db()
    assert key.last_used_at > stale + timedelta(seconds=60)


def test_last_used_at_costs_no_write_within_the_resolution(key_a, django_assert_num_queries):
    _, raw = key_a
    client = _client(raw)
    with django_assert_num_queries(3):  # key, UPDATE last_used_at, page
        client.get(CAMPAIGNS)
    with django_assert_num_queries(2):  # key, page
        client.get(CAMPAIGNS)


# --- 403: scopes ---------------------------------------------------------------------


class ReportsView(APIView):
    """A stand-in for an endpoint that needs a scope (uses the default auth/permission)."""

    required_scopes = (Scope.REPORTS_READ,)

    def get(self, request):
        return Response({"ok": True})


def test_a_key_and_its_brands_are_read_in_one_query(
    make_api_key, brand_a, brand_b, django_assert_num_queries
):
    key, raw = make_api_key(brands=[brand_a, brand_b])
    lonely, lonely_raw = make_api_key(brands=[brand_a])
    lonely.brands.clear()  # a key whose brands were all taken away sees nothing

    with django_assert_num_queries(1):
        found = api_key_get_by_token(raw)
        brand_ids = api_key_brand_id_list(found)
    orphan = api_key_get_by_token(lonely_raw)

    assert found == key
    assert brand_ids == sorted([brand_a.pk, brand_b.pk])
    assert orphan == lonely
    assert api_key_brand_id_list(orphan) == []
    assert _client(lonely_raw).get(CAMPAIGNS).json()["results"] == []


def test_a_key_without_the_needed_scope_is_a_403(make_api_key, brand_a):
    factory = APIRequestFactory()
    _, without = make_api_key(brands=[brand_a], scopes=[Scope.EVENTS_WRITE])
    _, with_scope = make_api_key(brands=[brand_a], scopes=[Scope.REPORTS_READ])
    view = ReportsView.as_view()

    denied = view(factory.get("/api/v1/x/", HTTP_AUTHORIZATION=f"Bearer {without}"))
    allowed = view(factory.get("/api/v1/x/", HTTP_AUTHORIZATION=f"Bearer {with_scope}"))
    anonymous = view(factory.get("/api/v1/x/"))

    denied.render()
    error = assert_error(denied, 403, "missing_scope", fields=[])
    assert "reports:read" in error["message"]
    assert allowed.status_code == 200
    anonymous.render()
    assert_error(anonymous, 401, "not_authenticated")


def test_a_scope_saved_as_a_string_grants_nothing(make_api_key, brand_a):
    key, raw = make_api_key(brands=[brand_a])
    ApiKey.objects.filter(pk=key.pk).update(scopes="reports:read,events:write")
    response = ReportsView.as_view()(
        APIRequestFactory().get("/api/v1/x/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    )
    assert response.status_code == 403


def test_campaigns_and_promotions_need_no_scope(client_a, key_a):
    assert key_a[0].scopes == []
    assert client_a.get(CAMPAIGNS).status_code == 200
    assert client_a.get("/api/v1/promotions/").status_code == 200


# --- 429 -----------------------------------------------------------------------------


# Without Redis the throttle counts in the cache: give these tests one of their own. With
# Redis it counts there, in this xdist worker's database (flushed before each test).
PRIVATE_CACHE = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"}
}


def test_throttling_is_per_key_with_retry_after(make_api_key, brand_a, settings):
    settings.CACHES = PRIVATE_CACHE
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "3/hour"},
    }
    cache.clear()
    _, raw_a = make_api_key(brands=[brand_a])
    _, raw_b = make_api_key(brands=[brand_a])
    a, b = _client(raw_a), _client(raw_b)

    statuses = [a.get(CAMPAIGNS).status_code for _ in range(3)]
    throttled = a.get(CAMPAIGNS)

    assert statuses == [200, 200, 200]
    error = assert_error(throttled, 429, "throttled", fields=[])
    retry_after = int(throttled["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert str(retry_after) in error["message"]
    assert b.get(CAMPAIGNS).status_code == 200  # another key has its own budget


def test_an_unreachable_throttle_counter_does_not_take_the_api_down(
    make_api_key, brand_a, settings, caplog
):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # where the counters live: nobody answers
    settings.CACHES = PRIVATE_CACHE
    _, raw = make_api_key(brands=[brand_a])

    response = _client(raw).get(CAMPAIGNS)

    assert response.status_code == 200
    assert "throttle counter unavailable" in caplog.text


def test_throttled_requests_still_need_a_valid_key(api_client, settings):
    settings.CACHES = PRIVATE_CACHE
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"api_key": "1/min"},
    }
    for _ in range(3):
        assert api_client.get(CAMPAIGNS).status_code == 401


# --- 404, 405, 415, parse errors, 500 --------------------------------------------------


def test_an_unknown_url_under_api_is_a_json_404(client_a):
    for path in ("/api/v1/nothing-here/", "/api/v2/", "/api/v1/campaigns/1/extra/"):
        assert_error(client_a.get(path), 404, "not_found", fields=[])


def test_an_unknown_url_elsewhere_stays_html(client_a):
    response = client_a.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_writes_to_read_only_endpoints_are_a_405(client_a, brand_a, method):
    campaign = CampaignFactory(brand=brand_a)
    for url in (CAMPAIGNS, f"{CAMPAIGNS}{campaign.pk}/"):
        response = getattr(client_a, method)(url, {"name": "x"}, format="json")
        error = assert_error(response, 405, "method_not_allowed", fields=[])
        assert method.upper() in error["message"]
        assert "GET" in response["Allow"]


def test_an_unservable_accept_header_is_a_406(client_a):
    response = client_a.get(CAMPAIGNS, HTTP_ACCEPT="text/csv")
    assert response.status_code == 406
    assert response.json()["error"]["code"] == "not_acceptable"


def test_a_405_with_an_unknown_query_parameter_is_still_a_405(client_a):
    response = client_a.post(f"{CAMPAIGNS}?foo=1", {}, format="json")
    assert_error(response, 405, "method_not_allowed")


class EchoSerializer(StrictSerializer):
    name = serializers.CharField(max_length=10)
    count = serializers.IntegerField(required=False)
    id = serializers.IntegerField(read_only=True)


class ItemSerializer(StrictSerializer):
    event_id = serializers.UUIDField()


class EchoView(APIView):
    """A write endpoint built the way other helpers will build theirs."""

    def post(self, request):
        serializer = EchoSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data, status=201)


class BatchView(APIView):
    def post(self, request):
        serializer = ItemSerializer(data=request.data, many=True)
        serializer.is_valid(raise_exception=True)
        return Response({"accepted": len(serializer.validated_data)}, status=202)


def _post(view, body, key, content_type="application/json"):
    request = APIRequestFactory().post(
        "/api/v1/echo/", body, content_type=content_type, HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    response = view.as_view()(request)
    response.render()
    return response


def test_malformed_json_is_a_400_parse_error(key_a):
    response = _post(EchoView, b'{"name": "x",', key_a[1])
    error = assert_error(response, 400, "parse_error", fields=[])
    assert "JSON" in error["message"]


def test_a_body_that_is_not_json_is_a_415(key_a):
    response = _post(
        EchoView, b"name=x", key_a[1], content_type="application/x-www-form-urlencoded"
    )
    assert_error(response, 415, "unsupported_media_type", fields=[])


def test_strict_serializer_names_unknown_and_read_only_fields(key_a):
    response = _post(EchoView, b'{"name": "x", "nmae": "y", "id": 3}', key_a[1])
    error = assert_error(response, 400, "invalid", fields=["nmae", "id"])
    assert error["fields"]["nmae"] == ["Unknown field."]
    assert "read-only" in error["fields"]["id"][0]
    assert "nmae" in error["message"]


def test_strict_serializer_reports_unknown_fields_with_the_other_errors(key_a):
    response = _post(EchoView, b'{"name": "much too long a name", "extra": 1}', key_a[1])
    error = assert_error(response, 400, "invalid", fields=["name", "extra"])
    assert error["fields"]["extra"] == ["Unknown field."]


def test_strict_serializer_accepts_exactly_its_fields(key_a):
    response = _post(EchoView, b'{"name": "x", "count": 2}', key_a[1])
    assert response.status_code == 201
    assert response.data == {"name": "x", "count": 2}


def test_errors_of_a_list_body_name_the_items_by_index(key_a):
    body = b'[{"event_id": "9f0c6f42-4c9a-4f6e-9a51-0e6a2c1b8f11"}, {"event_id": "x", "y": 1}]'
    response = _post(BatchView, body, key_a[1])
    error = assert_error(response, 400, "invalid", fields=["1"])
    assert sorted(error["fields"]["1"]) == ["event_id", "y"]
    assert error["fields"]["1"]["y"] == ["Unknown field."]
    assert "1: Must be a valid UUID." in error["message"]


def test_a_non_list_body_for_a_list_serializer_is_a_400(key_a):
    response = _post(BatchView, b'{"event_id": "x"}', key_a[1])
    assert_error(response, 400, "invalid")


def test_an_unexpected_exception_under_api_is_a_json_500(client_a, monkeypatch):
    from promotions.api import views

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(views.CampaignViewSet, "get_queryset", broken)
    client_a.raise_request_exception = False
    assert_error(client_a.get(CAMPAIGNS), 500, "server_error", fields=[])


@pytest.mark.parametrize(
    "failure",
    [
        OperationalError("could not connect to server: Connection refused"),
        InterfaceError("connection already closed"),
    ],
)
def test_a_database_outage_is_a_503_to_retry_not_a_500(key_a, monkeypatch, failure):
    from tracking.api import authentication

    def unreachable(token):
        raise failure

    monkeypatch.setattr(authentication, "api_key_get_by_token", unreachable)

    response = _client(key_a[1]).get(CAMPAIGNS)

    error = assert_error(response, 503, "unavailable", fields=[])
    assert response["Retry-After"] == "2"
    assert "retry" in error["message"]
