"""The stream consumers under `make serve`: with nothing to consume (no Redis, the intake
off) ``--idle-if-off`` waits for SIGTERM instead of failing, so that bin/supervise does not
stop the web server with them; without the flag they say why and fail."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _line_within(process: subprocess.Popen, *, seconds: float) -> str:
    """The process's first line of output, however long Django takes to start (a loaded
    machine), failing after ``seconds``."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    assert ready, f"no line within {seconds} s"
    return process.stdout.readline()


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("tracking_consume", "REDIS_URL is not set"),
        ("entries_consume", "The entry intake is off"),
    ],
)
def test_a_consumer_with_nothing_to_consume_waits_for_sigterm(command, said):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "REDIS_URL": ""}
    env.pop("PYTHONUNBUFFERED", None)  # as under a supervisor: the line must still come
    process = subprocess.Popen(
        [sys.executable, "manage.py", command, "--idle-if-off"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = _line_within(process, seconds=60)  # written once SIGTERM is caught
        assert said in first
        assert process.poll() is None  # still there
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "Traceback" not in first + out


def test_without_the_flag_it_says_why_and_fails():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "REDIS_URL": ""}
    done = subprocess.run(
        [sys.executable, "manage.py", "entries_consume", "--once"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "intake is off" in done.stderr
