"""Admin shows each language's status and writes each language's columns; it refuses to
make a campaign live in a language whose rules are missing."""

from __future__ import annotations

import pytest

from promotions.models import Campaign, Promotion
from tests.promotions.admin.conftest import admin_url
from tests.promotions.admin.forms import campaign_form, promotion_form, split_datetime
from tests.promotions.campaigns.test_languages import MISSING_FRENCH

pytestmark = pytest.mark.django_db


def test_admin_refuses_to_make_a_campaign_live_in_french_without_its_rules(as_manager, alpha):
    alpha.promotion.title_fr = "Le tirage Alpha"
    alpha.promotion.save()
    data = campaign_form(
        alpha.brand,
        name=alpha.campaign.name,
        slug=alpha.campaign.slug,
        status="active",
        languages=["fr"],
        **split_datetime("starts_at", alpha.campaign.starts_at),
        **split_datetime("ends_at", alpha.campaign.ends_at),
    )

    response = as_manager.post(admin_url(alpha.campaign), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["languages"] == [MISSING_FRENCH]
    assert Campaign.objects.get(pk=alpha.campaign.pk).languages == []


def test_admin_writes_each_languages_texts_and_shows_their_status(as_manager, alpha):
    data = promotion_form(
        alpha.campaign,
        slug="giveaway",
        title="Alpha Giveaway",
        title_fr="Le tirage Alpha",
        official_rules_fr="Ouvert aux résidents de 18 ans et plus.",
        cta_label_fr="Participer",
    )

    saved = as_manager.post(admin_url(alpha.promotion), data)
    page = as_manager.get(admin_url(alpha.campaign))

    assert saved.status_code == 302
    promotion = Promotion.objects.get(pk=alpha.promotion.pk)
    assert (promotion.title_en, promotion.title_fr, promotion.cta_label_fr) == (
        "Alpha Giveaway",
        "Le tirage Alpha",
        "Participer",
    )
    assert promotion.official_rules_en == "Open to residents aged 18 and over."
    body = page.content.decode()
    assert 'name="title_fr"' not in body  # the campaign page: its own fields only
    assert 'name="name_fr"' in body and 'name="languages"' in body
    assert '<td>Français (fr)</td><td>not offered</td><td><span class="status-missing">' in body


def test_admin_with_french_brand_edits_the_french_column_under_the_fields_own_name(
    as_manager, alpha
):
    alpha.brand.language = "fr"
    alpha.brand.save()

    page = as_manager.get(admin_url(alpha.promotion))
    saved = as_manager.post(
        admin_url(alpha.promotion),
        # the browser sends back the other languages' fields as the page showed them
        promotion_form(
            alpha.campaign, slug="giveaway", title="Le grand tirage", title_en="Alpha Giveaway"
        ),
    )

    assert 'name="title"' in page.content.decode() and 'name="title_en"' in page.content.decode()
    assert saved.status_code == 302
    promotion = Promotion.objects.get(pk=alpha.promotion.pk)
    assert promotion.title_fr == "Le grand tirage"
    assert promotion.title_en == "Alpha Giveaway"
