"""A campaign's live-wall link can be retired from admin: the screens that should keep
watching get the new link, everyone else's copy stops working."""

from __future__ import annotations

from django.core import signing
from django.test import Client

from promotions.reports.live import live_wall_url


def renew(client, *campaigns):
    return client.post(
        "/admin/promotions/campaign/",
        {"action": "renew_live_wall_links", "_selected_action": [c.pk for c in campaigns]},
        follow=True,
    )


def test_renewing_retires_the_old_link_and_the_new_one_opens_the_wall(as_manager, alpha):
    old = live_wall_url(campaign=alpha.campaign)
    assert Client().get(old).status_code == 200

    response = renew(as_manager, alpha.campaign)

    assert [str(m) for m in response.context["messages"]] == [
        "New live-wall link for 1 campaign: give the screens the new one."
    ]
    alpha.campaign.refresh_from_db()
    new = live_wall_url(campaign=alpha.campaign)
    screen = Client()
    assert new != old
    assert screen.get(old).status_code == 404
    assert screen.get(old.replace("/?key=", "/snapshot.json?key=")).status_code == 404
    assert screen.get(new).status_code == 200


def test_links_made_before_versions_still_open_the_wall_until_renewed(alpha):
    legacy = signing.dumps({"c": alpha.campaign.pk}, salt="promotions.live-wall", compress=True)
    url = f"/live/{alpha.brand.slug}/{alpha.campaign.slug}/?key={legacy}"

    assert Client().get(url).status_code == 200
    alpha.campaign.live_wall_key_version += 1
    alpha.campaign.save()
    assert Client().get(url).status_code == 404


def test_a_manager_cannot_renew_another_brands_links(client, manager, alpha, bravo):
    bravo_link = live_wall_url(campaign=bravo.campaign)
    client.force_login(manager)

    renew(client, alpha.campaign, bravo.campaign)

    bravo.campaign.refresh_from_db()
    assert bravo.campaign.live_wall_key_version == 1
    assert Client().get(bravo_link).status_code == 200


def test_an_analyst_cannot_renew_links(as_analyst, alpha):
    response = renew(as_analyst, alpha.campaign)

    alpha.campaign.refresh_from_db()
    assert alpha.campaign.live_wall_key_version == 1
    assert response.status_code in (200, 403)
