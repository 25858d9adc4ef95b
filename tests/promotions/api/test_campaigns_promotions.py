"""GET /api/v1/campaigns/ and /api/v1/promotions/: brand scoping, fields, filters, paging."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from promotions.models import Promotion, Status
from tests.factories import BrandFactory, CampaignFactory, PromotionFactory
from tests.tracking.api.conftest import assert_error
from tracking import tokens

pytestmark = pytest.mark.django_db


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["results"]]


def _walk(client: APIClient, url: str) -> list[dict]:
    """Follow `next` links to the end; returns every item in order."""
    items: list[dict] = []
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        items += body["results"]
        url = body["next"]
        pages += 1
        assert pages < 100
    return items


# --- brand scoping -----------------------------------------------------------------


def test_another_brands_campaign_is_a_404_like_a_missing_one(client_a, brand_a, brand_b):
    # given
    own = CampaignFactory(brand=brand_a)
    other = CampaignFactory(brand=brand_b)

    # when
    seen = client_a.get(f"/api/v1/campaigns/{own.pk}/")
    foreign = client_a.get(f"/api/v1/campaigns/{other.pk}/")
    missing = client_a.get(f"/api/v1/campaigns/{other.pk + 1000}/")

    # then
    assert seen.status_code == 200
    assert seen.json()["id"] == own.pk
    assert_error(foreign, 404, "not_found", fields=[])
    assert_error(missing, 404, "not_found", fields=[])
    assert foreign.json() == missing.json()


def test_another_brands_promotion_is_a_404_like_a_missing_one(client_a, brand_a, brand_b):
    own = PromotionFactory(campaign__brand=brand_a)
    other = PromotionFactory(campaign__brand=brand_b)

    assert client_a.get(f"/api/v1/promotions/{own.pk}/").status_code == 200
    foreign = client_a.get(f"/api/v1/promotions/{other.pk}/")
    missing = client_a.get(f"/api/v1/promotions/{other.pk + 1000}/")
    assert_error(foreign, 404, "not_found")
    assert foreign.json() == missing.json()


def test_lists_never_show_another_brands_objects(client_a, brand_a, brand_b):
    own = [PromotionFactory(campaign=CampaignFactory(brand=brand_a)) for _ in range(3)]
    [PromotionFactory(campaign=CampaignFactory(brand=brand_b)) for _ in range(3)]

    campaigns = _walk(client_a, "/api/v1/campaigns/?page_size=1")
    promotions = _walk(client_a, "/api/v1/promotions/?page_size=1")
    by_brand = client_a.get("/api/v1/promotions/?brand=bravo")

    assert sorted(c["id"] for c in campaigns) == sorted(p.campaign_id for p in own)
    assert {c["brand"] for c in campaigns} == {"alpha"}
    assert sorted(p["id"] for p in promotions) == sorted(p.pk for p in own)
    assert _ids(by_brand) == []


def test_a_key_of_two_brands_sees_both(make_api_key, brand_a, brand_b):
    a = CampaignFactory(brand=brand_a)
    b = CampaignFactory(brand=brand_b)
    CampaignFactory()  # a third brand
    _, raw = make_api_key(brands=[brand_a, brand_b])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    assert _ids(client.get("/api/v1/campaigns/")) == [b.pk, a.pk]
    assert _ids(client.get("/api/v1/campaigns/?brand=alpha")) == [a.pk]


def test_partners_also_read_drafts_and_ended_campaigns(client_a, brand_a):
    draft = CampaignFactory(brand=brand_a, status=Status.DRAFT)
    ended = CampaignFactory(brand=brand_a, status=Status.ENDED)

    assert _ids(client_a.get("/api/v1/campaigns/")) == [ended.pk, draft.pk]


# --- representation ----------------------------------------------------------------


@override_settings(SITE_URL="https://promo.example.com/")
def test_a_promotion_carries_what_a_partner_needs_to_place_it(client_a, brand_a):
    campaign = CampaignFactory(brand=brand_a, slug="launch")
    promotion = PromotionFactory(
        campaign=campaign, slug="giveaway", kind=Promotion.Kind.INSTANT_WIN, title="Win"
    )

    body = client_a.get(f"/api/v1/promotions/{promotion.pk}/").json()

    assert body == {
        "id": promotion.pk,
        "slug": "giveaway",
        "kind": "instant_win",
        "title": "Win",
        "description": promotion.description,
        "status": "active",
        "live": True,
        "starts_at": body["starts_at"],
        "ends_at": body["ends_at"],
        "campaign": campaign.pk,
        "brand": "alpha",
        "url": "https://promo.example.com/p/alpha/launch/giveaway/",
        "impression_pixel_url": body["impression_pixel_url"],
        "click_url": body["click_url"],
    }
    assert body["starts_at"] == promotion.starts_at.isoformat().replace("+00:00", "Z")

    # the pixel carries a signed promotion token for this promotion, campaign and brand
    pixel = urlsplit(body["impression_pixel_url"])
    assert f"{pixel.scheme}://{pixel.netloc}{pixel.path}" == "https://promo.example.com/t/i.gif"
    [token] = parse_qs(pixel.query)["p"]
    assert tokens.promotion_token_verify(token) == tokens.PromotionRef(
        promotion.pk, campaign.pk, brand_a.pk
    )

    # the click URL counts the click, then leads to the promotion's tab on our own site
    click = body["click_url"]
    prefix = "https://promo.example.com/t/c/"
    assert click.startswith(prefix)
    ref = tokens.click_token_verify(click.removeprefix(prefix))
    assert ref == tokens.ClickRef(
        promotion.pk, campaign.pk, brand_a.pk, target="/p/alpha/launch/giveaway/"
    )


@override_settings(SITE_URL="https://promo.example.com")
def test_a_campaign_carries_its_hub_url_and_liveness(client_a, brand_a):
    campaign = CampaignFactory(brand=brand_a, slug="launch", status=Status.PAUSED)

    body = client_a.get(f"/api/v1/campaigns/{campaign.pk}/").json()

    assert body["url"] == "https://promo.example.com/p/alpha/launch/"
    assert body["brand"] == "alpha"
    assert body["status"] == "paused"
    assert body["live"] is False
    assert body["timezone"] == "Europe/Paris"  # the brand's: the campaign has none of its own
    assert set(body) == {
        "id",
        "slug",
        "name",
        "description",
        "brand",
        "status",
        "live",
        "starts_at",
        "ends_at",
        "timezone",
        "url",
        "created_at",
        "updated_at",
    }


def test_a_promotion_is_not_live_when_its_campaign_is_paused(client_a, brand_a):
    campaign = CampaignFactory(brand=brand_a)
    promotion = PromotionFactory(campaign=campaign)
    campaign.status = Status.PAUSED
    campaign.save()

    body = client_a.get(f"/api/v1/promotions/{promotion.pk}/").json()

    assert body["status"] == "active"
    assert body["live"] is False
    assert _ids(client_a.get("/api/v1/promotions/?live=true")) == []
    assert _ids(client_a.get("/api/v1/promotions/?live=false")) == [promotion.pk]


# --- filters -----------------------------------------------------------------------


def test_campaign_filters(client_a, brand_a):
    now = timezone.now()
    live = CampaignFactory(brand=brand_a)
    draft = CampaignFactory(brand=brand_a, status=Status.DRAFT)
    upcoming = CampaignFactory(
        brand=brand_a, starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=9)
    )
    over = CampaignFactory(
        brand=brand_a, starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=5)
    )
    iso = (now + timedelta(days=1)).isoformat().replace("+00:00", "Z")

    assert _ids(client_a.get("/api/v1/campaigns/?live=true")) == [live.pk]
    assert _ids(client_a.get("/api/v1/campaigns/?live=false")) == [over.pk, upcoming.pk, draft.pk]
    assert _ids(client_a.get("/api/v1/campaigns/?status=draft")) == [draft.pk]
    assert _ids(client_a.get("/api/v1/campaigns/?brand=alpha&status=active&live=true")) == [live.pk]
    assert _ids(client_a.get("/api/v1/campaigns/", {"starts_after": iso})) == [upcoming.pk]
    assert _ids(client_a.get("/api/v1/campaigns/", {"starts_before": iso})) == [
        over.pk,
        draft.pk,
        live.pk,
    ]
    assert _ids(client_a.get("/api/v1/campaigns/", {"ends_before": iso})) == [over.pk]
    assert _ids(client_a.get("/api/v1/campaigns/", {"ends_after": iso})) == [
        upcoming.pk,
        draft.pk,
        live.pk,
    ]
    assert _ids(client_a.get("/api/v1/campaigns/?brand=unknown")) == []


def test_promotion_filters(client_a, brand_a):
    launch = CampaignFactory(brand=brand_a, slug="launch")
    summer = CampaignFactory(brand=brand_a, slug="summer")
    sweep = PromotionFactory(campaign=launch, kind=Promotion.Kind.SWEEPSTAKES)
    offer = PromotionFactory(campaign=launch, kind=Promotion.Kind.OFFER, status=Status.DRAFT)
    contest = PromotionFactory(campaign=summer, kind=Promotion.Kind.CONTEST)

    assert _ids(client_a.get(f"/api/v1/promotions/?campaign={launch.pk}")) == [offer.pk, sweep.pk]
    assert _ids(client_a.get("/api/v1/promotions/?campaign_slug=summer")) == [contest.pk]
    assert _ids(client_a.get("/api/v1/promotions/?brand=alpha&kind=offer")) == [offer.pk]
    assert _ids(client_a.get("/api/v1/promotions/?status=draft")) == [offer.pk]
    assert _ids(client_a.get("/api/v1/promotions/?live=true")) == [contest.pk, sweep.pk]
    assert _ids(client_a.get("/api/v1/promotions/?live=false")) == [offer.pk]
    assert _ids(client_a.get("/api/v1/promotions/?campaign=999999")) == []


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/campaigns/?stauts=active", "stauts"),
        ("/api/v1/campaigns/?status=active&format=json", "format"),
        ("/api/v1/campaigns/?format=csv", "format"),
        ("/api/v1/campaigns/1/?format=api", "format"),
        ("/api/v1/promotions/?campaign_id=1", "campaign_id"),
        ("/api/v1/promotions/?ordering=id", "ordering"),
        ("/api/v1/promotions/?starts_after=2026-01-01T00:00:00Z", "starts_after"),
        ("/api/v1/campaigns/1/?status=active", "status"),
        ("/api/v1/promotions/1/?page_size=2", "page_size"),
    ],
)
def test_unknown_query_parameters_are_a_400_naming_them(client_a, url, parameter):
    error = assert_error(client_a.get(url), 400, "invalid", fields=[parameter])
    assert error["fields"][parameter] == ["Unknown query parameter."]
    assert parameter in error["message"]


def test_a_repeated_parameter_is_a_400(client_a):
    response = client_a.get("/api/v1/campaigns/?status=active&status=draft")
    error = assert_error(response, 400, "invalid", fields=["status"])
    assert error["fields"]["status"] == ["Give this parameter once."]


@pytest.mark.parametrize(
    ("url", "parameter"),
    [
        ("/api/v1/campaigns/?status=running", "status"),
        ("/api/v1/campaigns/?live=maybe", "live"),
        ("/api/v1/campaigns/?live=", None),  # empty means "no filter"
        ("/api/v1/campaigns/?starts_after=yesterday", "starts_after"),
        ("/api/v1/campaigns/?ends_before=2026-13-01T00:00:00Z", "ends_before"),
        ("/api/v1/campaigns/?ends_before=9999-12-31T23:59:59-05:00", "ends_before"),
        ("/api/v1/promotions/?kind=lottery", "kind"),
        ("/api/v1/promotions/?campaign=abc", "campaign"),
        ("/api/v1/promotions/?campaign=1.5", "campaign"),
        ("/api/v1/promotions/?campaign=-1", "campaign"),
        ("/api/v1/promotions/?campaign=99999999999999999999999", "campaign"),
        ("/api/v1/promotions/?live=yes", "live"),
        ("/api/v1/promotions/?page_size=0", "page_size"),
        ("/api/v1/promotions/?page_size=501", "page_size"),
        ("/api/v1/promotions/?page_size=ten", "page_size"),
        ("/api/v1/promotions/?cursor=not-a-cursor", "cursor"),
    ],
)
def test_invalid_filter_values_are_a_400_naming_the_parameter(client_a, brand_a, url, parameter):
    PromotionFactory(campaign__brand=brand_a)
    response = client_a.get(url)
    if parameter is None:
        assert response.status_code == 200
        return
    error = assert_error(response, 400, "invalid", fields=[parameter])
    assert parameter in error["message"]


def test_a_forged_cursor_is_a_400_not_a_500(client_a, brand_a):
    import base64

    PromotionFactory(campaign__brand=brand_a)
    for raw in ("p=abc", "p=99999999999999999999999", "o=-5&p=1", "r=1&p=1;DROP"):
        cursor = base64.b64encode(raw.encode()).decode()
        response = client_a.get("/api/v1/promotions/", {"cursor": cursor})
        assert_error(response, 400, "invalid", fields=["cursor"])


@pytest.mark.parametrize("path", ["campaigns/abc/", "campaigns/1.0/", "promotions/-1/"])
def test_non_numeric_ids_are_a_404(client_a, path):
    assert_error(client_a.get(f"/api/v1/{path}"), 404, "not_found")


def test_a_huge_id_is_a_404(client_a):
    assert_error(client_a.get("/api/v1/campaigns/999999999999999999/"), 404, "not_found")


# --- pagination and query counts ---------------------------------------------------


def test_cursor_pagination_walks_every_page_once(client_a, brand_a):
    campaign = CampaignFactory(brand=brand_a)
    created = [PromotionFactory(campaign=campaign).pk for _ in range(23)]

    forward = _walk(client_a, "/api/v1/promotions/?page_size=5")
    ids = [p["id"] for p in forward]

    assert ids == sorted(created, reverse=True)
    assert len(ids) == len(set(ids)) == 23

    # and back again from the last page with `previous`
    last = client_a.get("/api/v1/promotions/?page_size=5")
    while last.json()["next"]:
        last = client_a.get(last.json()["next"])
    back: list[int] = [p["id"] for p in last.json()["results"]]
    previous = last.json()["previous"]
    while previous:
        page = client_a.get(previous).json()
        back = [p["id"] for p in page["results"]] + back
        previous = page["previous"]
    assert back == ids


def test_pagination_is_stable_when_objects_are_added_meanwhile(client_a, brand_a):
    campaign = CampaignFactory(brand=brand_a)
    before = [PromotionFactory(campaign=campaign).pk for _ in range(6)]

    first = client_a.get("/api/v1/promotions/?page_size=3").json()
    PromotionFactory(campaign=campaign)  # newer than everything: must not shift pages
    second = client_a.get(first["next"]).json()

    ids = [p["id"] for p in first["results"] + second["results"]]
    assert ids == sorted(before, reverse=True)


@pytest.mark.parametrize("endpoint", ["campaigns", "promotions"])
def test_list_query_count_does_not_grow_with_page_size(
    client_a, brand_a, django_assert_num_queries, endpoint
):
    for _ in range(12):
        campaign = CampaignFactory(brand=brand_a)
        PromotionFactory(campaign=campaign)
    client_a.get(f"/api/v1/{endpoint}/")  # records last_used_at once

    # key lookup + the page (the brand scope is a subquery, brands are joined)
    with django_assert_num_queries(2):
        small = client_a.get(f"/api/v1/{endpoint}/?page_size=1")
    with django_assert_num_queries(2):
        large = client_a.get(f"/api/v1/{endpoint}/?page_size=12&live=true")
    with django_assert_num_queries(2):
        client_a.get(large.json()["next"] or small.json()["next"])
    assert len(small.json()["results"]) == 1
    assert len(large.json()["results"]) == 12


def test_another_brand_with_the_same_slugs_does_not_leak_through_slug_filters(client_a, brand_a):
    other = BrandFactory(slug="zulu")
    CampaignFactory(brand=brand_a, slug="launch")
    theirs = PromotionFactory(campaign=CampaignFactory(brand=other, slug="launch"))

    ids = _ids(client_a.get("/api/v1/promotions/?campaign_slug=launch&brand=zulu"))

    assert theirs.pk not in ids
    assert ids == []
