"""Browser tests: Playwright driving Debian's chromium against pytest-django's live server.

* ``browser`` (session): chromium from ``CHROMIUM_PATH`` (default ``/usr/bin/chromium``).
  ``playwright install`` is never called (it cannot download here). Without chromium the
  tests are skipped with a note at the end of the run, and fail under CI (tests/conftest.py).
* ``phone`` / ``desktop``: a fresh browser context per test (a 390x844 touch phone at
  device scale 2, and a 1280x800 desktop), with ``base_url`` = the live server.
* ``screenshot(page, name)``: a full-page PNG in ``test-results/screenshots/`` (gitignored).
  When a browser test fails, every page still open is saved there as ``FAILED-<test>-<n>``.

Mark such tests ``@pytest.mark.browser``. They use ``transactional_db`` (the live server runs
in another thread). Under pytest-xdist each worker has its own browser, live server and
database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import browser_missing_message, chromium_path

# Playwright's sync API runs an asyncio loop in this thread for the whole session, and
# Django refuses ORM calls from a thread with a running loop. Tests and the live server
# are synchronous code, so tell Django it is safe. It is process-wide on purpose: under
# xdist, other tests run in the same worker after the browser has started.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-results" / "screenshots"
DEFAULT_TIMEOUT_MS = 15_000

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/126.0.0.0 Mobile Safari/537.36"
    ),
}
DESKTOP = {"viewport": {"width": 1280, "height": 800}, "device_scale_factor": 1}


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[object]:
    if not chromium_path().exists():
        pytest.fail(browser_missing_message(), pytrace=False)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=DEFAULT_TIMEOUT_MS)
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance) -> Iterator[object]:
    browser = playwright_instance.chromium.launch(  # type: ignore[attr-defined]
        executable_path=str(chromium_path()), args=CHROMIUM_ARGS, headless=True
    )
    yield browser
    browser.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _context(request, browser, live_server, options: dict) -> Iterator[object]:
    context = browser.new_context(
        base_url=live_server.url, locale="en-GB", timezone_id="Europe/Paris", **options
    )
    context.set_default_timeout(DEFAULT_TIMEOUT_MS)
    yield context
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        for n, page in enumerate(context.pages):
            path = SCREENSHOTS / f"FAILED-{_slug(request.node.name)}-{n}.png"
            try:
                page.screenshot(path=str(path), full_page=True)
            except Exception as exc:  # a crashed page must not hide the test's own failure
                print(f"could not save {path}: {exc}")
    context.close()


@pytest.fixture
def phone_context(request, browser, live_server, transactional_db) -> Iterator[object]:
    yield from _context(request, browser, live_server, PHONE)


@pytest.fixture
def desktop_context(request, browser, live_server, transactional_db) -> Iterator[object]:
    yield from _context(request, browser, live_server, DESKTOP)


@pytest.fixture
def phone(phone_context):
    """A page in the phone context."""
    return phone_context.new_page()


@pytest.fixture
def desktop(desktop_context):
    """A page in the desktop context."""
    return desktop_context.new_page()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-")


@pytest.fixture
def screenshot(request) -> Callable[..., Path]:
    """``screenshot(page, name)`` saves ``test-results/screenshots/<name>.png``."""

    def take(page, name: str, *, full_page: bool = True) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{_slug(name)}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


@pytest.fixture(autouse=True)
def _require_browser_mark(request) -> None:
    if "browser" not in request.keywords:
        pytest.fail("Tests in tests/e2e/ drive a browser: mark them @pytest.mark.browser.")
