"""The campaign hub and its tabs: what consumers see and the forms they take part with.

The hub lists the campaign's live promotions as tabs; each tab has its own URL (shareable,
works without JavaScript). Entering, signing in and voting answer HTML forms, and
JSON requests, ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from promotions.campaigns import selectors as campaigns_selectors
from promotions.campaigns.languages import language_normalize, path_in_language
from promotions.campaigns.models import Brand, Promotion
from promotions.contests import selectors as contests_selectors
from promotions.draws import selectors as draws_selectors
from promotions.entrants import selectors as entrants_selectors
from promotions.entrants import services as entrants_services
from promotions.entries import refusals as entries_refusals
from promotions.entries import selectors as entries_selectors
from promotions.entries import services as entries_services
from promotions.entries.eligibility import Refusal
from promotions.entries.senders import sender_from_request
from promotions.facebook import client as facebook_client
from promotions.pages.cookies import device_cookie_ensure
from promotions.pages.forms import EmailSignInForm, EntryForm
from promotions.pages.http import (
    SESSION_FB_CONTEXT,
    SESSION_PERSON,
    BadJson,
    brand_page_render,
    current_person,
    facebook_context,
    gone_as_410,
    json_body,
    page_error,
    page_language_active,
    page_language_get,
    promotion_for_action,
    refusal_response,
    sign_in,
    visitor_country,
    wants_json,
)
from promotions.pages.hub_sections import hub_sections_list
from promotions.pages.languages import PageLanguage
from promotions.social import selectors as social_selectors
from tracking.api.errors import error_response


@require_safe
@gone_as_410
def hub(request: HttpRequest, brand: str, campaign: str) -> HttpResponse:
    hub = campaigns_selectors.hub_get(brand_slug=brand, campaign_slug=campaign, user=request.user)
    return brand_page_render(
        request,
        hub.campaign.brand,
        "promotions/hub.html",
        {
            "campaign": hub.campaign,
            "promotions": hub.promotions,
            "preview": hub.preview,
            "hub_sections": hub_sections_list(),
        },
    )


@csrf_exempt  # a legacy Facebook tab POSTs a signed_request; that POST changes nothing
@require_http_methods(["GET", "HEAD", "POST"])
@gone_as_410
def tab(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    obj, preview = campaigns_selectors.promotion_get_for_page(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion, user=request.user
    )
    if request.method == "POST":
        context = _facebook_tab_context(request, obj)
        if context is None:
            return page_error(
                request,
                obj,
                400,
                _("This Facebook request could not be verified. Please open the promotion again."),
            )
        request.session[SESSION_FB_CONTEXT] = context
        return _render_tab(request, obj, preview, facebook_language=context["language"])
    return _render_tab(request, obj, preview)


@require_safe
@gone_as_410
def rules(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    """The official rules; a visitor from a country with its own rules text sees that text
    (``?country=XX`` chooses another country's, ``?country=any`` the general rules)."""
    obj, preview = campaigns_selectors.promotion_get_for_page(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion, user=request.user
    )
    asked = request.GET.get("country", "")
    official = entries_selectors.official_rules_get(
        promotion=obj,
        country=asked if len(asked) == 2 else visitor_country(request),
        general=asked.lower() == "any",
    )
    return brand_page_render(
        request,
        obj.campaign.brand,
        "promotions/rules.html",
        {
            "campaign": obj.campaign,
            "promotion": obj,
            "preview": preview,
            "official": official,
            "social": social_selectors.social_rules_public(promotion=obj),
        },
    )


def _render_tab(
    request: HttpRequest,
    promotion: Promotion,
    preview: bool,
    *,
    form: EntryForm | None = None,
    email_form: EmailSignInForm | None = None,
    status: int = 200,
    facebook_language: str = "",
    language: PageLanguage | None = None,
) -> HttpResponse:
    language = language or _tab_language(request, promotion, facebook_language)
    with page_language_active(language, promotion.campaign.brand):
        return _render_tab_in_language(
            request, promotion, preview, form, email_form, status, language
        )


def _tab_language(
    request: HttpRequest, promotion: Promotion, facebook_language: str = ""
) -> PageLanguage:
    """The tab's language; a ``signed_request``'s locale counts for the session's pages."""
    return page_language_get(
        request, promotion.campaign.brand, promotion.campaign, facebook_language=facebook_language
    )


def _render_tab_in_language(
    request: HttpRequest,
    promotion: Promotion,
    preview: bool,
    form: EntryForm | None,
    email_form: EmailSignInForm | None,
    status: int,
    language: PageLanguage,
) -> HttpResponse:
    person = current_person(request)
    fb = facebook_context(request)
    state = (
        entries_selectors.entrant_state_get(promotion=promotion, person=person) if person else None
    )
    if person is not None and form is None:
        form = EntryForm(
            promotion=promotion, person=person, facebook_country=str(fb.get("country", ""))
        )
    contest = promotion.kind == Promotion.Kind.CONTEST
    context = {
        "campaign": promotion.campaign,
        "promotion": promotion,
        "preview": preview,
        "live": promotion.is_live(),
        "person": person,
        "state": state,
        "form": form,
        "email_form": email_form or EmailSignInForm(),
        "consent_texts": entrants_services.consent_texts(promotion),
        "facebook_login_url": _facebook_login_url(promotion) if settings.FACEBOOK_APP_ID else "",
        "commitment": draws_selectors.draw_commitment_get_public(promotion=promotion)
        if promotion.kind == Promotion.Kind.SWEEPSTAKES
        else None,
        "draws": draws_selectors.draw_list_done(promotion=promotion),
        "gallery": contests_selectors.submission_gallery_list(promotion=promotion)
        if contest
        else [],
        "voted_for": contests_selectors.vote_today_get(promotion=promotion, person=person)
        if contest and person
        else None,
    }
    response = brand_page_render(
        request,
        promotion.campaign.brand,
        "promotions/tab.html",
        context,
        status,
        language,
    )
    response.headers["Cache-Control"] = "private, no-store"
    device_cookie_ensure(request, response)
    return response


def _facebook_login_url(promotion: Promotion) -> str:
    return reverse("facebook:login") + "?" + urlencode({"next": promotion.get_absolute_url()})


def _facebook_tab_context(request: HttpRequest, promotion: Promotion) -> dict[str, Any] | None:
    """What a verified ``signed_request`` says: page, locale, country, age range. None when
    it does not verify or names another Page than the brand's."""
    payload = facebook_client.signed_request_parse(request.POST.get("signed_request"))
    if payload is None:
        return None
    page: dict[str, Any] = payload["page"] if isinstance(payload.get("page"), dict) else {}
    user: dict[str, Any] = payload["user"] if isinstance(payload.get("user"), dict) else {}
    page_id = str(page.get("id", "")) if page else ""
    brand_page = promotion.campaign.brand.facebook_page_id
    if brand_page and page_id and page_id != brand_page:
        return None
    age: dict[str, Any] = user["age"] if isinstance(user.get("age"), dict) else {}
    age_max = age.get("max") if age else None
    locale = str(user.get("locale", ""))[:10] if user else ""
    country = str(user.get("country", "")).upper()[:2] if user else ""
    return {
        "page_id": page_id,
        "locale": locale,
        "language": language_normalize(locale),
        "country": country if country.isalpha() else "",
        "age_min": age.get("min") if age and isinstance(age.get("min"), int) else None,
        "age_max": age_max if isinstance(age_max, int) else None,
    }


@require_POST
@gone_as_410
def enter(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    """``POST .../<promotion>/enter/``: form (multipart for uploads) or JSON, answered in
    the tab's language, which the entry records (its emails are sent in it)."""
    obj, preview = promotion_for_action(request, brand, campaign, promotion)
    language = _tab_language(request, obj)
    with page_language_active(language, obj.campaign.brand):
        return _enter(request, obj, preview, language)


def _enter(
    request: HttpRequest, obj: Promotion, preview: bool, language: PageLanguage
) -> HttpResponse:
    as_json = wants_json(request)
    at = timezone.now()
    # The entrant and their entries so far, in one query (the rules read both).
    found = entries_selectors.entrant_get_for_entry(
        person_id=request.session.get(SESSION_PERSON), promotion=obj, at=at
    )
    person, so_far = found if found is not None else (None, None)
    if person is None:
        message = _("Sign in with Facebook or confirm your email address first.")
        if as_json:
            return error_response(401, "identity_required", message)
        messages.error(request, message)
        return _render_tab(request, obj, preview, status=401, language=language)
    if as_json:
        try:
            data = json_body(request, set(EntryForm.base_fields) - {"file"})
        except BadJson as exc:
            return error_response(400, "invalid", str(exc.args[0]), exc.args[1])
        form = EntryForm(data, promotion=obj, person=person)
    else:
        form = EntryForm(request.POST, request.FILES, promotion=obj, person=person)
    if not form.is_valid():
        if as_json:
            fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
            return error_response(400, "invalid", _("Check the highlighted fields."), fields)
        return _render_tab(request, obj, preview, form=form, status=400, language=language)
    fb = facebook_context(request)
    try:
        outcome = entries_services.entry_create(
            promotion=obj,
            person=person,
            answers=form.answers(facebook_age_max=fb.get("age_max")),
            sender=sender_from_request(request),
            submission=form.submission(),
            honeypot=str(form.cleaned_data.get("website") or ""),
            language=language.code,
            at=at,
            so_far=so_far,
        )
    except entries_refusals.Refused as refused:
        if as_json:
            return refusal_response(refused)
        _attach_refusals(form, refused.refusals)
        response = _render_tab(
            request, obj, preview, form=form, status=refused.status, language=language
        )
        if refused.retry_after:
            response.headers["Retry-After"] = str(refused.retry_after)
        return response
    if as_json:
        return JsonResponse(_outcome_json(outcome), status=201)
    messages.success(request, _("Thank you, your entry is in."))
    return HttpResponseRedirect(obj.get_absolute_url() + "#result")


def _attach_refusals(form: EntryForm, refusals: list[Refusal]) -> None:
    for r in refusals:
        form.add_error(r.field if r.field in form.fields else None, r.message)


def _outcome_json(outcome: entries_services.EntryOutcome) -> dict[str, Any]:
    entry = outcome.entry
    body: dict[str, Any] = {
        "entry": entry.public_id,
        "created_at": entry.created_at.isoformat(),
        "under_review": outcome.under_review,
    }
    kind = entry.promotion.kind
    if kind == Promotion.Kind.INSTANT_WIN:
        body["won"] = outcome.award is not None
        body["prize"] = outcome.award.prize.name if outcome.award else None
    if kind == Promotion.Kind.OFFER:
        body["code"] = outcome.code.code if outcome.code else None
    if kind == Promotion.Kind.CONTEST and outcome.submission is not None:
        body["submission"] = {"id": outcome.submission.pk, "status": outcome.submission.status}
    return body


@require_POST
@gone_as_410
def identify(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    """Ask for a sign-in link by email (the link comes back to ``verify``), in the tab's
    language."""
    obj, preview = promotion_for_action(request, brand, campaign, promotion)
    language = _tab_language(request, obj)
    with page_language_active(language, obj.campaign.brand):
        return _identify(request, obj, preview, brand, campaign, promotion, language)


def _identify(
    request: HttpRequest,
    obj: Promotion,
    preview: bool,
    brand: str,
    campaign: str,
    promotion: str,
    language: PageLanguage,
) -> HttpResponse:
    as_json = wants_json(request)
    if as_json:
        try:
            data = json_body(request, {"email"})
        except BadJson as exc:
            return error_response(400, "invalid", str(exc.args[0]), exc.args[1])
        form = EmailSignInForm(data)
    else:
        form = EmailSignInForm(request.POST)
    if not form.is_valid():
        if as_json:
            fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
            return error_response(400, "invalid", _("Enter a valid email address."), fields)
        return _render_tab(request, obj, preview, email_form=form, status=400, language=language)
    email = form.cleaned_data["email"]
    token = entrants_services.email_verification_token(
        email=email,
        next_path=obj.get_absolute_url(),
        browser=sender_from_request(request).device_hash,
    )
    link = request.build_absolute_uri(
        reverse("promotions:verify", args=[brand, campaign, promotion])
        + "?"
        + urlencode({"lang": language.code, "t": token})
    )
    try:
        entrants_services.email_verification_send(
            email=email,
            promotion=obj,
            link=link,
            sender=sender_from_request(request),
            language=language.code,
        )
    except entries_refusals.Refused as refused:
        if as_json:
            return refusal_response(refused)
        for r in refused.refusals:
            form.add_error("email" if r.field == "email" else None, r.message)
        return _render_tab(
            request, obj, preview, email_form=form, status=refused.status, language=language
        )
    if as_json:
        return JsonResponse({"status": "sent", "email": email}, status=202)
    messages.info(
        request,
        _("We sent a link to %(email)s. Open it on this device to take part.") % {"email": email},
    )
    return HttpResponseRedirect(obj.get_absolute_url() + "#take-part")


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def verify(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    """The emailed link: sign the person in on this browser and go back to the promotion,
    in the language the link was asked for in.

    Only the browser that asked for the link may join the address to whoever is signed in
    on it (a Facebook entrant confirming their email stays one entrant). Opened anywhere
    else it signs in the address's own person; where someone else is signed in, only
    after they confirm it (a POST), so a link mailed to one person and opened by another
    never ties the two together."""
    found = entrants_services.email_verification_read(str(request.GET.get("t", ""))[:2000])
    brand_obj = Brand.objects.filter(slug=brand).first()
    if found is None:
        message = _("This link is invalid or has expired. Ask for a new one on the promotion.")
        context = {"message": message}
        if brand_obj is not None:
            return brand_page_render(request, brand_obj, "errors/400.html", context, 400)
        return render(request, "errors/400.html", context, status=400)
    language = language_normalize(request.GET.get("lang")) or (
        brand_obj.language if brand_obj is not None else settings.LANGUAGE_CODE
    )
    current = current_person(request)
    if found.asked_here(sender_from_request(request).device_hash):
        joins = current
    else:
        joins = None
        if current is not None and request.method != "POST":
            try:
                owner = entrants_selectors.person_id_for_email(
                    email_normalized=entrants_services.email_normalize(found.email)
                )
            except ValidationError:
                owner = None
            if owner != current.pk:
                context = {"email": found.email}
                if brand_obj is None:
                    return render(request, "promotions/verify_confirm.html", context)
                return brand_page_render(
                    request, brand_obj, "promotions/verify_confirm.html", context, 200, language
                )
    person = entrants_services.person_sign_in_email(email=found.email, current=joins)
    sign_in(request, person)
    with translation.override(language):
        messages.success(request, _("Your email address is confirmed."))
    back = found.next_path
    if request.GET.get("lang"):  # the page it was asked on (another browser has no cookie)
        back = path_in_language(back, language)
    return HttpResponseRedirect(back + "#take-part")


@require_POST
def sign_out(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    request.session.pop(SESSION_PERSON, None)
    request.session.cycle_key()
    return HttpResponseRedirect(
        reverse("promotions:tab", args=[brand, campaign, promotion]) + "#take-part"
    )
