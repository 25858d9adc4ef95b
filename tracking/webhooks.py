"""Signed POSTs to endpoints that partners and marketers name (report pushes, alerts).

Signature: ``X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` keyed with
the endpoint's secret; a receiver recomputes it, compares in constant time and refuses a
``t`` too far from its clock (replays). docs/partners.md shows a receiver.

A destination must be ``https://`` and resolve only to public addresses: a partner must not
make our worker call ``http://10.0.0.5/admin`` or the cloud metadata address. The address is
checked when the endpoint is saved and again before every delivery (DNS may change), and
the delivery connects to the very address checked (a name rebinding to a private address
between the check and the connection gains nothing).
``WEBHOOK_ALLOW_PRIVATE`` lifts both rules, for tests and local receivers only. Redirects
are never followed (a 3xx is a failed delivery). ``WEBHOOK_TIMEOUT_SECONDS`` bounds the
whole exchange, not each read: an endpoint dribbling its answer fails when it is over.
"""

from __future__ import annotations

import codecs
import contextlib
import functools
import hashlib
import hmac
import http.client
import ipaddress
import logging
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

SIGNATURE_HEADER = "X-Signature"
EXCERPT_CHARS = 500
# What is read of an answer for its excerpt: enough for EXCERPT_CHARS characters of UTF-8.
EXCERPT_BYTES = EXCERPT_CHARS * 4

logger = logging.getLogger(__name__)


def signature(*, secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Signature`` value for ``body`` sent at ``timestamp``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def signature_verify(
    *, header: str, body: bytes, secret: str, tolerance_seconds: int = 300, now: float | None = None
) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` within ``tolerance_seconds``."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    timestamp = parts.get("t", "")
    if not timestamp.isdigit() or "v1" not in parts:
        return False
    current = time.time() if now is None else now
    if abs(current - int(timestamp)) > tolerance_seconds:
        return False
    expected = signature(secret=secret, body=body, timestamp=int(timestamp))
    return hmac.compare_digest(expected.encode(), header.strip().encode())


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))


def webhook_url_validate(url: str) -> None:
    """Raise ValidationError unless ``url`` may receive our POSTs (see the module doc)."""
    webhook_url_address(url)


def webhook_url_address(url: str) -> str:
    """The public address ``url``'s host resolves to now, that a POST connects to ('' when
    ``WEBHOOK_ALLOW_PRIVATE`` lets the host be resolved as usual); ValidationError unless
    ``url`` may receive our POSTs."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError("Not a valid URL.") from None
    allow_private = _allow_private()
    if parts.scheme != "https" and not (allow_private and parts.scheme == "http"):
        raise ValidationError("The destination must be an https:// URL.")
    if not parts.hostname:
        raise ValidationError("The destination needs a host name.")
    if parts.username or parts.password:
        raise ValidationError("Put no credentials in the URL; verify our signature instead.")
    if allow_private:
        return ""
    try:
        infos = socket.getaddrinfo(parts.hostname, port or 443, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        raise ValidationError(f"The host {parts.hostname} cannot be resolved.") from None
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if not address.is_global or address.is_multicast:
            raise ValidationError(
                f"The host {parts.hostname} resolves to a private or reserved address "
                f"({address}); use a public endpoint."
            )
    return str(infos[0][4][0]).split("%", 1)[0]


class _Deadline:
    """The end of one exchange, ``seconds`` from now, whatever each read's own timeout
    says: when it comes, the watched sockets are shut down under the read, write or TLS
    handshake still waiting, so an endpoint that dribbles its answer a byte at a time
    cannot hold a worker past it."""

    def __init__(self, seconds: float) -> None:
        self.at = time.monotonic() + seconds
        self._watched: list[socket.socket] = []
        self._expired = False
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    @property
    def passed(self) -> bool:
        return self._expired or time.monotonic() >= self.at

    def watch(self, sock: socket.socket) -> None:
        # a duplicate: TLS detaches the socket it wraps, and shutting either down ends both
        watched = sock.dup()
        with self._lock:
            self._watched.append(watched)
            expired = self._expired
        if expired:
            _shutdown(watched)

    def _expire(self) -> None:
        with self._lock:
            self._expired = True
            watched = list(self._watched)
        for sock in watched:
            _shutdown(sock)

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._timer.cancel()
        with self._lock:
            watched, self._watched = self._watched, []
        for sock in watched:
            sock.close()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # closed already
        sock.shutdown(socket.SHUT_RDWR)


def _connector(address: str, deadline: _Deadline) -> Any:
    """A connection's ``_create_connection``: to ``address``, the one that was checked
    ('' when ``WEBHOOK_ALLOW_PRIVATE`` lets the host be resolved as usual), watched by
    ``deadline``."""

    def connect_checked(
        where: tuple[str, int], timeout: Any = None, source_address: Any = None
    ) -> socket.socket:
        sock = socket.create_connection((address or where[0], where[1]), timeout, source_address)
        deadline.watch(sock)
        return sock

    return connect_checked


class _CheckedHTTPConnection(http.client.HTTPConnection):
    """Plain HTTP, for ``WEBHOOK_ALLOW_PRIVATE`` only: watched by the exchange's deadline."""

    def __init__(self, host: str, *, address: str, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = _connector(address, deadline)


class _CheckedHTTPSConnection(http.client.HTTPSConnection):
    """Connects to the address that was checked, whatever the host's DNS answers a moment
    later (a name that rebinds to 10.0.0.5 after the check); TLS still verifies the
    certificate against the host name, and the Host header names it. Watched by the
    exchange's deadline."""

    def __init__(self, host: str, *, address: str, deadline: _Deadline, **kwargs: Any) -> None:
        super().__init__(host, **kwargs)
        self._create_connection = _connector(address, deadline)


class _CheckedHTTPHandler(urllib.request.HTTPHandler):
    def __init__(self, address: str, deadline: _Deadline) -> None:
        super().__init__()
        self.address, self.deadline = address, deadline

    def http_open(self, req: urllib.request.Request) -> Any:
        connection = functools.partial(
            _CheckedHTTPConnection, address=self.address, deadline=self.deadline
        )
        return self.do_open(connection, req)


class _CheckedHTTPSHandler(urllib.request.HTTPSHandler):
    def __init__(self, address: str, deadline: _Deadline) -> None:
        super().__init__()
        self.address, self.deadline = address, deadline

    def https_open(self, req: urllib.request.Request) -> Any:
        connection = functools.partial(
            _CheckedHTTPSConnection, address=self.address, deadline=self.deadline
        )
        return self.do_open(connection, req, context=self._context)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class DeliveryResult:
    """One POST: succeeded means a 2xx; ``response_excerpt`` and ``error`` are at most
    ``EXCERPT_CHARS`` characters."""

    succeeded: bool
    status_code: int | None
    latency_ms: int
    response_excerpt: str
    error: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 3xx comes back as an HTTPError: a failed delivery


def webhook_post(
    *,
    url: str,
    body: bytes,
    secret: str,
    content_type: str = "application/json",
    headers: dict[str, str] | None = None,
    timeout: float | None = None,
) -> DeliveryResult:
    """POST ``body`` signed with ``secret`` to a destination ``webhook_url_validate``
    accepts (checked again now), never following a redirect. Never raises: a network or
    HTTP failure, an answer that is not HTTP, any error of the exchange is a failed result
    that says what happened, for the caller's delivery log."""
    started = time.monotonic()

    def elapsed() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        address = webhook_url_address(url)
    except ValidationError as exc:
        return DeliveryResult(False, None, 0, "", " ".join(exc.messages)[:EXCERPT_CHARS])
    request = urllib.request.Request(url, data=body, method="POST")  # noqa: S310 (checked)
    request.add_header("Content-Type", content_type)
    request.add_header("User-Agent", "promohub-webhooks/1")
    request.add_header(
        SIGNATURE_HEADER, signature(secret=secret, body=body, timestamp=int(time.time()))
    )
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    wait = timeout if timeout is not None else getattr(settings, "WEBHOOK_TIMEOUT_SECONDS", 10)
    # ``wait`` bounds the whole exchange (connection, TLS, the request, the answer), not
    # only each read: an answer not complete by then is a failure
    with _Deadline(wait) as deadline:
        opener = urllib.request.build_opener(
            _NoRedirect,
            _CheckedHTTPHandler(address, deadline),
            _CheckedHTTPSHandler(address, deadline),
        )
        result = _exchange(opener=opener, request=request, wait=wait, elapsed=elapsed)
        late = deadline.passed
    if late:
        error = f"no complete answer within {wait:g} s"
        return DeliveryResult(False, result.status_code, elapsed(), result.response_excerpt, error)
    return result


def _exchange(
    *,
    opener: urllib.request.OpenerDirector,
    request: urllib.request.Request,
    wait: float,
    elapsed: Callable[[], int],
) -> DeliveryResult:
    """Send ``request`` and read the start of the answer; never raises."""
    try:
        with opener.open(request, timeout=wait) as response:
            text = _excerpt(response)
            status = response.status
    except urllib.error.HTTPError as exc:
        return DeliveryResult(False, exc.code, elapsed(), _error_excerpt(exc), f"HTTP {exc.code}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return DeliveryResult(False, None, elapsed(), "", str(reason)[:EXCERPT_CHARS] or "error")
    except http.client.HTTPException as exc:
        # an answer that is not HTTP (BadStatusLine), cut short (IncompleteRead), too long
        error = f"not a valid HTTP answer ({type(exc).__name__}: {str(exc).strip()})"
        return DeliveryResult(False, None, elapsed(), "", error[:EXCERPT_CHARS])
    except Exception as exc:  # whatever else the exchange raises is a failed delivery too
        logger.exception("webhook POST to %s failed", request.full_url)
        return DeliveryResult(False, None, elapsed(), "", f"error: {type(exc).__name__}")
    return DeliveryResult(200 <= status < 300, status, elapsed(), text, "")


def _error_excerpt(exc: urllib.error.HTTPError) -> str:
    """The start of a refusal's body; '' when there is none or it cannot be read."""
    try:
        return _excerpt(exc) if exc.fp else ""
    except (http.client.HTTPException, OSError, ValueError):
        return ""


def _excerpt(answer: Any) -> str:
    """The first ``EXCERPT_CHARS`` characters of an answer's body, read as UTF-8 (a
    character cut where the reading stopped is left out, not replaced)."""
    data = answer.read(EXCERPT_BYTES)
    decoder = codecs.getincrementaldecoder("utf-8")("replace")
    return decoder.decode(data, final=len(data) < EXCERPT_BYTES)[:EXCERPT_CHARS]
