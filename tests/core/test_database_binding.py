"""PostgreSQL binds parameters on the server and prepares what a connection runs often
(config/settings/base.py): the statements of every entry are parsed and planned once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

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
    with connection.cursor() as cursor:  # and still planned for its values each time
        cursor.execute("SHOW plan_cache_mode")
        assert cursor.fetchone() == ("force_custom_plan",)


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
    assert shown.stdout.strip() == "-c statement_timeout=5000 -c plan_cache_mode=force_custom_plan"
