"""A local rules text per language: the rules page and the consent read a country's rules
in the page's language, falling back to the brand's; admin writes each language; the
campaign's language status counts a missing one; the data migration put existing texts in
the brand's language."""

from __future__ import annotations

import importlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from promotions.campaigns.languages import campaign_language_status, promotion_missing_texts
from promotions.models import ConsentText, PromotionCountryRule
from tests.factories.promotions import (
    BrandMembershipFactory,
    PersonFactory,
    PromotionCountryRuleFactory,
    PromotionFactory,
    StaffUserFactory,
)
from tests.promotions.conftest import ENTRY_FORM, make_consumer, sign_in
from tests.promotions.entries.test_local_rules import change_form, rule_rows, rules_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def canada():
    """An English brand's promotion offered in French too, whose Canadian residents have
    their own rules in both languages."""
    promotion = PromotionFactory(
        slug="giveaway",
        official_rules="General rules.",
        official_rules_fr="Règlement général.",
        title_fr="Gagnez",
        campaign__name_fr="Lancement",
        campaign__languages=["fr"],
    )
    PromotionCountryRuleFactory(
        promotion=promotion,
        country="CA",
        min_age=None,
        official_rules_en="Canadian rules.",
        official_rules_fr="Règlement canadien.",
    )
    return promotion


def test_a_visitor_from_canada_reads_the_canadian_rules_in_the_pages_language(consumer, canada):
    sign_in(consumer, PersonFactory(country="CA"))

    french = consumer.get(rules_url(canada), {"lang": "fr"}).content.decode()
    english = consumer.get(rules_url(canada), {"lang": "en"}).content.decode()
    general = consumer.get(rules_url(canada), {"lang": "fr", "country": "any"}).content.decode()

    assert "<p>Règlement canadien.</p>" in french
    assert "Canadian rules." not in french and "Règlement général." not in french
    assert "<p>Canadian rules.</p>" in english
    assert "Règlement canadien." not in english and "General rules." not in english
    assert "<p>Règlement général.</p>" in general and "Règlement canadien." not in general


def test_a_language_without_its_local_text_reads_the_brands_not_english(consumer):
    # given: a French brand offering English and German; Swiss rules in French and
    # English, none in German
    promotion = PromotionFactory(
        official_rules="General rules.",
        campaign__brand__language="fr",
        campaign__languages=["en", "de"],
    )
    PromotionCountryRuleFactory(
        promotion=promotion,
        country="CH",
        min_age=None,
        official_rules_fr="Règlement suisse.",
        official_rules_en="Swiss rules.",
    )

    # when
    german = consumer.get(rules_url(promotion), {"lang": "de", "country": "CH"}).content.decode()
    english = consumer.get(rules_url(promotion), {"lang": "en", "country": "CH"}).content.decode()

    # then: German falls back to the brand's French, not to English
    assert "<p>Règlement suisse.</p>" in german and "Swiss rules." not in german
    assert "<p>Swiss rules.</p>" in english and "Règlement suisse." not in english
    assert 'href="?country=CH"' in german  # still listed as a country with its own rules


def enter_in(promotion, language: str, country: str) -> ConsentText:
    person = PersonFactory(country=country)
    response = sign_in(make_consumer(), person).post(
        promotion.get_absolute_url() + f"enter/?lang={language}",
        {**ENTRY_FORM, "country": country},
    )
    assert response.status_code == 302
    return (
        person.consents.select_related("text").get(text__kind=ConsentText.Kind.OFFICIAL_RULES).text
    )


def test_the_consent_records_the_canadian_rules_in_the_entrants_language(canada):
    french = enter_in(canada, "fr", "CA")
    english = enter_in(canada, "en", "CA")
    elsewhere = enter_in(canada, "fr", "FR")

    assert (french.language, french.text) == ("fr", "Règlement canadien.")
    assert french.version.startswith("official_rules:fr:")
    assert (english.language, english.text) == ("en", "Canadian rules.")
    assert english.version.startswith("official_rules:en:")
    assert (elsewhere.language, elsewhere.text) == ("fr", "Règlement général.")


def test_the_consent_records_the_brands_language_text_where_a_language_has_none(canada):
    PromotionCountryRule.objects.filter(country="CA").update(official_rules_fr=None)

    french = enter_in(canada, "fr", "CA")

    assert (french.language, french.text) == ("fr", "Canadian rules.")  # what the page showed


@pytest.fixture
def manager(client):
    def log_in(promotion):
        brand = promotion.campaign.brand
        client.force_login(BrandMembershipFactory(brand=brand, user=StaffUserFactory()).user)
        return client

    return log_in


def admin_url(promotion) -> str:
    return f"/admin/promotions/promotion/{promotion.pk}/change/"


def test_a_manager_writes_a_local_rule_in_a_second_language(manager):
    promotion = PromotionFactory(campaign__languages=["fr"], campaign__status="draft")
    client = manager(promotion)

    page = client.get(admin_url(promotion)).content.decode()
    saved = client.post(
        admin_url(promotion),
        change_form(
            promotion,
            **rule_rows(
                {
                    "country": "CA",
                    "min_age": "",
                    "official_rules": "Canadian rules.",
                    "official_rules_fr": "Règlement canadien.",
                }
            ),
        ),
    )

    assert "Official rules for this country in other languages" in page
    assert 'name="country_rules-__prefix__-official_rules"' in page  # the brand's: English
    assert 'name="country_rules-__prefix__-official_rules_fr"' in page
    assert 'name="country_rules-__prefix__-official_rules_en"' not in page
    assert saved.status_code == 302, saved.context["inline_admin_formsets"][1].formset.errors
    rule = PromotionCountryRule.objects.get(promotion=promotion)
    assert (rule.country, rule.official_rules_en, rule.official_rules_fr) == (
        "CA",
        "Canadian rules.",
        "Règlement canadien.",
    )


def test_for_a_french_brand_the_rules_field_is_the_french_column(manager):
    promotion = PromotionFactory(campaign__brand__language="fr", campaign__status="draft")
    client = manager(promotion)

    saved = client.post(
        admin_url(promotion),
        change_form(
            promotion,
            **rule_rows(
                {
                    "country": "CA",
                    "min_age": "",
                    "official_rules": "Règlement canadien.",
                    "official_rules_en": "Canadian rules.",
                }
            ),
        ),
    )
    page = client.get(admin_url(promotion)).content.decode()

    assert saved.status_code == 302, saved.context["inline_admin_formsets"][1].formset.errors
    rule = PromotionCountryRule.objects.get(promotion=promotion)
    assert (rule.official_rules_fr, rule.official_rules_en) == (
        "Règlement canadien.",
        "Canadian rules.",
    )
    assert 'name="country_rules-0-official_rules_fr"' not in page
    assert textarea(page, "country_rules-0-official_rules") == "Règlement canadien."
    assert textarea(page, "country_rules-0-official_rules_en") == "Canadian rules."


def textarea(page: str, name: str) -> str:
    return re.search(rf'<textarea name="{name}"[^>]*>\n?(.*?)</textarea>', page, re.S).group(1)


def test_a_live_campaigns_local_rule_without_its_french_text_is_an_inline_error(manager):
    promotion = PromotionFactory(
        official_rules_fr="Règlement.", title_fr="Gagnez", campaign__languages=["fr"]
    )
    client = manager(promotion)

    response = client.post(
        admin_url(promotion),
        change_form(
            promotion,
            title_fr="Gagnez",
            official_rules_fr="Règlement.",
            **rule_rows({"country": "CA", "min_age": "", "official_rules": "Canadian rules."}),
        ),
    )

    assert response.status_code == 200
    [formset] = [
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.prefix == "country_rules"
    ]
    assert formset.errors[0]["official_rules"] == [
        "The campaign is live in Français: write these rules in it too (a campaign cannot be "
        "live in a language whose official rules are missing)."
    ]
    assert not PromotionCountryRule.objects.exists()


def test_a_local_rule_missing_in_an_offered_language_makes_it_missing(canada):
    campaign = canada.campaign
    assert campaign_language_status(campaign) == {"en": "draft", "fr": "draft"}

    PromotionCountryRule.objects.filter(country="CA").update(official_rules_fr="")
    canada.refresh_from_db()

    assert promotion_missing_texts(canada, "fr") == ["official rules for Canada"]
    assert campaign_language_status(campaign) == {"en": "draft", "fr": "missing"}
    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()
    assert refused.value.message_dict["languages"] == [
        "giveaway has no official rules for Canada in Français: a campaign cannot be live in "
        "a language whose official rules or consent texts are missing. Write them, or remove "
        "Français from the languages."
    ]


def test_a_local_rule_written_only_in_another_language_is_not_missing(canada):
    # A German text for residents of Germany, in German only: no language lacks it.
    PromotionCountryRuleFactory(
        promotion=canada, country="DE", min_age=None, official_rules_de="Teilnahmebedingungen."
    )

    assert promotion_missing_texts(canada, "fr") == []


def test_the_data_migration_copies_each_text_into_its_brands_language():
    # given: rules as they were before 0015 (the text in the untranslated column only)
    french = PromotionCountryRuleFactory(
        country="CA", promotion__campaign__brand__language="fr", official_rules="Règlement."
    )
    english = PromotionCountryRuleFactory(country="GB", official_rules="Local rules.")
    brazilian = PromotionCountryRuleFactory(
        country="BR", promotion__campaign__brand__language="pt-br", official_rules="Regulamento."
    )
    no_text = PromotionCountryRuleFactory(country="US", official_rules="")
    apps = (
        MigrationLoader(connection)
        .project_state(("promotions", "0016_local_rules_copy_content"))
        .apps
    )
    rules = apps.get_model("promotions", "PromotionCountryRule").objects
    columns = [f"official_rules_{c}" for c in ("en", "fr", "de", "pt_br")]
    rules.update(**dict.fromkeys(columns))
    for rule, text in (
        (french, "Règlement."),
        (english, "Local rules."),
        (brazilian, "Regulamento."),
    ):
        rules.filter(pk=rule.pk).update(official_rules=text)

    # when
    migration = importlib.import_module("promotions.migrations.0016_local_rules_copy_content")
    migration.copy_content(apps, None)

    # then
    def stored(rule):
        return rules.filter(pk=rule.pk).values_list(*columns).get()

    assert stored(french) == (None, "Règlement.", None, None)
    assert stored(english) == ("Local rules.", None, None, None)
    assert stored(brazilian) == (None, None, None, "Regulamento.")
    assert stored(no_text) == (None, None, None, None)
