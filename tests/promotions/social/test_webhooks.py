"""``/facebook/webhooks/``: the handshake, signatures, storing once, entries in the
background (django-q runs tasks synchronously in tests), and fuzzed bodies."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from promotions.entries.models import Entry
from promotions.social.models import SocialComment, WebhookDelivery
from promotions.social.webhooks import social_webhook_process
from tests.factories.promotions import SocialSourceFactory
from tests.fakes import graph_comments
from tests.promotions.social.conftest import PAGE_ID, POST_ID, giveaway

pytestmark = pytest.mark.django_db

URL = "/facebook/webhooks/"


def _post(client, body, *, secret=None, headers=None):
    raw, signed = graph_comments.webhook_delivery(
        body, app_secret=secret or settings.FACEBOOK_APP_SECRET
    )
    return client.post(
        URL, data=raw, content_type="application/json", **(signed if headers is None else headers)
    )


def test_the_handshake_echoes_the_challenge(client):
    response = client.get(
        URL,
        {
            "hub.mode": "subscribe",
            "hub.verify_token": settings.FACEBOOK_WEBHOOK_VERIFY_TOKEN,
            "hub.challenge": "1158201444",
        },
    )

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {
            "hub.mode": "unsubscribe",
            "hub.verify_token": "test-webhook-verify-token",
            "hub.challenge": "1",
        },
        {"hub.mode": "subscribe", "hub.challenge": "1"},
    ],
)
def test_a_wrong_handshake_is_403(client, query):
    assert client.get(URL, query).status_code == 403


def test_no_verify_token_configured_refuses_every_handshake(client, settings):
    settings.FACEBOOK_WEBHOOK_VERIFY_TOKEN = ""
    assert (
        client.get(
            URL, {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
        ).status_code
        == 403
    )


def _change(**kw):
    at = kw.pop("at", timezone.now() - timedelta(minutes=1))
    return graph_comments.feed_change(page_id=PAGE_ID, post_id=POST_ID, at=at, **kw)


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + "0" * 64},
        {"HTTP_X_HUB_SIGNATURE_256": "sha1=abc"},
    ],
    ids=["missing", "wrong", "other-algorithm"],
)
def test_a_bad_signature_is_403_and_changes_nothing(
    client, headers, django_capture_on_commit_callbacks
):
    _promotion, _ = giveaway()
    body = _change(comment_id=f"{POST_ID.split('_')[1]}_1", author="91", message="me")

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, body, headers=headers)

    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()
    assert not SocialComment.objects.exists() and not Entry.objects.exists()


def test_signed_with_another_secret_is_403(client):
    response = _post(client, {"object": "page", "entry": []}, secret="not-the-app-secret")
    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize("raw", [b"{not json", b"[]", b'{"object": "page"}', b"\xff\xfe", b'"x"'])
def test_a_malformed_body_is_400(client, raw):
    response = _post(client, raw)
    assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_a_valid_comment_delivery_becomes_an_entry_once(client, django_capture_on_commit_callbacks):
    promotion, _source = giveaway(keyword="win")
    comment_id = f"{POST_ID.split('_')[1]}_42"
    body = _change(comment_id=comment_id, author="4242", message="I want to WIN")

    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, body)
    with django_capture_on_commit_callbacks(execute=True):
        repeat = _post(client, body)

    assert response.status_code == 200 and repeat.status_code == 200
    assert WebhookDelivery.objects.count() == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.processed_at is not None and delivery.outcome["entries"] == 1
    comment = SocialComment.objects.get()
    assert (comment.comment_id, comment.status, comment.author_id) == (
        comment_id,
        "entered",
        "4242",
    )
    assert Entry.objects.filter(promotion=promotion, status="valid").count() == 1

    # the same comment read again by the import, and an edit without the keyword, then removal
    social_webhook_process(delivery_id=delivery.pk)
    assert SocialComment.objects.count() == 1 and Entry.objects.count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _change(comment_id=comment_id, author="4242", message="meh", verb="edited"))
    comment.refresh_from_db()
    assert (comment.status, comment.reason) == ("excluded", "no_keyword")
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, _change(comment_id=comment_id, author="4242", verb="remove"))
    comment.refresh_from_db()
    assert (comment.reason, Entry.objects.get().status) == ("deleted", "excluded")


@pytest.mark.parametrize(
    ("account", "entered"),
    [("17841400000000001", True), ("17841499999999999", False)],
    ids=["the-pages-own-account", "another-business-account"],
)
def test_an_instagram_comment_delivery_enters_only_from_the_sources_own_account(
    client, django_capture_on_commit_callbacks, account, entered
):
    # given: the source names a media id; the Page's Instagram account is 17841400000000001
    promotion, source = giveaway()
    source.platform, source.object_id = "instagram", "17900000000000077"
    source.save()
    assert source.page.instagram_account_id == "17841400000000001"
    body = graph_comments.instagram_change(
        account_id=account,
        media_id="17900000000000077",
        comment_id="17800000000000123",
        author="3131",
        username="fan",
        text="love it",
    )

    # when: a comment on that media arrives, from the Page's account or from another
    # business's (a source naming its media gets none of its comments)
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, body).status_code == 200

    # then
    entries = Entry.objects.filter(promotion=promotion)
    if entered:
        assert SocialComment.objects.get().status == "entered"
        assert entries.get().source == "instagram"
    else:
        assert not SocialComment.objects.exists() and not entries.exists()
        assert WebhookDelivery.objects.get().outcome["unknown_posts"] == 1


def test_another_brand_naming_the_media_first_neither_blocks_nor_receives_it(
    client, django_capture_on_commit_callbacks
):
    # given: another brand's source names our media on a Page of its own, before ours
    media = "17900000000000078"
    squatter = SocialSourceFactory(
        platform="instagram",
        object_id=media,
        page__page_id="987654321",
        page__instagram_account_id="17841499999999999",
    )
    promotion, source = giveaway()
    source.platform, source.object_id = "instagram", media
    source.save()  # ours is still accepted: a media is unique per Page, not across Pages
    body = graph_comments.instagram_change(
        account_id="17841400000000001",  # our Page's account, whose media it is
        media_id=media,
        comment_id="17800000000000124",
        author="3132",
        username="fan2",
        text="mine",
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, body).status_code == 200

    assert Entry.objects.get().promotion_id == promotion.pk
    assert not Entry.objects.filter(promotion=squatter.promotion).exists()
    assert SocialComment.objects.get().source_id == source.pk


def test_a_delivery_for_an_unknown_post_is_kept_and_ignored(
    client, django_capture_on_commit_callbacks
):
    giveaway()
    body = graph_comments.feed_change(
        page_id=PAGE_ID, post_id="1_2", comment_id="2_3", author="1", message="x"
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _post(client, body).status_code == 200
    assert WebhookDelivery.objects.get().outcome["unknown_posts"] == 1
    assert not SocialComment.objects.exists()


json_leaf = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
    st.sampled_from(
        [POST_ID, f"{POST_ID.split('_')[1]}_5", "add", "edited", "remove", "comment", "reaction"]
    ),
)
json_values = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
value_keys = st.sampled_from(
    [
        "item",
        "verb",
        "post_id",
        "comment_id",
        "from",
        "message",
        "created_time",
        "id",
        "text",
        "media",
        "parent_id",
        "reaction_type",
    ]
)
deliveries = st.one_of(
    json_values,
    st.fixed_dictionaries(
        {
            "object": st.sampled_from(["page", "instagram", "user"]) | json_leaf,
            "entry": st.lists(
                st.fixed_dictionaries(
                    {
                        "id": json_leaf,
                        "time": json_leaf,
                        "changes": st.lists(
                            st.fixed_dictionaries(
                                {
                                    "field": st.sampled_from(["feed", "comments", "mention"])
                                    | json_leaf,
                                    "value": st.dictionaries(
                                        value_keys,
                                        json_values | st.fixed_dictionaries({"id": json_leaf}),
                                        max_size=8,
                                    ),
                                }
                            )
                            | json_values,
                            max_size=3,
                        ),
                    }
                )
                | json_values,
                max_size=3,
            ),
        }
    ),
)


@hsettings(
    max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(body=deliveries, signed=st.booleans())
def test_fuzzed_deliveries_never_5xx(client, body, signed):
    giveaway_once()
    raw = json.dumps(body).encode()
    headers = None if signed else {"HTTP_X_HUB_SIGNATURE_256": "sha256=" + "a" * 64}

    response = _post(client, raw, headers=headers)

    assert response.status_code in (200, 400, 403)
    for delivery in WebhookDelivery.objects.filter(processed_at__isnull=True):
        social_webhook_process(delivery_id=delivery.pk)  # the worker's part: never raises


@hsettings(
    max_examples=100, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None
)
@given(raw=st.binary(max_size=300))
def test_fuzzed_bytes_never_5xx(client, raw):
    assert _post(client, raw).status_code in (200, 400, 403)


def giveaway_once():
    from promotions.social.models import SocialSource

    if not SocialSource.objects.filter(object_id=POST_ID).exists():
        giveaway()
