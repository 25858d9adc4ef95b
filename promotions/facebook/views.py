"""Facebook Login and Facebook's server callbacks (deauthorize, data deletion).

Every Graph/OAuth/signed_request detail is in ``promotions.facebook.client``; these views
only read the request, call it and a service, and answer. Bad input is a 4xx, never a 5xx.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST, require_safe

from promotions.entrants import selectors as entrants_selectors
from promotions.entrants import services as entrants_services
from promotions.facebook import client as facebook_client
from promotions.pages.http import SESSION_PERSON
from promotions.pages.http import current_person as _current_person
from promotions.pages.http import sign_in as _sign_in
from promotions.social import connections as social_connections
from tracking.api.errors import error_response

logger = logging.getLogger(__name__)

SESSION_OAUTH = "promotions.facebook_oauth"


def _safe_next(request: HttpRequest, value: str | None) -> str:
    if (
        value
        and url_has_allowed_host_and_scheme(
            value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        and value.startswith("/")
        and not value.startswith("//")
    ):
        return value
    return "/"


def _callback_uri(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("facebook:callback"))


def _error_page(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "errors/400.html", {"message": message}, status=status)


@never_cache
@require_safe
def login(request: HttpRequest) -> HttpResponse:
    """Start Facebook Login; ``?next=`` is where the consumer comes back to."""
    if not settings.FACEBOOK_APP_ID:
        raise Http404("Facebook Login is not configured.")
    state = secrets.token_urlsafe(24)
    request.session[SESSION_OAUTH] = {
        "state": state,
        "next": _safe_next(request, request.GET.get("next")),
    }
    return HttpResponseRedirect(
        facebook_client.oauth_login_url(redirect_uri=_callback_uri(request), state=state)
    )


@never_cache
@require_safe
def callback(request: HttpRequest) -> HttpResponse:
    """Facebook sends the consumer back here with ``code`` and our ``state``."""
    pending: dict[str, Any] = request.session.pop(SESSION_OAUTH, None) or {}
    expected = str(pending.get("state", ""))
    given = str(request.GET.get("state", ""))[:200]
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        return _error_page(
            request, _("This Facebook Login could not be verified. Please start again.")
        )
    next_path = _safe_next(request, pending.get("next"))
    if request.GET.get("error"):
        messages.info(request, _("Facebook Login was cancelled."))
        return HttpResponseRedirect(next_path + "#take-part")
    code = str(request.GET.get("code", ""))
    if not code or len(code) > 2000:
        return _error_page(request, _("Facebook did not send a login code. Please start again."))
    try:
        token, expires_in = facebook_client.oauth_exchange_code(
            code=code, redirect_uri=_callback_uri(request)
        )
        profile = facebook_client.oauth_profile(access_token=token)
    except facebook_client.GraphError as exc:
        logger.warning("facebook: login failed: %s", exc)
        return _error_page(request, _("Facebook could not confirm your login. Please try again."))
    person = entrants_services.person_sign_in_facebook(
        profile=profile, access_token=token, expires_in=expires_in, current=_current_person(request)
    )
    _sign_in(request, person)
    messages.success(request, _("You are signed in with Facebook."))
    return HttpResponseRedirect(next_path + "#take-part")


def _signed_user_id(request: HttpRequest) -> str | JsonResponse:
    payload = facebook_client.signed_request_parse(request.POST.get("signed_request"))
    if payload is None:
        return error_response(
            400,
            "bad_signed_request",
            "The signed_request is malformed, wrongly signed or expired.",
            {"signed_request": ["Not a valid signed_request."]},
        )
    user_id = str(payload.get("user_id", ""))
    if not user_id.isdigit() or len(user_id) > 32:
        return error_response(
            400,
            "bad_signed_request",
            "The signed_request names no user.",
            {"signed_request": ["No user_id."]},
        )
    return user_id


@csrf_exempt
@require_POST
def deauthorize(request: HttpRequest) -> HttpResponse:
    """The person removed the app: forget their Facebook token, and the tokens of the Pages
    they connected for a brand."""
    user_id = _signed_user_id(request)
    if isinstance(user_id, JsonResponse):
        return user_id
    forgotten = entrants_services.identity_deauthorize(facebook_user_id=user_id)
    pages = social_connections.connected_pages_deauthorize(facebook_user_id=user_id)
    return JsonResponse({"status": "ok", "forgotten": forgotten, "pages": pages})


@csrf_exempt
@require_POST
def data_deletion(request: HttpRequest) -> HttpResponse:
    """Delete the person's personal data now; answer where to read what was done."""
    user_id = _signed_user_id(request)
    if isinstance(user_id, JsonResponse):
        return user_id
    deletion = entrants_services.data_deletion_request_create(facebook_user_id=user_id)
    if deletion.person_id is not None and request.session.get(SESSION_PERSON) == deletion.person_id:
        request.session.pop(SESSION_PERSON, None)
    url = request.build_absolute_uri(
        reverse("facebook:data_deletion_status", args=[deletion.confirmation_code])
    )
    return JsonResponse({"url": url, "confirmation_code": deletion.confirmation_code})


@require_safe
def data_deletion_status(request: HttpRequest, code: str) -> HttpResponse:
    deletion = entrants_selectors.data_deletion_get(confirmation_code=code)
    if deletion is None:
        raise Http404("No such deletion request.")
    return render(request, "promotions/data_deletion.html", {"deletion": deletion})
