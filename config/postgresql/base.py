"""Django's PostgreSQL backend, with a health check that costs no round trip when the
connection is idle and nothing has arrived on it, and statements that are always planned
for their values.

``CONN_HEALTH_CHECKS`` makes Django check a reused connection before the first query of
each request; Django's check sends ``SELECT 1`` and waits for it (a round trip, and 30-60
µs of Python per request: about 5% of an entry's time in the web process, plus the
server's work). Between requests a connection of ours is idle, and the server writes to an
idle connection only when it ends it (a restart, ``pg_terminate_backend``, an idle timeout):
it sends the error and closes the socket. So the socket is polled first, without waiting:
nothing to read means the server has not ended it; anything to read (or an error or
hang-up) and Django's own query decides, as before. A connection whose peer vanished
without a word (a network cut) passes both checks alike and fails on its first query.
"""

from __future__ import annotations

import select
from typing import Any

from django.db.backends.postgresql import base
from psycopg import pq

from config.postgresql import PLANNED_EACH_TIME

_QUIET = 0  # poll's events for a socket with nothing to read and no error


class ServerBindingCursor(base.ServerBindingCursor):
    def execute(self, query: Any, params: Any = None, **kwargs: Any) -> Any:
        if isinstance(query, str) and query.startswith(PLANNED_EACH_TIME):
            kwargs.setdefault("prepare", False)
        return super().execute(query, params, **kwargs)  # type: ignore[misc]  # psycopg.Cursor.execute


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self) -> dict[str, Any]:
        params = super().get_connection_params()
        if params.get("cursor_factory") is base.ServerBindingCursor:
            params["cursor_factory"] = ServerBindingCursor
        return params

    def is_usable(self) -> bool:
        conn = self.connection
        if conn is None or conn.closed:
            return False
        if (
            hasattr(select, "poll")
            and conn.info.transaction_status == pq.TransactionStatus.IDLE
            and _socket_events(conn.fileno()) == _QUIET
        ):
            return True
        return bool(super().is_usable())


def _socket_events(fd: int) -> int:
    """What ``poll`` reports on ``fd`` now (0: nothing to read, no error)."""
    poller = select.poll()
    poller.register(fd, select.POLLIN | select.POLLPRI)
    events = poller.poll(0)
    return events[0][1] if events else _QUIET
