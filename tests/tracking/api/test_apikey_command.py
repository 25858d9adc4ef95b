"""manage.py apikey create / list / revoke."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from tests.factories import BrandFactory, CampaignFactory
from tracking.models import ApiKey

pytestmark = pytest.mark.django_db

KEY_LINE = re.compile(r"phk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("apikey", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def demo(db):
    return BrandFactory(slug="demo")


def test_create_prints_the_key_alone_on_the_last_line_and_it_works(demo):
    # given
    campaign = CampaignFactory(brand=demo)

    # when
    out, err = run("create", "--brand", "demo", "--scopes", "reports:read,events:write")

    # then
    lines = out.strip().splitlines()
    assert len(lines) == 1  # stdout is the key alone, so $(...) captures just it
    combined = (err + out).strip().splitlines()
    raw = combined[-1]
    assert KEY_LINE.fullmatch(raw)
    key = ApiKey.objects.get()
    assert key.prefix in raw
    assert key.prefix in err
    assert raw not in err  # shown once
    assert sorted(key.scopes) == ["events:write", "reports:read"]
    assert [b.slug for b in key.brands.all()] == ["demo"]
    assert key.expires_at is None

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    response = client.get("/api/v1/campaigns/")
    assert response.status_code == 200
    assert [c["id"] for c in response.json()["results"]] == [campaign.pk]


def test_create_with_two_brands_a_name_and_an_expiry(demo):
    BrandFactory(slug="other")

    run(
        "create",
        "--brand",
        "demo",
        "--brand",
        "other",
        "--scopes",
        "entries:read",
        "--name",
        "Agency X",
        "--expires-in-days",
        "30",
    )

    key = ApiKey.objects.get()
    assert key.name == "Agency X"
    assert sorted(b.slug for b in key.brands.all()) == ["demo", "other"]
    assert key.expires_at is not None
    assert 29 <= (key.expires_at - key.created_at).days <= 30


def test_create_without_scopes_reads_campaigns_only(demo):
    out, _ = run("create", "--brand", "demo")
    key = ApiKey.objects.get()
    assert key.scopes == []
    assert KEY_LINE.fullmatch(out.strip())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--brand", "nope", "--scopes", "reports:read"], "Unknown brand(s): nope"),
        (["--brand", "demo", "--scopes", "reports:write"], "Unknown scope(s): reports:write"),
        (["--brand", "demo", "--expires-in-days", "0"], "--expires-in-days"),
        (["--brand", "demo", "--expires-in-days", "soon"], "--expires-in-days"),
    ],
)
def test_create_refuses_unknown_brands_and_scopes(demo, args, message):
    with pytest.raises(CommandError) as excinfo:
        run("create", *args)
    assert message in str(excinfo.value)
    assert ApiKey.objects.count() == 0


def test_the_unknown_scope_error_lists_the_known_ones(demo):
    with pytest.raises(CommandError, match="Known scopes: reports:read, events:write"):
        run("create", "--brand", "demo", "--scopes", "everything")


def test_list_shows_keys_without_secrets(demo, make_api_key):
    other = BrandFactory(slug="other")
    key, raw = make_api_key(brands=[demo], scopes=["reports:read"], name="Agency X")
    other_key, other_raw = make_api_key(brands=[other], name="Agency Y")

    out, _ = run("list")
    only_demo, _ = run("list", "--brand", "demo")

    header = out.splitlines()[0].split()
    assert header[:4] == ["PREFIX", "NAME", "BRANDS", "SCOPES"]
    assert "LAST" in header and "REVOKED" in header and "EXPIRES" in header
    assert key.prefix in out and other_key.prefix in out
    assert "Agency X" in out and "reports:read" in out
    assert raw.split("_", 2)[2] not in out and other_raw.split("_", 2)[2] not in out
    assert key.hashed_secret not in out
    assert key.prefix in only_demo and other_key.prefix not in only_demo


def test_list_of_an_unknown_brand_is_an_error(demo):
    with pytest.raises(CommandError, match="Unknown brand"):
        run("list", "--brand", "nope")


def test_list_without_keys(demo):
    assert run("list")[0].strip() == "No API keys."


def test_revoke_stops_the_key(demo, make_api_key):
    key, raw = make_api_key(brands=[demo])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/campaigns/").status_code == 200

    out, _ = run("revoke", key.prefix)
    again, _ = run("revoke", key.prefix)

    assert "Revoked" in out and key.prefix in out
    assert "already revoked" in again
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert client.get("/api/v1/campaigns/").status_code == 401
    listed, _ = run("list")
    assert listed.splitlines()[1].split()[-1] != "-"


def test_revoke_accepts_the_whole_key(demo, make_api_key):
    key, raw = make_api_key(brands=[demo])
    run("revoke", raw)
    key.refresh_from_db()
    assert key.revoked_at is not None


def test_revoke_of_an_unknown_prefix_is_an_error(demo):
    with pytest.raises(CommandError, match="No API key with prefix 'deadbeef'"):
        run("revoke", "deadbeef")
