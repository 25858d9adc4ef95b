"""Tracking fixtures: a WSGI client for the fast path, an isolated stream, drain()."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from io import BytesIO
from typing import Any
from urllib.parse import unquote
from wsgiref.util import setup_testing_defaults

import pytest

from tracking import store, stream, tokens, zones

BROWSER_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
DESKTOP_UA = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def click_cookie(promotion, *, at: int = 1_780_000_000, click=None) -> tuple[str, uuid.UUID]:
    """The attribution cookie a click on ``promotion`` at ``at`` sets: (value, click id)."""
    click = click or uuid.uuid4()
    ref = tokens.PromotionRef(
        promotion_id=promotion.pk,
        campaign_id=promotion.campaign_id,
        brand_id=promotion.campaign.brand_id,
    )
    return tokens.attribution_value(ref=ref, click_event_id=click, at=at), click


@pytest.fixture(autouse=True)
def _isolated_stream(settings):
    """Each test gets its own stream and counter keys, and fresh per-process caches."""
    prefix = f"test:tracking:{uuid.uuid4().hex[:12]}"
    settings.TRACKING_STREAM = prefix
    stream._down_until = 0.0
    zones._cache.clear()
    store._salts.clear()
    yield
    stream._down_until = 0.0
    redis_keys_delete(settings, prefix)


def redis_keys_delete(settings, prefix: str) -> None:
    """Forget a test's stream and keys (unless the test pointed REDIS_URL at nothing)."""
    if settings.REDIS_URL and not settings.REDIS_URL.startswith("redis://127.0.0.1:1/"):
        r = stream.client()
        keys = list(r.scan_iter(match=f"{prefix}*", count=1000))
        if keys:
            r.delete(*keys)


def drain() -> None:
    """Store whatever waits in the stream (the consumer's job) when Redis is configured."""
    from django.conf import settings

    if settings.REDIS_URL:
        stream.stream_consume(until_empty=True, block_ms=0)


@dataclass
class WsgiResult:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return None

    def json(self) -> Any:
        return json.loads(self.body)


class WsgiClient:
    """Calls config.wsgi.application, the fast path in front of Django, as a server would."""

    def __init__(self) -> None:
        from config.wsgi import application

        self.app = application

    def request(
        self,
        method: str,
        url: str,
        *,
        body: bytes = b"",
        headers: dict[str, str] | None = None,
        remote: str = "198.51.100.7",
        ua: str | None = BROWSER_UA,
        https: bool = False,
    ) -> WsgiResult:
        environ: dict[str, Any] = {}
        setup_testing_defaults(environ)
        path, _, query = url.partition("?")
        environ.update(
            {
                "REQUEST_METHOD": method,
                "PATH_INFO": unquote(path),
                "QUERY_STRING": query,
                "REMOTE_ADDR": remote,
                "HTTP_HOST": "testserver",
                "SERVER_NAME": "testserver",
                "CONTENT_LENGTH": str(len(body)),
                "wsgi.input": BytesIO(body),
                "wsgi.url_scheme": "https" if https else "http",
            }
        )
        if ua is not None:
            environ["HTTP_USER_AGENT"] = ua
        for name, value in (headers or {}).items():
            key = name.upper().replace("-", "_")
            environ[key if key in ("CONTENT_TYPE",) else f"HTTP_{key}"] = value
        captured: dict[str, Any] = {}

        def start_response(status: str, response_headers: list, exc_info: Any = None) -> None:
            captured["status"] = int(status.split()[0])
            captured["headers"] = response_headers

        chunks = self.app(environ, start_response)
        data = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
        return WsgiResult(captured["status"], captured["headers"], data)

    def beacon(self, token: str, event_id: str, **kwargs: Any) -> WsgiResult:
        body = json.dumps({"p": token, "e": event_id}).encode()
        headers = {"Content-Type": "text/plain", **kwargs.pop("headers", {})}
        return self.request("POST", "/t/i", body=body, headers=headers, **kwargs)


@pytest.fixture
def wsgi() -> WsgiClient:
    return WsgiClient()


def token_for(promotion: Any) -> str:
    return tokens.promotion_token(
        promotion_id=promotion.pk,
        campaign_id=promotion.campaign_id,
        brand_id=promotion.campaign.brand_id,
    )


def click_path_for(promotion: Any, target: str = "https://shop.example.com/nova") -> str:
    return tokens.click_url(
        promotion_id=promotion.pk,
        campaign_id=promotion.campaign_id,
        brand_id=promotion.campaign.brand_id,
        target=target,
        base_url="",
    )


@pytest.fixture
def post_raises_for_broken(monkeypatch):
    """Every signed POST to an address ending in ``?broken`` raises, as a bug outside the
    HTTP exchange would; the others go out as usual."""
    from tracking import webhooks

    post = webhooks.webhook_post

    def post_or_raise(*, url, **kwargs):
        if url.endswith("?broken"):
            raise RuntimeError("unforeseen")
        return post(url=url, **kwargs)

    monkeypatch.setattr(webhooks, "webhook_post", post_or_raise)
