"""The only door to Facebook: the Graph API, Facebook Login (OAuth) and ``signed_request``.

* ``graph_post(path, data)``: a JSON POST over ``requests`` (the Conversions API).
* ``graph_api(access_token)``: facebook-sdk's ``GraphAPI`` with the version from
  ``settings.FACEBOOK_GRAPH_VERSION``. facebook-sdk 3.1.0's ``GraphAPI(version=...)`` only
  accepts the versions it knew in 2019 and refuses current ones, so the version is set on
  the client after construction; every path the SDK builds then carries it.
* ``oauth_login_url`` / ``oauth_exchange_code`` / ``oauth_profile``: Facebook Login.
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
from dataclasses import dataclass
from typing import Any

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

WWW_HOST = "https://www.facebook.com"
LOGIN_SCOPES = ("email", "public_profile")


def graph_api(access_token: str | None = None) -> facebook.GraphAPI:
    """facebook-sdk's client, on the Graph API version of the settings."""
    api = facebook.GraphAPI(access_token=access_token, timeout=TIMEOUT_SECONDS)
    api.version = settings.FACEBOOK_GRAPH_VERSION  # the SDK's own check refuses it
    return api


def oauth_login_url(*, redirect_uri: str, state: str) -> str:
    """The Facebook Login dialog: the consumer comes back to ``redirect_uri`` with a code."""
    return graph_api().get_auth_url(
        settings.FACEBOOK_APP_ID, redirect_uri, perms=list(LOGIN_SCOPES), state=state
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
