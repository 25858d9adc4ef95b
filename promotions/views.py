"""Consumer pages: the campaign hub and its promotion tabs (server-rendered, mobile-first),
and what a consumer does there: sign in (email link; Facebook in facebook_views), enter
(form or JSON), vote, read a draw's certificate.

Views are thin: they read the request, call one selector or service, and answer. A
``Refused`` from a service becomes form errors on the page (with its 4xx status) or, for
JSON requests, ``{"error": {"code", "message", "fields"}}``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from promotions import facebook_client, selectors, services
from promotions.eligibility import Refusal
from promotions.forms import EmailSignInForm, EntryForm
from promotions.models import Brand, Person, Promotion
from promotions.requestinfo import (
    DEVICE_COOKIE,
    DEVICE_COOKIE_MAX_AGE,
    new_device_id,
    sender_from_request,
)
from tracking.api.errors import error_response

SESSION_PERSON = "promotions.person"
SESSION_FB_CONTEXT = "promotions.facebook_tab"
JSON_BODY_LIMIT = 64 * 1024


def _render_in_brand_language(
    request: HttpRequest,
    brand: Brand,
    template: str,
    context: dict[str, Any],
    status: int = 200,
    language: str | None = None,
) -> HttpResponse:
    language = language or brand.language
    with translation.override(language):
        response = render(request, template, {"brand": brand, **context}, status=status)
    response.headers["Content-Language"] = language
    _allow_framing_by(response, brand)
    return response


def _allow_framing_by(response: HttpResponse, brand: Brand) -> None:
    """Tabs may be embedded in an iframe only by the brand's allowed domains (CSP level 2).

    X-Frame-Options cannot name several origins, so where the brand allows embedding it is
    dropped and CSP frame-ancestors decides; elsewhere the default DENY stays.
    """
    domains = brand.embed_domain_list
    if domains:
        sources = " ".join(f"https://{domain}" for domain in domains)
        response.headers["Content-Security-Policy"] = f"frame-ancestors 'self' {sources}"
        response.xframe_options_exempt = True
    else:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"


def _gone_as_410(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A finished campaign or promotion answers 410 with a friendly page, never a 500."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except selectors.Gone as gone:
            if _wants_json(request):
                return error_response(410, "ended", gone.message)
            context = {"message": gone.message, "campaign": gone.campaign}
            if gone.campaign is not None:
                return _render_in_brand_language(
                    request, gone.campaign.brand, "errors/410.html", context, status=410
                )
            return render(request, "errors/410.html", context, status=410)

    return wrapper


@require_safe
@_gone_as_410
def hub(request: HttpRequest, brand: str, campaign: str) -> HttpResponse:
    hub = selectors.hub_get(brand_slug=brand, campaign_slug=campaign, user=request.user)
    return _render_in_brand_language(
        request,
        hub.campaign.brand,
        "promotions/hub.html",
        {"campaign": hub.campaign, "promotions": hub.promotions, "preview": hub.preview},
    )


@csrf_exempt  # a legacy Facebook tab POSTs a signed_request; that POST changes nothing
@require_http_methods(["GET", "HEAD", "POST"])
@_gone_as_410
def tab(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    obj, preview = selectors.promotion_get_for_page(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion, user=request.user
    )
    if request.method == "POST":
        context = _facebook_tab_context(request, obj)
        if context is None:
            return _page_error(
                request,
                obj,
                400,
                _("This Facebook request could not be verified. Please open the promotion again."),
            )
        request.session[SESSION_FB_CONTEXT] = context
        return _render_tab(request, obj, preview, language=context.get("language") or None)
    return _render_tab(request, obj, preview)


@require_safe
@_gone_as_410
def rules(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    obj, preview = selectors.promotion_get_for_page(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion, user=request.user
    )
    return _render_in_brand_language(
        request,
        obj.campaign.brand,
        "promotions/rules.html",
        {"campaign": obj.campaign, "promotion": obj, "preview": preview},
    )


# --- the tab a consumer takes part on -------------------------------------------------------


def _current_person(request: HttpRequest) -> Person | None:
    return selectors.person_get(person_id=request.session.get(SESSION_PERSON))


def _sign_in(request: HttpRequest, person: Person) -> None:
    if request.session.get(SESSION_PERSON) != person.pk:
        request.session.cycle_key()
    request.session[SESSION_PERSON] = person.pk


def _render_tab(
    request: HttpRequest,
    promotion: Promotion,
    preview: bool,
    *,
    form: EntryForm | None = None,
    email_form: EmailSignInForm | None = None,
    status: int = 200,
    language: str | None = None,
) -> HttpResponse:
    person = _current_person(request)
    fb = request.session.get(SESSION_FB_CONTEXT) or {}
    state = selectors.entrant_state(promotion=promotion, person=person) if person else None
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
        "consent_texts": services.consent_texts(promotion),
        "facebook_login_url": _facebook_login_url(promotion) if settings.FACEBOOK_APP_ID else "",
        "commitment": selectors.draw_commitment_public(promotion=promotion)
        if promotion.kind == Promotion.Kind.SWEEPSTAKES
        else None,
        "draws": selectors.draws_done(promotion=promotion),
        "gallery": selectors.gallery(promotion=promotion) if contest else [],
        "voted_for": selectors.voted_today(promotion=promotion, person=person)
        if contest and person
        else None,
    }
    response = _render_in_brand_language(
        request, promotion.campaign.brand, "promotions/tab.html", context, status, language
    )
    response.headers["Cache-Control"] = "private, no-store"
    if not request.COOKIES.get(DEVICE_COOKIE):
        response.set_cookie(
            DEVICE_COOKIE,
            new_device_id(),
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
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
    language = locale.split("_")[0].lower()
    country = str(user.get("country", "")).upper()[:2] if user else ""
    return {
        "page_id": page_id,
        "locale": locale,
        "language": language if language in dict(settings.LANGUAGES) else "",
        "country": country if country.isalpha() else "",
        "age_min": age.get("min") if age and isinstance(age.get("min"), int) else None,
        "age_max": age_max if isinstance(age_max, int) else None,
    }


def _wants_json(request: HttpRequest) -> bool:
    if request.content_type == "application/json":
        return True
    accept = request.headers.get("Accept", "")
    return "application/json" in accept and "text/html" not in accept


def _refusal_json(refused: services.Refused) -> JsonResponse:
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


def _page_error(
    request: HttpRequest, promotion: Promotion, status: int, message: str
) -> HttpResponse:
    if _wants_json(request):
        return error_response(status, "bad_request", message)
    return _render_in_brand_language(
        request,
        promotion.campaign.brand,
        "errors/400.html",
        {"message": message, "campaign": promotion.campaign},
        status=status,
    )


class _BadJson(Exception):
    pass


def _json_body(request: HttpRequest, allowed: set[str]) -> dict[str, Any]:
    if len(request.body) > JSON_BODY_LIMIT:
        raise _BadJson("The body is too large.", {})
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise _BadJson("The body is not valid JSON.", {}) from exc
    if not isinstance(data, dict):
        raise _BadJson("The body must be a JSON object.", {})
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise _BadJson(
            "Unknown fields: " + ", ".join(unknown) + ".",
            {name: ["Unknown field."] for name in unknown},
        )
    return {k: ("" if v is None else v) for k, v in data.items()}


def _promotion_for_action(
    request: HttpRequest, brand: str, campaign: str, promotion: str
) -> tuple[Promotion, bool]:
    return selectors.promotion_get_for_page(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion, user=request.user
    )


@require_POST
@_gone_as_410
def enter(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    """``POST .../<promotion>/enter/``: form (multipart for uploads) or JSON."""
    obj, preview = _promotion_for_action(request, brand, campaign, promotion)
    as_json = _wants_json(request)
    person = _current_person(request)
    if person is None:
        message = _("Sign in with Facebook or confirm your email address first.")
        if as_json:
            return error_response(401, "identity_required", message)
        messages.error(request, message)
        return _render_tab(request, obj, preview, status=401)
    if as_json:
        try:
            data = _json_body(request, set(EntryForm.base_fields) - {"file"})
        except _BadJson as exc:
            return error_response(400, "invalid", str(exc.args[0]), exc.args[1])
        form = EntryForm(data, promotion=obj, person=person)
    else:
        form = EntryForm(request.POST, request.FILES, promotion=obj, person=person)
    if not form.is_valid():
        if as_json:
            fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
            return error_response(400, "invalid", _("Check the highlighted fields."), fields)
        return _render_tab(request, obj, preview, form=form, status=400)
    fb = request.session.get(SESSION_FB_CONTEXT) or {}
    try:
        outcome = services.entry_create(
            promotion=obj,
            person=person,
            answers=form.answers(facebook_age_max=fb.get("age_max")),
            sender=sender_from_request(request),
            submission=form.submission(),
            honeypot=str(form.cleaned_data.get("website") or ""),
        )
    except services.Refused as refused:
        if as_json:
            return _refusal_json(refused)
        _attach_refusals(form, refused.refusals)
        response = _render_tab(request, obj, preview, form=form, status=refused.status)
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


def _outcome_json(outcome: services.EntryOutcome) -> dict[str, Any]:
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
@_gone_as_410
def identify(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    """Ask for a sign-in link by email (the link comes back to ``verify``)."""
    obj, preview = _promotion_for_action(request, brand, campaign, promotion)
    as_json = _wants_json(request)
    if as_json:
        try:
            data = _json_body(request, {"email"})
        except _BadJson as exc:
            return error_response(400, "invalid", str(exc.args[0]), exc.args[1])
        form = EmailSignInForm(data)
    else:
        form = EmailSignInForm(request.POST)
    if not form.is_valid():
        if as_json:
            fields = {k: [str(m) for m in v] for k, v in form.errors.items()}
            return error_response(400, "invalid", _("Enter a valid email address."), fields)
        return _render_tab(request, obj, preview, email_form=form, status=400)
    email = form.cleaned_data["email"]
    token = services.email_verification_token(email=email, next_path=obj.get_absolute_url())
    link = request.build_absolute_uri(
        reverse("promotions:verify", args=[brand, campaign, promotion])
        + "?"
        + urlencode({"t": token})
    )
    try:
        services.email_verification_send(
            email=email, promotion=obj, link=link, sender=sender_from_request(request)
        )
    except services.Refused as refused:
        if as_json:
            return _refusal_json(refused)
        for r in refused.refusals:
            form.add_error("email" if r.field == "email" else None, r.message)
        return _render_tab(request, obj, preview, email_form=form, status=refused.status)
    if as_json:
        return JsonResponse({"status": "sent", "email": email}, status=202)
    messages.info(
        request,
        _("We sent a link to %(email)s. Open it on this device to take part.") % {"email": email},
    )
    return HttpResponseRedirect(obj.get_absolute_url() + "#take-part")


@never_cache
@require_safe
def verify(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    """The emailed link: sign the person in on this browser and go back to the promotion."""
    found = services.email_verification_read(str(request.GET.get("t", ""))[:2000])
    brand_obj = Brand.objects.filter(slug=brand).first()
    if found is None:
        message = _("This link is invalid or has expired. Ask for a new one on the promotion.")
        context = {"message": message}
        if brand_obj is not None:
            return _render_in_brand_language(request, brand_obj, "errors/400.html", context, 400)
        return render(request, "errors/400.html", context, status=400)
    email, next_path = found
    person = services.person_sign_in_email(email=email)
    _sign_in(request, person)
    messages.success(request, _("Your email address is confirmed."))
    return HttpResponseRedirect(next_path + "#take-part")


@require_POST
def sign_out(request: HttpRequest, brand: str, campaign: str, promotion: str) -> HttpResponse:
    request.session.pop(SESSION_PERSON, None)
    request.session.cycle_key()
    return HttpResponseRedirect(
        reverse("promotions:tab", args=[brand, campaign, promotion]) + "#take-part"
    )


@require_POST
@_gone_as_410
def vote(
    request: HttpRequest, brand: str, campaign: str, promotion: str, submission: int
) -> HttpResponse:
    obj, _preview = _promotion_for_action(request, brand, campaign, promotion)
    as_json = _wants_json(request)
    person = _current_person(request)
    if person is None:
        message = _("Sign in with Facebook or confirm your email address to vote.")
        if as_json:
            return error_response(401, "identity_required", message)
        messages.error(request, message)
        return HttpResponseRedirect(obj.get_absolute_url() + "#take-part")
    target = obj.submissions.filter(pk=submission).first()
    if target is None:
        if as_json:
            return error_response(404, "not_found", _("No such entry in this contest."))
        return _page_error(request, obj, 404, _("No such entry in this contest."))
    try:
        services.vote_cast(submission=target, person=person, sender=sender_from_request(request))
    except services.Refused as refused:
        if as_json:
            return _refusal_json(refused)
        messages.error(request, refused.refusals[0].message)
        return HttpResponseRedirect(obj.get_absolute_url() + f"#submission-{target.pk}")
    if as_json:
        return JsonResponse({"submission": target.pk, "votes": target.votes.count()}, status=201)
    messages.success(request, _("Thank you for your vote! You can vote again tomorrow."))
    return HttpResponseRedirect(obj.get_absolute_url() + f"#submission-{target.pk}")


# --- draw certificates ----------------------------------------------------------------------


@require_safe
def draw_certificate(
    request: HttpRequest, brand: str, campaign: str, promotion: str, draw: int
) -> HttpResponse:
    obj = selectors.promotion_get_public_record(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion
    )
    record = selectors.draw_get_public(promotion=obj, draw_id=draw)
    export_url = reverse("promotions:draw_export", args=[brand, campaign, promotion, draw])
    return _render_in_brand_language(
        request,
        obj.campaign.brand,
        "promotions/draw.html",
        {
            "campaign": obj.campaign,
            "promotion": obj,
            "draw": record,
            "winners": selectors.draw_current_winners(draw=record) if record.is_drawn else [],
            "replacements": list(record.replacements.all()),
            "export_url": export_url,
            "export_absolute_url": request.build_absolute_uri(export_url),
            "committed_before_close": record.committed_at < obj.ends_at,
            "now": timezone.now(),
        },
    )


@require_safe
def draw_export(
    request: HttpRequest, brand: str, campaign: str, promotion: str, draw: int
) -> HttpResponse:
    obj = selectors.promotion_get_public_record(
        brand_slug=brand, campaign_slug=campaign, promotion_slug=promotion
    )
    record = selectors.draw_get_public(promotion=obj, draw_id=draw)
    certificate = request.build_absolute_uri(record.get_absolute_url())
    response = JsonResponse(
        selectors.draw_export(draw=record, url=certificate), json_dumps_params={"indent": 1}
    )
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
