"""The connected Pages admin: brand scoping (another brand's manager neither sees nor
connects), analysts read only, search and filters, and the recent-posts picker."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client

from promotions.models import BrandMembership, ConnectedPage
from promotions.social import connection_views
from tests.factories import BrandFactory, BrandMembershipFactory
from tests.factories.promotions import ConnectedPageFactory
from tests.fakes import graph_pages

pytestmark = pytest.mark.django_db

LIST = "/admin/promotions/connectedpage/"


def staff(brand, role=BrandMembership.Role.MANAGER) -> Client:
    browser = Client()
    browser.force_login(BrandMembershipFactory(brand=brand, role=role).user)
    return browser


@pytest.fixture
def alpha():
    return BrandFactory(name="Alpha Brand", slug="alpha")


@pytest.fixture
def bravo():
    return BrandFactory(name="Bravo Brand", slug="bravo")


@pytest.fixture
def alpha_page(alpha, fake_pages):
    graph_pages.marketer_add(fake_pages)
    token = graph_pages.page_add(
        fake_pages,
        page_id="111",
        name="Alpha on Facebook",
        instagram=("17841400001", "alpha.ig"),
        posts=30,
        media=3,
    )
    return ConnectedPageFactory(
        brand=alpha,
        page_id="111",
        name="Alpha on Facebook",
        access_token=token,
        instagram_account_id="17841400001",
        instagram_username="alpha.ig",
    )


def test_another_brands_manager_neither_sees_nor_connects(alpha, bravo, alpha_page, fake_pages):
    bravo_manager = staff(bravo)

    listed = bravo_manager.get(LIST)
    change = bravo_manager.get(f"{LIST}{alpha_page.pk}/change/")
    posts = bravo_manager.get(f"{LIST}{alpha_page.pk}/posts/")
    connect = bravo_manager.get(f"{LIST}connect/?brand={alpha.pk}")

    assert listed.status_code == 200 and listed.context["cl"].result_count == 0
    assert "Alpha on Facebook" not in listed.content.decode()
    assert change.status_code == 302  # Django's "does not exist" → back to the index
    assert posts.status_code == 404
    assert connect.status_code == 403
    assert fake_pages.calls("GET", "/111/posts") == []


def test_an_analyst_reads_but_cannot_connect(alpha, alpha_page):
    analyst = staff(alpha, BrandMembership.Role.ANALYST)

    listed = analyst.get(LIST)
    connect = analyst.get(f"{LIST}connect/?brand={alpha.pk}")

    assert listed.context["cl"].result_count == 1
    assert "Connect a Facebook Page" not in listed.content.decode()
    assert connect.status_code == 403


def test_a_manager_of_two_brands_chooses_the_brand_first(alpha, bravo, fake_pages):
    browser = staff(alpha)
    BrandMembershipFactory(
        brand=bravo, user=BrandMembership.objects.get(brand=alpha).user, role="manager"
    )

    listed = browser.get(LIST).content.decode()
    chooser = browser.get(f"{LIST}connect/")

    assert 'id="connect-page"' in listed and "Connect a Facebook Page" in listed
    text = chooser.content.decode()
    assert f"?brand={alpha.pk}" in text and f"?brand={bravo.pk}" in text


def test_search_and_filters(alpha, alpha_page):
    ConnectedPageFactory(brand=alpha, name="Alpha Outlet", instagram_account_id="")
    browser = staff(alpha)

    found = browser.get(LIST, {"q": "alpha.ig"})
    linked = browser.get(LIST, {"instagram": "yes"})
    unlinked = browser.get(LIST, {"instagram": "no"})

    assert list(found.context["cl"].result_list) == [alpha_page]
    assert list(linked.context["cl"].result_list) == [alpha_page]
    assert [p.name for p in unlinked.context["cl"].result_list] == ["Alpha Outlet"]
    assert "Add connected page" not in found.content.decode()


def test_recent_posts_are_listed_with_id_permalink_and_older_pages(alpha, alpha_page, fake_pages):
    browser = staff(alpha)

    first = browser.get(f"{LIST}{alpha_page.pk}/posts/")

    text = first.content.decode()
    assert first.status_code == 200
    assert text.count('class="post-row"') == 25
    assert "<code>111_1000</code>" in text and "https://www.facebook.com/111/posts/1000" in text
    assert alpha_page.access_token not in text
    older = first.context["next_url"]
    assert older is not None
    second = browser.get(older)
    assert second.content.decode().count('class="post-row"') == 5
    assert second.context["next_url"] is None
    [call, _] = fake_pages.calls("GET", "/111/posts")
    assert call.query["fields"] == "id,message,created_time,permalink_url"


def test_instagram_media_and_the_use_this_post_link(alpha, alpha_page, monkeypatch):
    monkeypatch.setattr(connection_views, "USE_POST_URL_NAME", "admin:promotions_promotion_add")
    browser = staff(alpha)

    response = browser.get(f"{LIST}{alpha_page.pk}/posts/", {"platform": "instagram"})

    text = response.content.decode()
    assert text.count('class="post-row"') == 3 and "Photo 0 #giveaway" in text
    [row, *_] = response.context["rows"]
    link = urlsplit(row["use_url"])
    assert link.path == "/admin/promotions/promotion/add/"
    assert parse_qs(link.query) == {
        "object_id": [row["post"].object_id],
        "platform": ["instagram"],
        "page": [str(alpha_page.pk)],
    }
    assert "Use this post" in text


def test_posts_of_a_page_without_instagram_or_with_a_dead_token_say_why(alpha, fake_pages):
    graph_pages.marketer_add(fake_pages)
    token = graph_pages.page_add(fake_pages, page_id="222", name="Plain", posts=1)
    page = ConnectedPageFactory(brand=alpha, page_id="222", access_token=token)
    browser = staff(alpha)

    no_ig = browser.get(f"{LIST}{page.pk}/posts/", {"platform": "instagram"})
    graph_pages.token_invalidate(fake_pages, token)
    dead = browser.get(f"{LIST}{page.pk}/posts/")
    ConnectedPage.objects.filter(pk=page.pk).update(token_status="expired")
    expired = browser.get(f"{LIST}{page.pk}/posts/")

    assert "No Instagram professional account is linked" in no_ig.content.decode()
    assert dead.status_code == 200
    assert "Facebook did not list the posts: Error validating access token" in (
        dead.content.decode()
    )
    assert token not in dead.content.decode()
    assert "connect it again" in expired.content.decode()


def test_use_this_post_opens_the_source_form_prefilled_and_adds_the_post(
    alpha, alpha_page, fake_pages
):
    from datetime import timedelta

    from django.utils import timezone

    from promotions.models import SocialSource
    from tests.factories import CampaignFactory, PromotionFactory

    # given: a comment giveaway of the brand (open) and its manager on the posts page
    now = timezone.now()
    campaign = CampaignFactory(
        brand=alpha, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=9)
    )
    promotion = PromotionFactory(campaign=campaign, title="Comment to win")
    browser = staff(alpha)
    posts = browser.get(f"{LIST}{alpha_page.pk}/posts/")
    row = posts.context["rows"][0]
    assert connection_views.USE_POST_URL_NAME == "admin:promotions_socialsource_add"
    assert urlsplit(row["use_url"]).path == "/admin/promotions/socialsource/add/"

    # when: they follow "Use this post"
    form_page = browser.get(row["use_url"])

    # then: the add form holds the post, its platform and the Page; saving adds the source
    assert form_page.status_code == 200
    form = form_page.context["adminform"].form
    assert form.initial["object_id"] == row["post"].object_id
    assert form.initial["platform"] == "facebook"
    assert str(form.initial["page"]) == str(alpha_page.pk)
    html = form_page.content.decode()
    assert f'value="{row["post"].object_id}"' in html
    assert f'<option value="{alpha_page.pk}" selected>' in html
    saved = browser.post(
        "/admin/promotions/socialsource/add/",
        {
            "promotion": promotion.pk,
            "page": alpha_page.pk,
            "address": "",
            "platform": "facebook",
            "object_id": row["post"].object_id,
            "permalink": "",
        },
    )
    assert saved.status_code == 302, saved.content.decode()[:2000]
    source = SocialSource.objects.get()
    assert (source.promotion, source.page, source.object_id) == (
        promotion,
        alpha_page,
        row["post"].object_id,
    )
