"""Consumer pages in the consumer's language (PRODUCT.md, "Every market"): ``?lang=``
(remembered), the signed_request locale, Accept-Language, the brand's language."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.translation import gettext as _

from promotions.campaigns.languages import path_in_language
from promotions.facebook.client import signed_request_make
from promotions.models import ConsentText, Entry
from tests.factories.promotions import PersonFactory, PromotionFactory
from tests.promotions.conftest import ENTRY_FORM, sign_in

pytestmark = pytest.mark.django_db

HUB = "/p/demo/launch/"
GIVEAWAY = "/p/demo/launch/giveaway/"


@pytest.fixture
def demo():
    call_command("seed_demo")


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.content.decode()).group(0)


def test_lang_fr_renders_french_content_and_interface(consumer, demo):
    response = consumer.get(HUB + "?lang=fr")

    body = response.content.decode()
    assert response.status_code == 200
    assert html_tag(response) == '<html lang="fr" dir="ltr">'
    assert response["Content-Language"] == "fr"
    assert '<h1 class="campaign-name">Lancement du Nova X</h1>' in body  # content
    assert "Gagnez le nouveau Nova X" in body and "Participer au tirage" in body
    assert "Aller au contenu" in body and "Tirage au sort" in body  # interface
    assert "Skip to content" not in body and "Win the new Nova X phone" not in body


def test_lang_ar_is_right_to_left_in_arabic(consumer, demo):
    response = consumer.get(HUB + "?lang=ar")

    body = response.content.decode()
    assert html_tag(response) == '<html lang="ar" dir="rtl">'
    assert "إطلاق Nova X" in body and "انتقل إلى المحتوى" in body
    # Written content takes its own direction: an English text falling back in an Arabic
    # page keeps its full stop at its end.
    assert body.count('class="description" dir="auto"') >= 1


def test_lang_he_is_right_to_left_in_hebrew(consumer, demo):
    with translation.override("he"):
        skip = _("Skip to content")
    assert skip != "Skip to content"  # the catalog has it

    response = consumer.get(HUB + "?lang=he")

    body = response.content.decode()
    assert html_tag(response) == '<html lang="he" dir="rtl">'
    assert response["Content-Language"] == "he"
    assert '<h1 class="campaign-name">השקת Nova X</h1>' in body and skip in body
    assert "Skip to content" not in body


def test_a_signed_request_with_facebooks_locale_he_IL_renders_hebrew(consumer, demo):
    signed = signed_request_make(
        {"issued_at": int(time.time()), "user": {"locale": "he_IL", "country": "il"}}
    )

    response = consumer.post(GIVEAWAY, {"signed_request": signed})

    body = response.content.decode()
    assert response.status_code == 200
    assert html_tag(response) == '<html lang="he" dir="rtl">'
    assert "זכו ב-Nova X החדש" in body and "אין צורך ברכישה" in body


def test_a_signed_request_with_locale_de_DE_renders_german(consumer, demo):
    signed = signed_request_make(
        {"issued_at": int(time.time()), "user": {"locale": "de_DE", "country": "de"}}
    )

    response = consumer.post(GIVEAWAY, {"signed_request": signed})

    body = response.content.decode()
    assert response.status_code == 200
    assert html_tag(response) == '<html lang="de" dir="ltr">'
    assert "Gewinnen Sie das neue Nova X" in body
    assert "Teilnahmebedingungen (Zusammenfassung)" in body
    assert "KEIN KAUF ERFORDERLICH" in body


def test_the_facebook_locale_speaks_on_every_later_page_and_yields_only_to_lang(consumer, demo):
    # given: a visitor whose browser asks for Spanish opens the German Facebook tab
    call_command("seed_shop_demo")
    signed = signed_request_make(
        {"issued_at": int(time.time()), "user": {"locale": "de_DE", "country": "de"}}
    )
    spanish = {"accept-language": "es-ES,es;q=0.9"}
    consumer.post(GIVEAWAY, {"signed_request": signed}, headers=spanish)

    # when they go on to the hub, the rules, the shop; then choose French
    later = [
        consumer.get(url, headers=spanish) for url in (HUB, GIVEAWAY + "rules/", "/shop/demo/")
    ]
    chosen = consumer.get(HUB + "?lang=fr", headers=spanish)

    # then: German on each page (the signed_request beats Accept-Language), French once chosen
    assert [r.status_code for r in later] == [200, 200, 200]
    assert [html_tag(r) for r in later] == ['<html lang="de" dir="ltr">'] * 3
    assert html_tag(chosen) == '<html lang="fr" dir="ltr">'


def test_accept_language_es_renders_spanish(consumer, demo):
    response = consumer.get(HUB, headers={"accept-language": "ja;q=0.9, es-ES;q=0.8, en;q=0.1"})

    body = response.content.decode()
    assert html_tag(response) == '<html lang="es" dir="ltr">'
    assert "Lanzamiento del Nova X" in body and "Saltar al contenido" in body


@pytest.mark.parametrize("code", ["xx", "ja", "zz-ZZ", "../../etc", "e" * 500])
def test_an_unknown_or_unoffered_code_falls_back_to_the_brands_language(consumer, demo, code):
    response = consumer.get(HUB + "?lang=" + code)

    assert response.status_code == 200
    assert html_tag(response) == '<html lang="en" dir="ltr">'
    assert "Nova X launch" in response.content.decode()
    assert "ph_lang" not in response.cookies


def test_the_choice_is_remembered_and_beats_the_browser(consumer, demo):
    chosen = consumer.get(HUB + "?lang=fr")
    later = consumer.get(GIVEAWAY, headers={"accept-language": "de"})
    changed = consumer.get(HUB + "?lang=es")
    after = consumer.get(HUB)

    assert chosen.cookies["ph_lang"].value == "fr"
    assert chosen.cookies["ph_lang"]["samesite"] == "Lax"
    assert html_tag(later) == '<html lang="fr" dir="ltr">'
    assert "ph_lang" not in later.cookies  # nothing new to remember
    assert changed.cookies["ph_lang"].value == "es"
    assert html_tag(after) == '<html lang="es" dir="ltr">'


def test_pages_vary_on_what_chooses_their_language(consumer, demo):
    response = consumer.get(HUB)

    vary = {v.strip().lower() for v in response["Vary"].split(",")}
    assert {"accept-language", "cookie"} <= vary


def test_every_page_offers_the_campaigns_languages_with_alternates(consumer, demo):
    response = consumer.get(GIVEAWAY + "?lang=de")

    body = response.content.decode()
    switcher = re.search(r'<nav class="lang-switch" aria-label="Sprache">(.*?)</nav>', body)
    links = re.findall(r'<a href="([^"]+)" hreflang="([^"]+)" lang="[^"]+"( aria-current)?', body)
    assert switcher is not None
    assert [(hreflang, bool(current)) for _href, hreflang, current in links] == [
        ("en", False),
        ("fr", False),
        ("de", True),
        ("es", False),
        ("ar", False),
        ("he", False),
    ]
    assert links[1][0] == GIVEAWAY + "?lang=fr"
    assert (
        '<link rel="alternate" hreflang="ar" href="http://testserver' + GIVEAWAY + '?lang=ar">'
        in body
    )
    assert (
        '<link rel="alternate" hreflang="x-default" href="http://testserver' + GIVEAWAY + '">'
        in body
    )


def test_the_rules_page_and_the_shop_follow_the_choice(consumer, demo):
    call_command("seed_shop_demo")

    rules = consumer.get(GIVEAWAY + "rules/?lang=es")
    shop = consumer.get("/shop/demo/")

    assert "NO ES NECESARIO COMPRAR" in rules.content.decode()
    assert html_tag(shop) == '<html lang="es" dir="ltr">'
    assert "Funda de silicona Nova X" in shop.content.decode()


def test_a_missing_translation_falls_back_to_the_brands_language_not_english(consumer):
    promotion = PromotionFactory(
        campaign__brand__language="fr",
        campaign__languages=["de"],
        title_en="Win a phone",
        title_fr="Gagnez un téléphone",
        official_rules_de="Teilnahme ab 18 Jahren.",
    )

    response = consumer.get(promotion.get_absolute_url() + "?lang=de")

    body = response.content.decode()
    assert html_tag(response) == '<html lang="de" dir="ltr">'
    assert "Gagnez un téléphone" in body and "Win a phone" not in body
    assert "Teilnahme ab 18 Jahren." in body


def test_translations_cost_the_hub_no_query(consumer, demo):
    consumer.get(HUB)  # warm: sessions, content types
    with CaptureQueriesContext(connection) as english:
        consumer.get(HUB)
    with CaptureQueriesContext(connection) as french:
        consumer.get(HUB + "?lang=fr")

    assert len(french) == len(english)


def test_an_entrant_who_enters_in_spanish_gets_spanish_emails_and_consents(consumer, demo):
    spanish = {"accept-language": "es"}

    consumer.post(GIVEAWAY + "identify/", {"email": "ana@example.com"}, headers=spanish)
    link = re.search(r"http://testserver(/p/\S+)", mail.outbox[0].body).group(1)
    confirmed = consumer.get(link, follow=True)
    entered = consumer.post(GIVEAWAY + "enter/", ENTRY_FORM, headers=spanish, follow=True)

    email = mail.outbox[0]
    assert email.subject == "Confirma tu correo electrónico para participar: Gana el nuevo Nova X"
    assert email.body.startswith("Hola:\n\nAbre este enlace")
    assert "«Gana el nuevo Nova X» de Nova Mobile (demo)" in email.body
    assert "Tu dirección de correo electrónico está confirmada." in confirmed.content.decode()
    assert "Gracias, tu participación se ha registrado." in entered.content.decode()
    entry = Entry.objects.get(person__email="ana@example.com")
    assert entry.language == "es"
    texts = {c.text.kind: c.text for c in entry.person.consents.select_related("text")}
    assert texts[ConsentText.Kind.OFFICIAL_RULES].language == "es"
    assert texts[ConsentText.Kind.OFFICIAL_RULES].text.startswith("NO ES NECESARIO COMPRAR.")
    assert texts[ConsentText.Kind.FACEBOOK_RELEASE].text.startswith(
        "Esta promoción no está patrocinada"
    )
    assert texts[ConsentText.Kind.PRIVACY].version.startswith("privacy:es:")


def test_the_same_words_in_two_languages_are_two_consent_versions(consumer):
    promotion = PromotionFactory(
        campaign__languages=["fr"], official_rules_fr="Ouvert à tous.", official_rules_en="Open."
    )
    english, french = PersonFactory(), PersonFactory()

    sign_in(consumer, english).post(promotion.get_absolute_url() + "enter/", ENTRY_FORM)
    other = consumer.__class__()
    sign_in(other, french).post(promotion.get_absolute_url() + "enter/?lang=fr", ENTRY_FORM)

    releases = ConsentText.objects.filter(kind=ConsentText.Kind.FACEBOOK_RELEASE)
    assert sorted(releases.values_list("language", flat=True)) == ["en", "fr"]
    rules = dict(
        ConsentText.objects.filter(kind=ConsentText.Kind.OFFICIAL_RULES).values_list(
            "language", "text"
        )
    )
    assert rules == {"en": "Open.", "fr": "Ouvert à tous."}


@pytest.mark.parametrize(
    ("code", "written"),
    [
        ("en", "Open until 15 January 2030, 12:30"),
        ("fr", "Ouvert jusqu'au 15 janvier 2030, 12:30"),
        ("de", "Geöffnet bis 15. Januar 2030, 12:30"),
        ("ja", "2030年1月15日 12:30 まで開催"),
        ("ar", "متاح حتى 15 يناير 2030، 12:30 م"),
        ("he", "פתוח עד 15 בינואר 2030, 12:30"),
    ],
)
def test_dates_are_written_the_languages_way_in_the_brands_time_zone(consumer, code, written):
    ends = datetime(2030, 1, 15, 11, 30, tzinfo=UTC)  # 12:30 in Paris
    promotion = PromotionFactory(
        ends_at=ends,
        campaign__ends_at=ends,
        campaign__brand__timezone="Europe/Paris",
        campaign__languages=["fr", "de", "ja", "ar", "he"],
    )

    body = consumer.get(promotion.get_absolute_url() + "?lang=" + code).content.decode()

    assert written in body


def test_an_entry_made_in_spanish_is_confirmed_and_won_in_spanish_and_counted_as_spanish(
    consumer, demo, django_capture_on_commit_callbacks
):
    from django.db.models import Sum
    from django.utils import timezone

    from promotions.claims import emails as claim_emails
    from promotions.claims.services import claim_open
    from tracking import services as tracking_services
    from tracking import stream
    from tracking.models import BreakdownRollup

    spanish = {"accept-language": "es"}
    consumer.post(GIVEAWAY + "identify/", {"email": "lia@example.com"}, headers=spanish)
    link = re.search(r"http://testserver(/p/\S+)", mail.outbox[0].body).group(1)
    consumer.get(link, follow=True)
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        consumer.post(GIVEAWAY + "enter/", ENTRY_FORM, headers=spanish, follow=True)
    entry = Entry.objects.select_related("promotion").get(person__email="lia@example.com")
    claim = claim_open(
        promotion=entry.promotion,
        entry=entry,
        prize=entry.promotion.prizes.first(),
        at=timezone.now(),
    )
    claim_emails.claim_notification_send(claim_id=claim.pk)
    if stream.enabled():
        tracking_services.events_consume(until_empty=True, block_ms=10)

    confirmation, won = mail.outbox
    assert confirmation.subject.startswith(f"Tu número de participación {entry.public_id}: ")
    assert won.subject.startswith("Has ganado ")
    spanish_entries = BreakdownRollup.objects.filter(promotion_id=entry.promotion_id, language="es")
    assert spanish_entries.aggregate(n=Sum("entries"))["n"] == 1


@pytest.mark.parametrize(
    ("path", "code", "expected"),
    [
        ("/p/a/b/c/", "es", "/p/a/b/c/?lang=es"),
        ("/p/a/b/c/", "pt-br", "/p/a/b/c/?lang=pt-br"),
        ("/p/a/b/c/?x=1", "he", "/p/a/b/c/?x=1&lang=he"),
        ("/p/a/b/c/", "", "/p/a/b/c/"),
        ("/p/a/b/c/", "xx", "/p/a/b/c/"),
        ("/p/a/b/c/", "ES", "/p/a/b/c/"),  # a stored code is the service's own spelling
    ],
)
def test_an_emails_link_opens_in_the_language_it_names(path, code, expected):
    assert path_in_language(path, code) == expected
