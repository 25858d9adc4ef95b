"""Every market in the reports: the language a page was rendered in travels with its
impressions and clicks (beacon ``l``, pixel ``l``, click ``lang``, partner ``language``) into
the raw events and the ``language`` breakdown, and revenue is reported per currency, never
added across currencies. Through the capture endpoints and the stream when Redis is
configured (``drain``), straight into the database otherwise."""

from __future__ import annotations

import io
import json
import uuid
from collections import Counter
from csv import DictReader
from datetime import UTC, datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import translation

from tests.factories import PromotionFactory
from tests.tracking.conftest import DESKTOP_UA, click_path_for, drain, token_for
from tracking import services
from tracking.models import Event

pytestmark = pytest.mark.django_db

INSIGHTS = "/api/v1/reports/insights/"


def beacon(wsgi, promotion, language, **kwargs):
    body = {"p": token_for(promotion), "e": str(uuid.uuid4())}
    if language is not None:
        body["l"] = language
    response = wsgi.request(
        "POST",
        "/t/i",
        body=json.dumps(body).encode(),
        headers={"Content-Type": "text/plain"},
        **kwargs,
    )
    assert response.status == 204, response.body


def insights(api_client, raw_key, **params):
    today = datetime.now(UTC).date()
    response = api_client.get(
        INSIGHTS,
        {"since": today - timedelta(days=1), "until": today + timedelta(days=1), **params},
        HTTP_AUTHORIZATION=f"Bearer {raw_key}",
    )
    assert response.status_code == 200, response.content
    return response.json()["data"]


def test_the_page_language_reaches_the_raw_events_through_every_door(
    wsgi, api_client, make_api_key, settings
):
    # given: the site's languages; one promotion, impressions and clicks in French, German,
    # Brazilian Portuguese, an unknown and no language
    settings.LANGUAGES = [
        ("en", "English"),
        ("fr", "Français"),
        ("de", "Deutsch"),
        ("es", "Español"),
        ("it", "Italiano"),
        ("pt-br", "Português"),
    ]
    promotion = PromotionFactory()
    for language in ("fr", "fr", "FR-ca", "de", "xx-yy", None):
        beacon(wsgi, promotion, language)
    pixel = f"/t/i.gif?p={token_for(promotion)}&e={uuid.uuid4()}&l=de"
    assert wsgi.request("GET", pixel, ua=DESKTOP_UA).status == 200
    for language in ("fr", "es-MX"):
        click = f"{click_path_for(promotion)}?e={uuid.uuid4()}&lang={language}"
        assert wsgi.request("GET", click, ua=DESKTOP_UA).status == 302
    _key, raw_key = make_api_key(brands=[promotion.campaign.brand], scopes=["events:write"])
    now = datetime.now(UTC).isoformat()
    batch = [
        {
            "event_id": f"p-{n}",
            "type": "impression",
            "promotion": promotion.pk,
            "ts": now,
            "language": code,
        }
        for n, code in enumerate(["it", "pt-BR", "klingon", ""])
    ]
    response = api_client.post(
        "/api/v1/events/batch", batch, format="json", HTTP_AUTHORIZATION=f"Bearer {raw_key}"
    )
    assert response.status_code == 202, response.content

    # when
    drain()

    # then: only the site's languages are kept (a regional variant as its language)
    raw = Counter(Event.objects.filter(promotion_id=promotion.pk).values_list("type", "language"))
    assert raw == {
        ("impression", "fr"): 3,
        ("impression", "de"): 2,
        ("impression", ""): 4,
        ("impression", "it"): 1,
        ("impression", "pt-br"): 1,
        ("click", "fr"): 1,
        ("click", "es"): 1,
    }


def test_insights_by_language_equal_the_counts_of_the_raw_events(wsgi, api_client, make_api_key):
    # given: two promotions seen on desktop and phone in three languages, clicked in two
    first = PromotionFactory()
    second = PromotionFactory(campaign=first.campaign)
    plan = [
        (first, "fr", DESKTOP_UA, 5, 2),
        (first, "de", DESKTOP_UA, 3, 1),
        (first, "fr", None, 4, 0),
        (second, "es", None, 6, 3),
        (second, "", DESKTOP_UA, 2, 1),
    ]
    for n, (promotion, language, ua, impressions, clicks) in enumerate(plan):
        remote = f"198.51.100.{n + 10}"  # one viewer per line: velocity never trips
        extra = {"ua": ua} if ua else {}
        for _ in range(impressions):
            beacon(wsgi, promotion, language, remote=remote, **extra)
        for _ in range(clicks):
            click = f"{click_path_for(promotion)}?e={uuid.uuid4()}&lang={language}"
            assert wsgi.request("GET", click, remote=remote, **extra).status == 302
    drain()
    _key, raw_key = make_api_key(brands=[first.campaign.brand], scopes=["reports:read"])

    for breakdowns in (["language"], ["language", "device"]):
        # when
        rows = insights(api_client, raw_key, breakdowns=",".join(breakdowns))

        # then: each row's impressions and clicks are the raw events' of its languages
        got = {
            (r["promotion_id"], *(r[b] for b in breakdowns)): (r["impressions"], r["clicks"])
            for r in rows
        }
        want: dict[tuple, list[int]] = {}
        events = Event.objects.filter(invalid_reason="", campaign_id=first.campaign_id)
        for e in events:
            key = (e.promotion_id, *(getattr(e, b) for b in breakdowns))
            counts = want.setdefault(key, [0, 0])
            counts[0 if e.type == "impression" else 1] += 1
        assert got == {k: tuple(v) for k, v in want.items()}, breakdowns
    by_language = {
        (r["promotion_id"], r["language"]): r["ctr"]
        for r in insights(api_client, raw_key, breakdowns="language")
    }
    assert by_language[(first.pk, "fr")] == 2 / 9
    assert by_language[(second.pk, "es")] == 3 / 6


def test_two_orders_in_two_currencies_are_two_amounts_never_summed(api_client, make_api_key):
    # given
    promotion = PromotionFactory()
    ids = {
        "promotion_id": promotion.pk,
        "campaign_id": promotion.campaign_id,
        "brand_id": promotion.campaign.brand_id,
    }
    for n, (value, currency) in enumerate([(12300, "EUR"), (4500, "USD"), (700, "EUR")]):
        services.conversion_record(
            event_id=services.conversion_event_id(kind="order", object_id=f"o{n}"),
            type="order",
            value=value,
            currency=currency,
            **ids,
        )
    drain()
    _key, raw_key = make_api_key(brands=[promotion.campaign.brand], scopes=["reports:read"])

    # when
    [row] = insights(api_client, raw_key)
    [by_day] = insights(api_client, raw_key, time_increment="1", breakdowns="language")

    # then
    assert row["orders"] == 3
    assert row["revenue_by_currency"] == {"EUR": 13000, "USD": 4500}
    assert row["revenue"] == {"amount": None, "currency": None}
    assert by_day["revenue_by_currency"] == {"EUR": 13000, "USD": 4500}
    assert by_day["language"] == ""


def test_revenue_in_one_currency_keeps_its_amount_and_csv_lists_each_currency(
    api_client, make_api_key
):
    # given: one promotion selling in euros, another in euros and dollars
    euros = PromotionFactory()
    mixed = PromotionFactory(campaign=euros.campaign)
    orders = [(euros, 2500, "EUR"), (euros, 1000, "EUR"), (mixed, 300, "EUR"), (mixed, 900, "USD")]
    for promotion, value, currency in orders:
        services.conversion_record(
            event_id=uuid.uuid4(),
            type="order",
            promotion_id=promotion.pk,
            campaign_id=promotion.campaign_id,
            brand_id=promotion.campaign.brand_id,
            value=value,
            currency=currency,
        )
    drain()
    _key, raw_key = make_api_key(brands=[euros.campaign.brand], scopes=["reports:read"])

    # when
    rows = {r["promotion_id"]: r for r in insights(api_client, raw_key)}
    today = datetime.now(UTC).date()
    csv = api_client.get(
        INSIGHTS,
        {"since": today - timedelta(days=1), "until": today + timedelta(days=1), "format": "csv"},
        HTTP_AUTHORIZATION=f"Bearer {raw_key}",
    ).content.decode()

    # then
    assert rows[euros.pk]["revenue"] == {"amount": 3500, "currency": "EUR"}
    assert rows[euros.pk]["revenue_by_currency"] == {"EUR": 3500}
    assert rows[mixed.pk]["revenue"] == {"amount": None, "currency": None}
    assert rows[mixed.pk]["revenue_by_currency"] == {"EUR": 300, "USD": 900}
    by_promotion = {int(r["promotion_id"]): r for r in DictReader(io.StringIO(csv))}
    assert (by_promotion[mixed.pk]["revenue"], by_promotion[mixed.pk]["currency"]) == ("", "")
    assert by_promotion[mixed.pk]["revenue_by_currency"] == "EUR:300 USD:900"
    assert by_promotion[euros.pk]["revenue_by_currency"] == "EUR:3500"


def test_an_unknown_breakdown_names_the_language_among_the_known_ones(api_client, make_api_key):
    promotion = PromotionFactory()
    _key, raw_key = make_api_key(brands=[promotion.campaign.brand], scopes=["reports:read"])
    today = datetime.now(UTC).date()

    response = api_client.get(
        INSIGHTS,
        {"since": today, "until": today, "breakdowns": "language,mood"},
        HTTP_AUTHORIZATION=f"Bearer {raw_key}",
    )

    assert response.status_code == 400
    assert "language" in response.json()["error"]["fields"]["breakdowns"][0]


def test_the_no_script_pixel_carries_the_language_the_page_is_rendered_in():
    promotion = PromotionFactory()
    template = Template("{% load tracking %}{% impression_pixel p %}")

    with translation.override("de"):
        pixel = template.render(Context({"p": promotion}))

    assert pixel.startswith(f"/t/i.gif?p={token_for(promotion)}&amp;e=")
    assert pixel.endswith("&amp;l=de")


def test_a_query_of_more_than_ten_fields_is_never_a_server_error(wsgi):
    promotion = PromotionFactory()
    junk = "&".join(f"x{n}=1" for n in range(12))

    pixel = wsgi.request("GET", f"/t/i.gif?p={token_for(promotion)}&e={uuid.uuid4()}&{junk}")
    click = wsgi.request("GET", f"{click_path_for(promotion)}?{junk}", ua=DESKTOP_UA)

    assert pixel.status == 200 and pixel.body.startswith(b"GIF89a")
    assert click.status == 302
