"""The committed OpenAPI file is the one the code generates; the docs page works offline."""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.test import Client

COMMITTED = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def test_committed_schema_is_current(tmp_path):
    # given: the schema generated now, validated, with no generator warnings
    fresh = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(fresh), "--validate", "--fail-on-warn")

    # then: the committed copy is identical
    committed = COMMITTED.read_text()
    generated = fresh.read_text()
    if committed != generated:
        diff = "".join(
            difflib.unified_diff(
                committed.splitlines(keepends=True),
                generated.splitlines(keepends=True),
                "docs/openapi.yaml (committed)",
                "generated",
            )
        )
        pytest.fail(f"docs/openapi.yaml is stale: run `make schema` and commit it.\n{diff}")


def test_schema_documents_the_error_format_and_bearer_auth():
    schema = yaml.safe_load(COMMITTED.read_text())

    assert schema["components"]["securitySchemes"]["ApiKey"]["scheme"] == "bearer"
    error = schema["components"]["schemas"]["ErrorDetail"]
    assert set(error["required"]) == {"code", "message", "fields"}
    for path in ("/api/v1/campaigns/", "/api/v1/promotions/"):
        operation = schema["paths"][path]["get"]
        assert operation["security"] == [{"ApiKey": []}]
        assert {"200", "400", "401", "429"} <= set(operation["responses"])
        assert "Retry-After" in operation["responses"]["429"]["headers"]
        detail = schema["paths"][path + "{id}/"]["get"]
        assert detail["responses"]["404"]["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/Error"
        }
    promotion = schema["components"]["schemas"]["Promotion"]["properties"]
    assert {"id", "slug", "kind", "url", "campaign", "brand"} <= set(promotion)


def test_the_schema_is_served(client: Client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    assert b"Promotion hub partner API" in response.content


def test_api_docs_load_swagger_ui_from_our_own_static_files(client: Client):
    response = client.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources, html
    assert all(not s.startswith(("http://", "https://", "//")) for s in sources), sources
    assert "cdn" not in html.lower()
    assert f"{settings.STATIC_URL}drf_spectacular_sidecar/swagger-ui-dist/" in html
    for name in ("swagger-ui-bundle.js", "swagger-ui.css", "swagger-ui-standalone-preset.js"):
        assert finders.find(f"drf_spectacular_sidecar/swagger-ui-dist/{name}"), name
