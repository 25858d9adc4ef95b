"""Connecting a Facebook Page from admin, through the fake Graph server over real HTTP:
the dialog, the state, the exchanges, the choice of Page, Instagram, the webhook
subscription, and what is (not) stored when something is wrong."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.core import signing
from django.db import connection
from django.test import Client

from promotions.facebook import client as facebook_client
from promotions.models import BrandMembership, ConnectedPage
from promotions.social import connections
from tests.factories import BrandFactory, BrandMembershipFactory
from tests.factories.promotions import ConnectedPageFactory
from tests.fakes import graph_pages
from tests.fakes.graph_server import server_error

pytestmark = pytest.mark.django_db

CONNECT = "/admin/promotions/connectedpage/connect/"
CHOOSE = "/admin/promotions/connectedpage/connect/choose/"
CHANGELIST = "/admin/promotions/connectedpage/"


@pytest.fixture
def brand():
    return BrandFactory(name="Alpha Brand", slug="alpha")


@pytest.fixture
def marketer(brand):
    membership = BrandMembershipFactory(brand=brand, role=BrandMembership.Role.MANAGER)
    browser = Client()
    browser.force_login(membership.user)
    browser.user = membership.user  # type: ignore[attr-defined]
    return browser


def start(browser: Client, brand) -> str:
    """The "Connect" button: Facebook's dialog URL."""
    started = browser.get(f"{CONNECT}?brand={brand.pk}")
    assert started.status_code == 302
    return started["Location"]


def consent(dialog_url: str) -> str:
    """The marketer consents on the (fake) dialog: the path + query Facebook sends them to."""
    answer = requests.get(dialog_url, allow_redirects=False, timeout=5)
    assert answer.status_code == 302
    back = urlsplit(answer.headers["Location"])
    assert back.netloc == "testserver"
    return f"{back.path}?{back.query}"


def connect(browser: Client, brand):
    return browser.get(consent(start(browser, brand)))


def test_the_dialog_asks_for_the_page_and_instagram_scopes_with_a_signed_state(
    marketer, brand, fake_pages, settings
):
    dialog = urlsplit(start(marketer, brand))
    query = parse_qs(dialog.query)

    assert f"{dialog.scheme}://{dialog.netloc}" == fake_pages.url
    assert dialog.path == "/v25.0/dialog/oauth"
    assert query["client_id"] == [settings.FACEBOOK_APP_ID]
    assert query["redirect_uri"] == [
        "http://testserver/admin/promotions/connectedpage/connect/callback/"
    ]
    assert query["scope"][0].split(",") == [
        "pages_show_list",
        "pages_read_engagement",
        "pages_read_user_content",
        "pages_manage_metadata",
        "pages_manage_engagement",
        "pages_messaging",
        "instagram_basic",
        "instagram_manage_comments",
    ]
    state = signing.loads(query["state"][0], salt=connections.STATE_SALT)
    assert (state["b"], state["u"]) == (brand.pk, marketer.user.pk)


def test_one_page_with_instagram_is_connected_encrypted_and_subscribed_once(
    marketer, brand, fake_pages
):
    # given
    graph_pages.marketer_add(fake_pages, user_id="9001")
    page_token = graph_pages.page_add(
        fake_pages, page_id="111", name="Alpha on Facebook", instagram=("17841400001", "alpha.ig")
    )

    # when
    response = connect(marketer, brand)

    # then
    assert response.status_code == 302 and response["Location"] == CHANGELIST
    page = ConnectedPage.objects.get()
    assert (page.brand, page.page_id, page.name) == (brand, "111", "Alpha on Facebook")
    assert (page.instagram_account_id, page.instagram_username) == ("17841400001", "alpha.ig")
    assert page.access_token == page_token
    assert page.connected_by == marketer.user and page.connected_facebook_user_id == "9001"
    assert page.scopes == sorted(graph_pages.ALL_SCOPES)
    assert page.token_status == "valid" and page.webhooks_subscribed_at is not None
    assert graph_pages.world(fake_pages)["subscriptions"] == {"111": [["feed"]]}
    [exchange] = fake_pages.calls("GET", "/oauth/access_token")[1:]
    assert exchange.params["grant_type"] == "fb_exchange_token"
    # the raw column holds ciphertext, not the token
    with connection.cursor() as cursor:
        cursor.execute("SELECT access_token FROM promotions_connectedpage")
        [(raw,)] = cursor.fetchall()
    assert page_token not in raw and raw.startswith("gAAAA")
    listed = marketer.get(CHANGELIST).content.decode()
    assert "Alpha on Facebook" in listed and "@alpha.ig" in listed
    assert page_token not in listed
    assert page_token not in marketer.get(f"{CHANGELIST}{page.pk}/change/").content.decode()


def test_a_page_without_instagram_is_connected_and_says_so(marketer, brand, fake_pages):
    graph_pages.marketer_add(fake_pages)
    graph_pages.page_add(fake_pages, page_id="222", name="No IG Page")

    response = connect(marketer, brand)

    page = ConnectedPage.objects.get()
    assert (page.instagram_account_id, page.instagram_username) == ("", "")
    notes = [str(m) for m in response.wsgi_request._messages]
    assert notes == [
        "Connected the Page “No IG Page” to Alpha Brand (no Instagram professional account "
        "is linked to it)."
    ]


def test_several_pages_ask_which_one_and_connect_only_the_chosen(marketer, brand, fake_pages):
    graph_pages.marketer_add(fake_pages)
    graph_pages.page_add(fake_pages, page_id="301", name="First Page")
    chosen_token = graph_pages.page_add(fake_pages, page_id="302", name="Second Page")

    response = connect(marketer, brand)

    assert response.status_code == 302 and response["Location"] == CHOOSE
    assert ConnectedPage.objects.count() == 0
    # the candidates wait in the session encrypted, tokens included
    sealed = marketer.session[connections.SESSION_PENDING]
    assert chosen_token not in sealed and "Second Page" not in sealed
    choice = marketer.get(CHOOSE).content.decode()
    assert "First Page" in choice and "Second Page" in choice and chosen_token not in choice

    refused = marketer.post(CHOOSE, {"page_id": "999"})
    assert refused.status_code == 200 and ConnectedPage.objects.count() == 0

    done = marketer.post(CHOOSE, {"page_id": "302"})
    again = marketer.post(CHOOSE, {"page_id": "301"})

    assert done.status_code == 302
    page = ConnectedPage.objects.get()
    assert (page.page_id, page.access_token) == ("302", chosen_token)
    assert again.status_code == 400  # the choice was used
    assert graph_pages.world(fake_pages)["subscriptions"] == {"302": [["feed"]]}


@pytest.mark.parametrize("change", ["tampered", "expired", "reused", "other_user", "missing"])
def test_a_bad_state_is_a_friendly_400_and_stores_nothing(
    change, marketer, brand, fake_pages, monkeypatch
):
    graph_pages.marketer_add(fake_pages)
    graph_pages.page_add(fake_pages, page_id="111", name="Alpha on Facebook")
    back = consent(start(marketer, brand))
    path, _, query = back.partition("?")
    params = {k: v[0] for k, v in parse_qs(query).items()}
    browser = marketer
    if change == "tampered":
        params["state"] = params["state"][:-2] + ("AA" if params["state"][-2:] != "AA" else "BB")
    elif change == "expired":
        monkeypatch.setattr(connections, "STATE_MAX_AGE", -1)
    elif change == "reused":
        first = marketer.get(path, params)
        assert first.status_code == 302
        ConnectedPage.objects.all().delete()
    elif change == "other_user":
        other = BrandMembershipFactory(brand=brand).user
        browser = Client()
        browser.force_login(other)
    else:
        params.pop("state")

    response = browser.get(path, params)

    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    assert ConnectedPage.objects.count() == 0


def test_a_graph_failure_is_an_admin_message_without_tokens(marketer, brand, fake_pages):
    graph_pages.marketer_add(fake_pages)
    graph_pages.page_add(fake_pages, page_id="111", name="Alpha on Facebook")
    fake_pages.fail_next("GET", "/me/accounts", server_error())

    response = connect(marketer, brand)

    assert response.status_code == 302 and response["Location"] == CHANGELIST
    [note] = [str(m) for m in response.wsgi_request._messages]
    assert note == "Facebook did not confirm the connection: An unexpected error has occurred."
    assert "token" not in note
    assert ConnectedPage.objects.count() == 0


def test_a_failed_webhook_subscription_keeps_the_page_and_says_so(marketer, brand, fake_pages):
    graph_pages.marketer_add(fake_pages)
    graph_pages.page_add(fake_pages, page_id="111", name="Alpha on Facebook")
    fake_pages.fail_next("POST", r"/111/subscribed_apps", server_error())

    response = connect(marketer, brand)

    page = ConnectedPage.objects.get()
    assert page.webhooks_subscribed_at is None
    notes = [str(m) for m in response.wsgi_request._messages]
    assert any("subscribing to its comments in real time failed" in n for n in notes)


def test_cancelled_on_facebook_stores_nothing(marketer, brand, fake_pages):
    graph_pages.world(fake_pages)["dialog_error"] = "access_denied"

    response = connect(marketer, brand)

    assert response.status_code == 302
    assert [str(m) for m in response.wsgi_request._messages] == [
        "Connecting the Page was cancelled on Facebook."
    ]
    assert ConnectedPage.objects.count() == 0


def test_reconnecting_renews_the_token_and_the_status(marketer, brand, fake_pages):
    old = ConnectedPageFactory(
        brand=brand, page_id="111", token_status=ConnectedPage.TokenStatus.EXPIRED
    )
    graph_pages.marketer_add(fake_pages)
    token = graph_pages.page_add(fake_pages, page_id="111", name="Alpha on Facebook")

    connect(marketer, brand)

    page = ConnectedPage.objects.get()
    assert page.pk == old.pk
    assert (page.token_status, page.access_token, page.token_alerted_at) == ("valid", token, None)


def test_a_page_of_another_brand_is_refused(marketer, brand, fake_pages):
    ConnectedPageFactory(page_id="111", access_token="bravo-token")
    graph_pages.marketer_add(fake_pages)
    graph_pages.page_add(fake_pages, page_id="111", name="Alpha on Facebook")

    response = connect(marketer, brand)

    assert [str(m) for m in response.wsgi_request._messages] == [
        "The Page “Alpha on Facebook” is connected to another brand already."
    ]
    assert ConnectedPage.objects.get().access_token == "bravo-token"


def test_the_sdk_calls_go_to_the_configured_graph_url(fake_pages):
    graph_pages.marketer_add(fake_pages, code="sdk-code")

    token, _ = facebook_client.oauth_exchange_code(code="sdk-code", redirect_uri="https://x/")

    assert token == "short-user-token-9001"
    assert len(fake_pages.calls("GET", "/oauth/access_token")) == 1


def test_an_unreadable_instagram_account_still_connects_the_page_and_says_why(
    marketer, brand, fake_pages
):
    graph_pages.marketer_add(fake_pages)
    graph_pages.page_add(fake_pages, page_id="111", name="Alpha on Facebook")
    fake_pages.fail_next("GET", "/111", server_error())

    response = connect(marketer, brand)

    page = ConnectedPage.objects.get()
    assert page.instagram_account_id == "" and page.webhooks_subscribed_at is not None
    notes = [str(m) for m in response.wsgi_request._messages]
    assert (
        "Facebook did not tell us the Page's Instagram account (An unexpected error has "
        "occurred.): Instagram media cannot be used until the Page is connected again."
    ) in notes


def test_the_brand_page_offers_its_managers_to_connect_a_page(marketer, brand):
    analyst = Client()
    analyst.force_login(BrandMembershipFactory(brand=brand, role="analyst").user)

    for_manager = marketer.get(f"/admin/promotions/brand/{brand.pk}/change/").content.decode()
    for_analyst = analyst.get(f"/admin/promotions/brand/{brand.pk}/change/").content.decode()

    assert f'href="{CONNECT}?brand={brand.pk}"' in for_manager
    assert "Connect a Facebook Page" not in for_analyst


@pytest.mark.django_db(transaction=True)
def test_no_graph_call_runs_inside_a_transaction(fake_pages, monkeypatch):
    # given: every HTTP request notes whether a transaction was open at the time
    brand = BrandFactory()
    user = BrandMembershipFactory(brand=brand).user
    browser = Client()
    browser.force_login(user)
    graph_pages.marketer_add(fake_pages)
    graph_pages.page_add(fake_pages, page_id="301", name="First", instagram=("1784", "first"))
    graph_pages.page_add(fake_pages, page_id="302", name="Second")
    in_transaction: list[bool] = []
    send = requests.Session.send

    def noting(self, request, **kwargs):
        in_transaction.append(connection.in_atomic_block)
        return send(self, request, **kwargs)

    monkeypatch.setattr(requests.Session, "send", noting)

    # when: connecting (a choice between two), checking the token, listing posts
    browser.get(consent(start(browser, brand)))
    browser.post(CHOOSE, {"page_id": "301"})
    page = ConnectedPage.objects.get()
    connections.connected_page_token_check(connected_page_id=page.pk)
    browser.get(f"{CHANGELIST}{page.pk}/posts/")

    # then
    assert len(in_transaction) >= 8  # dialog, 2 exchanges, debug, accounts, IG, subscribe, ...
    assert not any(in_transaction)


def test_a_login_for_business_configuration_replaces_the_scopes(marketer, brand, settings):
    settings.FACEBOOK_LOGIN_CONFIG_ID = "987654321"

    query = parse_qs(urlsplit(start(marketer, brand)).query)

    assert query["config_id"] == ["987654321"] and query["response_type"] == ["code"]
    assert "scope" not in query


def test_a_graph_error_that_echoes_the_token_is_blanked_in_messages_and_logs(
    marketer, brand, fake_pages, caplog
):
    from tests.fakes.graph_server import GraphFault

    graph_pages.marketer_add(fake_pages)
    graph_pages.page_add(fake_pages, page_id="111", name="Alpha on Facebook")
    fake_pages.fail_next(
        "GET",
        "/me/accounts",
        GraphFault(190, "Malformed access token long-user-token-9001 for app"),
    )
    caplog.set_level("DEBUG")

    response = connect(marketer, brand)

    [note] = [str(m) for m in response.wsgi_request._messages]
    assert note == "Facebook did not confirm the connection: Malformed access token [token] for app"
    assert "long-user-token-9001" not in caplog.text
    assert "short-user-token-9001" not in caplog.text
    assert "test-facebook-app-secret" not in caplog.text
