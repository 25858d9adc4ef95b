"""The only door to Facebook: the Graph API, Facebook Login (OAuth) and ``signed_request``.

* ``graph_post(path, data)``: a JSON POST over ``requests`` (the Conversions API).
* ``graph_api(access_token)``: facebook-sdk's ``GraphAPI`` with the version from
  ``settings.FACEBOOK_GRAPH_VERSION``. facebook-sdk 3.1.0's ``GraphAPI(version=...)`` only
  accepts the versions it knew in 2019 and refuses current ones, so the version is set on
  the client after construction; every path the SDK builds then carries it.
* ``oauth_login_url`` / ``oauth_exchange_code`` / ``oauth_profile``: Facebook Login.
* Pages (connect a brand's Page, its token's health, its recent posts): ``oauth_long_lived_token``,
  ``pages_list``, ``page_instagram_account``, ``page_subscribe_app``, ``token_debug``,
  ``page_posts_list``, ``instagram_media_list``.

Every call goes to ``settings.FACEBOOK_GRAPH_URL`` (the SDK's too: it builds URLs from its
module constant, so its session rewrites them) and the dialog to ``settings.FACEBOOK_WWW_URL``.
* ``signed_request_parse``: the verification wrapper around facebook-sdk's
  ``parse_signed_request`` (which compares signatures in variable time, raises on some
  malformed input and never looks at ``issued_at``).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import facebook
import requests
from django.conf import settings

logger = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10


def _dict(value: object) -> dict[str, Any]:
    """``value`` when it is a JSON object, else an empty one (Graph's shapes are not trusted)."""
    return value if isinstance(value, dict) else {}


class GraphError(Exception):
    """A Graph API call failed: ``status`` is the HTTP status (None: no answer at all)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        body: str = "",
        transient: bool = False,
        code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.body = body
        self.transient = transient
        self.code = code  # Graph's error code (4, 17, 190, ...), when it said one

    @property
    def throttled(self) -> bool:
        """Graph asks us to slow down: app, user, Page or Business Use Case limits."""
        return self.code in THROTTLE_CODES

    @property
    def retryable(self) -> bool:
        """Network trouble, throttling, server errors and errors Facebook marks
        ``is_transient`` are worth another try; other 4xx need a person (token, pixel id)."""
        return self.transient or self.status is None or self.status == 429 or self.status >= 500


# Error codes that mean "slow down" (application, user, Page, action and Business Use Case
# rate limits).
THROTTLE_CODES = frozenset({4, 17, 32, 613, *range(80001, 80015)})


def graph_url(path: str) -> str:
    """``settings.FACEBOOK_GRAPH_URL`` (a fake Graph server in tests) + version + path."""
    return f"{settings.FACEBOOK_GRAPH_URL}/{settings.FACEBOOK_GRAPH_VERSION}/{path.lstrip('/')}"


def graph_post(path: str, data: dict[str, Any], *, timeout: float = TIMEOUT_SECONDS) -> Any:
    """POST ``data`` as JSON to ``/<version>/<path>``; the decoded answer, or ``GraphError``.

    Access tokens travel in ``data`` (the body), never in the URL, so they stay out of logs.
    """
    url = graph_url(path)
    try:
        response = requests.post(url, json=data, timeout=timeout)
    except requests.RequestException as exc:
        raise GraphError(f"POST {path}: {type(exc).__name__}: {exc}") from exc
    body = response.text[:2000]
    if not 200 <= response.status_code < 300:
        message, transient = body, False
        try:
            error = response.json()["error"]
            message, transient = str(error["message"]), bool(error.get("is_transient"))
        except (ValueError, KeyError, TypeError, AttributeError):
            pass
        raise GraphError(
            f"POST {path}: HTTP {response.status_code}: {message}",
            status=response.status_code,
            body=body,
            transient=transient,
        )
    try:
        return response.json()
    except json.JSONDecodeError as exc:
        raise GraphError(
            f"POST {path}: answer is not JSON", status=response.status_code, body=body
        ) from exc


def _graph_error(method: str, path: str, response: requests.Response) -> GraphError:
    body = response.text[:2000]
    message, transient, code = body, False, None
    try:
        error = response.json()["error"]
        message, transient = str(error["message"]), bool(error.get("is_transient"))
        code = int(error["code"]) if isinstance(error.get("code"), int) else None
    except (ValueError, KeyError, TypeError, AttributeError):
        pass
    return GraphError(
        f"{method} {path}: HTTP {response.status_code}: {message}",
        status=response.status_code,
        body=body,
        transient=transient,
        code=code,
    )


@dataclass(frozen=True)
class GraphAnswer:
    """A decoded GET answer and the rate-limit usage Graph reported with it."""

    data: Any
    usage_percent: int  # highest of call count, CPU time and time, over every use case
    regain_seconds: int  # Graph's estimated_time_to_regain_access, in seconds


def _usage(headers: Any) -> tuple[int, int]:
    """``X-Business-Use-Case-Usage`` (and the older ``X-App-Usage``) read as the highest
    percentage and the longest wait Facebook announces; unreadable headers count as 0."""
    highest, regain = 0, 0
    raw = headers.get("X-Business-Use-Case-Usage")
    if raw:
        try:
            for cases in json.loads(raw).values():
                for case in cases:
                    for key in ("call_count", "total_cputime", "total_time"):
                        highest = max(highest, int(case.get(key) or 0))
                    regain = max(regain, int(case.get("estimated_time_to_regain_access") or 0))
        except (ValueError, TypeError, AttributeError):
            pass
    app = headers.get("X-App-Usage")
    if app:
        try:
            for value in json.loads(app).values():
                highest = max(highest, int(value or 0))
        except (ValueError, TypeError, AttributeError):
            pass
    return highest, regain * 60  # Graph gives minutes


_session = threading.local()


def _http() -> requests.Session:
    """One keep-alive session per thread: an import makes hundreds of calls in a row."""
    session = getattr(_session, "value", None)
    if session is None:
        session = _session.value = requests.Session()
    return session


def graph_get(
    path: str,
    *,
    access_token: str,
    params: dict[str, Any] | None = None,
    timeout: float = TIMEOUT_SECONDS,
) -> GraphAnswer:
    """GET ``/<version>/<path>`` with ``params``; the token goes in the ``Authorization``
    header, never in the URL (which ends up in logs). Raises ``GraphError``."""
    try:
        response = _http().get(
            graph_url(path),
            params=params or {},
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise GraphError(f"GET {path}: {type(exc).__name__}") from exc
    if not 200 <= response.status_code < 300:
        raise _graph_error("GET", path, response)
    usage, regain = _usage(response.headers)
    try:
        return GraphAnswer(response.json(), usage, regain)
    except json.JSONDecodeError as exc:
        raise GraphError(
            f"GET {path}: answer is not JSON", status=response.status_code, body=response.text[:200]
        ) from exc


@dataclass(frozen=True)
class GraphPage:
    """One page of a Graph edge: its rows, the cursor of the next page (None: last page)."""

    rows: list[dict[str, Any]]
    after: str | None
    usage_percent: int
    regain_seconds: int


def graph_edge_page(
    path: str, *, access_token: str, params: dict[str, Any], after: str = ""
) -> GraphPage:
    """One page of ``path`` (an edge such as ``<post>/comments``) from cursor ``after``.

    The next page is asked for with ``after=<cursor>`` and our own parameters rather than
    by following ``paging.next`` (whose URL carries the token)."""
    query = dict(params)
    if after:
        query["after"] = after
    answer = graph_get(path, access_token=access_token, params=query)
    body = answer.data if isinstance(answer.data, dict) else {}
    rows = [row for row in body.get("data") or [] if isinstance(row, dict)]
    paging = _dict(body.get("paging"))
    cursors = _dict(paging.get("cursors"))
    following = cursors.get("after") if paging.get("next") else None
    return GraphPage(
        rows=rows,
        after=str(following) if following else None,
        usage_percent=answer.usage_percent,
        regain_seconds=answer.regain_seconds,
    )


def graph_post_authorized(path: str, *, access_token: str, data: dict[str, Any]) -> Any:
    """POST ``data`` (JSON) with the token in the ``Authorization`` header (replies)."""
    try:
        response = _http().post(
            graph_url(path),
            json=data,
            headers={"Authorization": f"Bearer {access_token}"},
            timeout=TIMEOUT_SECONDS,
        )
    except requests.RequestException as exc:
        raise GraphError(f"POST {path}: {type(exc).__name__}") from exc
    if not 200 <= response.status_code < 300:
        raise _graph_error("POST", path, response)
    try:
        return response.json()
    except json.JSONDecodeError as exc:
        raise GraphError(f"POST {path}: answer is not JSON", status=response.status_code) from exc


# --- Facebook Login (OAuth) ------------------------------------------------------------

LOGIN_SCOPES = ("email", "public_profile")


class _GraphSession(requests.Session):
    """facebook-sdk builds every URL from its constant ``facebook.FACEBOOK_GRAPH_URL``; this
    session sends them to ``settings.FACEBOOK_GRAPH_URL`` instead (a fake server in tests)."""

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        sdk_base = facebook.FACEBOOK_GRAPH_URL
        if isinstance(url, str) and url.startswith(sdk_base):
            url = f"{settings.FACEBOOK_GRAPH_URL}/{url[len(sdk_base) :]}"
        return super().request(method, url, *args, **kwargs)  # type: ignore[arg-type]


def graph_api(access_token: str | None = None) -> facebook.GraphAPI:
    """facebook-sdk's client, on the Graph API version and base address of the settings."""
    api = facebook.GraphAPI(
        access_token=access_token, timeout=TIMEOUT_SECONDS, session=_GraphSession()
    )
    api.version = settings.FACEBOOK_GRAPH_VERSION  # the SDK's own check refuses it
    return api


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


def _sdk_error(action: str, exc: Exception) -> GraphError:
    if isinstance(exc, facebook.GraphAPIError):
        return GraphError(f"{action}: {exc.message}", body=str(exc.result)[:2000])
    return GraphError(f"{action}: {type(exc).__name__}: {exc}")


def oauth_exchange_code(*, code: str, redirect_uri: str) -> tuple[str, int | None]:
    """Trade the dialog's code for a user access token: ``(token, expires_in seconds)``."""
    try:
        answer = graph_api().get_access_token_from_code(
            code, redirect_uri, settings.FACEBOOK_APP_ID, settings.FACEBOOK_APP_SECRET
        )
    except (facebook.GraphAPIError, requests.RequestException, ValueError, KeyError) as exc:
        raise _sdk_error("code exchange", exc) from exc
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
        raise _sdk_error("profile", exc) from exc
    if not isinstance(me, dict) or not str(me.get("id", "")).isdigit():
        raise GraphError("profile: no user id in the answer")
    return FacebookProfile(
        user_id=str(me["id"]), name=str(me.get("name") or ""), email=str(me.get("email") or "")
    )


# --- Webhooks -------------------------------------------------------------------------


def webhook_signature_valid(raw_body: bytes, header: str, *, app_secret: str | None = None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body with the app
    secret>``, compared in constant time. No secret configured: nothing is valid."""
    secret = settings.FACEBOOK_APP_SECRET if app_secret is None else app_secret
    prefix, _, given = (header or "").partition("=")
    if not secret or prefix != "sha256" or len(given) != 64:
        return False
    expected = hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), given.strip().lower().encode("ascii", "replace"))


def webhook_verify_token_valid(given: str) -> bool:
    """The subscription handshake's ``hub.verify_token`` against the setting, in constant
    time; no token configured: refused."""
    expected = settings.FACEBOOK_WEBHOOK_VERIFY_TOKEN
    if not expected:
        return False
    return hmac.compare_digest(expected.encode(), given.encode("utf-8", "replace"))


# --- signed_request ---------------------------------------------------------------------

SIGNED_REQUEST_MAX_LENGTH = 8192
SIGNED_REQUEST_MAX_AGE = 24 * 3600
SIGNED_REQUEST_CLOCK_SKEW = 300
_B64URL = re.compile(r"^[A-Za-z0-9_-]+={0,2}$")


def _b64url_decode(part: str) -> bytes | None:
    if not _B64URL.match(part):
        return None
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        return None
    # One encoding per value: a part whose unused low bits were changed decodes to the same
    # bytes, and would let a changed string pass as the signed one.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode() != part.rstrip("="):
        return None
    return raw


def signed_request_parse(
    value: object, *, app_secret: str | None = None, now: float | None = None
) -> dict[str, Any] | None:
    """The payload of a valid ``signed_request``, or None; never raises.

    Valid means: ``base64url(signature).base64url(payload)`` within 8 KiB; a JSON object
    payload whose ``algorithm`` is exactly ``HMAC-SHA256``; a signature equal, in constant
    time, to HMAC-SHA256 of the encoded payload under the app secret; an integer
    ``issued_at`` at most 24 hours old (and not more than 5 minutes ahead). Only then is
    facebook-sdk's ``parse_signed_request`` asked as well, and must agree.
    """
    secret = settings.FACEBOOK_APP_SECRET if app_secret is None else app_secret
    if not secret or not isinstance(value, str) or len(value) > SIGNED_REQUEST_MAX_LENGTH:
        return None
    encoded_sig, dot, encoded_payload = value.partition(".")
    if not dot or not encoded_sig or not encoded_payload:
        return None
    signature = _b64url_decode(encoded_sig)
    raw = _b64url_decode(encoded_payload)
    if signature is None or raw is None:
        return None
    expected = hmac.new(secret.encode(), encoded_payload.encode("ascii"), hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        return None
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(payload, dict) or payload.get("algorithm") != "HMAC-SHA256":
        return None
    issued_at = payload.get("issued_at")
    if not isinstance(issued_at, int) or isinstance(issued_at, bool):
        return None
    current = time.time() if now is None else now
    if (
        issued_at < current - SIGNED_REQUEST_MAX_AGE
        or issued_at > current + SIGNED_REQUEST_CLOCK_SKEW
    ):
        return None
    try:
        agreed = facebook.parse_signed_request(value, secret)
    except Exception:  # the SDK raises on input it cannot decode; we already checked it
        return None
    if agreed != payload:
        return None
    return payload


def signed_request_make(payload: dict[str, Any], *, app_secret: str | None = None) -> str:
    """Build a ``signed_request`` the way Facebook does (tests and local tools)."""
    secret = settings.FACEBOOK_APP_SECRET if app_secret is None else app_secret
    body = {"algorithm": "HMAC-SHA256", **payload}
    encoded = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
    sig = hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(sig).rstrip(b"=").decode() + "." + encoded


# --- Pages: connect, token health, recent posts ------------------------------------------
# Tokens travel in the Authorization header (never in a URL that a proxy or urllib3's debug
# log could keep), except where Graph wants one as a parameter (the OAuth exchange and
# ``debug_token``'s ``input_token``). No error message here ever carries a token: Graph's
# own message is kept, with every token of the call blanked out.

PAGE_SCOPES = (
    "pages_show_list",
    "pages_read_engagement",
    "pages_read_user_content",
    "pages_manage_metadata",
    "pages_manage_engagement",
    "pages_messaging",
    "instagram_basic",
    "instagram_manage_comments",
)
PAGE_WEBHOOK_FIELDS = ("feed",)
PAGE_LIST_MAX = 500  # /me/accounts pages read at most (a marketer with more is an agency)


class GraphCallError(GraphError):
    """A Graph call answered with Graph's error shape: ``code`` and ``subcode`` say why."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: int | None = None,
        subcode: int | None = None,
        transient: bool = False,
    ) -> None:
        super().__init__(message, status=status, transient=transient)
        self.code = code
        self.subcode = subcode


_SECRET_PARAMS = re.compile(
    r"((?:access_token|input_token|fb_exchange_token|client_secret|code)=)[^&\s\"]+"
)


class _RedactSecrets(logging.Filter):
    """urllib3 logs each request line at DEBUG, query string included: where Graph wants a
    token or the app secret as a parameter, the log keeps ``[redacted]`` instead."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = _SECRET_PARAMS.sub(r"\1[redacted]", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


logging.getLogger("urllib3.connectionpool").addFilter(_RedactSecrets())


def _blank(text: str, secrets_: tuple[str, ...]) -> str:
    for secret in secrets_:
        if secret:
            text = text.replace(secret, "[token]")
    return text


def _graph_call(
    method: str,
    path: str,
    *,
    token: str,
    params: dict[str, Any] | None = None,
    data: dict[str, Any] | None = None,
    secrets_: tuple[str, ...] = (),
    timeout: float = TIMEOUT_SECONDS,
) -> dict[str, Any]:
    """One Graph call over requests; the decoded JSON object, or ``GraphCallError``."""
    hidden = (token, settings.FACEBOOK_APP_SECRET, *secrets_)
    try:
        response = requests.request(
            method,
            graph_url(path),
            params=params,
            data=data,
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise GraphCallError(_blank(f"{method} {path}: {type(exc).__name__}", hidden)) from None
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not 200 <= response.status_code < 300 or not isinstance(answer, dict):
        error = answer.get("error") if isinstance(answer, dict) else None
        if not isinstance(error, dict):
            raise GraphCallError(
                f"{method} {path}: HTTP {response.status_code}", status=response.status_code
            )
        code, subcode = error.get("code"), error.get("error_subcode")
        raise GraphCallError(
            _blank(f"{method} {path}: {str(error.get('message', ''))[:300]}", hidden),
            status=response.status_code,
            code=code if isinstance(code, int) else None,
            subcode=subcode if isinstance(subcode, int) else None,
            transient=bool(error.get("is_transient")),
        )
    return answer


def app_token() -> str:
    """The app access token ``app_id|app_secret`` (Graph's documented shortcut)."""
    return f"{settings.FACEBOOK_APP_ID}|{settings.FACEBOOK_APP_SECRET}"


def oauth_long_lived_token(*, user_token: str) -> tuple[str, int | None]:
    """Trade a short-lived user token for a long-lived one (about 60 days): Page tokens read
    with it do not expire."""
    answer = _graph_call(
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
class ManagedPage:
    """A Page the user manages, with its Page access token (never log or show it)."""

    page_id: str
    name: str
    access_token: str = field(repr=False)
    tasks: tuple[str, ...] = ()


def pages_list(*, user_token: str) -> list[ManagedPage]:
    """``/me/accounts``: the Pages the user granted, each with its Page token (all pages)."""
    pages: list[ManagedPage] = []
    params: dict[str, Any] = {"fields": "id,name,access_token,tasks", "limit": 100}
    while len(pages) < PAGE_LIST_MAX:
        answer = _graph_call("GET", "me/accounts", token=user_token, params=params)
        for row in answer.get("data") or []:
            if not isinstance(row, dict):
                continue
            page_id, token = str(row.get("id", "")), row.get("access_token")
            if page_id.isdigit() and isinstance(token, str) and token:
                tasks = row.get("tasks")
                tasks = tasks if isinstance(tasks, list) else []
                pages.append(
                    ManagedPage(
                        page_id=page_id,
                        name=str(row.get("name") or page_id)[:200],
                        access_token=token,
                        tasks=tuple(str(t) for t in tasks),
                    )
                )
        after = _next_cursor(answer)
        if after is None:
            break
        params = {**params, "after": after}
    return pages


def _next_cursor(answer: dict[str, Any]) -> str | None:
    paging = answer.get("paging")
    if not isinstance(paging, dict) or not paging.get("next"):
        return None
    cursors = paging.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    return after if isinstance(after, str) and after else None


def page_instagram_account(*, page_id: str, page_token: str) -> tuple[str, str] | None:
    """The Instagram professional account linked to the Page: ``(id, username)``, or None."""
    answer = _graph_call(
        "GET",
        page_id,
        token=page_token,
        params={"fields": "instagram_business_account{id,username}"},
    )
    account = answer.get("instagram_business_account")
    if not isinstance(account, dict) or not str(account.get("id", "")).isdigit():
        return None
    return str(account["id"]), str(account.get("username") or "")[:100]


def page_subscribe_app(
    *, page_id: str, page_token: str, fields: tuple[str, ...] = PAGE_WEBHOOK_FIELDS
) -> None:
    """Subscribe this app to the Page's webhooks (``POST /{page-id}/subscribed_apps``)."""
    answer = _graph_call(
        "POST",
        f"{page_id}/subscribed_apps",
        token=page_token,
        data={"subscribed_fields": ",".join(fields)},
    )
    if answer.get("success") is not True:
        raise GraphCallError(f"POST {page_id}/subscribed_apps: not confirmed")


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
    answer = _graph_call(
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
        error_message=_blank(str(error.get("message") or "")[:300], (token,)),
    )


@dataclass(frozen=True)
class RecentPost:
    """A Page post or an Instagram media, as the post picker shows it."""

    object_id: str
    text: str
    created_at: str
    permalink: str
    media_type: str = ""


def page_posts_list(
    *, page_id: str, page_token: str, limit: int = 25, after: str | None = None
) -> tuple[list[RecentPost], str | None]:
    """One page of the Page's recent posts, newest first, and the cursor of the next."""
    params: dict[str, Any] = {"fields": "id,message,created_time,permalink_url", "limit": limit}
    if after:
        params["after"] = after
    answer = _graph_call("GET", f"{page_id}/posts", token=page_token, params=params)
    posts = [
        RecentPost(
            object_id=str(row.get("id")),
            text=str(row.get("message") or ""),
            created_at=str(row.get("created_time") or ""),
            permalink=str(row.get("permalink_url") or ""),
        )
        for row in answer.get("data") or []
        if isinstance(row, dict) and row.get("id")
    ]
    return posts, _next_cursor(answer)


def instagram_media_list(
    *, ig_user_id: str, page_token: str, limit: int = 25, after: str | None = None
) -> tuple[list[RecentPost], str | None]:
    """One page of the Instagram account's recent media, and the cursor of the next."""
    params: dict[str, Any] = {
        "fields": "id,caption,permalink,timestamp,media_type",
        "limit": limit,
    }
    if after:
        params["after"] = after
    answer = _graph_call("GET", f"{ig_user_id}/media", token=page_token, params=params)
    media = [
        RecentPost(
            object_id=str(row.get("id")),
            text=str(row.get("caption") or ""),
            created_at=str(row.get("timestamp") or ""),
            permalink=str(row.get("permalink") or ""),
            media_type=str(row.get("media_type") or ""),
        )
        for row in answer.get("data") or []
        if isinstance(row, dict) and row.get("id")
    ]
    return media, _next_cursor(answer)
