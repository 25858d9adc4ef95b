"""Run modes, deployment checks and the set-up commands that `make run` calls."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django_q.models import Schedule

from config.schedules import SCHEDULES
from promotions.models import Brand, Campaign, Promotion
from shop.models import Product

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "config.settings.production",
    "SECRET_KEY": "p" * 20 + "-production-secret-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "promos.example.com",
    "DATABASE_URL": "sqlite:////tmp/promohub-deploy-check.sqlite3",
    "FIELD_ENCRYPTION_KEYS": "deploy-check-field-key",
}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    inherited = {
        "SECRET_KEY",
        "DEBUG",
        "DATABASE_URL",
        "REDIS_URL",
        "ALLOWED_HOSTS",
        "FIELD_ENCRYPTION_KEYS",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
    }
    clean = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_without_warnings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ({}, "None None"),  # HTTPS: the cookies reach a tab embedded on the brand's site
        ({"COOKIE_SAMESITE": "Lax"}, "Lax Lax"),  # first-party only, by choice
        ({"SESSION_COOKIE_SECURE": "false"}, "Lax Lax"),  # plain HTTP cannot say None
    ],
)
def test_production_cookies_are_cross_site_over_https_unless_told(extra, expected):
    result = manage(
        "shell",
        "-c",
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_SAMESITE)",
        env={**PRODUCTION_ENV, **extra},
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[-2] == expected


def test_production_settings_refuse_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_to_start_without_field_encryption_keys():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "FIELD_ENCRYPTION_KEYS"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "FIELD_ENCRYPTION_KEYS must be set" in result.stderr


def test_production_settings_refuse_to_start_without_allowed_hosts():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "ALLOWED_HOSTS"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_env_example_lists_every_variable_the_settings_read():
    settings_text = "".join(p.read_text() for p in (ROOT / "config" / "settings").glob("*.py"))
    read = set(re.findall(r'\benv(?:\.[a-z_]+)?\(\s*"([A-Z0-9_]+)"', settings_text))
    listed = set(re.findall(r"^#? ?([A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))

    assert len(read) > 50  # the pattern still finds the settings' reads
    assert read - listed == set()


@pytest.mark.django_db
def test_seed_demo_is_idempotent(capsys):
    call_command("seed_demo")
    call_command("seed_demo")

    assert Brand.objects.filter(slug="demo").count() == 1
    campaign = Campaign.objects.get(brand__slug="demo", slug="launch")
    assert sorted(campaign.promotions.values_list("slug", "kind")) == [
        ("coupon", "offer"),
        ("giveaway", "sweepstakes"),
        ("instant", "instant_win"),
        ("shorts", "contest"),
    ]
    assert Promotion.objects.live().filter(campaign=campaign).count() == 4
    out = capsys.readouterr().out
    assert (
        "Demo ready: /p/demo/launch/ (4 live promotions, 5 prizes, 200 codes, 3 contest films)"
        in out
    )
    # the shop's demo too, as PRODUCT.md says: a few products to buy
    assert "Shop ready: /shop/demo/" in out
    assert Product.objects.filter(brand__slug="demo", is_active=True).count() >= 3


@pytest.mark.django_db
def test_apply_schedules_matches_the_declared_list_idempotently():
    Schedule.objects.create(name="tracking.retired", func="tracking.tasks.gone", minutes=5)
    Schedule.objects.create(name="hand-made", func="math.floor", minutes=5)

    call_command("apply_schedules")
    call_command("apply_schedules")

    names = set(Schedule.objects.values_list("name", flat=True))
    assert names == {d.name for d in SCHEDULES} | {"hand-made"}
    for declared in SCHEDULES:
        schedule = Schedule.objects.get(name=declared.name)
        assert (schedule.func, schedule.minutes) == (declared.func, declared.minutes)


@pytest.mark.django_db
def test_ensure_admin_uses_the_environment_and_prints_the_login(
    monkeypatch, capsys, django_user_model
):
    monkeypatch.setenv("DJANGO_SUPERUSER_USERNAME", "boss")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "a-long-pass-phrase")

    call_command("ensure_admin")
    call_command("ensure_admin")

    user = django_user_model.objects.get(username="boss")
    assert user.is_superuser and user.check_password("a-long-pass-phrase")
    assert capsys.readouterr().out.count("Admin login: boss / a-long-pass-phrase") == 2


@pytest.mark.django_db
def test_declared_schedules_point_at_importable_functions():
    from django.utils.module_loading import import_string

    for declared in SCHEDULES:
        assert callable(import_string(declared.func)), declared.func


def test_production_settings_refuse_to_start_without_a_database_url():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "DATABASE_URL"}

    result = manage("check", env=env)

    assert result.returncode != 0
    assert "DATABASE_URL must be set" in result.stderr
