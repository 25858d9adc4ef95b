"""Fixtures for the fakes of outside services (the Graph API). Loaded by tests/conftest.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes import graph_comments, graph_server

__all__ = ["graph_comments"]  # its routes register on import


@pytest.fixture
def fake_graph(settings) -> Iterator[graph_server.FakeGraph]:
    """A fake Graph API server on a free port; ``settings.FACEBOOK_GRAPH_URL`` points at it."""
    graph, stop = graph_server.serve()
    settings.FACEBOOK_GRAPH_URL = graph.url
    try:
        yield graph
    finally:
        stop()


# --- connecting Pages (tests/fakes/graph_pages.py) ---------------------------------------
from tests.fakes import graph_pages  # noqa: E402  (registers the Pages routes)


@pytest.fixture
def fake_pages(fake_graph, settings) -> graph_server.FakeGraph:
    """The fake Graph server with the Pages routes checking this app's id and secret, and
    the Login dialog (``settings.FACEBOOK_WWW_URL``) on it too."""
    graph_pages.app_set(
        fake_graph, app_id=settings.FACEBOOK_APP_ID, app_secret=settings.FACEBOOK_APP_SECRET
    )
    settings.FACEBOOK_WWW_URL = fake_graph.url
    return fake_graph
