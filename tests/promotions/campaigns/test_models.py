from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from promotions.models import Brand, Campaign, Promotion, Status
from tests.factories import BrandFactory, CampaignFactory, PromotionFactory

pytestmark = pytest.mark.django_db


def test_live_promotions_need_an_active_promotion_and_campaign_inside_their_windows():
    now = timezone.now()
    live = PromotionFactory()
    PromotionFactory(campaign=live.campaign, status=Status.DRAFT)
    PromotionFactory(campaign=live.campaign, starts_at=now + timedelta(days=1))
    PromotionFactory(campaign=live.campaign, ends_at=now - timedelta(days=1))
    PromotionFactory(campaign=CampaignFactory(status=Status.PAUSED))

    assert list(Promotion.objects.live(at=now)) == [live]


def test_live_at_a_given_time_is_half_open():
    promotion = PromotionFactory()

    assert promotion in Promotion.objects.live(at=promotion.starts_at)
    assert promotion not in Promotion.objects.live(at=promotion.ends_at)
    assert Campaign.objects.live(at=promotion.campaign.ends_at).count() == 0


def test_promotion_window_must_lie_inside_the_campaign_window():
    campaign = CampaignFactory()
    promotion = PromotionFactory.build(
        campaign=campaign, starts_at=campaign.starts_at - timedelta(hours=1)
    )

    with pytest.raises(ValidationError) as excinfo:
        promotion.full_clean()

    assert "inside the campaign" in str(excinfo.value.message_dict["starts_at"])


def test_window_end_must_follow_start_and_the_database_says_so_too():
    campaign = CampaignFactory.build(ends_at=timezone.now() - timedelta(days=20))
    with pytest.raises(ValidationError) as excinfo:
        campaign.full_clean()
    assert excinfo.value.message_dict["ends_at"] == ["The end must come after the start."]

    brand = BrandFactory()
    moment = timezone.now()
    with pytest.raises(IntegrityError):
        Campaign.objects.create(brand=brand, slug="x", name="x", starts_at=moment, ends_at=moment)


def test_slugs_are_unique_per_parent_only():
    campaign = CampaignFactory(slug="launch")
    other_brand_campaign = CampaignFactory(slug="launch")
    PromotionFactory(campaign=campaign, slug="giveaway")
    PromotionFactory(campaign=other_brand_campaign, slug="giveaway")

    duplicate = PromotionFactory.build(campaign=campaign, slug="giveaway")
    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert "__all__" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        CampaignFactory.build(brand=campaign.brand, slug="launch").full_clean()


def test_reserved_slug_and_plain_http_target_are_refused():
    promotion = PromotionFactory.build(
        campaign=CampaignFactory(), slug="shop", cta_url="http://example.com/"
    )

    with pytest.raises(ValidationError) as excinfo:
        promotion.full_clean()

    errors = excinfo.value.message_dict
    assert errors["slug"] == ["shop is used by the hub itself; choose another slug."]
    assert errors["cta_url"] == ["The target must be an https:// address."]


def test_shrinking_a_campaign_window_cannot_strand_its_promotions():
    promotion = PromotionFactory(slug="giveaway")
    campaign = promotion.campaign
    campaign.ends_at = promotion.ends_at - timedelta(days=1)

    with pytest.raises(ValidationError) as excinfo:
        campaign.full_clean()

    assert "giveaway" in str(excinfo.value)


def test_brand_validates_timezone_page_id_and_embed_domains():
    brand = Brand(
        slug="b",
        name="B",
        timezone="Mars/Olympus",
        facebook_page_id="12ab",
        embed_domains="www.example.com\n  *.Shop.Example.org \nhttps://bad.example.com/",
    )

    with pytest.raises(ValidationError) as excinfo:
        brand.full_clean()

    errors = excinfo.value.message_dict
    assert errors["timezone"] == ["Mars/Olympus is not a known IANA time zone."]
    assert errors["facebook_page_id"] == ["A Facebook Page id is digits only."]
    assert errors["embed_domains"] == [
        "'https://bad.example.com/' is not a host name (example: www.example.com)."
    ]


def test_brand_embed_domains_are_normalised():
    brand = Brand(slug="b", name="B", embed_domains=" www.Example.com \n\n*.shop.example.org")

    brand.full_clean()

    assert brand.embed_domains == "www.example.com\n*.shop.example.org"
    assert brand.embed_domain_list == ["www.example.com", "*.shop.example.org"]


def test_brands_for_a_user_follow_memberships(django_user_model):
    from tests.factories import BrandMembershipFactory, StaffUserFactory

    membership = BrandMembershipFactory()
    BrandFactory()
    superuser = django_user_model.objects.create_superuser("root", "r@example.com", "pw")

    assert list(Brand.objects.for_user(membership.user)) == [membership.brand]
    assert Brand.objects.for_user(superuser).count() == 2
    assert Brand.objects.for_user(StaffUserFactory()).count() == 0
