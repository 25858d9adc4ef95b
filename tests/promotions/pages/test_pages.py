import re
from datetime import timedelta

import pytest
from django.utils import timezone

from promotions.models import Status
from tests.factories import (
    BrandMembershipFactory,
    CampaignFactory,
    PromotionFactory,
    StaffUserFactory,
)
from tracking import tokens

pytestmark = pytest.mark.django_db


def hub_url(campaign):
    return f"/p/{campaign.brand.slug}/{campaign.slug}/"


def test_hub_shows_one_tab_per_live_promotion(client):
    live = PromotionFactory(title="Win a phone", slug="giveaway")
    PromotionFactory(campaign=live.campaign, title="Secret draft", status=Status.DRAFT)
    PromotionFactory(
        campaign=live.campaign, title="Old one", ends_at=timezone.now() - timedelta(days=1)
    )

    response = client.get(hub_url(live.campaign))

    assert response.status_code == 200
    body = response.content.decode()
    assert body.count('role="tab"') == 1
    assert "Win a phone" in body
    assert "Secret draft" not in body and "Old one" not in body
    # the tab's call-to-action goes through the click redirect, to the tab page
    [click] = re.findall(r'href="(/t/c/[^"]+)" data-track-click', body)
    target = tokens.click_token_verify(click.removeprefix("/t/c/")).target
    assert target == f"/p/{live.campaign.brand.slug}/{live.campaign.slug}/giveaway/"
    assert "in no way sponsored, endorsed, administered by or associated with Facebook" in body


def test_hub_without_live_promotions_says_so(client):
    campaign = CampaignFactory()

    response = client.get(hub_url(campaign))

    assert response.status_code == 200
    assert "Nothing to enter right now" in response.content.decode()


def test_tab_and_rules_pages_render_the_promotion(client):
    promotion = PromotionFactory(official_rules="Only one entry per household.")

    tab = client.get(promotion.get_absolute_url())
    rules = client.get(promotion.get_absolute_url() + "rules/")

    assert tab.status_code == 200 and rules.status_code == 200
    assert f"<h1>{promotion.title}</h1>" in tab.content.decode()
    assert "Only one entry per household." in rules.content.decode()
    assert "releases Facebook" in rules.content.decode()
    brand = promotion.campaign.brand.name
    assert (
        f'<meta name="description" content="Official rules · {promotion.title} · {brand}">'
        in rules.content.decode()
    )


def test_unknown_and_draft_things_are_friendly_404s(client):
    draft_campaign = CampaignFactory(status=Status.DRAFT)
    draft_promotion = PromotionFactory(status=Status.DRAFT)

    for url in [
        "/p/nope/nope/",
        hub_url(draft_campaign),
        draft_promotion.get_absolute_url(),
        hub_url(draft_promotion.campaign) + "missing/",
    ]:
        response = client.get(url)
        assert response.status_code == 404, url
        assert "We could not find that page" in response.content.decode()


def test_finished_campaign_and_promotion_answer_410(client):
    over = PromotionFactory(ends_at=timezone.now() - timedelta(hours=1))
    ended_campaign = CampaignFactory(status=Status.ENDED)

    promotion_response = client.get(over.get_absolute_url())
    campaign_response = client.get(hub_url(ended_campaign))

    assert promotion_response.status_code == 410
    assert f"{over.title} has ended" in promotion_response.content.decode()
    assert campaign_response.status_code == 410
    assert f"{ended_campaign.name} has ended" in campaign_response.content.decode()


def test_staff_of_the_brand_preview_drafts_others_do_not(client):
    draft = PromotionFactory(status=Status.DRAFT, title="Coming soon")
    member = BrandMembershipFactory(brand=draft.campaign.brand).user
    outsider = StaffUserFactory()

    client.force_login(outsider)
    assert client.get(draft.get_absolute_url()).status_code == 404

    client.force_login(member)
    response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    assert "Preview: only the brand" in response.content.decode()
    hub = client.get(hub_url(draft.campaign)).content.decode()
    assert "Coming soon" in hub


def test_pages_use_the_brand_language(client):
    promotion = PromotionFactory(campaign__brand__language="fr")

    response = client.get(promotion.get_absolute_url())

    assert response["Content-Language"] == "fr"
    assert '<html lang="fr" dir="ltr">' in response.content.decode()


def test_pages_refuse_unsafe_methods_without_a_500(client):
    promotion = PromotionFactory()

    assert client.put(promotion.get_absolute_url()).status_code == 405
    assert client.delete(hub_url(promotion.campaign)).status_code == 405


def test_tabs_can_be_framed_only_by_the_brands_allowed_domains(client):
    embeddable = PromotionFactory(
        campaign__brand__embed_domains="www.example.com\n*.shop.example.org"
    )
    closed = PromotionFactory()

    open_response = client.get(embeddable.get_absolute_url())
    closed_response = client.get(closed.get_absolute_url())

    assert open_response["Content-Security-Policy"] == (
        "frame-ancestors 'self' www.example.com *.shop.example.org"
    )
    assert "X-Frame-Options" not in open_response
    assert closed_response["Content-Security-Policy"] == "frame-ancestors 'none'"
    assert closed_response["X-Frame-Options"] == "DENY"


def test_cross_site_cookies_leave_partitioned_and_first_party_ones_do_not(client, settings):
    promotion = PromotionFactory()
    first_party = client.get(promotion.get_absolute_url() + "?lang=en")
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SESSION_COOKIE_SAMESITE = settings.CSRF_COOKIE_SAMESITE = "None"
    client.cookies.clear()

    cross_site = client.get(promotion.get_absolute_url() + "?lang=en")

    for name in ("ph_dev", "ph_lang", "csrftoken"):
        assert "Partitioned" not in first_party.cookies[name].output()
        assert "SameSite=Lax" in first_party.cookies[name].output()
        written = cross_site.cookies[name].output()
        assert written.endswith("; Partitioned") and "SameSite=None" in written
        assert "Secure" in written
