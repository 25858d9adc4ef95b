"""The promotion pages count: a beacon token per unit, a no-script pixel, tracked CTAs."""

import re
import uuid
from html import unescape

import pytest

from tests.factories import PromotionFactory, StaffUserFactory
from tests.tracking.conftest import drain
from tests.tracking.totals import promotion_totals
from tracking import tokens

pytestmark = pytest.mark.django_db


def attributes(html, name):
    return [unescape(v) for v in re.findall(rf'{name}="([^"]*)"', html)]


def tracked_links(html):
    """The href of every call-to-action marked for click tracking."""
    return [unescape(v) for v in re.findall(r'href="([^"]*)" data-track-click', html)]


def test_a_tab_page_emits_the_beacon_token_the_pixel_and_a_tracked_cta(client):
    promotion = PromotionFactory(cta_url="https://shop.example.com/nova")

    html = client.get(promotion.get_absolute_url()).content.decode()

    [token] = attributes(html, "data-track-impression")
    assert tokens.promotion_token_verify(token) == tokens.PromotionRef(
        promotion.pk, promotion.campaign_id, promotion.campaign.brand_id
    )
    [pixel] = re.findall(r'<noscript><img class="track-pixel" src="([^"]+)"', html)
    assert unescape(pixel).startswith(f"/t/i.gif?p={token}&e=")
    [click] = tracked_links(html)
    assert click.startswith("/t/c/")
    assert tokens.click_token_verify(click.removeprefix("/t/c/")).target == (
        "https://shop.example.com/nova"
    )
    assert '<script src="/static/js/track.js" defer></script>' in html


def test_the_no_script_pixel_of_a_page_counts_one_impression(client, wsgi):
    promotion = PromotionFactory()
    html = client.get(promotion.get_absolute_url()).content.decode()
    [pixel] = re.findall(r'<noscript><img class="track-pixel" src="([^"]+)"', html)

    for _ in range(2):  # the browser fetches it again: same event id
        assert wsgi.request("GET", unescape(pixel)).status == 200
    drain()

    assert promotion_totals(promotion_ids=[promotion.pk])[promotion.pk].impressions == 1


def test_rendering_a_page_counts_nothing(client):
    promotion = PromotionFactory()

    client.get(promotion.get_absolute_url())
    client.get(promotion.campaign.get_absolute_url())
    drain()

    assert promotion_totals(promotion_ids=[promotion.pk]) == {}


def test_the_hub_tracks_each_promotion_and_its_call_to_action(client):
    promotion = PromotionFactory()
    second = PromotionFactory(campaign=promotion.campaign)

    html = client.get(promotion.campaign.get_absolute_url()).content.decode()

    impressions = [
        tokens.promotion_token_verify(t) for t in attributes(html, "data-track-impression")
    ]
    assert [ref.promotion_id for ref in impressions] == [promotion.pk, second.pk]
    assert len(re.findall(r'class="track-pixel"', html)) == 2
    clicks = [tokens.click_token_verify(c.removeprefix("/t/c/")) for c in tracked_links(html)]
    assert [c.target for c in clicks] == [promotion.get_absolute_url(), second.get_absolute_url()]


def test_a_staff_preview_is_not_tracked(client):
    staff = StaffUserFactory(is_superuser=True)
    promotion = PromotionFactory(status="draft", cta_url="https://shop.example.com/")
    client.force_login(staff)

    html = client.get(promotion.get_absolute_url()).content.decode()

    assert "Preview" in html
    assert "data-track" not in html and "track-pixel" not in html and "track.js" not in html


def test_the_template_tags_take_any_promotion_shaped_object():
    from django.template import Context, Template

    class Campaign:
        brand_id = 3

    class Promotion:
        pk = 12
        campaign_id = 5
        campaign = Campaign()

    rendered = Template(
        "{% load tracking %}{% impression_token p %}|{% click_url p 'javascript:x' %}"
    ).render(Context({"p": Promotion()}))

    token, unsafe = rendered.split("|")
    assert tokens.promotion_token_verify(token) == tokens.PromotionRef(12, 5, 3)
    assert unsafe == "javascript:x"  # not signed, so never a redirect


def test_the_event_id_of_each_rendered_pixel_is_fresh(client):
    promotion = PromotionFactory()

    ids = set()
    for _ in range(3):
        html = client.get(promotion.get_absolute_url()).content.decode()
        ids.add(re.search(r"track-pixel\" src=\"[^\"]*e=([0-9a-f-]+)", html).group(1))

    assert len(ids) == 3 and all(uuid.UUID(i) for i in ids)
