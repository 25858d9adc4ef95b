"""The stream consumers under `make serve`: with nothing to consume (no Redis, the intake
off) ``--idle-if-off`` waits for SIGTERM instead of failing, so that bin/supervise does not
stop the web server with them; without the flag they say why and fail."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("command", "said"),
    [
        ("tracking_consume", "REDIS_URL is not set"),
        ("entries_consume", "The entry intake is off"),
    ],
)
def test_a_consumer_with_nothing_to_consume_waits_for_sigterm(command, said):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "REDIS_URL": ""}
    process = subprocess.Popen(
        [sys.executable, "manage.py", command, "--idle-if-off"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        time.sleep(2.5)  # Django started, the line written
        assert process.poll() is None  # still there
        process.send_signal(signal.SIGTERM)
        out, _ = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert said in out


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
