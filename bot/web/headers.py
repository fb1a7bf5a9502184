"""Security headers on every response: no inline script, no framing, no sniffing, no leaks.

Nothing but the static files may be kept by a browser or a proxy: pages and downloads hold
people's names, pupils' needs and staff figures, and a shared school computer's cache (or its
back button after signing out) must not show them to the next person."""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Scripts and styles come only from /static; forms post only here; nobody may frame a page.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "content-security-policy": POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}
# The stylesheet and scripts: the same for everyone, and nothing personal.
STATIC = "/static/"


class SecurityHeaders:
    """ASGI middleware that adds HEADERS to every HTTP response that lacks them, and
    "Cache-Control: no-store" to every one but a static file's."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in HEADERS.items():
                    headers.setdefault(name, value)
                if not static:
                    # Set, not defaulted: a route's own caching header must not let a page
                    # with personal data be stored.
                    headers["cache-control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)
