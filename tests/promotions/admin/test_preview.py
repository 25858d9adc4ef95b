"""The admin's links to the consumer pages: a draft can be previewed by the brand's staff."""

from __future__ import annotations

import pytest

from promotions.models import Status
from tests.factories import PromotionFactory
from tests.promotions.admin.conftest import admin_url

pytestmark = pytest.mark.django_db


def test_promotion_change_page_links_to_its_tab_and_hub(as_manager, alpha):
    response = as_manager.get(admin_url(alpha.promotion))

    body = response.content.decode()
    tab = "/p/alpha/alpha-launch/giveaway/"
    assert f'href="{tab}"' in body  # "View on site" and the preview link
    assert 'href="/p/alpha/alpha-launch/#giveaway"' in body
    assert response.context["has_absolute_url"] is True


def test_preview_link_of_a_draft_works_for_the_brands_staff_only(client, manager, alpha, bravo):
    draft = PromotionFactory(campaign=alpha.campaign, slug="secret", status=Status.DRAFT)
    url = draft.get_absolute_url()

    anonymous = client.get(url)
    client.force_login(manager)
    staff = client.get(url)

    assert anonymous.status_code == 404
    assert staff.status_code == 200
    assert staff.context["preview"] is True
    assert draft.title in staff.content.decode()


def test_campaign_page_links_to_adding_a_promotion_with_its_window(as_manager, alpha):
    change = as_manager.get(admin_url(alpha.campaign)).content.decode()
    add = as_manager.get(f"/admin/promotions/promotion/add/?campaign={alpha.campaign.pk}")

    assert f'href="/admin/promotions/promotion/add/?campaign={alpha.campaign.pk}"' in change
    initial = add.context["adminform"].form.initial
    assert initial["campaign"] == str(alpha.campaign.pk)
    assert initial["ends_at"] == alpha.campaign.ends_at


def test_analyst_gets_no_link_to_add_a_promotion(as_analyst, alpha):
    change = as_analyst.get(admin_url(alpha.campaign)).content.decode()

    assert "/admin/promotions/promotion/add/" not in change


def test_add_link_for_another_brands_campaign_proposes_nothing(as_manager, bravo):
    add = as_manager.get(f"/admin/promotions/promotion/add/?campaign={bravo.campaign.pk}")

    assert "ends_at" not in add.context["adminform"].form.initial
    assert "Bravo" not in add.content.decode()


def test_view_on_site_links_go_straight_to_the_pages(as_manager, alpha):
    body = as_manager.get(admin_url(alpha.campaign)).content.decode()

    assert 'href="/p/alpha/alpha-launch/"' in body
    assert 'href="/p/alpha/alpha-launch/giveaway/"' in body  # the promotions inline
    assert "/admin/r/" not in body


def test_hub_preview_flags_what_consumers_do_not_see(client, manager, alpha):
    PromotionFactory(campaign=alpha.campaign, slug="secret", title="Secret", status=Status.DRAFT)
    client.force_login(manager)

    body = client.get(alpha.campaign.get_absolute_url()).content.decode()

    assert 'Secret <span class="flag">draft</span></a>' in body
    assert "Alpha Giveaway</a>" in body  # live: no flag
