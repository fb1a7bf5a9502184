"""A small reverse proxy on loopback, as nginx, Caddy or a cloud load balancer stands in front of
sendbot: each request is passed on with the headers such a proxy adds (or with none at all)."""

from __future__ import annotations

import socket
import threading
from types import TracebackType


class Forwarder:
    """Listens on 127.0.0.1 and forwards each connection's request to `upstream` (host, port),
    adding `add_headers` and replacing the Host header when `host` is given."""

    def __init__(
        self,
        upstream: tuple[str, int],
        add_headers: dict[str, str] | None = None,
        host: str | None = None,
    ) -> None:
        self.upstream = upstream
        self.add_headers = add_headers or {}
        self.host = host
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._stopping = False

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Forwarder:
        threading.Thread(target=self._serve, daemon=True).start()
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        self._stopping = True
        self._server.close()

    def _serve(self) -> None:
        while not self._stopping:
            try:
                client, (peer, _port) = self._server.accept()
            except OSError:
                return
            threading.Thread(target=self._relay, args=(client, peer), daemon=True).start()

    def _relay(self, client: socket.socket, peer: str) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(65536)
            if not chunk:
                client.close()
                return
            head += chunk
        head, rest = head.split(b"\r\n\r\n", 1)
        upstream = socket.create_connection(self.upstream)
        upstream.sendall(self._rewrite(head, peer) + b"\r\n\r\n" + rest)
        threading.Thread(target=_pipe, args=(client, upstream), daemon=True).start()
        _pipe(upstream, client)

    def _rewrite(self, head: bytes, peer: str) -> bytes:
        request_line, *lines = head.decode("latin-1").split("\r\n")
        kept = [
            line
            for line in lines
            # One request per connection, so every request passes through _rewrite.
            if not line.lower().startswith("connection:")
            and not (self.host and line.lower().startswith("host:"))
        ]
        added = [f"{name}: {value.format(peer=peer)}" for name, value in self.add_headers.items()]
        if self.host:
            added.append(f"Host: {self.host}")
        return "\r\n".join([request_line, *kept, *added, "Connection: close"]).encode("latin-1")


def _pipe(source: socket.socket, target: socket.socket) -> None:
    try:
        while chunk := source.recv(65536):
            target.sendall(chunk)
    except OSError:
        pass
    finally:
        for sock in (source, target):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()
