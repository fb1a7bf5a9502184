"""Whether a request may use the demo's open doors: the sign-in-as-anyone picker and the local
chat without signing in.

The settings say whether the demo is on and meant for this computer only; each request must
also show that it comes from this computer: a loopback client, a loopback Host header (so a web
page on another site cannot reach the demo by pointing its own name at 127.0.0.1), and none of
the headers a reverse proxy or load balancer adds (so a proxy on this computer that forwards
other people's requests opens nothing).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from bot.config import is_loopback

# What nginx, Caddy, Apache, cloud load balancers and CDNs add when they pass a request on.
PROXY_HEADERS = frozenset(
    {"forwarded", "via", "x-real-ip", "true-client-ip", "cf-connecting-ip", "x-client-ip"}
)


def demo_open(request: HTTPConnection) -> bool:
    """True only for a demo on this computer, asked for from this computer."""
    settings = request.app.state.sendbot.settings
    return bool(settings.demo_sign_in_allowed) and from_this_computer(request)


def from_this_computer(request: HTTPConnection) -> bool:
    client = request.client.host if request.client else ""
    host = urlsplit("//" + request.headers.get("host", "")).hostname or ""
    forwarded = any(
        name in PROXY_HEADERS or name.startswith("x-forwarded-") for name in request.headers
    )
    return not forwarded and is_loopback(client) and is_loopback(host)
