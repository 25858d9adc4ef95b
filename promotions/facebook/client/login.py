"""Facebook Login (OAuth) and tokens: the dialog, the code exchange, the person's profile,
long-lived user tokens, the app token and ``debug_token``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

import facebook
import requests
from django.conf import settings

from promotions.facebook.client.graph import (
    GraphCallError,
    GraphError,
    graph_api,
    graph_call,
    sdk_error,
    secrets_blank,
)

LOGIN_SCOPES = ("email", "public_profile")


def oauth_login_url(
    *,
    redirect_uri: str,
    state: str,
    scopes: tuple[str, ...] | list[str] = LOGIN_SCOPES,
    config_id: str = "",
) -> str:
    """The Facebook Login dialog (at ``settings.FACEBOOK_WWW_URL``): the person comes back
    to ``redirect_uri`` with a code and ``state``. With a Facebook Login for Business
    ``config_id`` the configuration names the permissions, and ``scopes`` is not sent."""
    query = {
        "client_id": settings.FACEBOOK_APP_ID,
        "redirect_uri": redirect_uri,
        "state": state,
    }
    if config_id:
        query |= {"config_id": config_id, "response_type": "code"}
    else:
        query["scope"] = ",".join(scopes)
    return (
        f"{settings.FACEBOOK_WWW_URL}/{settings.FACEBOOK_GRAPH_VERSION}/dialog/oauth?"
        + urlencode(query)
    )


def oauth_exchange_code(*, code: str, redirect_uri: str) -> tuple[str, int | None]:
    """Trade the dialog's code for a user access token: ``(token, expires_in seconds)``."""
    try:
        answer = graph_api().get_access_token_from_code(
            code, redirect_uri, settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET
        )
    except (facebook.GraphAPIError, requests.RequestException, ValueError, KeyError) as exc:
        raise sdk_error("code exchange", exc) from exc
    token = answer.get("access_token") if isinstance(answer, dict) else None
    if not isinstance(token, str) or not token:
        raise GraphError("code exchange: no access_token in the answer")
    expires = answer.get("expires_in")
    return token, int(expires) if isinstance(expires, int | str) and str(
        expires
    ).isdigit() else None


@dataclass(frozen=True)
class FacebookProfile:
    user_id: str  # app-scoped
    name: str
    email: str


def oauth_profile(*, access_token: str) -> FacebookProfile:
    """``/me`` of the token's user: app-scoped id, name and (when granted) email."""
    api = graph_api(access_token)
    try:
        me = api.get_object("me", fields="id,name,email")
    except (facebook.GraphAPIError, requests.RequestException, ValueError, KeyError) as exc:
        raise sdk_error("profile", exc) from exc
    if not isinstance(me, dict) or not str(me.get("id", "")).isdigit():
        raise GraphError("profile: no user id in the answer")
    return FacebookProfile(
        user_id=str(me["id"]), name=str(me.get("name") or ""), email=str(me.get("email") or "")
    )


def app_token() -> str:
    """The app access token ``app_id|app_secret`` (Graph's documented shortcut)."""
    return f"{settings.FACEBOOK_APP_ID}|{settings.FACEBOOK_APP_SECRET}"


def oauth_long_lived_token(*, user_token: str) -> tuple[str, int | None]:
    """Trade a short-lived user token for a long-lived one (about 60 days): Page tokens read
    with it do not expire."""
    answer = graph_call(
        "GET",
        "oauth/access_token",
        token=user_token,
        params={
            "grant_type": "fb_exchange_token",
            "client_id": settings.FACEBOOK_APP_ID,
            "client_secret": settings.FACEBOOK_APP_SECRET,
            "fb_exchange_token": user_token,
        },
    )
    token = answer.get("access_token")
    if not isinstance(token, str) or not token:
        raise GraphCallError("token exchange: no access_token in the answer")
    expires = answer.get("expires_in")
    return token, expires if isinstance(expires, int) else None


@dataclass(frozen=True)
class TokenInfo:
    """What ``debug_token`` says of a token."""

    is_valid: bool
    user_id: str
    scopes: tuple[str, ...]
    expires_at: datetime | None  # None: never
    error_code: int | None = None
    error_subcode: int | None = None
    error_message: str = ""


def token_debug(*, token: str) -> TokenInfo:
    """``GET /debug_token`` with the app token: is ``token`` valid, whose, which scopes."""
    answer = graph_call(
        "GET", "debug_token", token=app_token(), params={"input_token": token}, secrets_=(token,)
    )
    data = answer.get("data")
    if not isinstance(data, dict):
        raise GraphCallError("GET debug_token: no data in the answer")
    error = data.get("error")
    error = error if isinstance(error, dict) else {}
    expires = data.get("expires_at")
    scopes = data.get("scopes")
    scopes = scopes if isinstance(scopes, list) else []
    code, subcode = error.get("code"), error.get("subcode")
    return TokenInfo(
        is_valid=data.get("is_valid") is True,
        user_id=str(data.get("user_id") or ""),
        scopes=tuple(str(s) for s in scopes),
        expires_at=(
            datetime.fromtimestamp(expires, tz=UTC)
            if isinstance(expires, int) and expires > 0
            else None
        ),
        error_code=code if isinstance(code, int) else None,
        error_subcode=subcode if isinstance(subcode, int) else None,
        error_message=secrets_blank(str(error.get("message") or "")[:300], (token,)),
    )
