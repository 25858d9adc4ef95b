"""Signed tokens: what they carry, and that a tampered or forged one is refused."""

import time
import uuid

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from tracking import tokens

IDS = {"promotion_id": 12, "campaign_id": 3, "brand_id": 1}


def test_promotion_token_round_trips_the_ids():
    token = tokens.promotion_token(**IDS)

    assert token.startswith("12.3.1.")
    assert len(token) == len("12.3.1.") + 16
    assert tokens.promotion_token_verify(token) == tokens.PromotionRef(12, 3, 1)


def test_click_token_round_trips_the_target():
    token = tokens.click_token(**IDS, target="https://shop.example.com/a?b=c&d=é")

    ref = tokens.click_token_verify(token)

    assert ref == tokens.ClickRef(12, 3, 1, "https://shop.example.com/a?b=c&d=é")


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace("12.", "13.", 1),  # another promotion
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # another signature
        lambda t: t + "x",
        lambda t: "",
        lambda t: t.rpartition(".")[0],  # no signature at all
    ],
)
def test_a_tampered_promotion_token_is_refused(tamper):
    assert tokens.promotion_token_verify(tamper(tokens.promotion_token(**IDS))) is None


def test_a_click_token_with_another_target_is_refused():
    good = tokens.click_token(**IDS, target="https://shop.example.com/")
    evil_target = tokens._b64("https://evil.example.net/")
    parts = good.split(".")
    forged = ".".join([*parts[:3], evil_target, parts[4]])

    assert tokens.click_token_verify(forged) is None


def test_kinds_are_not_interchangeable():
    impression = tokens.promotion_token(**IDS)
    click = tokens.click_token(**IDS, target="/p/demo/launch/")

    assert tokens.click_token_verify(impression) is None
    assert tokens.promotion_token_verify(click) is None


def test_a_token_signed_with_another_secret_is_refused():
    with override_settings(SECRET_KEY="another-secret-key-" + "x" * 40):
        foreign = tokens.promotion_token(**IDS)

    assert tokens.promotion_token_verify(foreign) is None


@pytest.mark.parametrize(
    "target", ["javascript:alert(1)", "//evil.example.net/", "/\\evil", "ftp://x.example/", ""]
)
def test_unsafe_click_targets_cannot_be_signed(target):
    with pytest.raises(ValueError):
        tokens.click_token(**IDS, target=target)


def test_urls_for_partners_are_absolute_and_for_our_pages_relative(settings):
    settings.SITE_URL = "https://promos.example.com/"

    pixel = tokens.impression_pixel_url(**IDS)
    click = tokens.click_url(**IDS, target="https://shop.example.com/", base_url="")

    assert pixel == "https://promos.example.com/t/i.gif?p=" + tokens.promotion_token(**IDS)
    assert click.startswith("/t/c/12.3.1.")


def test_attribution_cookie_round_trips_and_expires():
    ref = tokens.PromotionRef(12, 3, 1)
    click_id = uuid.uuid4()
    value = tokens.attribution_value(ref=ref, click_event_id=click_id)

    parsed = tokens.attribution_parse(value)

    assert parsed is not None
    assert (parsed.promotion_id, parsed.click_event_id) == (12, click_id)
    old = tokens.attribution_value(
        ref=ref, click_event_id=click_id, at=int(time.time()) - 31 * 86400
    )
    assert tokens.attribution_parse(old) is None
    assert tokens.attribution_parse(value.replace("12.", "14.", 1)) is None


@given(st.text(max_size=120))
def test_arbitrary_strings_never_verify_and_never_raise(text):
    assert tokens.promotion_token_verify(text) is None
    assert tokens.click_token_verify(text) is None
    assert tokens.attribution_parse(text) is None


@given(
    st.integers(0, 10**17),
    st.integers(0, 10**17),
    st.integers(0, 10**17),
    st.sampled_from(["/p/x/", "https://a.example/?q=1", "http://b.example:8080/x#y"]),
)
def test_any_ids_and_safe_targets_round_trip(p, c, b, target):
    token = tokens.click_token(promotion_id=p, campaign_id=c, brand_id=b, target=target)

    assert tokens.click_token_verify(token) == tokens.ClickRef(p, c, b, target)
