"""A campaign goes live only in the languages its texts are written in."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from promotions.campaigns.languages import campaign_language_status
from promotions.models import Promotion, Status
from tests.factories import CampaignFactory, PromotionFactory

pytestmark = pytest.mark.django_db

MISSING_FRENCH = (  # also tests/promotions/admin/test_languages.py
    "giveaway has no official rules in Français: a campaign cannot be live in a language "
    "whose official rules or consent texts are missing. Write them, or remove Français "
    "from the languages."
)


def test_a_campaign_missing_its_french_rules_cannot_be_made_live_in_french():
    promotion = PromotionFactory(slug="giveaway", title_fr="Gagnez", campaign__status="draft")
    campaign = promotion.campaign
    campaign.languages = ["fr"]
    campaign.full_clean()  # a draft may list French while it is being written

    campaign.status = Status.ACTIVE
    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()

    assert refused.value.message_dict == {"languages": [MISSING_FRENCH]}


def test_with_its_french_rules_it_goes_live_in_french():
    promotion = PromotionFactory(
        slug="giveaway",
        title_fr="Gagnez",
        official_rules_fr="Ouvert à tous.",
        campaign__status="draft",
    )
    campaign = promotion.campaign
    campaign.languages = ["fr"]
    campaign.status = Status.ACTIVE

    campaign.full_clean()


def test_a_custom_consent_text_must_be_translated_too():
    promotion = PromotionFactory(
        slug="giveaway",
        title_fr="Gagnez",
        official_rules_fr="Ouvert à tous.",
        privacy_notice_en="We keep your email for a year.",
        campaign__languages=["fr"],
    )

    with pytest.raises(ValidationError) as refused:
        promotion.campaign.full_clean()

    assert "giveaway has no privacy notice in Français" in str(refused.value)


def test_a_promotion_cannot_go_live_in_a_live_campaigns_language_without_its_rules():
    promotion = PromotionFactory(slug="giveaway", status="draft", campaign__languages=["de"])
    promotion.full_clean()

    promotion.status = Status.ACTIVE
    with pytest.raises(ValidationError) as refused:
        promotion.full_clean()

    assert "giveaway has no official rules, title in Deutsch" in str(refused.value)


def test_unknown_languages_are_refused():
    campaign = CampaignFactory.build(brand=CampaignFactory().brand, languages=["fr", "klingon"])

    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()

    assert refused.value.message_dict["languages"] == ["Not languages the service offers: klingon."]


def test_each_language_has_a_status():
    promotion = PromotionFactory(
        slug="giveaway",
        title_fr="Gagnez",
        official_rules_fr="Ouvert à tous.",
        title_de="Gewinnen",
        campaign__name_fr="Lancement",
        campaign__name_de="Start",
        campaign__languages=["fr", "de", "es"],
        campaign__reviewed_languages=["fr"],
    )

    statuses = campaign_language_status(promotion.campaign)

    assert statuses == {"en": "draft", "fr": "reviewed", "de": "missing", "es": "missing"}


def test_outside_a_page_a_text_written_in_one_language_only_is_still_read():
    # given: a French brand's promotion, written in French only (as the data migration
    # leaves existing content)
    promotion = PromotionFactory(campaign__brand__language="fr", title_fr="Gagnez")
    Promotion.objects.filter(pk=promotion.pk).update(title_en=None)

    # when: read in English with no brand's page around it (API, admin lists, exports)
    with translation.override("en"):
        title = Promotion.objects.get(pk=promotion.pk).title

    assert title == "Gagnez"
