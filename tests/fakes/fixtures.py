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
