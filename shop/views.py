"""Shop pages (server-rendered, mobile-first), the checkout endpoints the product page
calls (answered in the page's language), and Stripe's webhook. Views validate, call one
service or selector, and answer."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from contextlib import AbstractContextManager
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, ensure_csrf_cookie
from django.views.decorators.http import require_POST, require_safe

from promotions.campaigns.languages import language_codes, path_in_language
from promotions.entries.senders import sender_from_request
from promotions.models import Brand
from promotions.pages.cookies import device_cookie_ensure
from promotions.pages.http import (
    brand_page_render,
    page_language_active,
    page_language_get,
    visitor_country,
)
from promotions.pages.languages import PageLanguage, page_language_choose
from shop.catalog import selectors as catalog
from shop.checkout import selectors as checkout_selectors
from shop.checkout import services as checkout_services
from shop.checkout.selectors import Quote
from shop.errors import ShopError, TooManyAttempts
from shop.forms import CheckoutForm, QuoteForm
from shop.money import format_money, format_money_range
from shop.offers.selectors import offer_benefit_get
from shop.orders import selectors as orders
from shop.payments import stripe_client, webhooks
from tracking.api.errors import error_response
from tracking.tokens import ATTRIBUTION_COOKIE, attribution_parse

logger = logging.getLogger(__name__)


def _json_body(request: HttpRequest) -> dict[str, Any] | JsonResponse:
    if request.content_type != "application/json":
        return error_response(
            415, "unsupported_media_type", _("Send the body as application/json.")
        )
    try:
        data = json.loads(request.body or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        # RecursionError: arrays or objects nested thousands deep
        error = "nested too deeply" if isinstance(exc, RecursionError) else exc
        return error_response(
            400, "malformed_json", _("The body is not valid JSON: %(error)s.") % {"error": error}
        )
    if not isinstance(data, dict):
        return error_response(400, "malformed_json", _("The body must be a JSON object."))
    return data


def _form_error(form: QuoteForm) -> JsonResponse:
    fields = {
        ("non_field" if name == "__all__" else name): [str(m) for m in messages]
        for name, messages in form.errors.items()
    }
    first = next(iter(fields.values()))[0]
    return error_response(
        400, "invalid", _("Please check the form: %(problem)s") % {"problem": first}, fields
    )


# --- Pages -----------------------------------------------------------------------------


def market_currency(request: HttpRequest, brand: Brand) -> str | None:
    """The currency of the visitor's market: their country (``visitor_country``: the
    signed-in person's, the Facebook tab's, else the CDN's) among the brand's markets;
    None without one."""
    return catalog.market_currency_get(brand=brand, country=visitor_country(request))


@require_safe
def shop_home(request: HttpRequest, brand: str) -> HttpResponse:
    shop_brand = catalog.brand_get(slug=brand)
    products = catalog.product_list(brand=shop_brand)
    currency = market_currency(request, shop_brand)
    catalog.products_price(products=products, currency=currency)
    sold_here = [p for p in products if p.shown_price is not None]  # type: ignore[attr-defined]
    return brand_page_render(
        request,
        shop_brand,
        "shop/home.html",
        {"products": sold_here, "not_sold_here": len(products) - len(sold_here)},
    )


@require_safe
@ensure_csrf_cookie
def product_page(request: HttpRequest, brand: str, product: str) -> HttpResponse:
    shop_brand = catalog.brand_get(slug=brand)
    item = catalog.product_get(brand=shop_brand, slug=product)
    currency = market_currency(request, shop_brand)
    catalog.products_price(products=[item], currency=currency)
    variants = [v for v in item.variants.all() if v.shown_price is not None]  # type: ignore[attr-defined]
    shown, highest = item.shown_price, item.shown_price_max  # type: ignore[attr-defined]
    in_currency: str = item.shown_currency  # type: ignore[attr-defined]
    # the option the form starts on (the browser's: the first that is not sold out)
    chosen = next((v for v in variants if v.stock), None)
    chosen_price = chosen.shown_price if chosen else shown  # type: ignore[attr-defined]
    language = page_language_get(request, shop_brand)  # the price is written as quotes write it
    response = brand_page_render(
        request,
        shop_brand,
        "shop/product.html",
        {
            "product": item,
            "variants": variants,
            "stripe_js_url": settings.STRIPE_JS_URL,
            "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
            # its variants' prices: one, or the lowest to the highest
            "price_display": ""
            if shown is None
            else format_money_range(shown, highest, in_currency, language=language.code),
            # the totals and the Pay button: one unit of the option the form starts on
            "chosen_price_display": ""
            if shown is None
            else format_money(chosen_price, in_currency, language=language.code),
            "sold_here": shown is not None,
            "market_currency": currency,
        },
        language=language,
    )
    device_cookie_ensure(request, response)  # its checkout's rate limit counts this browser
    return response


@require_safe
def order_page(request: HttpRequest, brand: str, token: str) -> HttpResponse:
    shop_brand = catalog.brand_get(slug=brand)
    order = orders.order_get(brand=shop_brand, token=token)
    return brand_page_render(request, shop_brand, "shop/order.html", {"order": order})


# --- Endpoints the product page calls ---------------------------------------------------


Endpoint = Callable[[HttpRequest, Brand, PageLanguage], JsonResponse]


def _json_endpoint(view: Endpoint) -> Callable[..., JsonResponse]:
    """POST only, every refusal in the JSON error format (405, 404 included), and the whole
    answer in the page's language: the product page names it (``?lang=``), else the
    cookie, ``Accept-Language`` and the brand's language decide as for its pages (a shop
    that does not exist has no language: English unless the request names another)."""

    @wraps(view)
    def wrapper(request: HttpRequest, brand: str) -> JsonResponse:
        try:
            shop_brand: Brand | None = catalog.brand_get(slug=brand)
        except Http404:
            shop_brand = None
        active: AbstractContextManager[Any]
        if shop_brand is None:
            language = page_language_choose(
                request, offered=language_codes(), default=settings.LANGUAGE_CODE
            )
            active = translation.override(language.code)
        else:
            language = page_language_get(request, shop_brand)
            active = page_language_active(language, shop_brand)
        with active:
            response = _json_answer(view, request, shop_brand, language)
        response.headers["Content-Language"] = language.code
        patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response

    return wrapper


def _json_answer(
    view: Endpoint, request: HttpRequest, shop_brand: Brand | None, language: PageLanguage
) -> JsonResponse:
    if request.method != "POST":
        response = error_response(405, "method_not_allowed", _("Use POST."))
        response.headers["Allow"] = "POST"
        return response
    if shop_brand is None:
        return error_response(404, "not_found", _("No such shop."))
    return view(request, shop_brand, language)


def _quote_body(quote: Quote) -> dict[str, object]:
    p = quote.priced
    return {
        "currency": p.currency,
        "subtotal": p.subtotal,
        "discount": p.discount,
        "total": p.total,
        "display": {
            "subtotal": format_money(p.subtotal, p.currency),
            "discount": format_money(p.discount, p.currency),
            "total": format_money(p.total, p.currency),
        },
        "offer": {"name": quote.offer.name, "benefit": offer_benefit_get(offer=quote.offer)}
        if quote.offer
        else None,
    }


def _shop_error(exc: ShopError) -> JsonResponse:
    retry_after = exc.retry_after if isinstance(exc, TooManyAttempts) else None
    return error_response(exc.status, exc.code, exc.message, exc.fields, retry_after=retry_after)


@_json_endpoint
def quote(request: HttpRequest, shop_brand: Brand, language: PageLanguage) -> JsonResponse:
    sender = sender_from_request(request)
    try:  # a quote says whether a code exists: guessing codes is slowed down here
        checkout_services.attempts_limit(
            scope="shop-quote",
            viewer=sender.viewer_hash,
            ip=sender.ip or None,
            rate=settings.SHOP_QUOTE_RATE,
            ip_rate=settings.SHOP_QUOTE_IP_RATE,
            what="price checks",
        )
    except ShopError as exc:
        return _shop_error(exc)
    data = _json_body(request)
    if isinstance(data, JsonResponse):
        return data
    form = QuoteForm(data)
    if not form.is_valid():
        return _form_error(form)
    try:
        result = checkout_selectors.cart_quote(
            brand=shop_brand,
            items=form.cleaned_data["items"],
            code_text=form.cleaned_data["code"],
            email=form.cleaned_data["email"],
            currency=market_currency(request, shop_brand),
        )
    except ShopError as exc:
        return _shop_error(exc)
    return JsonResponse(_quote_body(result))


@_json_endpoint
def checkout(request: HttpRequest, shop_brand: Brand, language: PageLanguage) -> JsonResponse:
    data = _json_body(request)
    if isinstance(data, JsonResponse):
        return data
    form = CheckoutForm(data)
    if not form.is_valid():
        return _form_error(form)
    sender = sender_from_request(request)
    buyer = checkout_services.Buyer(
        ip=sender.ip or None,
        user_agent=request.headers.get("User-Agent", ""),
        viewer=sender.viewer_hash,
        fbp=request.COOKIES.get("_fbp", ""),
        fbc=request.COOKIES.get("_fbc", ""),
        attribution=attribution_parse(request.COOKIES.get(ATTRIBUTION_COOKIE)),
        language=language.code,  # the order's emails are sent in it
        country=visitor_country(request),  # a purchase entry is judged by it
    )
    try:  # in the page's language, the order's lines keep the titles in it
        result = checkout_services.checkout_start(
            brand=shop_brand,
            items=form.cleaned_data["items"],
            email=form.cleaned_data["email"],
            code_text=form.cleaned_data["code"],
            payment_method=form.cleaned_data["payment_method"],
            checkout_key=form.cleaned_data["checkout_id"],
            buyer=buyer,
            currency=market_currency(request, shop_brand),
        )
    except ShopError as exc:
        return _shop_error(exc)
    order = result.order
    return JsonResponse(
        {
            "order": {
                "number": order.number,
                "status": order.status,
                "currency": order.currency,
                "subtotal": order.subtotal,
                "discount": order.discount,
                "total": order.total,
                # the order page speaks the product page's language, cookies or not
                "url": path_in_language(order.get_absolute_url(), language.code),
            },
            "payment": {"status": result.payment_status, "client_secret": result.client_secret},
        },
        # 202: Stripe gave no answer; the order page says what its webhook brings
        status=200
        if result.replayed
        else 202
        if result.payment_status == checkout_services.PAYMENT_UNKNOWN
        else 201,
    )


# --- Stripe -----------------------------------------------------------------------------


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> JsonResponse:
    try:
        event = stripe_client.webhook_event_construct(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except stripe_client.BadSignature as exc:
        logger.warning("stripe: webhook refused: %s", exc)
        return error_response(400, "bad_signature", "The Stripe-Signature header does not verify.")
    outcome = webhooks.stripe_event_receive(event=event)
    return JsonResponse({"received": True, "outcome": outcome})
