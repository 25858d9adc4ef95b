"""The fake Graph server answers over real HTTP, through the service's own client."""

from __future__ import annotations

import pytest

from promotions.facebook import client
from tests.fakes import graph_server


def test_the_client_reaches_the_fake_server_under_the_configured_version(fake_graph, settings):
    settings.FACEBOOK_GRAPH_VERSION = "v25.0"
    fake_graph.state["tokens"] = {"page-token": {"id": "1234", "name": "Demo Page"}}

    answer = client.graph_post("me", {"access_token": "page-token"})

    assert answer == {"id": "1234", "name": "Demo Page"}
    [call] = fake_graph.calls("POST", "/me")
    assert call.access_token == "page-token"


def test_an_injected_fault_answers_once_in_graphs_error_shape(fake_graph):
    fake_graph.state["tokens"] = {"t": {"id": "1"}}
    fake_graph.fail_next("POST", "/me", graph_server.throttled(17))

    with pytest.raises(client.GraphError) as failed:
        client.graph_post("me", {"access_token": "t"})

    assert failed.value.status == 400
    assert "(#17)" in str(failed.value)
    assert client.graph_post("me", {"access_token": "t"})["id"] == "1"


def test_an_unknown_token_is_graphs_expired_token_error(fake_graph):
    with pytest.raises(client.GraphError) as failed:
        client.graph_post("me", {"access_token": "nobody"})

    assert "Session has expired" in str(failed.value)
