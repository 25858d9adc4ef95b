"""The transport every Graph call goes through: addresses, errors, rate-limit usage, paging.

* ``graph_get`` / ``graph_edge_page`` / ``graph_post_authorized``: keep-alive calls with the
  token in the ``Authorization`` header (comments, reactions, replies).
* ``graph_post(path, data)``: a JSON POST, the token in the body (the Conversions API).
* ``graph_call``: one call that blanks every token out of its errors (Pages, Login tokens).
* ``graph_api(access_token)``: facebook-sdk's ``GraphAPI`` with the version from
  ``settings.FACEBOOK_GRAPH_VERSION``. facebook-sdk 3.1.0's ``GraphAPI(version=...)`` only
  accepts the versions it knew in 2019 and refuses current ones, so the version is set on
  the client after construction; every path the SDK builds then carries it.

Every call goes to ``settings.FACEBOOK_GRAPH_URL`` (the SDK's too: it builds URLs from its
module constant, so its session rewrites them).
"""

from __future__ import annotations

import json
import logging
import re
import threading
from dataclasses import dataclass
from typing import Any

import facebook
import requests
from django.conf import settings

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


def sdk_error(action: str, exc: Exception) -> GraphError:
    if isinstance(exc, facebook.GraphAPIError):
        return GraphError(f"{action}: {exc.message}", body=str(exc.result)[:2000])
    return GraphError(f"{action}: {type(exc).__name__}: {exc}")


# Tokens travel in the Authorization header (never in a URL that a proxy or urllib3's debug
# log could keep), except where Graph wants one as a parameter (the OAuth exchange and
# ``debug_token``'s ``input_token``). No error message of ``graph_call`` ever carries a
# token: Graph's own message is kept, with every token of the call blanked out.


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


def secrets_blank(text: str, secrets_: tuple[str, ...]) -> str:
    for secret in secrets_:
        if secret:
            text = text.replace(secret, "[token]")
    return text


def graph_call(
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
        message = secrets_blank(f"{method} {path}: {type(exc).__name__}", hidden)
        raise GraphCallError(message) from None
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
            secrets_blank(f"{method} {path}: {str(error.get('message', ''))[:300]}", hidden),
            status=response.status_code,
            code=code if isinstance(code, int) else None,
            subcode=subcode if isinstance(subcode, int) else None,
            transient=bool(error.get("is_transient")),
        )
    return answer
