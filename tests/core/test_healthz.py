import json

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_each_dependency(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["queue"] == "ok"
    assert body["cache"] == "ok"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_is_503_and_names_what_is_down(client):
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    with override_settings(CACHES=unreachable):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json()["cache"] == "down"
    assert response.json()["status"] == "degraded"


def test_unknown_api_path_is_a_json_404(client):
    response = client.get("/api/v1/does-not-exist/")

    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Nothing lives at this address.", "fields": {}}
    }


@pytest.mark.parametrize(
    ("outage", "down"),
    [
        ({"DATABASE_URL": "postgres://postgres@127.0.0.1:1/nothing"}, {"database", "queue"}),
        ({"REDIS_URL": "redis://127.0.0.1:1/0"}, {"queue", "cache"}),
    ],
)
def test_healthz_is_503_when_the_database_or_redis_is_unreachable(outage, down):
    # A process of its own, configured at start as a deployment is, for its dependency to be
    # really unreachable (with the ORM broker the queue lives in the database).
    from tests.core.test_settings_and_commands import manage

    script = (
        "from django.test.utils import setup_test_environment; setup_test_environment(); "
        "from django.test import Client; r = Client().get('/healthz'); "
        "print(r.status_code, r.content.decode())"
    )
    env = {"DJANGO_SETTINGS_MODULE": "config.settings.local", "REDIS_URL": "", **outage}

    result = manage("shell", "-c", script, env=env)

    assert result.returncode == 0, result.stderr
    status, _, body = result.stdout.strip().splitlines()[-1].partition(" ")
    answer = json.loads(body)
    assert status == "503" and answer["status"] == "degraded"
    assert {name for name in ("database", "queue", "cache") if answer[name] == "down"} == down
