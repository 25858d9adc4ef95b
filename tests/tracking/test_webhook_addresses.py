"""Where a signed POST may go: public addresses only, checked before each delivery, and the
connection made to the very address that was checked (no DNS rebinding to the inside)."""

from __future__ import annotations

import socket

import pytest

from tracking import webhooks

PUBLIC = "93.184.216.34"


@pytest.fixture
def dns(monkeypatch, settings):
    """A resolver whose answers the test sets, and a record of where connections go
    (none is made: the test only needs to see the address)."""
    settings.WEBHOOK_ALLOW_PRIVATE = False
    answers: list[str] = []
    connected: list[tuple[str, int]] = []

    def getaddrinfo(host, port, *args, **kwargs):
        address = answers.pop(0) if len(answers) > 1 else answers[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    def create_connection(where, *args, **kwargs):
        connected.append(where)
        raise OSError("no network in this test")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket, "create_connection", create_connection)
    return answers, connected


def test_a_host_that_rebinds_after_the_check_is_still_reached_at_the_checked_address(dns):
    # given: a name that answers a public address, then a private one
    answers, connected = dns
    answers[:] = [PUBLIC, "10.0.0.5"]

    # when
    result = webhooks.webhook_post(url="https://rebind.example/hook", body=b"{}", secret="s")

    # then: the connection went to the address that was checked
    assert not result.succeeded and "no network" in result.error
    assert connected == [(PUBLIC, 443)]


@pytest.mark.parametrize("address", ["10.0.0.5", "127.0.0.1", "169.254.169.254", "::1"])
def test_a_private_address_is_refused_before_any_connection(dns, address):
    answers, connected = dns
    answers[:] = [address]

    result = webhooks.webhook_post(url="https://inside.example/hook", body=b"{}", secret="s")

    assert not result.succeeded and "private or reserved address" in result.error
    assert connected == []
