"""Local rules: a promotion's rule for one country of residence excludes it, sets another
minimum age or shows its own rules text; entering and the rules page follow it, and
marketers manage the rules inline in the promotion's admin."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from promotions.models import Entry, PromotionCountryRule
from tests.factories.promotions import (
    BrandMembershipFactory,
    PersonFactory,
    PromotionCountryRuleFactory,
    PromotionFactory,
    StaffUserFactory,
)
from tests.promotions.admin.forms import promotion_form
from tests.promotions.conftest import ENTRY_FORM, ENTRY_JSON, sign_in

pytestmark = pytest.mark.django_db


def enter_url(promotion):
    return promotion.get_absolute_url() + "enter/"


def rules_url(promotion):
    return promotion.get_absolute_url() + "rules/"


def born_years_ago(years: int) -> str:
    return (timezone.localdate() - timedelta(days=365 * years + 30)).isoformat()


def test_an_excluded_country_is_refused_clearly_and_others_still_enter(consumer):
    # given: open to every country but Germany
    promotion = PromotionFactory()
    PromotionCountryRuleFactory(promotion=promotion, country="DE", excluded=True, min_age=None)
    sign_in(consumer, PersonFactory())

    # when
    refused = consumer.post(enter_url(promotion), {**ENTRY_FORM, "country": "DE"})
    as_json = consumer.post(
        enter_url(promotion), {**ENTRY_JSON, "country": "DE"}, content_type="application/json"
    )

    # then
    assert refused.status_code == 400
    assert "Sorry, residents of Germany may not enter this promotion." in refused.content.decode()
    assert as_json.status_code == 400
    assert as_json.json()["error"]["code"] == "country_excluded"
    assert as_json.json()["error"]["fields"] == {
        "country": ["Sorry, residents of Germany may not enter this promotion."]
    }
    assert Entry.objects.count() == 0

    entered = consumer.post(enter_url(promotion), {**ENTRY_FORM, "country": "FR"})
    assert entered.status_code == 302
    assert Entry.objects.get().country == "FR"


def test_a_country_with_a_higher_minimum_age_refuses_who_elsewhere_may_enter(consumer):
    # given: 18 in general, 21 for residents of Germany
    promotion = PromotionFactory(min_age=18)
    PromotionCountryRuleFactory(promotion=promotion, country="DE", min_age=21)
    sign_in(consumer, PersonFactory())
    nineteen = born_years_ago(19)

    # when
    german = consumer.post(
        enter_url(promotion), {**ENTRY_FORM, "country": "DE", "birth_date": nineteen}
    )
    french = consumer.post(
        enter_url(promotion), {**ENTRY_FORM, "country": "FR", "birth_date": nineteen}
    )

    # then
    assert german.status_code == 400
    assert "Residents of Germany must be 21 or older to enter." in german.content.decode()
    assert french.status_code == 302
    assert Entry.objects.get().country == "FR"


def test_a_country_with_a_lower_minimum_age_admits_younger_residents(consumer):
    promotion = PromotionFactory(min_age=18)
    PromotionCountryRuleFactory(promotion=promotion, country="BE", min_age=16)
    sign_in(consumer, PersonFactory())
    seventeen = born_years_ago(17)

    french = consumer.post(
        enter_url(promotion), {**ENTRY_FORM, "country": "FR", "birth_date": seventeen}
    )
    belgian = consumer.post(
        enter_url(promotion), {**ENTRY_FORM, "country": "BE", "birth_date": seventeen}
    )

    assert french.status_code == 400
    assert "You must be 18 or older to enter." in french.content.decode()
    assert belgian.status_code == 302


def test_a_minimum_age_in_one_country_only_asks_everyone_their_birth_date(consumer):
    # given: no minimum age, except 21 in the United States
    promotion = PromotionFactory(min_age=0)
    PromotionCountryRuleFactory(promotion=promotion, country="US", min_age=21)
    sign_in(consumer, PersonFactory())

    # when
    tab = consumer.get(promotion.get_absolute_url()).content.decode()
    without_date = consumer.post(
        enter_url(promotion), {**ENTRY_FORM, "country": "US", "birth_date": ""}
    )
    elsewhere = consumer.post(
        enter_url(promotion), {**ENTRY_FORM, "country": "FR", "birth_date": ""}
    )

    # then
    assert 'name="birth_date"' in tab
    assert without_date.status_code == 400
    assert "Enter your date of birth." in without_date.content.decode()
    assert elsewhere.status_code == 302


def test_a_local_rule_makes_the_country_required_even_when_the_person_gave_one_before(consumer):
    # given: open to every country but Germany, 21 in Austria; a German who entered before
    promotion = PromotionFactory(min_age=18)
    PromotionCountryRuleFactory(promotion=promotion, country="DE", excluded=True, min_age=None)
    PromotionCountryRuleFactory(promotion=promotion, country="AT", min_age=21)
    sign_in(consumer, PersonFactory(country="DE"))
    blank = {**ENTRY_JSON, "country": "", "birth_date": born_years_ago(19)}

    # when
    tab = consumer.get(promotion.get_absolute_url()).content.decode()
    refused = consumer.post(enter_url(promotion), blank, content_type="application/json")

    # then: the form offers the country they gave, and a blank one is not taken for it
    assert '<option value="DE" selected>' in tab
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"country": ["Choose your country of residence."]}
    assert Entry.objects.count() == 0


def test_without_local_rules_or_allowed_countries_the_country_stays_optional(consumer):
    promotion = PromotionFactory()
    sign_in(consumer, PersonFactory())

    entered = consumer.post(
        enter_url(promotion), {**ENTRY_JSON, "country": ""}, content_type="application/json"
    )

    assert entered.status_code == 201
    assert Entry.objects.get().country == ""


def test_the_rules_page_shows_the_visitors_country_rules_and_the_general_ones_a_link_away(
    consumer,
):
    # given: general rules, German rules, and a visitor who lives in Germany
    promotion = PromotionFactory(official_rules="General rules for everyone.", min_age=18)
    PromotionCountryRuleFactory(
        promotion=promotion, country="DE", min_age=21, official_rules="Teilnahmebedingungen."
    )
    PromotionCountryRuleFactory(promotion=promotion, country="IT", excluded=True, min_age=None)
    sign_in(consumer, PersonFactory(country="DE"))

    # when
    german = consumer.get(rules_url(promotion)).content.decode()
    general = consumer.get(rules_url(promotion), {"country": "any"}).content.decode()
    french = consumer.get(rules_url(promotion), {"country": "FR"}).content.decode()

    # then
    assert "Teilnahmebedingungen." in german
    assert "General rules for everyone." not in german
    assert "The rules for residents of Germany." in german
    assert 'href="?country=any"' in german
    assert "General rules for everyone." in general and "Teilnahmebedingungen." not in general
    assert "General rules for everyone." in french
    for page in (german, general, french):
        assert "Residents of Germany: aged 21 or over on the day of entry." in page
        assert "Not open to residents of: Italy." in page
        assert 'href="?country=DE"' in page


def test_the_rules_page_reads_the_country_from_a_trusted_cdn_header(client, settings):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    promotion = PromotionFactory(official_rules="General rules.")
    PromotionCountryRuleFactory(promotion=promotion, country="FR", official_rules="Règlement.")

    trusted = client.get(rules_url(promotion), REMOTE_ADDR="10.1.2.3", HTTP_CF_IPCOUNTRY="FR")
    untrusted = client.get(rules_url(promotion), REMOTE_ADDR="203.0.113.9", HTTP_CF_IPCOUNTRY="FR")

    assert "Règlement." in trusted.content.decode()
    assert "General rules." in untrusted.content.decode()


@pytest.fixture
def manager_client(client):
    promotion = PromotionFactory(countries="FR, DE")
    user = BrandMembershipFactory(brand=promotion.campaign.brand, user=StaffUserFactory()).user
    client.force_login(user)
    return client, promotion


def rule_rows(*rows):
    data = {
        "country_rules-TOTAL_FORMS": str(len(rows)),
        "country_rules-INITIAL_FORMS": "0",
    }
    for n, row in enumerate(rows):
        data.update({f"country_rules-{n}-{k}": v for k, v in row.items()})
    return data


def change_form(promotion, **overrides):
    return promotion_form(
        promotion.campaign,
        kind=promotion.kind,
        title=promotion.title,
        slug=promotion.slug,
        countries=promotion.countries,
        **overrides,
    )


def test_a_manager_adds_local_rules_inline(manager_client):
    client, promotion = manager_client
    url = f"/admin/promotions/promotion/{promotion.pk}/change/"

    page = client.get(url)
    saved = client.post(
        url,
        change_form(
            promotion,
            **rule_rows(
                {"country": "de", "min_age": "21", "official_rules": "Teilnahmebedingungen."},
                {"country": "FR", "excluded": "on", "min_age": "", "official_rules": ""},
            ),
        ),
    )

    assert page.status_code == 200
    assert "country_rules-TOTAL_FORMS" in page.content.decode()
    assert saved.status_code == 302, saved.context["inline_admin_formsets"][1].formset.errors
    rules = {r.country: r for r in PromotionCountryRule.objects.filter(promotion=promotion)}
    assert sorted(rules) == ["DE", "FR"]
    assert (rules["DE"].min_age, rules["DE"].excluded) == (21, False)
    assert (rules["FR"].min_age, rules["FR"].excluded) == (None, True)


def test_a_local_rule_for_a_country_the_promotion_is_not_open_to_is_an_inline_error(
    manager_client,
):
    client, promotion = manager_client

    response = client.post(
        f"/admin/promotions/promotion/{promotion.pk}/change/",
        change_form(
            promotion,
            **rule_rows({"country": "ES", "min_age": "16", "official_rules": ""}),
        ),
    )

    assert response.status_code == 200
    [formset] = [
        f.formset
        for f in response.context["inline_admin_formsets"]
        if f.formset.prefix == "country_rules"
    ]
    assert formset.errors[0]["country"] == [
        "The promotion is open to DE, FR only: add this country there first, or tick 'excluded'."
    ]
    assert not PromotionCountryRule.objects.exists()
