"""A connected Page's token: encrypted at rest and rotatable, checked on a schedule (valid,
expired, revoked; one alert per incident), wiped when its marketer removes the app."""

from __future__ import annotations

import logging
import time

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client

from promotions.facebook.client import signed_request_make
from promotions.models import BrandMembership, ConnectedPage
from promotions.social import connections, tasks_tokens
from tests.factories import BrandFactory, BrandMembershipFactory, StaffUserFactory
from tests.factories.promotions import ConnectedPageFactory
from tests.fakes import graph_pages
from tests.fakes.graph_server import server_error

pytestmark = pytest.mark.django_db


def raw_token(page: ConnectedPage) -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM promotions_connectedpage WHERE id = %s", [page.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def brand():
    brand = BrandFactory(name="Alpha Brand")
    BrandMembershipFactory(
        brand=brand,
        role=BrandMembership.Role.MANAGER,
        user=StaffUserFactory(email="manager@alpha.example"),
    )
    BrandMembershipFactory(brand=brand, role=BrandMembership.Role.ANALYST)
    return brand


@pytest.fixture
def page(brand, fake_pages):
    graph_pages.marketer_add(fake_pages, user_id="9001")
    token = graph_pages.page_add(fake_pages, page_id="111", name="Alpha on Facebook")
    return ConnectedPageFactory(
        brand=brand,
        page_id="111",
        name="Alpha on Facebook",
        access_token=token,
        connected_facebook_user_id="9001",
        webhooks_subscribed_at="2026-11-30T10:00:00Z",
    )


# --- at rest -------------------------------------------------------------------------------


def _use_keys(settings, keys: list[str]) -> None:
    """Set FIELD_ENCRYPTION_KEYS for this process (the field caches its derived keys)."""
    settings.SALT_KEY = keys
    field = ConnectedPage._meta.get_field("access_token")
    for cached in ("keys", "f"):
        field.__dict__.pop(cached, None)


@pytest.fixture
def restore_keys(settings):
    original = list(settings.SALT_KEY)
    yield
    _use_keys(settings, original)


def test_the_token_is_stored_encrypted(brand):
    page = ConnectedPageFactory(brand=brand, access_token="EAAB-very-secret-page-token")

    raw = raw_token(page)

    assert "very-secret" not in raw and raw.startswith("gAAAA")
    assert ConnectedPage.objects.get(pk=page.pk).access_token == "EAAB-very-secret-page-token"


def test_rotation_reencrypts_with_the_newest_key_and_the_old_key_can_go(
    brand, settings, restore_keys
):
    # given a token under the old key
    _use_keys(settings, ["old-key"])
    page = ConnectedPageFactory(brand=brand, access_token="EAAB-rotating-token")
    before = raw_token(page)

    # when the new key goes first, the old one still decrypts
    _use_keys(settings, ["new-key", "old-key"])
    assert ConnectedPage.objects.get(pk=page.pk).access_token == "EAAB-rotating-token"

    # and the command re-encrypts with the new one
    out = call_command_output("social_tokens_reencrypt")
    after = raw_token(page)

    # then only the new key is needed
    assert out == "Re-encrypted 1 Page token(s) with the newest key.\n"
    assert after != before and "rotating" not in after
    _use_keys(settings, ["new-key"])
    assert ConnectedPage.objects.get(pk=page.pk).access_token == "EAAB-rotating-token"
    _use_keys(settings, ["old-key"])
    assert ConnectedPage.objects.get(pk=page.pk).access_token != "EAAB-rotating-token"


def test_rotation_without_the_old_key_refuses_and_keeps_the_ciphertext(
    brand, settings, restore_keys
):
    _use_keys(settings, ["old-key"])
    page = ConnectedPageFactory(brand=brand, access_token="EAAB-kept-token")
    before = raw_token(page)
    _use_keys(settings, ["new-key"])

    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("social_tokens_reencrypt")

    assert raw_token(page) == before
    _use_keys(settings, ["old-key"])
    assert ConnectedPage.objects.get(pk=page.pk).access_token == "EAAB-kept-token"


def call_command_output(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- the check -----------------------------------------------------------------------------


def test_a_valid_token_stays_valid_and_its_scopes_are_read(page, fake_pages):
    status = connections.connected_page_token_check(connected_page_id=page.pk)

    page.refresh_from_db()
    assert status == "valid" and page.token_status == "valid"
    assert page.scopes == sorted(graph_pages.ALL_SCOPES) and page.token_error == ""
    assert page.token_checked_at is not None
    [call] = fake_pages.calls("GET", "/debug_token")
    assert call.access_token == "1234567890|test-facebook-app-secret"
    assert mail.outbox == []


def test_an_expired_token_flips_the_status_and_alerts_the_managers_once(page, fake_pages):
    graph_pages.token_invalidate(fake_pages, page.access_token, subcode=463)

    first = tasks_tokens.connected_pages_token_check()
    second = tasks_tokens.connected_pages_token_check()

    page.refresh_from_db()
    assert first == {"expired": 1} and second == {"expired": 1}
    assert page.token_status == "expired"
    assert page.token_error == "Error validating access token: Session has expired."
    [alert] = mail.outbox
    assert alert.to == ["manager@alpha.example"]
    assert alert.subject == "Alert: Facebook Page “Alpha on Facebook” disconnected"
    assert "no longer works (expired: Error validating" in alert.body
    assert page.access_token not in alert.body


def test_the_token_alert_is_in_the_brands_language(brand, page, fake_pages):
    type(brand).objects.filter(pk=brand.pk).update(language="de")
    graph_pages.token_invalidate(fake_pages, page.access_token, subcode=463)

    tasks_tokens.connected_pages_token_check()

    [alert] = mail.outbox
    assert alert.subject == "Alarm: Facebook-Seite „Alpha on Facebook“ getrennt"
    assert "funktioniert nicht mehr (expired: Error validating" in alert.body


def test_a_revoked_token_is_revoked_and_a_reconnect_then_a_new_incident_alerts_again(
    page, fake_pages
):
    graph_pages.token_invalidate(fake_pages, page.access_token, subcode=458)

    assert connections.connected_page_token_check(connected_page_id=page.pk) == "revoked"
    assert len(mail.outbox) == 1

    # Facebook says valid again (a reconnect gives a new token): the incident is over
    fake_pages.state["pages_world"]["invalid"].clear()
    assert connections.connected_page_token_check(connected_page_id=page.pk) == "valid"
    page.refresh_from_db()
    assert (page.token_status, page.token_alerted_at) == ("valid", None)

    graph_pages.token_invalidate(fake_pages, page.access_token, subcode=460)
    assert connections.connected_page_token_check(connected_page_id=page.pk) == "revoked"
    assert len(mail.outbox) == 2


def test_missing_scopes_are_said(brand, fake_pages):
    graph_pages.marketer_add(fake_pages, user_id="9002", scopes=("pages_show_list",))
    token = graph_pages.page_add(fake_pages, user_id="9002", page_id="333", name="Thin")
    page = ConnectedPageFactory(brand=brand, page_id="333", access_token=token)

    connections.connected_page_token_check(connected_page_id=page.pk)

    page.refresh_from_db()
    assert page.token_status == "valid"
    assert page.token_error.startswith("Permissions not granted: instagram_basic, ")
    assert connections.connected_page_missing_scopes(connected_page=page)[0] == "instagram_basic"


def test_facebook_unreachable_changes_nothing_and_logs_no_token(page, fake_pages, caplog):
    fake_pages.fail_next("GET", "/debug_token", server_error())
    caplog.set_level(logging.DEBUG)

    status = connections.connected_page_token_check(connected_page_id=page.pk)

    page.refresh_from_db()
    assert status == "unknown" and page.token_status == "valid"
    assert mail.outbox == []
    assert "token check of Page" in caplog.text
    assert page.access_token not in caplog.text
    assert "test-facebook-app-secret" not in caplog.text


def test_a_failed_webhook_subscription_is_tried_again_by_the_check(page, fake_pages):
    ConnectedPage.objects.filter(pk=page.pk).update(webhooks_subscribed_at=None)

    connections.connected_page_token_check(connected_page_id=page.pk)

    page.refresh_from_db()
    assert page.webhooks_subscribed_at is not None
    assert graph_pages.world(fake_pages)["subscriptions"] == {"111": [["feed"]]}


def test_check_now_queues_the_check_and_the_list_shows_the_red_status(
    page, fake_pages, brand, django_capture_on_commit_callbacks
):
    manager = BrandMembership.objects.get(brand=brand, role="manager").user
    browser = Client()
    browser.force_login(manager)
    graph_pages.token_invalidate(fake_pages, page.access_token, subcode=463)

    with django_capture_on_commit_callbacks(execute=False) as queued:
        response = browser.post(
            "/admin/promotions/connectedpage/",
            {"action": "check_now", "_selected_action": [page.pk]},
            follow=True,
        )
    assert len(queued) == 1 and fake_pages.calls("GET", "/debug_token") == []
    assert "will be checked in a moment" in response.content.decode()
    queued[0]()  # the worker runs it (the test cluster runs a queued task at once)
    response = browser.get("/admin/promotions/connectedpage/")

    page.refresh_from_db()
    assert page.token_status == "expired"
    text = response.content.decode()
    assert "1 Page needs connecting again (its token no longer works): Alpha on Facebook." in text
    assert 'ph-badge--ended">Expired<' in text
    valid = browser.get("/admin/promotions/connectedpage/?token_status__exact=valid")
    expired = browser.get("/admin/promotions/connectedpage/?token_status__exact=expired")
    assert valid.context["cl"].result_count == 0
    assert list(expired.context["cl"].result_list) == [page]


# --- deauthorize ---------------------------------------------------------------------------


def test_deauthorize_wipes_the_tokens_of_the_pages_that_user_connected(page, brand):
    other = ConnectedPageFactory(brand=brand, connected_facebook_user_id="7777")

    response = Client().post(
        "/facebook/deauthorize/",
        {"signed_request": signed_request_make({"issued_at": int(time.time()), "user_id": "9001"})},
    )

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "forgotten": 0, "pages": 1}
    page.refresh_from_db()
    assert raw_token(page) is None and page.access_token is None
    assert page.token_status == "revoked"
    assert page.token_error == "The person who connected the Page removed the app on Facebook."
    assert len(mail.outbox) == 1
    other.refresh_from_db()
    assert other.access_token and other.token_status == "valid"
    # a wiped Page is not checked any more
    assert sum(connections.connected_pages_token_check().values()) == 1
