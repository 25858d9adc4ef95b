"""Every unmatched path under /api/ is the API's JSON 404, with DEBUG on or off, key or not."""

from __future__ import annotations

import json

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from tests.factories import BrandFactory

UNMATCHED = [
    "/api/v1/reports/subscriptions/null,null/",
    "/api/nope",
    "/api/v1/",
    "/api/",
    "/api/v2/campaigns/",
    "/api/v1/campaigns/x/y/z/",
    "/api/v1/events/batch/",
    "/api/v1/reports/insights/extra/",
    "/api/docs/nothing/",
    "/api/v1/%E2%9C%93/",
]
NOT_FOUND = {
    "error": {"code": "not_found", "message": "Nothing lives at this address.", "fields": {}}
}


@pytest.fixture
def keyed_client(make_api_key) -> APIClient:
    _key, raw = make_api_key(brands=[BrandFactory()], scopes=["reports:read", "events:write"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
@pytest.mark.parametrize("with_key", [False, True], ids=["anonymous", "with-key"])
def test_unmatched_api_paths_answer_the_json_envelope(db, keyed_client, debug, with_key):
    client = keyed_client if with_key else APIClient()
    with override_settings(DEBUG=debug):
        for path in UNMATCHED:
            for method in ("get", "post", "put", "delete", "head"):
                response = getattr(client, method)(path)

                assert response.status_code == 404, (method, path, response.content[:200])
                assert response["Content-Type"] == "application/json", (method, path)
                if method != "head":
                    assert json.loads(response.content) == NOT_FOUND, (method, path)


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_a_missing_trailing_slash_still_redirects(db, keyed_client, debug):
    with override_settings(DEBUG=debug):
        response = keyed_client.get("/api/v1/campaigns?page_size=5")

    assert response.status_code == 301
    assert response["Location"] == "/api/v1/campaigns/?page_size=5"


@pytest.mark.parametrize("debug", [False, True], ids=["debug-off", "debug-on"])
def test_matched_api_paths_are_untouched(db, keyed_client, debug):
    with override_settings(DEBUG=debug):
        assert keyed_client.get("/api/v1/campaigns/").status_code == 200
        assert keyed_client.get("/api/schema/").status_code == 200
        unauthenticated = APIClient().get("/api/v1/campaigns/")

    assert unauthenticated.status_code == 401
    assert json.loads(unauthenticated.content)["error"]["code"] == "not_authenticated"


def test_unknown_paths_elsewhere_stay_html_with_debug_on(client):
    with override_settings(DEBUG=True):
        response = client.get("/apiary/")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
