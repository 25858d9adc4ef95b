"""The capture endpoints through the WSGI fast path (and once through Django's URLconf)."""

import uuid

import pytest
from django.test import override_settings

from tests.factories import PromotionFactory
from tests.tracking.conftest import DESKTOP_UA, click_path_for, drain, token_for
from tests.tracking.totals import promotion_totals
from tracking import classify, selectors
from tracking.models import Event, SeenEvent

pytestmark = pytest.mark.django_db

NEVER_CACHED = "no-store, no-cache, must-revalidate, max-age=0, private"


def totals(promotion):
    drain()
    return promotion_totals(promotion_ids=[promotion.pk]).get(promotion.pk, selectors.Stats())


def test_a_beacon_is_counted_once_however_often_it_is_retried(wsgi):
    promotion = PromotionFactory()
    token = token_for(promotion)
    event_ids = [str(uuid.uuid4()) for _ in range(5)]

    statuses = [wsgi.beacon(token, e).status for e in event_ids for _retry in range(3)]

    assert statuses == [204] * 15
    assert totals(promotion).impressions == 5
    assert Event.objects.filter(promotion_id=promotion.pk).count() == 5


def test_the_beacon_answer_is_empty_never_cached_and_open_to_other_origins(wsgi):
    response = wsgi.beacon(token_for(PromotionFactory()), str(uuid.uuid4()))

    assert response.status == 204
    assert response.body == b""
    assert response.header("Cache-Control") == NEVER_CACHED
    assert response.header("Access-Control-Allow-Origin") == "*"
    assert response.header("Set-Cookie") is None


def test_the_beacon_answers_a_cors_preflight(wsgi):
    response = wsgi.request("OPTIONS", "/t/i")

    assert response.status == 204
    assert response.header("Access-Control-Allow-Methods") == "POST, OPTIONS"


@pytest.mark.parametrize(
    ("body", "code", "fields"),
    [
        (b'{"p": "1.2.3.AAAAAAAAAAAAAAAA", "e": "%s"}', "bad_token", ["p"]),
        (b'{"p": "%s", "e": "not-a-uuid"}', "invalid", ["e"]),
        (b'{"p": "%s"}', "invalid", ["e"]),
        (b'{"e": "%s"}', "bad_token", ["p"]),
        (b'{"p": 12, "e": 13}', "bad_token", ["p", "e"]),
        (b"[1, 2]", "invalid", []),
        (b"{not json", "invalid", []),
        (b"", "invalid", []),
        (b"\xff\xfe", "invalid", []),
    ],
)
def test_a_bad_beacon_is_a_400_in_the_error_format_and_counts_nothing(wsgi, body, code, fields):
    promotion = PromotionFactory()
    if b"%s" in body:
        filler = token_for(promotion) if b'"p": "%s"' in body else str(uuid.uuid4())
        body = body.replace(b"%s", filler.encode())

    response = wsgi.request("POST", "/t/i", body=body)

    assert response.status == 400
    error = response.json()["error"]
    assert error["code"] == code
    assert sorted(error["fields"]) == sorted(fields)
    assert error["message"]
    assert totals(promotion).impressions == 0
    assert SeenEvent.objects.count() == 0


def test_an_oversized_beacon_is_a_400_as_any_bad_body(wsgi):
    response = wsgi.request("POST", "/t/i", body=b"{" + b" " * 5000 + b"}")

    assert response.status == 400
    assert response.json()["error"]["code"] == "too_large"


def test_a_beacon_by_get_is_a_405(wsgi):
    response = wsgi.request("GET", "/t/i")

    assert response.status == 405
    assert response.header("Allow") == "POST, OPTIONS"


def test_an_unknown_tracking_path_is_a_json_404(wsgi):
    response = wsgi.request("GET", "/t/nothing")

    assert response.status == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_pixel_is_always_a_gif_and_counts_only_valid_requests(wsgi):
    promotion = PromotionFactory()
    event_id = str(uuid.uuid4())

    good = wsgi.request("GET", f"/t/i.gif?p={token_for(promotion)}&e={event_id}")
    again = wsgi.request("GET", f"/t/i.gif?p={token_for(promotion)}&e={event_id}")
    forged = wsgi.request("GET", f"/t/i.gif?p=1.1.1.AAAAAAAAAAAAAAAA&e={uuid.uuid4()}")
    no_event = wsgi.request("GET", f"/t/i.gif?p={token_for(promotion)}")

    for response in (good, again, forged, no_event):
        assert response.status == 200
        assert response.header("Content-Type") == "image/gif"
        assert response.body.startswith(b"GIF89a") and len(response.body) == 43
        assert response.header("Cache-Control") == NEVER_CACHED
    assert totals(promotion).impressions == 1


def test_a_click_redirects_to_the_signed_target_and_sets_attribution(wsgi):
    promotion = PromotionFactory()
    wsgi.beacon(token_for(promotion), str(uuid.uuid4()))

    response = wsgi.request("GET", click_path_for(promotion, "https://shop.example.com/x?y=1"))

    assert response.status == 302
    assert response.header("Location") == "https://shop.example.com/x?y=1"
    assert response.header("Cache-Control") == NEVER_CACHED
    cookie = response.header("Set-Cookie")
    assert cookie.startswith("ph_click=")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert (totals(promotion).impressions, totals(promotion).clicks) == (1, 1)


def test_a_target_with_non_latin_characters_redirects_percent_encoded(wsgi):
    promotion = PromotionFactory()
    wsgi.beacon(token_for(promotion), str(uuid.uuid4()))

    response = wsgi.request(
        "GET", click_path_for(promotion, "https://shop.example.com/été/€?q=日本")
    )

    assert response.status == 302
    assert response.header("Location") == (
        "https://shop.example.com/%C3%A9t%C3%A9/%E2%82%AC?q=%E6%97%A5%E6%9C%AC"
    )


def test_over_https_the_click_cookie_works_inside_iframes(wsgi):
    response = wsgi.request("GET", click_path_for(PromotionFactory()), https=True)

    assert "SameSite=None; Secure" in response.header("Set-Cookie")


def test_the_attribution_cookie_names_the_promotion_and_the_click(wsgi):
    from tracking import tokens

    promotion = PromotionFactory()
    event_id = uuid.uuid4()

    response = wsgi.request("GET", f"{click_path_for(promotion)}?e={event_id}")

    value = response.header("Set-Cookie").split(";")[0].split("=", 1)[1]
    attribution = tokens.attribution_parse(value)
    assert attribution.promotion_id == promotion.pk
    assert attribution.campaign_id == promotion.campaign_id
    assert attribution.click_event_id == event_id


@pytest.mark.parametrize(
    "tamper",
    [
        lambda p: p.replace("/t/c/", "/t/c/9"),
        lambda p: p[:-2] + ("xx" if not p.endswith("xx") else "yy"),
        lambda p: (
            p.rsplit(".", 2)[0] + ".aHR0cHM6Ly9ldmlsLmV4YW1wbGUubmV0Lw." + p.rsplit(".", 1)[1]
        ),
        lambda p: "/t/c/",
        lambda p: "/t/c/" + "1.2.3.aHR0cHM6Ly9ldmlsLmV4YW1wbGUubmV0Lw.AAAAAAAAAAAAAAAA",
    ],
)
def test_a_tampered_click_token_gets_a_404_and_never_a_redirect(wsgi, tamper):
    promotion = PromotionFactory()

    response = wsgi.request("GET", tamper(click_path_for(promotion)))

    assert response.status == 404
    assert response.header("Location") is None
    assert response.header("Set-Cookie") is None
    assert totals(promotion).clicks == 0
    assert totals(promotion).invalid_clicks == 0


def test_a_retried_click_with_its_event_id_is_counted_once(wsgi):
    promotion = PromotionFactory()
    wsgi.beacon(token_for(promotion), str(uuid.uuid4()))
    event_id = uuid.uuid4()

    for _ in range(3):
        assert wsgi.request("GET", f"{click_path_for(promotion)}?e={event_id}").status == 302

    assert totals(promotion).clicks == 1


def test_bots_and_prefetches_are_stored_as_invalid_and_kept_out_of_ctr(wsgi):
    promotion = PromotionFactory()
    token = token_for(promotion)
    wsgi.beacon(token, str(uuid.uuid4()))
    wsgi.beacon(token, str(uuid.uuid4()), ua="Googlebot/2.1 (+http://www.google.com/bot.html)")
    wsgi.beacon(token, str(uuid.uuid4()), ua="facebookexternalhit/1.1")
    wsgi.beacon(token, str(uuid.uuid4()), ua="")
    wsgi.beacon(token, str(uuid.uuid4()), headers={"Sec-Purpose": "prefetch;prerender"})
    wsgi.request("GET", f"/t/i.gif?p={token}&e={uuid.uuid4()}", headers={"X-Moz": "prefetch"})
    wsgi.request("GET", click_path_for(promotion))
    wsgi.request("GET", click_path_for(promotion), headers={"Purpose": "prefetch"})
    wsgi.request("GET", click_path_for(promotion), ua="Slackbot-LinkExpanding 1.0")
    wsgi.request("HEAD", click_path_for(promotion))

    stats = totals(promotion)
    assert (stats.impressions, stats.invalid_impressions) == (1, 5)
    assert (stats.clicks, stats.invalid_clicks) == (1, 3)
    assert stats.ctr == 1.0
    drain()
    reasons = selectors.invalid_event_counts_get(
        promotion_ids=[promotion.pk],
        since=Event.objects.first().ts.date(),
        until=Event.objects.first().ts.date(),
        timezone="UTC",
    )
    assert reasons == {
        ("impression", "bot"): 3,
        ("impression", "prefetch"): 2,
        ("click", "prefetch"): 1,
        ("click", "bot"): 1,
        ("click", "preview"): 1,
    }


@override_settings(TRACKING_CLICK_VELOCITY_LIMIT=3, TRACKING_CLICK_NEEDS_IMPRESSION=False)
def test_impossible_click_velocity_per_viewer_is_invalid(wsgi):
    promotion = PromotionFactory()

    for _ in range(5):
        wsgi.request("GET", click_path_for(promotion))
    # another viewer behind the same address (same carrier NAT, another browser)
    wsgi.request("GET", click_path_for(promotion), ua=DESKTOP_UA)

    stats = totals(promotion)
    assert (stats.clicks, stats.invalid_clicks) == (4, 2)


@override_settings(TRACKING_IMPRESSION_VELOCITY_LIMIT=3)
def test_impossible_impression_velocity_per_viewer_is_invalid(wsgi):
    # given: one viewer's page sends five beacons in a minute, each with a fresh id
    promotion = PromotionFactory()
    token = token_for(promotion)
    for _ in range(5):
        assert wsgi.beacon(token, str(uuid.uuid4()), remote="198.51.100.40").status == 204
    # another viewer behind the same address (same carrier NAT, another browser)
    wsgi.beacon(token, str(uuid.uuid4()), remote="198.51.100.40", ua=DESKTOP_UA)

    # then: the first three and the other viewer's count; two are stored as invalid
    stats = totals(promotion)
    assert (stats.impressions, stats.invalid_impressions) == (4, 2)
    reasons = Event.objects.filter(type="impression").values_list("invalid_reason", flat=True)
    assert sorted(reasons) == ["", "", "", "", "velocity", "velocity"]


@override_settings(TRACKING_IMPRESSION_VELOCITY_LIMIT=3)
def test_people_behind_one_address_with_the_same_phone_are_told_apart_by_their_cookie(wsgi):
    # given: behind one carrier address, with the same phone and app (one user agent), four
    # people send two beacons each, and one of them five more; their pages set ph_dev
    promotion = PromotionFactory()
    token = token_for(promotion)

    def send(person: str, **kwargs) -> None:
        cookie = {"Cookie": f"csrftoken=x; ph_dev={person}; ph_lang=fr"}
        beacon = wsgi.beacon(token, str(uuid.uuid4()), headers=cookie, **kwargs)
        assert beacon.status == 204

    for person in ("dev-a", "dev-b", "dev_c", "devD"):
        for _ in range(2):
            send(person, remote="198.51.100.50")
    for _ in range(5):  # the same browser on another network is the same viewer
        send("dev-a", remote="203.0.113.9")

    # then: only dev-a's beacons past its third in the minute are invalid
    stats = totals(promotion)
    assert (stats.impressions, stats.invalid_impressions) == (9, 4)


@override_settings(TRACKING_IMPRESSION_VELOCITY_LIMIT=3)
def test_a_malformed_device_cookie_counts_the_viewer_by_address_and_browser(wsgi):
    promotion = PromotionFactory()
    token = token_for(promotion)
    for cookie in ("ph_dev=", "ph_dev=bad value!", "xph_dev=abc", f"ph_dev={'a' * 65}", ""):
        headers = {"Cookie": cookie} if cookie else {}
        assert wsgi.beacon(token, str(uuid.uuid4()), headers=headers).status == 204

    stats = totals(promotion)
    assert (stats.impressions, stats.invalid_impressions) == (3, 2)


@override_settings(TRACKING_CLICK_NEEDS_IMPRESSION=True)
def test_a_click_without_a_prior_impression_is_invalid_where_knowable(wsgi):
    promotion = PromotionFactory()
    wsgi.request("GET", click_path_for(promotion), remote="198.51.100.20")
    wsgi.beacon(token_for(promotion), str(uuid.uuid4()), remote="198.51.100.21")
    wsgi.request("GET", click_path_for(promotion), remote="198.51.100.21")

    stats = totals(promotion)
    assert (stats.impressions, stats.clicks, stats.invalid_clicks) == (1, 1, 1)


def test_unique_viewers_are_per_viewer_not_per_address(wsgi, settings):
    promotion = PromotionFactory()
    token = token_for(promotion)
    for _ in range(3):
        wsgi.beacon(token, str(uuid.uuid4()), remote="198.51.100.30")
    wsgi.beacon(token, str(uuid.uuid4()), remote="198.51.100.30", ua=DESKTOP_UA)
    wsgi.beacon(token, str(uuid.uuid4()), remote="198.51.100.31")
    drain()

    today = Event.objects.first().ts.date()
    stats = selectors.stats_total_get(
        level="promotion",
        id=promotion.pk,
        since=today - __import__("datetime").timedelta(days=1),
        until=today + __import__("datetime").timedelta(days=1),
        timezone="UTC",
        brand_ids=[promotion.campaign.brand_id],
    )
    assert (stats.impressions, stats.unique_viewers) == (5, 3)


def test_x_forwarded_for_is_believed_only_from_trusted_proxies(wsgi, settings):
    promotion = PromotionFactory()
    token = token_for(promotion)
    # untrusted peer: its X-Forwarded-For is ignored, so both are the same viewer
    for client_ip in ("203.0.113.1", "203.0.113.2"):
        wsgi.beacon(token, str(uuid.uuid4()), headers={"X-Forwarded-For": client_ip})
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    for client_ip in ("203.0.113.1", "203.0.113.2"):
        wsgi.beacon(
            token,
            str(uuid.uuid4()),
            remote="10.1.2.3",
            headers={"X-Forwarded-For": f"{client_ip}, 10.9.9.9", "CF-IPCountry": "FR"},
        )
    drain()

    viewers = set(Event.objects.values_list("viewer_hash", flat=True))
    assert len(viewers) == 3
    assert sorted(Event.objects.values_list("country", flat=True)) == ["", "", "FR", "FR"]


@pytest.mark.parametrize(
    ("remote", "forwarded", "address"),
    [
        ("203.0.113.7", "", "203.0.113.7"),
        ("10.1.2.3", "203.0.113.7:41234", "203.0.113.7"),
        ("10.1.2.3", "198.51.100.1, 203.0.113.7:41234, 10.9.9.9:80", "203.0.113.7"),
        ("10.1.2.3", "[2001:DB8::7]:41234", "2001:db8::7"),
        ("10.1.2.3", "[2001:db8::7]", "2001:db8::7"),
        ("10.1.2.3", "2001:db8::7", "2001:db8::7"),
        ("10.1.2.3", "198.51.100.1, unknown", None),  # nothing left of it can be believed
        ("10.1.2.3", "_hidden", None),
        ("10.1.2.3", "203.0.113.7:http", None),
        ("10.1.2.3", "[2001:db8::7", None),
        ("10.1.2.3", "", "10.1.2.3"),
        ("", "203.0.113.7", None),
        ("unix:/run/gunicorn.sock", "", None),
    ],
)
def test_the_client_address_is_an_ip_without_its_port_or_none(settings, remote, forwarded, address):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]

    found = classify.client_ip({"REMOTE_ADDR": remote, "HTTP_X_FORWARDED_FOR": forwarded})

    assert found == address


def test_sources_come_from_utm_referrer_or_the_in_app_browser(wsgi):
    promotion = PromotionFactory()
    token = token_for(promotion)

    def beacon(**extra):
        import json

        body = json.dumps({"p": token, "e": str(uuid.uuid4()), **extra}).encode()
        wsgi.request("POST", "/t/i", body=body)

    beacon(s="Newsletter")
    beacon(r="https://l.facebook.com/l.php?u=x")
    beacon(r="https://www.instagram.com/")
    beacon(r="https://www.example.org/blog")
    beacon()
    wsgi.beacon(token, str(uuid.uuid4()), ua="Mozilla/5.0 (iPhone) [FBAN/FBIOS;FBAV/440.0]")
    drain()

    assert sorted(Event.objects.values_list("source", flat=True)) == [
        "direct",
        "example.org",
        "facebook",
        "facebook",
        "instagram",
        "newsletter",
    ]


def test_other_paths_fall_through_to_django(wsgi):
    response = wsgi.request("GET", "/api/v1/does-not-exist/")

    assert response.status == 404
    assert response.json()["error"]["code"] == "not_found"


def test_the_same_endpoints_answer_through_djangos_urlconf(client):
    promotion = PromotionFactory()
    token = token_for(promotion)

    beacon = client.post(
        "/t/i",
        data=f'{{"p": "{token}", "e": "{uuid.uuid4()}"}}',
        content_type="text/plain",
        HTTP_USER_AGENT=DESKTOP_UA,
    )
    bad = client.post("/t/i", data="{}", content_type="text/plain")
    redirect = client.get(click_path_for(promotion), HTTP_USER_AGENT=DESKTOP_UA)
    tampered = client.get(click_path_for(promotion) + "x", HTTP_USER_AGENT=DESKTOP_UA)

    assert beacon.status_code == 204
    assert bad.status_code == 400
    assert redirect.status_code == 302
    assert redirect["Location"] == "https://shop.example.com/nova"
    assert redirect.cookies["ph_click"]["samesite"] == "Lax"
    assert tampered.status_code == 404
    assert not tampered.has_header("Location")
    assert (totals(promotion).impressions, totals(promotion).clicks) == (1, 1)


def test_with_redis_down_events_are_written_to_the_database(wsgi, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/4"  # nothing listens there
    promotion = PromotionFactory()

    beacon = wsgi.beacon(token_for(promotion), str(uuid.uuid4()))
    click = wsgi.request("GET", click_path_for(promotion))

    assert (beacon.status, click.status) == (204, 302)
    stats = promotion_totals(promotion_ids=[promotion.pk])[promotion.pk]
    assert (stats.impressions, stats.clicks) == (1, 1)
