"""PostgreSQL restarted during ingest loses no acknowledged event.

Proven with a real crash of a real server: the module starts its own throwaway
PostgreSQL cluster (initdb + pg_ctl on a free port, fsync on; the machine's shared server
is never touched), migrates it, and runs the production processes against it as
subprocesses. In the middle of the ingest the cluster is restarted with
``pg_ctl restart -m immediate``: every backend is killed, nothing is shut down cleanly,
and the server recovers from its WAL, as after a crash.

1. Stream path: N impressions are appended to the Redis stream (the point where a beacon
   is answered 204), two ``manage.py tracking_consume`` store them, and the cluster
   crashes while entries are still waiting. Once the stream is drained (no entry left, none
   pending), the rollups and the raw table hold exactly N events.
2. Direct path: partner batches of 1,000 events are stored by the web request itself
   (granian, ``POST /api/v1/events/batch``, 202 only after the commit) from several client
   threads; the cluster crashes while batches are in flight. A client that does not get
   a 202 sends the same batch again, as a partner would. Every event is then counted
   exactly once, and each batch's final answer accounts for all of its events as
   ``accepted`` or, only for a batch sent again, as ``duplicates``.

Each test uses its own stream key (tests/tracking/conftest.py) and its own promotions.
The subprocesses read their database and stream from the environment through
tests/tracking/scaleout_settings.py (the test settings, plus the stream key).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings

from tests.processes import free_port, wait_until_up
from tracking import stream
from tracking.tracked_event import TrackedEvent

pytestmark = [pytest.mark.postgres, pytest.mark.redis]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GROUP = "tracking"  # TRACKING_STREAM_GROUP's default


# --- A private PostgreSQL cluster ---------------------------------------------------------


def postgres_bin() -> Path | None:
    """The newest /usr/lib/postgresql/<version>/bin with initdb and pg_ctl."""
    found = [
        d
        for d in Path("/usr/lib/postgresql").glob("*/bin")
        if (d / "initdb").exists() and (d / "pg_ctl").exists()
    ]
    found.sort(key=lambda d: int(d.parent.name) if d.parent.name.isdigit() else 0)
    return found[-1] if found else None


@dataclass
class Cluster:
    bin: Path
    directory: Path
    port: int
    dbname: str = "promohub"

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{self.dbname}"

    def run(self, tool: str, *args: str, timeout: float = 60) -> None:
        """Run initdb or pg_ctl; as the postgres user when we are root (initdb refuses root)."""
        command = [str(self.bin / tool), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"{tool} failed: {done.stdout}{done.stderr}\n{self.log_tail()}")

    def pg_ctl(self, *args: str) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", *args)

    def crash_restart(self) -> None:
        """Kill every backend (no checkpoint, no clean shutdown), then recover and start."""
        self.pg_ctl("restart", "-m", "immediate")

    def connect(self, dbname: str | None = None) -> psycopg.Connection:
        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user="postgres",
            dbname=dbname or self.dbname,
            autocommit=True,
            connect_timeout=10,
        )

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def subprocess_env(cluster: Cluster, stream_key: str) -> dict[str, str]:
    """The environment of the processes we start: the private database, our stream, and
    this worker's Redis database (settings.REDIS_URL is shifted per xdist worker already,
    so the worker number is not passed on to shift it again)."""
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.tracking.scaleout_settings",
        DATABASE_URL=cluster.url,
        SCALEOUT_DATABASE_NAME=cluster.dbname,
        SCALEOUT_STREAM=stream_key,
        REDIS_URL=settings.REDIS_URL,
    )
    return env


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    """A throwaway, migrated PostgreSQL cluster of our own, stopped and deleted afterwards."""
    pg_bin = postgres_bin()
    if pg_bin is None:
        pytest.skip("needs PostgreSQL's server binaries in /usr/lib/postgresql/*/bin")
    if os.geteuid() == 0:
        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root needs a postgres user to run initdb and pg_ctl")
    # Not pytest's tmp_path: its parents are private to us, and the server runs as postgres.
    directory = Path(tempfile.mkdtemp(prefix="pg-restart-", dir="/tmp"))
    cluster = Cluster(bin=pg_bin, directory=directory, port=free_port())
    started = False
    try:
        if os.geteuid() == 0:
            os.chown(directory, owner.pw_uid, owner.pw_gid)
        # --no-sync only skips initdb's own final flush; the server runs with fsync on.
        cluster.run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = (
            f"-p {cluster.port} -k {directory} -c listen_addresses=127.0.0.1 "
            "-c shared_buffers=32MB -c max_connections=40"
        )
        started = True
        cluster.pg_ctl("start", "-o", options)
        with cluster.connect("postgres") as conn:
            conn.execute(f"CREATE DATABASE {cluster.dbname}")
        migrate = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
            cwd=ROOT,
            env={**subprocess_env(cluster, "unused"), "REDIS_URL": ""},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert migrate.returncode == 0, migrate.stdout + migrate.stderr
        yield cluster
    finally:
        if started:
            # not running after a failed start: the directory goes anyway
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                cluster.pg_ctl("stop", "-m", "immediate")
        shutil.rmtree(directory, ignore_errors=True)


# --- Subprocesses -------------------------------------------------------------------------


@dataclass
class Spawned:
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., Spawned]]:
    """spawn(name, command, env) starts a process in its own group, output to a file;
    every group is stopped at the end (SIGTERM, then SIGKILL), whatever happened."""
    started: list[Spawned] = []

    def start(name: str, command: list[str], env: dict[str, str]) -> Spawned:
        log = tmp_path / f"{name}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                command,
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        started.append(Spawned(process, log))
        return started[-1]

    yield start
    for spawned in started:
        stop(spawned)


def stop(spawned: Spawned, timeout: float = 20) -> None:
    """SIGTERM to the whole group, SIGKILL if it lingers."""
    process = spawned.process
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue


def consumer(spawn: Callable[..., Spawned], env: dict[str, str], name: str) -> Spawned:
    return spawn(
        name,
        [
            sys.executable,
            "manage.py",
            "tracking_consume",
            "--count",
            "200",
            "--block-ms",
            "100",
            "--consumer",
            name,
        ],
        env,
    )


def backlog(r: redis.Redis, key: str) -> tuple[int, int]:
    """(entries still in the stream, entries read but not acknowledged): a consumer deletes
    an entry only once it is stored and acknowledged."""
    try:
        pending = int(r.xpending(key, GROUP)["pending"])
    except redis.ResponseError:  # no group yet: nothing read, nothing pending
        pending = 0
    return int(r.xlen(key)), pending


def wait_until_drained(r: redis.Redis, key: str, processes: list[Spawned], timeout: float = 120):
    deadline = time.monotonic() + timeout
    while (left := backlog(r, key)) != (0, 0):
        for spawned in processes:
            assert spawned.process.poll() is None, spawned.output()
        assert time.monotonic() < deadline, f"never stored: (in stream, pending) = {left}"
        time.sleep(0.1)


def counted(cluster: Cluster, promotion_ids: list[int]) -> dict[str, dict[int, int]]:
    """Per promotion: impressions in the hourly and daily rollups, and raw event rows."""
    queries = {
        "hourly": "SELECT promotion_id, SUM(impressions) FROM tracking_hourlyrollup",
        "daily": "SELECT promotion_id, SUM(impressions) FROM tracking_dailyrollup",
        "raw": "SELECT promotion_id, COUNT(*) FROM tracking_event",
    }
    with cluster.connect() as conn:
        return {
            name: dict(
                conn.execute(
                    f"{sql} WHERE promotion_id = ANY(%s) GROUP BY promotion_id",
                    [promotion_ids],
                ).fetchall()
            )
            for name, sql in queries.items()
        }


def stored_impressions(conn: psycopg.Connection, promotion_ids: list[int]) -> int:
    row = conn.execute(
        "SELECT COALESCE(SUM(impressions), 0) FROM tracking_hourlyrollup "
        "WHERE promotion_id = ANY(%s)",
        [promotion_ids],
    ).fetchone()
    return int(row[0]) if row else 0


def failures_logged(spawned: Spawned, message: str) -> int:
    return spawned.output().count(message)


# --- 1. The stream path -------------------------------------------------------------------


def test_a_crash_restart_of_postgresql_while_consumers_store_loses_no_streamed_event(
    cluster, settings, spawn
):
    # given: N impressions accepted into the stream, one entry each, as beacons are
    n = 20_000
    key = settings.TRACKING_STREAM
    base = 1_000_000_000 + uuid.uuid4().int % 1_000_000_000  # promotions of this test only
    promotion_ids = [base + i for i in range(4)]
    now = datetime.now(UTC)
    for i in range(n):
        event_id = uuid.uuid4()
        promotion_id = promotion_ids[i % 4]
        event = TrackedEvent(
            event_id=event_id,
            ts=now,
            type="impression",
            promotion_id=promotion_id,
            campaign_id=promotion_id,
            brand_id=promotion_id,
            pseudonym=event_id.bytes,
        )
        stream.events_publish([event])  # raises unless Redis took it
    r = stream.client()
    assert r.xlen(key) == n

    # when: two consumers store them, and PostgreSQL crashes while entries still wait
    env = subprocess_env(cluster, key)
    consumers = [consumer(spawn, env, f"restart-{i}") for i in range(2)]
    deadline = time.monotonic() + 90
    with cluster.connect() as conn:
        while (before := stored_impressions(conn, promotion_ids)) < n // 5:
            for c in consumers:
                assert c.process.poll() is None, c.output()
            assert time.monotonic() < deadline, "the consumers stored nothing"
            time.sleep(0.01)
    still_waiting, _pending = backlog(r, key)
    cluster.crash_restart()
    wait_until_drained(r, key, consumers)
    for c in consumers:
        stop(c)

    # then: the restart hit the ingest in the middle, and every event counts exactly once
    failed = sum(failures_logged(c, "tracking: storing a batch of") for c in consumers)
    print(
        f"\nstream path: {before} of {n} impressions stored and {still_waiting} entries "
        f"waiting when PostgreSQL crashed; {failed} batch(es) failed and were retried"
    )
    assert before < n and still_waiting > 0
    assert failed >= 1, [c.output()[-3000:] for c in consumers]
    expected = {p: n // 4 for p in promotion_ids}
    assert counted(cluster, promotion_ids) == {
        "hourly": expected,
        "daily": expected,
        "raw": expected,
    }


# --- 2. Partner batches stored by the request ---------------------------------------------

SETUP = """
import json
from tests.factories import PromotionFactory
from tracking.services import api_key_create
first = PromotionFactory()
second = PromotionFactory(campaign=first.campaign)
_key, raw = api_key_create(
    name="restart", brand_ids=[first.campaign.brand_id], scopes=["events:write"]
)
print(json.dumps({"promotions": [first.pk, second.pk], "key": raw}))
"""


@dataclass
class Batch:
    body: bytes
    attempts: int = 0
    failures: list[str] = field(default_factory=list)
    answer: dict | None = None


def test_a_crash_restart_of_postgresql_during_partner_batches_counts_each_event_once(
    cluster, settings, spawn
):
    # given: a partner's key and promotions in the private database, a web process and a
    # consumer (for batches that wait in the stream while the database is down)
    env = subprocess_env(cluster, settings.TRACKING_STREAM)
    setup = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", SETUP],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert setup.returncode == 0, setup.stdout + setup.stderr
    partner = json.loads(setup.stdout.strip().splitlines()[-1])
    promotion_ids = partner["promotions"]
    port = free_port()
    web = spawn(
        "web",
        [
            str(BIN / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--blocking-threads",
            "4",
            "--no-ws",
            "config.wsgi:application",
        ],
        env,
    )
    drainer = consumer(spawn, env, "restart-batches")
    wait_until_up(port, web.process, web.output, timeout=60)

    batch_count, size, clients = 32, 1000, 4
    ts = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    batches = [
        Batch(
            json.dumps(
                [
                    {
                        "event_id": str(uuid.uuid4()),
                        "type": "impression",
                        "promotion": promotion_ids[i % 2],
                        "ts": ts,
                    }
                    for i in range(size)
                ]
            ).encode()
        )
        for _ in range(batch_count)
    ]
    headers = {"Authorization": f"Bearer {partner['key']}", "Content-Type": "application/json"}
    acknowledged = threading.Semaphore(0)
    deadline = time.monotonic() + 120

    def send(batch: Batch) -> None:
        """Until a 202, as a partner would: the same body, the same event ids."""
        while True:
            batch.attempts += 1
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            try:
                conn.request("POST", "/api/v1/events/batch", body=batch.body, headers=headers)
                response = conn.getresponse()
                status, body = response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                status, body = 0, repr(exc).encode()
            finally:
                conn.close()
            if status == 202:
                batch.answer = json.loads(body)
                acknowledged.release()
                return
            assert status in (0, 503), (status, body[:500])  # never a 500: retry later
            batch.failures.append(f"{status} {body[:200]!r}")
            assert time.monotonic() < deadline, batch.failures[-5:]
            time.sleep(0.1)

    # when: PostgreSQL crashes after the first batches were acknowledged, others in flight
    with ThreadPoolExecutor(max_workers=clients) as pool:
        futures = [pool.submit(send, b) for b in batches]
        acks = 0
        while acks < batch_count // 4 and time.monotonic() < deadline:
            if any(f.done() and f.exception() for f in futures):
                break  # a client failed: its future says why, below
            acks += acknowledged.acquire(timeout=0.2)
        acked_before = sum(1 for b in batches if b.answer is not None)
        in_flight = sum(1 for b in batches if b.answer is None and b.attempts)
        if acked_before < batch_count:
            cluster.crash_restart()
        for future in futures:
            future.result()
    wait_until_drained(stream.client(), settings.TRACKING_STREAM, [web, drainer])
    stop(drainer)

    # then: the crash hit the ingest in the middle...
    failed_attempts = sum(len(b.failures) for b in batches)
    statuses = Counter(f.split()[0] for b in batches for f in b.failures)
    to_stream = web.output().count("waits in the stream")
    accepted = sum(b.answer["accepted"] for b in batches if b.answer)
    duplicates = sum(b.answer["duplicates"] for b in batches if b.answer)
    print(
        f"\ndirect path: {acked_before} of {batch_count} batches acknowledged and "
        f"{in_flight} in flight when PostgreSQL crashed; {failed_attempts} attempt(s) "
        f"failed {dict(statuses)} and were sent again, {to_stream} batch(es) waited in the stream; "
        f"accepted {accepted}, duplicates {duplicates}"
    )
    assert 0 < acked_before < batch_count
    assert failed_attempts + to_stream >= 1, web.output()[-3000:]
    # ...every batch's final answer accounts for each of its events once: accepted, or a
    # duplicate of an earlier attempt that was stored although its answer was lost...
    for batch in batches:
        assert batch.answer is not None
        assert batch.answer["rejected"] == []
        assert batch.answer["accepted"] + batch.answer["duplicates"] == size
        if batch.answer["duplicates"]:
            assert batch.failures, "duplicates in a batch sent once"
    # ...and every event is counted exactly once
    expected = {p: batch_count * size // 2 for p in promotion_ids}
    assert counted(cluster, promotion_ids) == {
        "hourly": expected,
        "daily": expected,
        "raw": expected,
    }
