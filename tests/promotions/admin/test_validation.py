"""The models' rules (clean() and constraints) come back as form errors, never as a 500."""

from __future__ import annotations

from datetime import timedelta

import pytest

from promotions.models import Promotion
from tests.factories import PromotionFactory
from tests.promotions.admin.conftest import admin_url
from tests.promotions.admin.forms import campaign_form, promotion_form, split_datetime

pytestmark = pytest.mark.django_db


def form_errors(response) -> dict[str, list[str]]:
    assert response.status_code == 200, response.status_code
    return {k: list(v) for k, v in response.context["adminform"].form.errors.items()}


def test_promotion_window_outside_its_campaign_is_a_form_error(as_manager, alpha):
    # given: the campaign runs in Europe/Paris; the promotion would end a day after it
    data = promotion_form(
        alpha.campaign, **split_datetime("ends_at", alpha.campaign.ends_at + timedelta(days=1))
    )

    # when
    response = as_manager.post("/admin/promotions/promotion/add/", data)

    # then
    tz = alpha.brand.tzinfo
    start = alpha.campaign.starts_at.astimezone(tz)
    end = alpha.campaign.ends_at.astimezone(tz)
    assert form_errors(response) == {
        "starts_at": [
            f"The window must lie inside the campaign's, {start:%Y-%m-%d %H:%M} to "
            f"{end:%Y-%m-%d %H:%M} (Europe/Paris)."
        ]
    }
    assert 'class="errornote"' in response.content.decode()
    assert not Promotion.objects.filter(slug="spring-draw").exists()


def test_changing_a_promotion_to_outside_the_window_is_a_form_error(as_manager, alpha):
    data = promotion_form(
        alpha.campaign,
        slug=alpha.promotion.slug,
        **split_datetime("starts_at", alpha.campaign.starts_at - timedelta(days=3)),
    )

    response = as_manager.post(admin_url(alpha.promotion), data)

    assert list(form_errors(response)) == ["starts_at"]
    alpha.promotion.refresh_from_db()
    assert alpha.promotion.starts_at == alpha.campaign.starts_at


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"slug": "shop"}, {"slug": ["shop is used by the hub itself; choose another slug."]}),
        (
            {"cta_url": "http://example.com/"},
            {"cta_url": ["The target must be an https:// address."]},
        ),
        (
            {"slug": "giveaway"},
            {"__all__": ["Promotion with this Campaign and Slug already exists."]},
        ),
        ({"official_rules": ""}, {"official_rules": ["This field is required."]}),
    ],
)
def test_promotion_rules_are_form_errors(as_manager, alpha, overrides, errors):
    before = Promotion.objects.count()

    response = as_manager.post(
        "/admin/promotions/promotion/add/", promotion_form(alpha.campaign, **overrides)
    )

    assert form_errors(response) == errors
    assert Promotion.objects.count() == before


def test_end_before_start_is_a_form_error(as_manager, alpha):
    data = promotion_form(
        alpha.campaign,
        **split_datetime("ends_at", alpha.campaign.starts_at + timedelta(minutes=30)),
    )

    response = as_manager.post("/admin/promotions/promotion/add/", data)

    assert form_errors(response) == {"ends_at": ["The end must come after the start."]}


def test_shrinking_a_campaign_around_its_promotions_is_a_form_error(as_manager, alpha):
    data = campaign_form(
        alpha.brand,
        name=alpha.campaign.name,
        slug=alpha.campaign.slug,
        status="active",
        **split_datetime("starts_at", alpha.campaign.starts_at + timedelta(days=2)),
        **split_datetime("ends_at", alpha.campaign.ends_at),
        **{
            "promotions-TOTAL_FORMS": "0",
            "promotions-INITIAL_FORMS": "0",
        },
    )

    response = as_manager.post(admin_url(alpha.campaign), data)

    assert form_errors(response) == {
        "__all__": ["These promotions would fall outside the new window: giveaway."]
    }


def test_promotion_inline_shows_the_rules_of_each_row(as_manager, alpha):
    other = PromotionFactory(campaign=alpha.campaign, slug="second")
    rows = []
    for i, promotion in enumerate([alpha.promotion, other]):
        row = {
            f"promotions-{i}-id": promotion.pk,
            f"promotions-{i}-campaign": alpha.campaign.pk,
            f"promotions-{i}-slug": promotion.slug,
            f"promotions-{i}-kind": promotion.kind,
            f"promotions-{i}-title": promotion.title,
            f"promotions-{i}-status": promotion.status,
            f"promotions-{i}-position": promotion.position,
            **split_datetime(f"promotions-{i}-starts_at", promotion.starts_at),
            **split_datetime(f"promotions-{i}-ends_at", promotion.ends_at),
        }
        rows.append(row)
    rows[1]["promotions-1-slug"] = "rules"  # reserved
    data = campaign_form(
        alpha.brand,
        name=alpha.campaign.name,
        slug=alpha.campaign.slug,
        status="active",
        **split_datetime("starts_at", alpha.campaign.starts_at),
        **split_datetime("ends_at", alpha.campaign.ends_at),
        **{"promotions-TOTAL_FORMS": "2", "promotions-INITIAL_FORMS": "2"},
        **rows[0],
        **rows[1],
    )

    response = as_manager.post(admin_url(alpha.campaign), data)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.errors == [
        {},
        {"slug": ["rules is used by the hub itself; choose another slug."]},
    ]
    other.refresh_from_db()
    assert other.slug == "second"


def test_brand_embed_domains_are_checked(as_manager, alpha):
    response = as_manager.post(
        admin_url(alpha.brand),
        {
            "name": "Alpha Brand",
            "timezone": "Mars/Olympus",
            "language": "en",
            "facebook_page_id": "",
            "embed_domains": "https://www.example.com/\nshop.example.com",
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )

    assert form_errors(response) == {
        "timezone": ["Mars/Olympus is not a known IANA time zone."],
        "embed_domains": [
            "'https://www.example.com/' is not a host name (example: www.example.com)."
        ],
    }
