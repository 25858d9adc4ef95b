"""Admin: a marketer adds a post by its address, sets rules (mentions refused on
Facebook, with Facebook's rule as the reason), sees only their brand's comments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from promotions.admin.social import SocialSourceAdmin
from promotions.entries.models import Entry
from promotions.social import importer
from promotions.social.models import SocialComment, SocialRules, SocialSource
from tests.admin_forms import changeform_data
from tests.factories import BrandMembershipFactory, StaffUserFactory
from tests.factories.promotions import ConnectedPageFactory, PromotionFactory, SocialCommentFactory
from tests.fakes import graph_comments
from tests.promotions.social.conftest import PAGE_ID, POST_ID, giveaway

pytestmark = pytest.mark.django_db


@pytest.fixture
def marketer(client):
    promotion, source = giveaway()
    user = StaffUserFactory(username="mia")
    BrandMembershipFactory(brand=promotion.campaign.brand, user=user, role="manager")
    client.force_login(user)
    return client, promotion, source


def test_a_source_is_added_by_its_permalink(marketer):
    client, promotion, source = marketer
    other = PromotionFactory(campaign=promotion.campaign, slug="second")

    response = client.post(
        "/admin/promotions/socialsource/add/",
        {
            "promotion": other.pk,
            "page": source.page_id,
            "address": f"https://www.facebook.com/{PAGE_ID}/posts/4455",
        },
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    added = SocialSource.objects.get(promotion=other)
    assert (added.platform, added.object_id) == ("facebook", f"{PAGE_ID}_4455")
    assert added.permalink.endswith("/posts/4455")


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("https://example.com/x", "Paste a Facebook post"),
        ("https://www.facebook.com/999/posts/1", "not one of the Page"),
    ],
)
def test_a_bad_address_is_a_form_error(marketer, address, message):
    client, promotion, source = marketer
    response = client.post(
        "/admin/promotions/socialsource/add/",
        {"promotion": promotion.pk, "page": source.page_id, "address": address},
    )
    assert response.status_code == 200
    assert message in response.content.decode()


def test_mentions_on_a_facebook_post_are_refused_with_facebooks_rule(marketer):
    client, promotion, _source = marketer
    rules = promotion.social_rules

    response = client.post(
        f"/admin/promotions/socialrules/{rules.pk}/change/",
        {
            "promotion": promotion.pk,
            "entry_kind": "comments",
            "weighting": "per_person",
            "min_mentions": 2,
            "exclude_page": "on",
            "reply_text": "",
        },
    )

    assert response.status_code == 200
    assert "forbid asking people to tag friends" in response.content.decode()
    assert SocialRules.objects.get(pk=rules.pk).min_mentions == 0


def test_comments_of_another_brand_are_not_shown(marketer):
    client, _promotion, source = marketer
    mine = SocialCommentFactory(source=source)
    theirs = SocialCommentFactory(source__page=ConnectedPageFactory())

    page = client.get("/admin/promotions/socialcomment/")

    assert page.status_code == 200
    assert mine.comment_id in page.content.decode()
    assert theirs.comment_id not in page.content.decode()
    assert client.get(f"/admin/promotions/socialcomment/{theirs.pk}/change/").status_code in (
        302,
        404,
    )
    assert SocialComment.objects.count() == 2


def test_the_rules_page_says_how_to_enter_on_the_post_and_the_weighting(client):
    promotion, source = giveaway(weighting="per_comment", keyword="#go")
    source.permalink = f"https://www.facebook.com/{PAGE_ID}/posts/777888999"
    source.save()
    campaign = promotion.campaign

    page = client.get(f"/p/{campaign.brand.slug}/{campaign.slug}/{promotion.slug}/rules/")

    html = page.content.decode()
    assert page.status_code == 200
    assert "Each comment is one entry" in html and "#go" in html and source.permalink in html


def test_saving_a_source_while_it_imports_keeps_the_imports_place(marketer, monkeypatch):
    client, _promotion, source = marketer
    url = f"/admin/promotions/socialsource/{source.pk}/change/"
    data = changeform_data(client.get(url), permalink="https://www.facebook.com/p/1")
    save_model = SocialSourceAdmin.save_model

    def import_meanwhile(self, request, obj, form, change):
        SocialSource.objects.filter(pk=source.pk).update(cursor="after-page-7", pass_number=3)
        save_model(self, request, obj, form, change)

    monkeypatch.setattr(SocialSourceAdmin, "save_model", import_meanwhile)
    response = client.post(url, data)

    assert response.status_code == 302, response.content.decode()[:2000]
    source.refresh_from_db()
    assert (source.permalink, source.cursor, source.pass_number) == (
        "https://www.facebook.com/p/1",
        "after-page-7",
        3,
    )


def test_moving_the_window_judges_the_stored_comments_again(
    marketer, graph_post, django_capture_on_commit_callbacks
):
    # given: the post went live before the promotion opened; its comments were excluded
    client, promotion, _source = marketer
    start = promotion.starts_at
    graph_post.state["posts"][POST_ID]["comments"] += [
        graph_comments.comment(
            f"{POST_ID.split('_')[1]}_{n}",
            author=f"{800 + n}",
            message="me!",
            at=start - timedelta(hours=2),
        )
        for n in range(3)
    ]
    importer.social_promotion_import(promotion=promotion)
    before = list(SocialComment.objects.values_list("reason", flat=True))

    # when: the marketer opens the promotion a day earlier
    url = f"/admin/promotions/promotion/{promotion.pk}/change/"
    page = client.get(url)
    earlier = (start - timedelta(days=1)).astimezone(promotion.campaign.tzinfo)
    data = changeform_data(
        page,
        starts_at_0=f"{earlier:%Y-%m-%d}",
        starts_at_1=f"{earlier:%H:%M:%S}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        saved = client.post(url, data)

    # then: the comments count
    assert saved.status_code == 302, saved.content.decode()[:3000]
    assert before == ["before_start"] * 3
    assert set(SocialComment.objects.values_list("status", "reason")) == {("entered", "")}
    assert Entry.objects.filter(promotion=promotion, status="valid").count() == 3
