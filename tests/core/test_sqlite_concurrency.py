"""The embedded default under concurrent writers: several processes (as granian workers
and the django-q cluster are) write to one SQLite file at once, and none fails with
"database is locked" (WAL + busy timeout + IMMEDIATE transactions)."""

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

WRITER = textwrap.dedent(
    """
    import sys
    import django
    django.setup()
    from datetime import timedelta
    from django.db import transaction
    from django.utils import timezone
    from django_q.brokers import get_broker
    from promotions.models import Brand, Campaign

    worker = int(sys.argv[1])
    brand = Brand.objects.get(slug="demo")
    broker = get_broker()
    now = timezone.now()
    for i in range(60):
        with transaction.atomic():
            # read, then write: the pattern that fails at once in DEFERRED transactions
            Campaign.objects.filter(brand=brand).count()
            Campaign.objects.create(
                brand=brand, slug=f"w{worker}-{i}", name="c", starts_at=now,
                ends_at=now + timedelta(days=1),
            )
            brand.save(update_fields=["updated_at"])
        broker.enqueue(f"payload-{worker}-{i}")
    print("ok")
    """
)


@pytest.mark.skipif(settings.USING_POSTGRES, reason="exercises the SQLite embedded default")
def test_concurrent_writers_on_sqlite_all_succeed(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "SQLITE_PATH": str(tmp_path / "db.sqlite3"),
    }
    for command in (["migrate", "-v0"], ["seed_demo"]):
        subprocess.run(
            [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, timeout=120
        )

    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(n)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(4)
    ]
    results = [w.communicate(timeout=300) for w in writers]

    for (out, err), writer in zip(results, writers, strict=True):
        assert writer.returncode == 0, err
        assert out.strip() == "ok"
    count = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "-v0",
            "-c",
            "from promotions.models import Campaign; from django_q.models import OrmQ;"
            "print(Campaign.objects.filter(slug__startswith='w').count(), OrmQ.objects.count())",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert count.stdout.split() == ["240", "240"]
