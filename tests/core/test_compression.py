"""Text responses are gzipped when the client asks; hashed static files are cached for years."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client, override_settings
from rest_framework.test import APIClient

from promotions.demo import demo_seed

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}
# What differs between two renders of the same page: masked CSRF tokens, event ids.
PER_RENDER = re.compile(
    rb'(?<=name="csrfmiddlewaretoken" value=")[^"]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
)


def _per_render_removed(body: bytes) -> bytes:
    return PER_RENDER.sub(b"", body)


@pytest.mark.django_db
def test_a_hub_page_is_gzipped_and_decodes_to_the_same_page():
    demo_seed()
    client = Client()

    plain = client.get("/p/demo/launch/")
    zipped = client.get("/p/demo/launch/", **GZIP)

    assert plain.status_code == zipped.status_code == 200
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert int(zipped["Content-Length"]) == len(zipped.content) < len(plain.content) / 2
    assert _per_render_removed(gzip.decompress(zipped.content)) == _per_render_removed(
        plain.content
    )


@pytest.mark.django_db
def test_an_api_response_is_gzipped_and_decodes_to_the_same_json(make_api_key):
    campaign = demo_seed()
    _key, raw = make_api_key(brands=[campaign.brand])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    plain = client.get("/api/v1/promotions/")
    zipped = client.get("/api/v1/promotions/", **GZIP)

    assert plain.status_code == zipped.status_code == 200
    assert zipped["Content-Encoding"] == "gzip"
    assert zipped["Content-Type"] == "application/json"
    assert json.loads(gzip.decompress(zipped.content)) == json.loads(plain.content)


@pytest.mark.django_db
def test_tiny_responses_are_not_compressed():
    # under 200 bytes (here the JSON 404) gzip would only add bytes. The tracking fast
    # path's answers never reach Django's middleware at all (tracking/wsgi_fastpath.py).
    response = Client().get("/api/nope", **GZIP)

    assert response.status_code == 404
    assert "Content-Encoding" not in response


PRODUCTION_STATIC = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


@pytest.mark.django_db
def test_hashed_static_files_are_served_compressed_and_cached_for_years(tmp_path):
    # given: production's static storage, collected as `make serve` does
    with override_settings(STORAGES=PRODUCTION_STATIC, STATIC_ROOT=tmp_path, DEBUG=False):
        call_command("collectstatic", "--noinput", verbosity=0)
        demo_seed()
        client = Client()  # its WhiteNoise reads this STATIC_ROOT

        # when: the hub names its stylesheet, and the browser fetches it
        page = client.get("/p/demo/launch/").content.decode()
        css_url = re.search(r'href="(/static/css/hub\.[0-9a-f]{12}\.css)"', page)
        assert css_url, "the hub links its hashed stylesheet"
        css = client.get(css_url.group(1), **GZIP)
        unhashed = client.get("/static/css/hub.css", **GZIP)

    # then
    assert css.status_code == 200
    assert css["Cache-Control"] == "max-age=315360000, public, immutable"
    assert css["Content-Encoding"] == "gzip"
    original = (settings.BASE_DIR / "static" / "css" / "hub.css").read_bytes()
    assert gzip.decompress(b"".join(css.streaming_content)) == original
    # the unhashed name is served too, but only briefly cached
    assert unhashed.status_code == 200
    assert "immutable" not in unhashed["Cache-Control"]
