"""Shared fixtures. Database mode follows DATABASE_URL (SQLite by default).

Browser tests (``@pytest.mark.browser``) need chromium at ``CHROMIUM_PATH`` (default
``/usr/bin/chromium``; ``make test`` installs Debian's package when it can). Without it they
are skipped and the run ends with one line saying how to enable them; under CI (``CI=true``)
a missing browser is an error instead, never a skip.
"""

from __future__ import annotations

import gettext
import os
from pathlib import Path

import pytest
from django.conf import settings
from django.test.signals import setting_changed

from config.catalogs import compile_catalogs

# The interface catalogs' .mo files are build products (not committed): compile the ones
# older than their .po before any test activates a language. Django is set up by then and
# may have loaded a language from the old .mo, or without one (a fresh checkout): the
# signal Django's own override_settings sends for LOCALE_PATHS makes it read the catalogs
# again, and Python's gettext, which keeps every .mo it read by path, forgets them. Done
# whoever compiled: a parallel worker may have compiled them after this one read them.
compile_catalogs()
gettext._translations.clear()  # type: ignore[attr-defined]
setting_changed.send(sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False)

pytest_plugins = ["tests.fakes.fixtures"]

BROWSER_SKIP_REASON = "chromium is missing (CHROMIUM_PATH)"


def chromium_path() -> Path:
    return Path(os.environ.get("CHROMIUM_PATH") or "/usr/bin/chromium")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


def browser_missing_message() -> str:
    return (
        f"{chromium_path()} is missing: browser tests need Debian's chromium "
        "(apt-get install chromium fonts-dejavu-core), or CHROMIUM_PATH pointing at a chromium. "
        "`playwright install` cannot download browsers here and is never called."
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: run with DATABASE_URL=postgres://...")
    skip_redis = pytest.mark.skip(reason="needs Redis: run with REDIS_URL=redis://...")
    for item in items:
        if "postgres" in item.keywords and not settings.USING_POSTGRES:
            item.add_marker(skip_pg)
        if "redis" in item.keywords and not settings.REDIS_URL:
            item.add_marker(skip_redis)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if "browser" not in item.keywords or chromium_path().exists():
        return
    if _in_ci():
        pytest.fail(browser_missing_message(), pytrace=False)
    pytest.skip(BROWSER_SKIP_REASON)


def pytest_unconfigure(config: pytest.Config) -> None:
    """The run's last line, when browser tests were skipped for want of chromium."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    skipped = [
        report
        for report in reporter.stats.get("skipped", [])
        if BROWSER_SKIP_REASON in str(getattr(report, "longrepr", ""))
    ]
    if skipped:
        reporter.write_line(
            f"NOTE: {len(skipped)} browser tests were skipped because {chromium_path()} is "
            "missing; to run them: apt-get install chromium fonts-dejavu-core "
            "(or set CHROMIUM_PATH)."
        )


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def api_client():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def make_api_key(db):
    """make_api_key(brands=[...], scopes=[...], **kw) -> (ApiKey, raw key string)."""
    from tracking.services import api_key_create

    def make(*, brands, scopes=(), **kwargs):
        return api_key_create(
            name=kwargs.pop("name", "Partner"),
            brand_ids=[b.pk for b in brands],
            scopes=scopes,
            **kwargs,
        )

    return make


os.environ.setdefault("PLAYWRIGHT_BROWSERS_PATH", "0")


@pytest.fixture
def receiver(settings):
    """A local HTTP endpoint for signed POSTs (``tests.tracking.receiver.Receiver``): report
    pushes, partner webhooks. It listens on 127.0.0.1 over plain HTTP, which the settings
    switch ``WEBHOOK_ALLOW_PRIVATE`` allows."""
    from tests.tracking.receiver import Receiver

    settings.WEBHOOK_ALLOW_PRIVATE = True
    server = Receiver().start()
    yield server
    server.stop()


@pytest.fixture
def raw_endpoint(settings):
    """raw_endpoint(chunks, pause=0.0): a local endpoint answering each POST with raw bytes
    (``tests.tracking.receiver.RawEndpoint``): not HTTP, or an answer sent slowly."""
    from tests.tracking.receiver import RawEndpoint

    settings.WEBHOOK_ALLOW_PRIVATE = True
    started = []

    def start(chunks, *, pause=0.0):
        endpoint = RawEndpoint(list(chunks), pause).start()
        started.append(endpoint)
        return endpoint

    yield start
    for endpoint in started:
        endpoint.stop()
