"""`make run` stops within 3 s of Ctrl-C and leaves no process behind (issue 14, item 5).

The tests run the supervise command `make -n run` prints (granian and the django-q cluster
under bin/supervise, as `make run` starts them) on a throwaway SQLite database, wait until
`/healthz` answers and the cluster runs, send SIGINT to the process group as a terminal's
Ctrl-C does, and time the stop. The children run on the embedded default (no DATABASE_URL
or REDIS_URL): they never touch the PostgreSQL test database or a Redis database of another
xdist worker.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
_SHARED_SERVICES = ("DATABASE_URL", "REDIS_URL", "TEST_DB_NAME", "DJANGO_ALLOW_ASYNC_UNSAFE")
STOP_LIMIT = 3.0


def _env(database: Path) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PYTEST_") and k not in _SHARED_SERVICES
    }
    return {
        **env,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "SQLITE_PATH": str(database),
        "MEDIA_ROOT": str(database.parent / "media"),
        "PYTHONUNBUFFERED": "1",
    }


def _manage(database: Path, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=_env(database),
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
    )


def _supervise_command(port: int) -> str:
    """The supervise line of `make run`, from `make -n` (a dry run: nothing is executed)."""
    printed = subprocess.run(
        ["make", "-n", "run", f"PORT={port}", f"BIN={BIN}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    command = printed[printed.index(f"{BIN}/python bin/supervise") :]
    return command.replace("\\\n", " ").strip()


@pytest.fixture(scope="module")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    database = tmp_path_factory.mktemp("run_stops") / "template.sqlite3"
    _manage(database, "migrate", "--noinput")
    _manage(database, "apply_schedules")
    return database


@pytest.fixture
def database(migrated: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "db.sqlite3"
    shutil.copy(migrated, copy)
    return copy


def _healthy(port: int) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", "/healthz")
        status = conn.getresponse().status
        conn.close()
    except OSError:
        return False
    return status == 200


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


class Run:
    def __init__(self, database: Path, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self._out = log.open("w")
        self.process = subprocess.Popen(
            ["sh", "-c", "exec " + _supervise_command(self.port)],
            cwd=ROOT,
            env=_env(database),
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, like a terminal's foreground job
        )
        self.pgid = self.process.pid
        self.groups: set[int] = set()

    def output(self) -> str:
        return self.log.read_text()

    def wait_for(self, what: str, ready, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while not ready():
            assert self.process.poll() is None, f"exited before {what}:\n{self.output()}"
            assert time.monotonic() < deadline, f"no {what}:\n{self.output()}"
            time.sleep(0.2)

    def descendants(self) -> list[int]:
        """Every process whose parent chain leads to supervise (granian, the cluster and
        their children sit in their own process groups)."""
        parents: dict[int, int] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        found, frontier = [], [self.process.pid]
        while frontier:
            pid = frontier.pop()
            children = [p for p, parent in parents.items() if parent == pid]
            found += children
            frontier += children
        return found

    def ctrl_c(self) -> float:
        groups = {os.getpgid(pid) for pid in self.descendants()}
        assert len(groups) >= 2, "granian and the cluster each run in their own group"
        started = time.monotonic()
        os.killpg(self.pgid, signal.SIGINT)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pytest.fail(f"make run did not stop in 20 s:\n{self.output()}")
        elapsed = time.monotonic() - started
        self.groups = groups | {self.pgid}
        return elapsed

    def left_behind(self) -> list[int]:
        # A child that had just exited may still wait to be reaped by init for a moment.
        deadline = time.monotonic() + 1
        while True:
            alive = [g for g in self.groups if _group_alive(g)]
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.05)

    def close(self) -> None:
        """After a failure: nothing of this run may outlive the test."""
        groups = set(self.groups) | {self.pgid}
        for pid in self.descendants():
            with contextlib.suppress(ProcessLookupError):
                groups.add(os.getpgid(pid))
        for pgid in groups:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=5)
        self._out.close()


@pytest.fixture
def run(database: Path, tmp_path: Path) -> Iterator[Run]:
    started = Run(database, tmp_path / "run.log")
    yield started
    started.close()


def _start(run: Run) -> None:
    run.wait_for("/healthz", lambda: _healthy(run.port))
    run.wait_for("running cluster", lambda: "[promohub] running." in run.output())


def test_ctrl_c_stops_web_and_cluster_cleanly_within_3_seconds(run: Run) -> None:
    _start(run)
    time.sleep(1)  # the cluster's guard loop, pusher and monitor settle into their waits

    elapsed = run.ctrl_c()

    output = run.output()
    assert run.left_behind() == [], f"processes left behind:\n{output}"
    assert elapsed < STOP_LIMIT, f"stopped in {elapsed:.2f} s:\n{output}"
    # Stopped by themselves, not by the grace's SIGKILL (the old hang was hidden by a kill).
    assert "killing it" not in output, output
    assert "has stopped." in output, output
    assert "Granian shutdown completed" in output, output
    assert run.process.returncode == 0, output


def test_ctrl_c_abandons_a_long_task_which_runs_again_later(run: Run, database: Path) -> None:
    _start(run)
    _manage(
        database,
        "shell",
        "-c",
        "from django_q.tasks import async_task; async_task('time.sleep', 30)",
    )
    run.wait_for(
        "task started", lambda: "processing" in run.output() and "'time.sleep'" in run.output()
    )

    elapsed = run.ctrl_c()

    output = run.output()
    assert run.left_behind() == [], f"processes left behind:\n{output}"
    assert elapsed < STOP_LIMIT, f"stopped in {elapsed:.2f} s:\n{output}"
    assert "killing it" in output, output
    # The ORM broker still holds the task, locked until `retry` passes: it is fetched again.
    with sqlite3.connect(database) as db:
        queued = db.execute("SELECT count(*) FROM django_q_ormq").fetchone()[0]
        done = db.execute("SELECT count(*) FROM django_q_task").fetchone()[0]
    assert (queued, done) == (1, 0)
