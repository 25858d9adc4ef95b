"""Scale-out on one machine: two web processes (granian, the WSGI fast path) and two
consumers (manage.py tracking_consume) against one PostgreSQL and one Redis share a load
with retries, and count it exactly."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

from tests.factories import PromotionFactory
from tests.processes import free_port, wait_until_up
from tests.tracking.conftest import DESKTOP_UA, click_path_for, token_for
from tests.tracking.totals import promotion_totals
from tracking import stream

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def test_two_web_processes_and_two_consumers_count_a_shared_load_exactly():
    promotions = [PromotionFactory() for _ in range(2)]
    env = {
        # settings.REDIS_URL is already this xdist worker's database: do not shift it again
        **{k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"},
        "DJANGO_SETTINGS_MODULE": "tests.tracking.scaleout_settings",
        "SCALEOUT_DATABASE_NAME": connection.settings_dict["NAME"],
        "SCALEOUT_STREAM": settings.TRACKING_STREAM,
        "REDIS_URL": settings.REDIS_URL,
    }
    ports = [free_port(), free_port()]
    web = [
        subprocess.Popen(
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
                "--no-ws",
                "config.wsgi:application",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for port in ports
    ]
    consumers = [
        subprocess.Popen(
            [
                sys.executable,
                "manage.py",
                "tracking_consume",
                "--count",
                "10",
                "--block-ms",
                "100",
                "--consumer",
                f"scaleout-{n}",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        for n in range(2)
    ]
    try:
        for port, process in zip(ports, web, strict=True):
            wait_until_up(
                port,
                process,
                lambda p=process: p.stdout.read().decode() if p.stdout else "",
            )

        # given: 400 viewers; each impression and each click is sent to one web process
        # and retried on the other (the same event id)
        def visit(i: int) -> list[int]:
            promotion = promotions[i % 2]
            headers = {"User-Agent": f"{DESKTOP_UA} viewer/{i}", "Content-Type": "text/plain"}
            statuses = []
            first, second = ports if i % 2 else ports[::-1]
            body = json.dumps({"p": token_for(promotion), "e": str(uuid.uuid4())})
            click = f"{click_path_for(promotion)}?e={uuid.uuid4()}"
            for port in (first, second):
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("POST", "/t/i", body=body, headers=headers)
                statuses.append(conn.getresponse().status)
                conn.close()
            if i % 5 == 0:
                for port in (second, first):
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                    conn.request("GET", click, headers=headers)
                    statuses.append(conn.getresponse().status)
                    conn.close()
            return statuses

        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = [s for result in pool.map(visit, range(400)) for s in result]
        assert statuses.count(204) == 800 and statuses.count(302) == 160

        # when: the two consumers drain the stream
        r = stream.client()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and r.xlen(settings.TRACKING_STREAM):
            time.sleep(0.2)
        assert r.xlen(settings.TRACKING_STREAM) == 0
    finally:
        for process in [*web, *consumers]:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        outputs = [p.communicate(timeout=30)[0].decode() for p in [*web, *consumers]]

    # then: every event once, whichever process took it
    stored = [
        int(line.split()[1])
        for out in outputs[2:]
        for line in out.splitlines()
        if line.startswith("stored ")
    ]
    print("events stored by each consumer:", stored)
    assert sum(stored) == 480, outputs
    totals = promotion_totals(promotion_ids=[p.pk for p in promotions])
    for promotion in promotions:
        assert (totals[promotion.pk].impressions, totals[promotion.pk].clicks) == (200, 40)
        assert totals[promotion.pk].invalid_events == 0
