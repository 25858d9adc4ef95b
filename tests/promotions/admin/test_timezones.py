"""Campaign and promotion forms speak the campaign's time zone (its own, else its brand's),
like its pages and lists."""

from __future__ import annotations

import zoneinfo
from datetime import UTC, datetime

import pytest

from promotions.models import Campaign, Promotion
from tests.factories import BrandFactory, BrandMembershipFactory, CampaignFactory
from tests.promotions.admin.conftest import admin_url
from tests.promotions.admin.forms import campaign_form, promotion_form

pytestmark = pytest.mark.django_db

PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def add_a_winter_promotion(client, campaign):
    """Post the add form of a promotion from 15 January 2030, 10:00, to 15 February, 18:30
    (as typed), in a campaign from 2026 to 2036 (saved with the campaign's other changes)."""
    campaign.starts_at = datetime(2026, 1, 1, tzinfo=UTC)
    campaign.ends_at = datetime(2036, 1, 1, tzinfo=UTC)
    campaign.save()
    data = promotion_form(
        campaign,
        starts_at_0="2030-01-15",
        starts_at_1="10:00:00",
        ends_at_0="2030-02-15",
        ends_at_1="18:30:00",
    )
    return client.post(f"/admin/promotions/promotion/add/?campaign={campaign.pk}", data)


def test_times_typed_in_a_promotion_form_are_the_brands(as_manager, alpha):
    # given: 10:00 in Paris on a winter day is 09:00 UTC

    # when
    response = add_a_winter_promotion(as_manager, alpha.campaign)

    # then
    assert response.status_code == 302
    promotion = Promotion.objects.get(slug="spring-draw")
    assert promotion.starts_at == datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    assert promotion.ends_at == datetime(2030, 2, 15, 17, 30, tzinfo=UTC)


def test_change_form_shows_the_brands_time_and_says_so(as_manager, alpha):
    alpha.promotion.starts_at = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 10:00 in Paris
    alpha.promotion.save()

    response = as_manager.get(admin_url(alpha.promotion))

    body = response.content.decode()
    assert 'name="starts_at_1" value="10:00:00"' in body
    assert "Times are in Europe/Paris." in body


def test_add_form_without_a_known_brand_zone_uses_utc(client, manager, alpha):
    # given: the manager also manages a brand in New York
    new_york = BrandFactory(name="Yankee Brand", timezone="America/New_York")
    BrandMembershipFactory(user=manager, brand=new_york, role="manager")
    CampaignFactory(brand=new_york)
    client.force_login(manager)

    plain = client.get("/admin/promotions/promotion/add/").content.decode()
    for_alpha = client.get(
        f"/admin/promotions/promotion/add/?campaign={alpha.campaign.pk}"
    ).content.decode()
    campaign_for_new_york = client.get(
        f"/admin/promotions/campaign/add/?brand={new_york.pk}"
    ).content.decode()

    assert "Times are in UTC." in plain
    assert "Times are in Europe/Paris." in for_alpha
    assert "Times are in America/New_York." in campaign_for_new_york


def test_list_shows_windows_in_the_brands_zone(as_manager, alpha):
    alpha.campaign.starts_at = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    alpha.campaign.save()

    body = as_manager.get("/admin/promotions/campaign/").content.decode()

    assert '<span class="ph-window" title="Europe/Paris">2026-07-01 10:00 →' in body


def test_a_campaign_with_a_zone_of_its_own_is_edited_and_listed_in_it(as_manager, alpha):
    # given: the Paris brand's campaign for Japan; 10:00 in Tokyo is 01:00 UTC
    alpha.campaign.timezone = "Asia/Tokyo"

    # when: a promotion is added to it, and its forms and list are opened
    added = add_a_winter_promotion(as_manager, alpha.campaign)
    promotion = Promotion.objects.get(slug="spring-draw")
    promotion_page = as_manager.get(admin_url(promotion)).content.decode()
    campaign_page = as_manager.get(admin_url(alpha.campaign)).content.decode()
    campaigns = as_manager.get("/admin/promotions/campaign/").content.decode()

    # then: every time is Tokyo's
    assert added.status_code == 302
    assert promotion.starts_at == datetime(2030, 1, 15, 1, 0, tzinfo=UTC)
    assert 'name="starts_at_1" value="10:00:00"' in promotion_page
    assert (
        "Times are in Asia/Tokyo." in promotion_page and "Times are in Asia/Tokyo." in campaign_page
    )
    assert 'name="timezone" value="Asia/Tokyo"' in campaign_page
    assert '<span class="ph-window" title="Asia/Tokyo">2026-01-01 09:00 →' in campaigns


def test_a_window_is_read_in_the_zone_chosen_in_the_same_save(as_manager, alpha):
    # given: a Paris brand; its campaign for New York is added, one for Tokyo is changed
    window = {
        "starts_at_0": "2030-01-15",
        "starts_at_1": "10:00:00",
        "ends_at_0": "2030-02-15",
        "ends_at_1": "18:30:00",
    }
    tokyo = CampaignFactory(brand=alpha.brand, slug="tokyo")

    # when
    added = as_manager.post(
        "/admin/promotions/campaign/add/",
        campaign_form(alpha.brand, timezone="America/New_York", **window),
    )
    changed = as_manager.post(
        admin_url(tokyo),
        campaign_form(alpha.brand, slug="tokyo", timezone="Asia/Tokyo", **window),
    )
    emptied = as_manager.post(  # the zone left empty again: the brand's, Paris
        admin_url(tokyo), campaign_form(alpha.brand, slug="tokyo", timezone="", **window)
    )

    # then: 10:00 as typed, in the zone the form chose
    assert (added.status_code, changed.status_code, emptied.status_code) == (302, 302, 302)
    new_york = Campaign.objects.get(slug="summer")
    assert (new_york.starts_at, new_york.ends_at) == (
        datetime(2030, 1, 15, 15, 0, tzinfo=UTC),
        datetime(2030, 2, 15, 23, 30, tzinfo=UTC),
    )
    tokyo.refresh_from_db()
    assert tokyo.timezone == "" and tokyo.starts_at == datetime(2030, 1, 15, 9, 0, tzinfo=UTC)


def test_an_unknown_zone_is_a_form_error_and_changes_nothing(as_manager, alpha):
    before = (alpha.campaign.timezone, alpha.campaign.starts_at)

    response = as_manager.post(
        admin_url(alpha.campaign),
        campaign_form(alpha.brand, slug=alpha.campaign.slug, timezone="Mars/Olympus"),
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["timezone"] == [
        "Mars/Olympus is not a known IANA time zone."
    ]
    alpha.campaign.refresh_from_db()
    assert (alpha.campaign.timezone, alpha.campaign.starts_at) == before
