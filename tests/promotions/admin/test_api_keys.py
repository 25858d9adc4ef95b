"""Partner keys in admin: created through the service, shown once, stored hashed, revocable."""

from __future__ import annotations

import re
from datetime import UTC, timedelta

import pytest
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from tests.promotions.admin.conftest import admin_url
from tests.promotions.admin.forms import api_key_form, split_datetime
from tracking.api.authentication import ApiKeyAuthentication
from tracking.models import ApiKey
from tracking.selectors import api_key_get_by_token
from tracking.services import api_key_hash

pytestmark = pytest.mark.django_db

KEY_RE = re.compile(r"phk_[0-9a-f]{8}_[A-Za-z0-9_-]{43}")


def bearer_authenticate(raw_key: str):
    request = APIRequestFactory().get("/api/v1/", HTTP_AUTHORIZATION=f"Bearer {raw_key}")
    return ApiKeyAuthentication().authenticate(Request(request))


def test_creating_a_key_shows_it_once_and_it_authenticates(
    as_manager, manager, alpha, bravo, api_client
):
    # when
    response = as_manager.post("/admin/tracking/apikey/add/", api_key_form([alpha.brand]))

    # then: the response itself carries the key, in a success message
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    body = response.content.decode()
    raw_keys = KEY_RE.findall(body)
    assert len(raw_keys) == 1
    raw = raw_keys[0]
    messages = [(m.level_tag, str(m)) for m in response.context["messages"]]
    assert len(messages) == 1 and messages[0][0] == "success" and raw in messages[0][1]

    key = ApiKey.objects.get(name="Agency X")
    assert key.prefix == raw.split("_")[1]
    assert key.hashed_secret == api_key_hash(raw.split("_", 2)[2])
    assert list(key.brands.all()) == [alpha.brand]
    assert key.scopes == ["events:write", "reports:read"]
    assert key.created_by == manager

    # and it works as a partner's bearer token, on the partner API
    assert api_key_get_by_token(raw) == key
    _, authenticated = bearer_authenticate(raw)
    assert authenticated == key
    api = api_client.get("/api/v1/campaigns/", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert api.status_code == 200
    assert [c["id"] for c in api.json()["results"]] == [alpha.campaign.pk]

    # and it is never shown again, nor its hash, nor kept in the message storage
    for url in ["/admin/tracking/apikey/", admin_url(key), "/admin/"]:
        page = as_manager.get(url).content.decode()
        assert raw not in page and raw.split("_", 2)[2] not in page
        assert key.hashed_secret not in page
    assert not any(raw in value.value for value in as_manager.cookies.values())


def test_change_form_never_shows_the_hash(as_manager, alpha):
    response = as_manager.get(admin_url(alpha.key))

    form = response.context["adminform"].form
    assert sorted(form.fields) == ["brands", "expires_at", "name", "scopes"]
    assert alpha.key.hashed_secret not in response.content.decode()
    assert alpha.key.prefix in response.content.decode()


def test_key_list_shows_prefix_name_brands_scopes_and_dates(as_manager, alpha):
    response = as_manager.get("/admin/tracking/apikey/")

    assert response.context["cl"].list_display == [
        "action_checkbox",
        "prefix",
        "name",
        "state",
        "brand_list",
        "scope_list",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    body = response.content.decode()
    assert alpha.key.prefix in body and "Alpha Agency" in body and "reports:read" in body


def test_scopes_are_checkboxes_of_the_known_scopes(as_manager):
    response = as_manager.get("/admin/tracking/apikey/add/")

    field = response.context["adminform"].form.fields["scopes"]
    assert [value for value, _ in field.choices] == [
        "reports:read",
        "events:write",
        "entries:read",
        "entries:pii",
        "webhooks:read",
        "webhooks:write",
    ]
    assert 'type="checkbox" name="scopes" value="entries:pii"' in response.content.decode()


def test_unknown_scope_and_past_expiry_are_form_errors(as_manager, alpha):
    before = ApiKey.objects.count()
    data = api_key_form(
        [alpha.brand],
        scopes=["reports:read", "admin:all"],
        **split_datetime("expires_at", timezone.now() - timedelta(days=1), UTC),
    )

    response = as_manager.post("/admin/tracking/apikey/add/", data)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "scopes": ["Select a valid choice. admin:all is not one of the available choices."],
        "expires_at": ["The expiry must lie in the future."],
    }
    assert ApiKey.objects.count() == before


def test_a_key_needs_a_brand(as_manager):
    response = as_manager.post("/admin/tracking/apikey/add/", api_key_form([]))

    assert response.context["adminform"].form.errors == {"brands": ["This field is required."]}


def test_revoke_action_revokes_through_the_service(as_manager, alpha):
    response = as_manager.post(
        "/admin/tracking/apikey/",
        {"action": "revoke_keys", "_selected_action": [alpha.key.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert [str(m) for m in response.context["messages"]] == ["Revoked 1 key."]
    alpha.key.refresh_from_db()
    assert alpha.key.revoked_at is not None
    assert changelist_state(as_manager, "revoked") == {alpha.key.pk}
    assert changelist_state(as_manager, "active") == set()


def changelist_state(client, state: str) -> set[int]:
    response = client.get(f"/admin/tracking/apikey/?state={state}")
    return {key.pk for key in response.context["cl"].queryset}


def test_revoke_cannot_reach_another_brands_key(as_manager, alpha, bravo):
    response = as_manager.post(
        "/admin/tracking/apikey/",
        {"action": "revoke_keys", "_selected_action": [bravo.key.pk]},
    )

    # The selection is filtered through the scoped queryset: nothing selected, nothing done.
    assert response.status_code == 302
    bravo.key.refresh_from_db()
    assert bravo.key.revoked_at is None


def test_analyst_cannot_revoke(as_analyst, alpha):
    response = as_analyst.post(
        "/admin/tracking/apikey/",
        {"action": "revoke_keys", "_selected_action": [alpha.key.pk]},
    )

    assert response.status_code == 200  # no such action for them: the list again
    alpha.key.refresh_from_db()
    assert alpha.key.revoked_at is None


def test_editing_a_key_keeps_its_secret(as_manager, alpha):
    hashed = alpha.key.hashed_secret

    response = as_manager.post(
        admin_url(alpha.key),
        api_key_form([alpha.brand], name="Alpha Agency (renamed)", scopes=["entries:read"]),
    )

    assert response.status_code == 302
    alpha.key.refresh_from_db()
    assert (alpha.key.name, alpha.key.scopes, alpha.key.hashed_secret) == (
        "Alpha Agency (renamed)",
        ["entries:read"],
        hashed,
    )


def test_a_change_action_checks_every_selected_object(client, manager, alpha, bravo):
    # given: a manager of Alpha who only reads Bravo
    from promotions.models import BrandMembership

    BrandMembership.objects.create(
        brand=bravo.brand, user=manager, role=BrandMembership.Role.ANALYST
    )
    client.force_login(manager)

    # when: they select both brands' keys for a change action
    response = client.post(
        "/admin/tracking/apikey/",
        {"action": "revoke_keys", "_selected_action": [alpha.key.pk, bravo.key.pk]},
    )

    # then: refused as a whole, nothing revoked
    assert response.status_code == 403
    alpha.key.refresh_from_db()
    bravo.key.refresh_from_db()
    assert alpha.key.revoked_at is None and bravo.key.revoked_at is None
