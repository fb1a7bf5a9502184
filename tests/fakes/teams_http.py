"""The loopback HTTP(S) server under the fake Microsoft services, in a background thread.

Like the Slack fake's, it is a stdlib ThreadingHTTPServer on 127.0.0.1, so tests in any event
loop and plain sync code can share it. It turns each request into one call of a `Route` and its
reply back into HTTP; a reply of None closes the connection without an answer.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socket import socket
from typing import Any
from urllib.parse import parse_qsl, urlsplit

Body = dict[str, Any]
# A dict is sent as JSON; bytes as they are, with the Content-Type the headers give (a page).
Reply = tuple[int, dict[str, str], Body | bytes | None]


@dataclass(frozen=True)
class Request:
    """One request as the fakes see it."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw: bytes

    def json(self) -> Any:
        """The body parsed as JSON, or None when it is not JSON."""
        try:
            return json.loads(self.raw) if self.raw else None
        except ValueError:
            return None

    def form(self) -> dict[str, str]:
        """The body parsed as a form."""
        return dict(parse_qsl(self.raw.decode(errors="replace"), keep_blank_values=True))

    @property
    def bearer(self) -> str | None:
        """The token after "Bearer " in the Authorization header."""
        value = self.headers.get("authorization", "")
        scheme, _, token = value.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None


Route = Callable[[Request], Reply | None]


class LoopbackServer:
    """Serves one route function on a free 127.0.0.1 port, over TLS when given a context."""

    def __init__(self, route: Route, tls: ssl.SSLContext | None = None) -> None:
        self._server = _Server(route, tls)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def stop(self) -> None:
        """Stop listening; calls still being answered finish on their own threads."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a fan-out opens hundreds of connections at once

    def __init__(self, route: Route, tls: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.route, self.tls = route, tls

    def get_request(self) -> tuple[socket, Any]:
        sock, address = super().get_request()
        if self.tls is not None:
            # The handshake happens on the handler's thread, so a slow client holds up no one.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection must not hold a thread for ever
    server: _Server

    def _serve(self) -> None:
        url = urlsplit(self.path)
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        request = Request(
            method=self.command,
            path=url.path,
            query=dict(parse_qsl(url.query)),
            headers={k.lower(): v for k, v in self.headers.items()},
            raw=raw,
        )
        reply = self.server.route(request)
        if reply is None:
            self.close_connection = True
            return
        status, headers, body = reply
        if isinstance(body, bytes):
            payload = body
        else:
            payload = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        if body is not None and not isinstance(body, bytes):
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.close_connection = True  # the client gave up waiting, as after a timeout

    do_GET = do_POST = do_PUT = do_DELETE = _serve  # noqa: N815 - the names http.server calls

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ssl.SSLError, ConnectionResetError):
            self.close_connection = True  # a client that refused our certificate, on purpose

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Quiet: test output is no place for an access log."""
