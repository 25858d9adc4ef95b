"""A real localstripe server for the shop's tests, and helpers that talk to it.

* ``localstripe`` (session): ``.venv/bin/localstripe --port <free port> --from-scratch``,
  one per xdist worker; stopped at the end of the session.
* ``stripe_settings``: points the shop at it (secret, publishable and webhook keys, API base,
  stripe.js URL).
* ``stripe_webhooks``: localstripe delivers every event once to the live server's
  ``/shop/stripe/webhook/``, signed with the webhook secret as Stripe does;
  ``stripe_webhooks_three_times`` registers the same endpoint three times, so every event
  arrives three times.

The live server's threads have their own database connections (SQLite tests run on a
file, config/settings/test.py), so webhooks are handled while the test runs, as in
production.

Import them into a test module or conftest with ``from tests.shop.stripe_fixtures import *``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.processes import free_port

SECRET_KEY = "sk_test_shop_localstripe"
PUBLISHABLE_KEY = "pk_test_shop_localstripe"
WEBHOOK_SECRET = "whsec_test_shop_localstripe"
WEBHOOK_NAMES = ("shop-1", "shop-2", "shop-3")
LOG_DIR = Path(__file__).resolve().parents[2] / "test-results"


@pytest.fixture(scope="session")
def localstripe(worker_id: str) -> Iterator[str]:
    """The base URL of a localstripe server started for this test session (worker)."""
    binary = Path(sys.executable).with_name("localstripe")
    if not binary.exists():
        pytest.fail(f"{binary} is missing: install the dev extras (requirements.lock).")
    port = free_port()
    LOG_DIR.mkdir(exist_ok=True)
    log = (LOG_DIR / f"localstripe-{worker_id}.log").open("wb")
    process = subprocess.Popen(
        [str(binary), "--port", str(port), "--from-scratch"], stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            pytest.fail(f"localstripe exited with {process.returncode}; see {log.name}")
        try:
            requests.get(f"{url}/js.stripe.com/v3/", timeout=1)
            break
        except requests.ConnectionError:
            if time.monotonic() > deadline:
                process.kill()
                pytest.fail("localstripe did not start within 30 s")
            time.sleep(0.1)
    try:
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@pytest.fixture
def stripe_settings(settings, localstripe: str):
    settings.STRIPE_SECRET_KEY = SECRET_KEY
    settings.STRIPE_PUBLISHABLE_KEY = PUBLISHABLE_KEY
    settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
    settings.STRIPE_API_BASE = localstripe
    settings.STRIPE_JS_URL = f"{localstripe}/js.stripe.com/v3/"
    # every test buyer comes from 127.0.0.1, most with the same (absent) user agent
    settings.SHOP_CHECKOUT_RATE = settings.SHOP_CHECKOUT_IP_RATE = "1000/min"
    return settings


def _register(localstripe: str, name: str, url: str, enabled: bool) -> None:
    body: dict[str, Any] = {"url": url, "secret": WEBHOOK_SECRET}
    if not enabled:
        body["events"] = ["shop.test.disabled"]  # an event type that never happens
    response = requests.post(f"{localstripe}/_config/webhooks/{name}", json=body, timeout=5)
    response.raise_for_status()


@dataclass
class Webhooks:
    url: str
    copies: int


def _webhooks(localstripe: str, live_server, copies: int) -> Iterator[Webhooks]:
    url = f"{live_server.url}/shop/stripe/webhook/"
    for index, name in enumerate(WEBHOOK_NAMES):
        _register(localstripe, name, url, enabled=index < copies)
    yield Webhooks(url=url, copies=copies)
    for name in WEBHOOK_NAMES:
        _register(localstripe, name, url, enabled=False)


@pytest.fixture
def stripe_webhooks(stripe_settings, localstripe: str, live_server) -> Iterator[Webhooks]:
    yield from _webhooks(localstripe, live_server, copies=1)


@pytest.fixture
def stripe_webhooks_three_times(
    stripe_settings, localstripe: str, live_server
) -> Iterator[Webhooks]:
    yield from _webhooks(localstripe, live_server, copies=3)


# --- Talking to localstripe as a browser or Stripe would ----------------------------------


def stripe_api(localstripe: str, method: str, path: str, **data: Any) -> dict[str, Any]:
    """A call to localstripe's API with the secret key (what our server or a test does)."""
    get = method.upper() == "GET"
    response = requests.request(
        method,
        f"{localstripe}{path}",
        params=data if get else None,
        json=None if get else data or None,
        headers={"Authorization": f"Bearer {SECRET_KEY}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def stripe_list(localstripe: str, path: str) -> list[dict[str, Any]]:
    """Every object of a list endpoint (following ``has_more``)."""
    items: list[dict[str, Any]] = []
    while True:
        params: dict[str, Any] = {"limit": 100}
        if items:
            params["starting_after"] = items[-1]["id"]
        page = stripe_api(localstripe, "GET", path, **params)
        items += page["data"]
        if not page["has_more"]:
            return items


def payment_method_create(localstripe: str, number: str = "4242424242424242") -> str:
    """A card PaymentMethod, as stripe.js' createPaymentMethod makes in a real browser."""
    pm = stripe_api(
        localstripe,
        "POST",
        "/v1/payment_methods",
        type="card",
        card={"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
    )
    return str(pm["id"])


def three_d_secure_complete(localstripe: str, client_secret: str, success: bool = True) -> dict:
    """What localstripe's stripe.js confirmCardPayment does once the buyer answers 3-D Secure."""
    intent_id = client_secret.split("_secret_")[0]
    response = requests.post(
        f"{localstripe}/v1/payment_intents/{intent_id}/_authenticate?success={str(success).lower()}",
        data=json.dumps({"key": PUBLISHABLE_KEY, "client_secret": client_secret}),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def signed_event(payload: dict[str, Any], *, secret: str = WEBHOOK_SECRET, at: int | None = None):
    """(body, Stripe-Signature header) signed like Stripe and localstripe sign webhooks."""
    body = json.dumps(payload).encode()
    timestamp = int(time.time()) if at is None else at
    signature = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256
    ).hexdigest()
    return body, f"t={timestamp},v1={signature}"


def wait_for(condition: Callable[[], Any], *, timeout: float = 20.0, what: str = "") -> Any:
    """Poll ``condition`` until it is truthy (webhooks arrive about a second after the
    event); fail with ``what`` when it never is."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what or condition}")
        time.sleep(0.1)


__all__ = [
    "localstripe",
    "stripe_settings",
    "stripe_webhooks",
    "stripe_webhooks_three_times",
]
