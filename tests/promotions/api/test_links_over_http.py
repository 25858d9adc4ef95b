"""Every absolute URL the partner API hands out leads somewhere, over real HTTP: on the
server's own port (never 8000 here), and behind a trusted proxy on the proxy's address.

Without ``SITE_URL`` the links are built from the address each request came to
(``tracking.site``); ``X-Forwarded-Host``/``-Proto`` count only from ``TRUSTED_PROXIES``.
"""

from __future__ import annotations

import http.client
import threading
import uuid
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest
import requests
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import BrandFactory, CampaignFactory, PromotionFactory
from tracking.store import events_store
from tracking.tracked_event import TrackedEvent

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0"


class Proxy:
    """A reverse proxy on another port: forwards to ``upstream`` and says, as proxies do,
    which host and scheme the client asked for. Redirects are passed back, not followed."""

    def __init__(self, upstream: str) -> None:
        self.upstream = urlsplit(upstream)
        self.server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> Proxy:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                upstream = http.client.HTTPConnection(
                    proxy.upstream.hostname, proxy.upstream.port, timeout=30
                )
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                headers["X-Forwarded-Host"] = self.headers["Host"]
                headers["X-Forwarded-Proto"] = "http"
                headers["X-Forwarded-For"] = self.client_address[0]
                upstream.request("GET", self.path, headers=headers)
                answer = upstream.getresponse()
                body = answer.read()
                self.send_response(answer.status)
                for name, value in answer.getheaders():
                    if name.lower() not in ("content-length", "connection", "transfer-encoding"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                upstream.close()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def partner_world(transactional_db, make_api_key) -> Iterator[str]:
    """Two live campaigns with a promotion each and a day of traffic; yields a raw key."""
    brand = BrandFactory(slug="alpha", timezone="UTC")
    now = timezone.now()
    for slug in ("launch", "summer"):
        promotion = PromotionFactory(campaign=CampaignFactory(brand=brand, slug=slug))
        events_store(
            [
                TrackedEvent(
                    uuid.uuid4(),
                    now - timedelta(minutes=5),
                    kind,
                    promotion.pk,
                    promotion.campaign_id,
                    brand.pk,
                )
                for kind in ("impression", "impression", "click")
            ]
        )
    _key, raw = make_api_key(brands=[brand], scopes=["reports:read"])
    yield raw


def _links_followed(base: str, raw_key: str) -> list[str]:
    """Reads the API from ``base`` as a partner would and follows every URL it hands out;
    asserts each answers 2xx and lies on ``base``; returns the URLs followed."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {raw_key}", "User-Agent": BROWSER})
    followed: list[str] = []

    def follow(url: str) -> requests.Response:
        assert url.startswith(base + "/"), (url, base)
        answer = session.get(url, timeout=30)
        assert 200 <= answer.status_code < 300, (url, answer.status_code, answer.text[:200])
        for hop in answer.history:  # a click's redirect stays on the same address
            assert hop.url.startswith(base + "/"), hop.url
        followed.append(url)
        return answer

    today = timezone.now().date()
    for start in (
        f"{base}/api/v1/campaigns/?page_size=1",
        f"{base}/api/v1/promotions/?page_size=1",
        f"{base}/api/v1/reports/insights/?level=promotion&since={today - timedelta(days=1)}"
        f"&until={today}&page_size=1",
    ):
        page: str | None = start
        while page:
            body = follow(page).json()
            for item in body.get("results", []):
                follow(item["url"])
                if "click_url" in item:
                    follow(f"{item['impression_pixel_url']}&e={uuid.uuid4()}")
                    follow(f"{item['click_url']}?e={uuid.uuid4()}")
            page = body["next"]
    return followed


def test_every_link_works_on_the_servers_own_port(live_server, partner_world, settings):
    # given: no SITE_URL, the server on a port that is not 8000
    settings.SITE_URL = ""
    assert urlsplit(live_server.url).port != 8000

    # when / then: every URL answers 2xx on that same address
    followed = _links_followed(live_server.url, partner_world)

    assert len([u for u in followed if "/api/v1/campaigns/" in u]) == 2  # next was followed
    assert len([u for u in followed if "/api/v1/reports/insights/" in u]) == 2
    assert len([u for u in followed if "/t/c/" in u]) == 2
    assert len([u for u in followed if "/t/i.gif" in u]) == 2


def test_every_link_works_through_a_trusted_proxy(live_server, partner_world, settings):
    # given: a proxy on its own port, trusted; partners only know the proxy's address
    settings.SITE_URL = ""
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    with Proxy(live_server.url) as proxy:
        assert urlsplit(proxy.url).port != urlsplit(live_server.url).port

        # when / then: every URL is on the proxy's address and answers 2xx through it
        followed = _links_followed(proxy.url, partner_world)

    assert len([u for u in followed if "/t/c/" in u]) == 2


@pytest.mark.django_db
def test_forwarded_headers_count_only_from_trusted_proxies(settings, make_api_key):
    settings.SITE_URL = ""
    brand = BrandFactory(slug="alpha")
    PromotionFactory(campaign=CampaignFactory(brand=brand, slug="launch"), slug="giveaway")
    _key, raw = make_api_key(brands=[brand])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    forwarded = {"HTTP_X_FORWARDED_HOST": "localhost:8443", "HTTP_X_FORWARDED_PROTO": "https"}

    # a stranger's forwarded headers are ignored: the request's own host stays
    settings.TRUSTED_PROXIES = []
    [item] = client.get("/api/v1/promotions/", **forwarded).json()["results"]
    assert item["url"] == "http://testserver/p/alpha/launch/giveaway/"

    # a trusted proxy's are believed, scheme included, for every link
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    [item] = client.get("/api/v1/promotions/", **forwarded).json()["results"]
    assert item["url"] == "https://localhost:8443/p/alpha/launch/giveaway/"
    assert item["impression_pixel_url"].startswith("https://localhost:8443/t/i.gif?p=")
    assert item["click_url"].startswith("https://localhost:8443/t/c/")

    # a forwarded host outside ALLOWED_HOSTS is not believed either
    other = {**forwarded, "HTTP_X_FORWARDED_HOST": "evil.example"}
    [item] = client.get("/api/v1/promotions/", **other).json()["results"]
    assert item["url"].startswith("https://testserver/")

    # SITE_URL, when set, is the address whatever the headers say
    settings.SITE_URL = "https://promos.example.com"
    [item] = client.get("/api/v1/promotions/", **forwarded).json()["results"]
    assert item["url"] == "https://promos.example.com/p/alpha/launch/giveaway/"
