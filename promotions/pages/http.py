"""What every consumer page and JSON endpoint shares: the brand page renderer (language
chosen per request, content fallback, frame-ancestors CSP), JSON bodies and errors, the
signed-in person.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from promotions.campaigns import selectors as campaigns_selectors
from promotions.campaigns.languages import content_fallback, language_codes
from promotions.campaigns.models import Brand, Campaign, Promotion
from promotions.claims import selectors as claims_selectors
from promotions.entrants import selectors as entrants_selectors
from promotions.entrants.models import Person
from promotions.entries import refusals as entries_refusals
from promotions.pages.languages import (
    PageLanguage,
    page_language_choose,
    page_language_context,
    page_language_remember,
)
from tracking import classify as tracking_classify
from tracking.api.errors import error_response

SESSION_PERSON = "promotions.person"
# What the last verified signed_request said (page, locale, country, age range).
SESSION_FB_CONTEXT = "promotions.facebook_tab"


JSON_BODY_LIMIT = 64 * 1024


def page_language_get(
    request: HttpRequest,
    brand: Brand,
    campaign: Campaign | None = None,
    facebook_language: str = "",
) -> PageLanguage:
    """The language of a consumer page: among the campaign's languages (the shop's pages,
    with no campaign, offer every language), chosen as ``promotions.pages.languages`` says.
    The Facebook language is the one given (a ``signed_request`` just posted), else the
    one the session's Facebook context remembers: every page after a Facebook tab, the
    hub and the shop included, speaks it."""
    offered = campaign.language_list if campaign is not None else language_codes()
    if not facebook_language:
        facebook_language = str(facebook_context(request).get("language") or "")
    return page_language_choose(
        request, offered=offered, default=brand.language, facebook_language=facebook_language
    )


@contextmanager
def page_language_active(language: PageLanguage, brand: Brand) -> Iterator[None]:
    """Work done for a page (forms, refusals, consent texts, emails) in its language."""
    with translation.override(language.code), content_fallback(brand.language):
        yield


def brand_page_render(
    request: HttpRequest,
    brand: Brand,
    template: str,
    context: dict[str, Any],
    status: int = 200,
    language: str | PageLanguage | None = None,
    *,
    facebook_language: str = "",
) -> HttpResponse:
    """Every consumer page of a brand (the hub, tabs, the shop): rendered in the page's
    language (``page_language_get``; ``language`` forces one), translated content falling
    back to the brand's language, framable only by the brand's embed domains."""
    campaign = context.get("campaign")
    chosen = page_language_get(
        request,
        brand,
        campaign if isinstance(campaign, Campaign) else None,
        facebook_language=facebook_language,
    )
    if isinstance(language, PageLanguage):
        chosen = language
    elif language:
        chosen = PageLanguage(language, chosen.offered)
    extra = page_language_context(request, chosen)
    with translation.override(chosen.code), content_fallback(brand.language):
        response = render(request, template, {"brand": brand, **extra, **context}, status=status)
    page_language_remember(request, response, chosen)
    frame_ancestors_set(response, brand)
    return response


def frame_ancestors_set(response: HttpResponse, brand: Brand) -> None:
    """Tabs may be embedded in an iframe only by the brand's allowed domains (CSP level 2).

    X-Frame-Options cannot name several origins, so where the brand allows embedding it is
    dropped and CSP frame-ancestors decides; elsewhere the default DENY stays. The sources
    name no scheme: CSP then asks for the page's own, so an HTTPS tab is framable only
    from HTTPS pages of those hosts (and a plain-HTTP development server from either).
    """
    domains = brand.embed_domain_list
    if domains:
        sources = " ".join(domains)
        response.headers["Content-Security-Policy"] = f"frame-ancestors 'self' {sources}"
        response.xframe_options_exempt = True
    else:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"


def gone_as_410(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A finished campaign or promotion answers 410 with a friendly page, never a 500; a
    JSON client gets the error envelope for it, and for one that is not open (404)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Http404:
            if wants_json(request):
                return error_response(
                    404, "not_found", _("No promotion is open for entries at this address.")
                )
            raise
        except campaigns_selectors.Gone as gone:
            if wants_json(request):
                return error_response(410, "ended", gone.message)
            context = {
                "message": gone.message,
                "campaign": gone.campaign,
                "winners_url": claims_selectors.winners_url_get(promotion=gone.promotion)
                if gone.promotion is not None
                else "",
            }
            if gone.campaign is not None:
                return brand_page_render(
                    request, gone.campaign.brand, "errors/410.html", context, status=410
                )
            return render(request, "errors/410.html", context, status=410)

    return wrapper


def facebook_context(request: HttpRequest) -> dict[str, Any]:
    """What the session remembers of the last verified ``signed_request`` ({} if none)."""
    session = getattr(request, "session", None)
    context = session.get(SESSION_FB_CONTEXT) if session is not None else None
    return context if isinstance(context, dict) else {}


def current_person(request: HttpRequest) -> Person | None:
    return entrants_selectors.person_get(person_id=request.session.get(SESSION_PERSON))


def visitor_country(request: HttpRequest) -> str:
    """Where the visitor lives, as far as we know: the signed-in person's country of
    residence, else the Facebook tab's (its ``signed_request``), else the CDN's country of
    their address (believed from ``TRUSTED_PROXIES`` only); '' when unknown. The shop's
    market and the rules' local terms both start here."""
    person = current_person(request)
    if person is not None and person.country:
        return person.country
    facebook = facebook_context(request)
    return str(facebook.get("country", "")) or tracking_classify.country(request.META)


def sign_in(request: HttpRequest, person: Person) -> None:
    if request.session.get(SESSION_PERSON) != person.pk:
        request.session.cycle_key()
    request.session[SESSION_PERSON] = person.pk


def wants_json(request: HttpRequest) -> bool:
    if request.content_type == "application/json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def refusal_response(refused: entries_refusals.Refused) -> JsonResponse:
    fields: dict[str, list[str]] = {}
    for r in refused.refusals:
        if r.field:
            fields.setdefault(r.field, []).append(r.message)
    return error_response(
        refused.status,
        refused.code,
        refused.refusals[0].message,
        fields,
        retry_after=refused.retry_after,
    )


def page_error(
    request: HttpRequest, promotion: Promotion, status: int, message: str
) -> HttpResponse:
    if wants_json(request):
        return error_response(status, "bad_request", message)
    return brand_page_render(
        request,
        promotion.campaign.brand,
        "errors/400.html",
        {"message": message, "campaign": promotion.campaign},
        status=status,
    )


class BadJson(Exception):
    pass


def json_body(request: HttpRequest, allowed: set[str]) -> dict[str, Any]:
    if len(request.body) > JSON_BODY_LIMIT:
        raise BadJson("The body is too large.", {})
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadJson("The body is not valid JSON.", {}) from exc
    if not isinstance(data, dict):
        raise BadJson("The body must be a JSON object.", {})
    try:  # "\ud800" is valid JSON, but no text: it cannot be stored, hashed or mailed
        json.dumps(data, ensure_ascii=False).encode()
    except UnicodeEncodeError as exc:
        raise BadJson("The body holds text that is not Unicode (a lone surrogate).", {}) from exc
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise BadJson(
            "Unknown fields: " + ", ".join(unknown) + ".",
            {name: ["Unknown field."] for name in unknown},
        )
    nested = sorted(k for k, v in data.items() if isinstance(v, (list, dict)))
    if nested:
        raise BadJson(
            "Each field takes one value: text, a number, true, false or null.",
            {name: ["One value, not a list or an object."] for name in nested},
        )
    return {k: _form_value(v) for k, v in data.items()}


def _form_value(value: object) -> str:
    """A JSON value as the form field would get it from a form post: text (a date field
    would otherwise break on a number or a boolean)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def promotion_for_action(
    request: HttpRequest, brand: str, campaign: str, promotion: str
) -> tuple[Promotion, bool]:
    return campaigns_selectors.promotion_get_for_page(
        brand_slug=brand,
        campaign_slug=campaign,
        promotion_slug=promotion,
        user=request.user,
        cached=True,
    )
