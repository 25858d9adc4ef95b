"""A local HTTP endpoint that records what it receives and answers scripted statuses.

With ``secret`` set it verifies ``X-Signature`` as docs/partners.md tells partners to (the
standard library only, not our own code): a bad or stale signature is a 401.

``RawEndpoint`` answers raw bytes instead: not HTTP at all, or HTTP sent a byte at a time."""

from __future__ import annotations

import hashlib
import hmac
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    statuses: list[int] = field(default_factory=list)  # answered in turn; then 200
    received: list[Received] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None
    secret: str | None = None  # set: verify every request's signature

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/hooks/reports"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                receiver.received.append(Received(self.path, dict(self.headers), body))
                if receiver.secret is not None and not verify(
                    self.headers.get("X-Signature", ""), body, receiver.secret
                ):
                    status, reply = 401, b"bad signature"
                else:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    reply = (b"ok" if status < 300 else b"temporarily broken") + (
                        b" (signature verified)" if receiver.secret is not None else b""
                    )
                self.send_response(status)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def verify(header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
    """docs/partners.md's verifier."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs(time.time() - timestamp) > tolerance:
        return False
    signed = f"{timestamp}.".encode() + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


@dataclass
class RawEndpoint:
    """A local TCP endpoint that reads each request and answers it with ``chunks`` as they
    are, ``pause`` seconds apart, then closes: an endpoint that does not speak HTTP, or one
    that dribbles its answer."""

    chunks: list[bytes]
    pause: float = 0.0
    connections: int = 0
    sock: socket.socket | None = None
    stopped: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        assert self.sock is not None
        host, port = self.sock.getsockname()[:2]
        return f"http://{host}:{port}/hooks/raw"

    def start(self) -> RawEndpoint:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        threading.Thread(target=self._accept, daemon=True).start()
        return self

    def _accept(self) -> None:
        assert self.sock is not None
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            try:
                conn.settimeout(5)
                request = b""
                while b"\r\n\r\n" not in request:
                    request += conn.recv(65536)
                head, _, body = request.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(body) < length:
                    body += conn.recv(65536)
                for n, chunk in enumerate(self.chunks):
                    if n and self.pause:
                        time.sleep(self.pause)
                    conn.sendall(chunk)
            except OSError:
                pass  # the client gave up

    def stop(self) -> None:
        self.stopped.set()
        if self.sock is not None:
            self.sock.close()
