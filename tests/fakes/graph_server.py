"""A fake Graph API server over real HTTP, as localstripe is for Stripe.

Tests start it on a free port (fixture ``fake_graph`` in ``tests/fakes/fixtures.py``) and
point ``settings.FACEBOOK_GRAPH_URL`` at it, so the service's own client code (requests or
facebook-sdk) makes real HTTP calls. The server keeps its world in ``FakeGraph.state``
(plain dicts that tests fill through the helper methods) and logs every request it
answers in ``FakeGraph.requests``.

Routes are registered with ``@route(method, pattern)``: ``pattern`` is a regular expression
matched against the path after the version prefix (``/v25.0``), with named groups passed
to the handler as keyword arguments. A handler gets the ``Call`` (method, path, query,
form/JSON body, headers) and returns ``(status, body, headers)`` or raises ``GraphFault``.

Faults are injected with ``FakeGraph.fail_next(...)``: the next matching call answers with
a Graph error (codes 4, 17, 613: throttling; 190: an expired or invalid token; 2: a
transient server error) instead of its normal answer.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

VERSION_PREFIX = re.compile(r"^/v\d+\.\d+(?=/)")

Answer = tuple[int, Any, dict[str, str]]
Handler = Callable[..., Answer]

ROUTES: list[tuple[str, re.Pattern[str], Handler]] = []


def route(method: str, pattern: str) -> Callable[[Handler], Handler]:
    """Register ``handler(graph, call, **groups)`` for ``method`` and a path pattern."""

    def register(handler: Handler) -> Handler:
        ROUTES.append((method.upper(), re.compile(f"^{pattern}$"), handler))
        return handler

    return register


class GraphFault(Exception):
    """Answer with Graph's error shape: ``{"error": {"message", "type", "code", ...}}``."""

    def __init__(
        self,
        code: int,
        message: str = "",
        *,
        status: int = 400,
        subcode: int | None = None,
        transient: bool = False,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message or f"Fake Graph error {code}"
        self.status = status
        self.subcode = subcode
        self.transient = transient
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {
            "message": self.message,
            "type": "OAuthException",
            "code": self.code,
            "is_transient": self.transient,
            "fbtrace_id": "FakeGraphTrace",
        }
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        return {"error": error}


# The faults tests ask for most, by name.
def throttled(code: int = 4) -> GraphFault:
    """Application (4), user (17) or action (613) request limit reached."""
    return GraphFault(code, f"(#{code}) Application request limit reached", status=400)


def token_expired() -> GraphFault:
    return GraphFault(
        190, "Error validating access token: Session has expired.", status=400, subcode=463
    )


def server_error() -> GraphFault:
    return GraphFault(2, "An unexpected error has occurred.", status=500, transient=True)


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: dict[str, Any]
    raw_body: bytes
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, Any]:
        """Query string and body together (Graph accepts parameters in either)."""
        return {**self.query, **self.body}

    @property
    def access_token(self) -> str:
        auth = self.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") or auth.lower().startswith("oauth "):
            return auth.split(" ", 1)[1]
        return str(self.params.get("access_token", ""))


@dataclass
class Fault:
    method: str
    pattern: re.Pattern[str]
    fault: GraphFault
    times: int


@dataclass
class FakeGraph:
    """The server's world, its request log and its injected faults."""

    state: dict[str, Any] = field(default_factory=dict)
    requests: list[Call] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    url: str = ""

    def fail_next(self, method: str, pattern: str, fault: GraphFault, *, times: int = 1) -> None:
        """The next ``times`` calls matching ``method`` and ``pattern`` get ``fault``."""
        with self.lock:
            self.faults.append(Fault(method.upper(), re.compile(f"^{pattern}$"), fault, times))

    def calls(self, method: str, pattern: str) -> list[Call]:
        """The logged calls matching ``method`` and the path ``pattern``."""
        compiled = re.compile(f"^{pattern}$")
        with self.lock:
            return [c for c in self.requests if c.method == method and compiled.match(c.path)]

    def answer(self, call: Call) -> Answer:
        with self.lock:
            self.requests.append(call)
            for fault in self.faults:
                if fault.method == call.method and fault.pattern.match(call.path):
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                    return fault.fault.status, fault.fault.body(), fault.fault.headers
        for method, pattern, handler in ROUTES:
            match = pattern.match(call.path)
            if method == call.method and match:
                try:
                    return handler(self, call, **match.groupdict())
                except GraphFault as raised:
                    return raised.status, raised.body(), raised.headers
        unknown = GraphFault(100, f"Unknown path components: {call.path}", status=400)
        return unknown.status, unknown.body(), {}


class _RequestHandler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        path = VERSION_PREFIX.sub("", parts.path) or "/"
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        kind = self.headers.get("Content-Type", "")
        body: dict[str, Any] = {}
        if raw and "json" in kind:
            try:
                loaded = json.loads(raw)
                body = loaded if isinstance(loaded, dict) else {}
            except ValueError:
                body = {}
        elif raw:
            body = {k: v[-1] for k, v in parse_qs(raw.decode("utf-8", "replace")).items()}
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        call = Call(
            method=self.command,
            path=path,
            query=query,
            body=body,
            raw_body=raw,
            headers={k.lower(): v for k, v in self.headers.items()},
        )
        status, payload, headers = self.server.graph.answer(call)
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    graph: FakeGraph


def serve() -> tuple[FakeGraph, Callable[[], None]]:
    """Start a fake Graph server on a free port; returns it and a function that stops it."""
    server = _Server(("127.0.0.1", 0), _RequestHandler)
    graph = FakeGraph(url=f"http://127.0.0.1:{server.server_address[1]}")
    server.graph = graph
    thread = threading.Thread(target=server.serve_forever, name="fake-graph", daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(5)

    return graph, stop


# --- Routes every fake Graph answers -------------------------------------------------
# Feature modules add their own routes with @route in this module or in a module imported
# by tests/fakes/fixtures.py.


@route("GET", r"/me")
@route("POST", r"/me")
def _me(graph: FakeGraph, call: Call) -> Answer:
    """The token's owner: a user token names its user, a Page token its Page."""
    token = call.access_token
    with graph.lock:
        owner = graph.state.get("tokens", {}).get(token)
    if owner is None:
        raise token_expired()
    return 200, {"id": owner["id"], "name": owner.get("name", "")}, {}
