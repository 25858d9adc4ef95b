"""Helpers for tests that start real server processes (granian, localstripe)."""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
from collections.abc import Callable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_up(
    port: int,
    process: subprocess.Popen,
    output: Callable[[], str] = lambda: "",
    timeout: float = 30,
) -> None:
    """Until the service on ``port`` answers HTTP (any status); fails with the process's
    ``output()`` if it exits first."""
    deadline = time.monotonic() + timeout
    while True:
        assert process.poll() is None, output()
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/t/ready")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            assert time.monotonic() < deadline, f"nothing answers on port {port}"
            time.sleep(0.2)
