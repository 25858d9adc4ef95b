"""PostgreSQL binds parameters on the server and prepares what a connection runs often
(config/settings/base.py): the statements of every entry are parsed and planned once."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

from config.postgresql import PLANNED_EACH_TIME
from promotions.models import Brand

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]
ROOT = Path(__file__).resolve().parents[2]


def _prepared() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return int(cursor.fetchone()[0])


def test_a_statement_run_often_is_prepared_on_the_server():
    table = Brand._meta.db_table
    statement = f"SELECT /* test_database_binding */ count(*) FROM {table} WHERE slug = %s"  # noqa: S608
    before = _prepared()
    with connection.cursor() as cursor:
        assert type(cursor.cursor).__name__ == "ServerBindingCursor"
        for n in range(6):
            cursor.execute(statement, [f"nobody-{n}"])
            assert cursor.fetchone() == (0,)

    assert _prepared() == before + 1  # prepared at its fifth run, whatever the values
    with connection.cursor() as cursor:  # and run on its generic plan once that is no worse
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("auto",)


def test_a_statement_marked_planned_each_time_is_never_prepared():
    table = Brand._meta.db_table
    statement = (
        f"{PLANNED_EACH_TIME}SELECT count(*) FROM {table} "  # noqa: S608
        "WHERE slug = ANY(%s::text[])"
    )
    before = _prepared()
    with connection.cursor() as cursor:
        for n in range(8):
            cursor.execute(statement, [[f"nobody-{n}", f"none-{n}"]])
            assert cursor.fetchone() == (0,)

    assert _prepared() == before


def test_the_batch_lookups_are_never_prepared():
    """``promotions.bulk`` and the store's seen-event lookup, run more often than the
    threshold: planned for their values every time."""
    from promotions.bulk import rows_get
    from tracking.store import seen_event_ids

    before = _prepared()
    for n in range(8):
        keys = [(f"nobody-{n}-{i}",) for i in range(n + 1)]
        assert rows_get(Brand, ("slug",), keys, ("id",)) == []
        assert seen_event_ids([uuid.uuid4() for _ in range(n + 1)]) == set()

    assert _prepared() == before


def test_a_threshold_of_zero_turns_prepared_statements_off():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "o = settings.DATABASES['default']['OPTIONS']; "
        "print(o['prepare_threshold'], o['server_side_binding'])"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_PREPARE_THRESHOLD": "0",
        "DATABASE_SERVER_SIDE_BINDING": "false",
    }
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert shown.stdout.split() == ["None", "False"]


def test_the_database_urls_own_options_are_kept():
    code = (
        "import django; django.setup(); from django.conf import settings; "
        "print(settings.DATABASES['default']['OPTIONS']['options'])"
    )
    url = os.environ["DATABASE_URL"].split("?")[0] + "?options=-c%20statement_timeout%3D5000"
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": url}
    shown = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert shown.stdout.strip() == "-c statement_timeout=5000"
