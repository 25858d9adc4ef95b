"""The quote and checkout endpoints answer in the product page's language: its ``?lang=``,
else the ``ph_lang`` cookie, ``Accept-Language``, the brand's language; English by
default. Codes and statuses are the same in every language; only the words change."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.test import Client

from shop.models import Order, Variant
from tests.factories import CodeFactory, OfferFactory

CART = "/shop/nova/quote/"
CHECKOUT = "/shop/nova/checkout/"

# What each refusal says, word for word, in the two languages the tests use.
SAYS = {
    "fr": {
        "sold_out": "Plus que 1 en stock pour Nova X case.",
        "sold_out_field": "Nova X case : 1 restant.",
        "code_unknown": "Ce code n'existe pas.",
        "empty_cart": "Veuillez vérifier le formulaire : "
        "Une liste d'objets {variant, quantity}, au moins un.",
        "empty_cart_field": "Une liste d'objets {variant, quantity}, au moins un.",
        "method": "Utilisez POST.",
        "no_shop": "Cette boutique n'existe pas.",
    },
    "ar": {
        "sold_out": "لم يتبقَّ من Nova X case سوى 1 قطعة واحدة.",
        "sold_out_field": "Nova X case: المتبقي 1.",
        "code_unknown": "هذا الرمز غير موجود.",
        "empty_cart": "يُرجى مراجعة النموذج: قائمة من كائنات {variant, quantity}، واحد على الأقل.",
        "empty_cart_field": "قائمة من كائنات {variant, quantity}، واحد على الأقل.",
        "method": "استخدم POST.",
        "no_shop": "هذا المتجر غير موجود.",
    },
}


def post(client, path: str, body: object, **extra):
    return client.post(path, data=json.dumps(body), content_type="application/json", **extra)


def line(shop, quantity: int = 1) -> list[dict[str, int]]:
    return [{"variant": shop.variant.pk, "quantity": quantity}]


@pytest.fixture(params=["french shop", "arabic page"])
def spoken(request, shop) -> tuple[str, str]:
    """(language, query string): a brand whose language is French and a visitor who says
    nothing, or an English brand whose product page was opened with ``?lang=ar``."""
    if request.param == "french shop":
        shop.brand.language = "fr"
        shop.brand.save()
        return "fr", ""
    return "ar", "?lang=ar"


def test_a_sold_out_cart_is_refused_in_the_page_language(client, shop, spoken):
    language, query = spoken
    Variant.objects.update(stock=1)
    checkout = {"email": "ana@example.com", "payment_method": "pm_card"}

    quoted = post(client, CART + query, {"items": line(shop, 2)})
    bought = post(client, CHECKOUT + query, {"items": line(shop, 2), **checkout})

    for response in (quoted, bought):
        assert response.status_code == 409
        assert response.headers["Content-Language"] == language
        assert response.json()["error"] == {
            "code": "sold_out",
            "message": SAYS[language]["sold_out"],
            "fields": {"items": [SAYS[language]["sold_out_field"]]},
        }
    assert Order.objects.count() == 0


def test_an_unknown_code_is_refused_in_the_page_language(client, shop, spoken):
    language, query = spoken

    response = post(client, CART + query, {"items": line(shop), "code": "NOPE"})

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "code_unknown",
        "message": SAYS[language]["code_unknown"],
        "fields": {"code": [SAYS[language]["code_unknown"]]},
    }


def test_an_empty_cart_is_refused_in_the_page_language(client, shop, spoken):
    language, query = spoken

    response = post(client, CART + query, {"items": []})

    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": SAYS[language]["empty_cart"],
        "fields": {"items": [SAYS[language]["empty_cart_field"]]},
    }


def test_a_wrong_method_is_refused_in_the_page_language(client, shop, spoken):
    language, query = spoken

    for path in (CART, CHECKOUT):
        response = client.get(path + query)

        assert (response.status_code, response.headers["Allow"]) == (405, "POST")
        assert response.headers["Content-Language"] == language
        assert response.json()["error"] == {
            "code": "method_not_allowed",
            "message": SAYS[language]["method"],
            "fields": {},
        }


@pytest.mark.parametrize(
    ("how", "language"),
    [
        ({"HTTP_ACCEPT_LANGUAGE": "fr-FR,fr;q=0.9"}, "fr"),
        ({"HTTP_COOKIE": "ph_lang=ar"}, "ar"),
    ],
)
def test_without_lang_the_cookie_or_the_browser_language_decides(client, shop, how, language):
    response = post(client, CART, {"items": line(shop), "code": "NOPE"}, **how)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "code_unknown"
    assert response.json()["error"]["message"] == SAYS[language]["code_unknown"]


def test_an_unknown_shop_is_refused_in_the_language_the_request_names(client, db):
    french = post(client, "/shop/nobody/quote/?lang=fr", {})
    arabic = post(client, "/shop/nobody/checkout/", {}, HTTP_ACCEPT_LANGUAGE="ar")
    english = post(client, "/shop/nobody/checkout/", {})

    assert [(r.status_code, r.json()["error"]["code"]) for r in (french, arabic, english)] == [
        (404, "not_found")
    ] * 3
    assert [r.json()["error"]["message"] for r in (french, arabic, english)] == [
        SAYS["fr"]["no_shop"],
        SAYS["ar"]["no_shop"],
        "No such shop.",
    ]


def test_english_stays_the_default_of_an_english_brand(client, shop):
    Variant.objects.update(stock=1)

    sold_out = post(client, CART, {"items": line(shop, 2)})
    unknown = post(client, CART, {"items": line(shop), "code": "NOPE"})
    wrong = client.get(CHECKOUT)

    assert shop.brand.language == "en"
    assert [r.headers["Content-Language"] for r in (sold_out, unknown, wrong)] == ["en"] * 3
    assert sold_out.json()["error"] == {
        "code": "sold_out",
        "message": "Only 1 left of Nova X case.",
        "fields": {"items": ["Nova X case: 1 left."]},
    }
    assert unknown.json()["error"]["message"] == "This code does not exist."
    assert wrong.json()["error"]["message"] == "Use POST."


def test_form_errors_are_in_the_page_language_django_s_own_included(client, shop):
    body = {"items": line(shop), "email": "nope", "payment_method": "card", "coupon": "X"}

    response = post(client, CHECKOUT + "?lang=fr", body)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"] == {
        "non_field": ["Champ inconnu : coupon."],
        "email": ["Saisissez une adresse e-mail valide."],
        "payment_method": ["Un identifiant de PaymentMethod Stripe (pm_...)."],
    }
    assert (
        error["message"] == "Veuillez vérifier le formulaire : Saisissez une adresse e-mail valide."
    )


def test_a_quote_is_written_in_the_page_language(client, shop):
    CodeFactory(offer=OfferFactory(brand=shop.brand, percent_off=10), code="TEN")

    response = post(client, CART + "?lang=fr", {"items": line(shop, 1), "code": "ten"})

    assert response.status_code == 200
    body = response.json()
    assert body["display"] == {
        "subtotal": "20,00\xa0€",
        "discount": "2,00\xa0€",
        "total": "18,00\xa0€",
    }
    assert body["offer"]["benefit"] == "10 % de remise"


def test_a_code_out_of_its_window_is_dated_in_the_page_language(client, shop):
    offer = OfferFactory(
        brand=shop.brand,
        starts_at=datetime(2020, 1, 1, tzinfo=UTC),
        ends_at=datetime(2020, 1, 15, 12, 0, tzinfo=UTC),
    )
    CodeFactory(offer=offer, code="WINTER")

    response = post(client, CART + "?lang=fr", {"items": line(shop), "code": "WINTER"})

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "code_expired"
    assert error["message"] == "Ce code a expiré le 15 janvier 2020, 13:00."  # the brand's Paris


def test_too_many_quotes_are_refused_in_the_page_language(client, shop, settings):
    settings.SHOP_QUOTE_RATE = "1/hour"

    answers = [post(client, CART + "?lang=fr", {"items": line(shop)}) for _ in range(2)]

    assert [a.status_code for a in answers] == [200, 429]
    wait = int(answers[1].headers["Retry-After"])
    seconds = "seconde" if wait == 1 else "secondes"  # French says 1 seconde, 2 secondes
    assert answers[1].json()["error"] == {
        "code": "rate_limited",
        "message": f"Trop de vérifications de prix. Veuillez patienter {wait} {seconds} "
        "et réessayer.",
        "fields": {},
    }


def test_an_order_placed_from_a_page_in_french_keeps_french(
    client, shop, django_capture_on_commit_callbacks
):
    CodeFactory(offer=OfferFactory(brand=shop.brand, percent_off=100), code="ALLFREE")
    body = {"items": line(shop), "email": "ana@example.com", "payment_method": "pm_never_used"}

    with django_capture_on_commit_callbacks(execute=True):
        response = post(client, CHECKOUT + "?lang=fr", {**body, "code": "ALLFREE"})

    assert response.status_code == 201
    assert response.headers["Content-Language"] == "fr"
    assert Order.objects.get().language == "fr"


def test_the_order_page_a_checkout_goes_to_speaks_the_product_pages_language(shop):
    # given an embedded tab whose cookies do not stay: every request is a new browser
    CodeFactory(offer=OfferFactory(brand=shop.brand, percent_off=100), code="ALLFREE")
    body = {"items": line(shop), "email": "ana@example.com", "payment_method": "pm_never_used"}

    # when the French product page checks out, and the browser goes to the order's page
    response = post(Client(), CHECKOUT + "?lang=fr", {**body, "code": "ALLFREE"})
    url = response.json()["order"]["url"]
    page = Client().get(url)

    # then that page is in French too
    assert url == f"{Order.objects.get().get_absolute_url()}?lang=fr"
    assert page.headers["Content-Language"] == "fr"
    assert "Merci" in page.content.decode()


def test_the_product_page_names_its_language_to_the_endpoints(client, shop):
    english = client.get("/shop/nova/case/").content.decode()
    arabic = client.get("/shop/nova/case/?lang=ar").content.decode()

    assert 'data-quote-url="/shop/nova/quote/?lang=ar"' in arabic
    assert 'data-checkout-url="/shop/nova/checkout/?lang=ar"' in arabic
    assert 'data-quote-url="/shop/nova/quote/?lang=en"' in english
    assert 'data-checkout-url="/shop/nova/checkout/?lang=en"' in english


def test_the_product_page_writes_its_price_as_its_quotes_do(client, shop):
    french = client.get("/shop/nova/case/?lang=fr").content.decode()
    quoted = post(client, CART + "?lang=fr", {"items": line(shop)}).json()

    assert quoted["display"]["total"] == "20,00\xa0€"
    assert '<p class="price" data-unit-price>20,00\xa0€</p>' in french
    assert "Payer · 20,00\xa0€" in french
