"""The health check before a request's first query (config/postgresql/base.py): an idle
connection with nothing on its socket passes without a query; one the server ended is
found, closed, and the request's query runs on a new connection."""

from __future__ import annotations

import select
import time

import psycopg
import pytest
from django.db import connection, connections

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _terminate_ours() -> int:
    """Ends this test's connection from another one, as a server restart would."""
    pid = connection.connection.info.backend_pid
    params = connection.get_connection_params()
    keep = ("dbname", "user", "host", "port", "password")
    with psycopg.connect(
        **{k: v for k, v in params.items() if k in keep}, autocommit=True
    ) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    return int(pid)


def _wait_readable(timeout: float = 5.0) -> None:
    """Until the server's goodbye has reached our socket."""
    deadline = time.monotonic() + timeout
    fd = connection.connection.fileno()
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.05)[0]:
            return
    raise AssertionError("the ended connection's socket never became readable")


def _query_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def test_the_backend_is_ours():
    wrapper = connections["default"]
    assert type(wrapper).__module__ == "config.postgresql.base"
    assert wrapper.health_check_enabled


def test_an_idle_connection_passes_without_a_query(monkeypatch):
    connection.ensure_connection()
    raw = connection.connection

    def no_query(*args, **kwargs):
        raise AssertionError("the health check sent a query")

    monkeypatch.setattr(raw, "cursor", no_query)
    monkeypatch.setattr(raw, "execute", no_query)
    assert connection.is_usable()


def test_a_connection_the_server_ended_is_replaced_before_the_next_query():
    first = _query_pid()
    assert _terminate_ours() == first
    _wait_readable()

    assert not connection.is_usable()
    connection.health_check_done = False  # as at the start of each request
    connection.close_if_health_check_failed()

    assert connection.connection is None
    second = _query_pid()  # the request's first query, on a new connection
    assert second != first


def test_a_connection_inside_a_transaction_gets_the_full_check(monkeypatch):
    connection.ensure_connection()
    queried = []
    real = connection.connection.cursor

    def counting(*args, **kwargs):
        queried.append(1)
        return real(*args, **kwargs)

    with connection.cursor() as cursor:
        cursor.execute("BEGIN")
        monkeypatch.setattr(connection.connection, "cursor", counting)
        assert connection.is_usable()
        monkeypatch.undo()
        cursor.execute("ROLLBACK")
    assert queried == [1]
