"""Server-side sessions for the web pages: `request.session` is a row in the database.

The cookie holds only a random token (HttpOnly, SameSite=Lax, Secure on https). Routes read and
write `request.session` as usual (Authlib keeps a sign-in's state, nonce and PKCE verifier
there); this middleware loads it before the route and saves it with the response. Signing in
always starts a new session, so a token seen before sign-in is worth nothing after it.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

from starlette.datastructures import MutableHeaders
from starlette.requests import HTTPConnection, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot.bootstrap import Sendbot
from bot.services import web_sessions
from bot.storage.staff import Staff

COOKIE = "sendbot_session"
STATE = "sendbot.session"
# Paths that never use a session: platforms sign their own requests, and health and static
# files need none, so they cost no database read.
NO_SESSION = ("/api/messages", "/slack/events", "/healthz", "/static/")


@dataclass
class SessionState:
    """What the middleware knows of this request's session, and what the route changed."""

    row_id: int | None = None
    staff_id: int | None = None
    # Set when the route began a new session (sign-in): the cookie to hand out.
    new_token: str | None = None
    max_age: int | None = None
    ended: bool = False
    # The key of the stored token digests, for a route that begins a session.
    key: bytes = b""


class ServerSessions:
    """ASGI middleware: loads the session named by the cookie, and saves it afterwards."""

    def __init__(self, app: ASGIApp, sendbot: Sendbot, key: bytes) -> None:
        self.app = app
        self.sendbot = sendbot
        self.key = key
        self.secure = sendbot.settings.base_url.startswith("https://")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(NO_SESSION):
            await self.app(scope, receive, send)
            return
        token = HTTPConnection(scope).cookies.get(COOKIE)
        state = SessionState(key=self.key)
        data: dict[str, Any] = {}
        if token:
            found = await self._open(token)
            if found is not None:
                state.row_id, state.staff_id, data = found
        scope["session"] = data
        scope[STATE] = state
        before = dict(data)

        async def send_with_cookie(message: Message) -> None:
            if message["type"] == "http.response.start":
                cookie = await self._save(state, data, before, had_cookie=bool(token))
                if cookie:
                    MutableHeaders(scope=message).append("set-cookie", cookie)
            await send(message)

        await self.app(scope, receive, send_with_cookie)

    async def _open(self, token: str) -> tuple[int, int | None, dict[str, Any]] | None:
        """The session the cookie names, read without the write lock; writing only when it has
        ended (to forget it) or was last seen over a minute ago."""
        now = self.sendbot.clock.now()
        digest = web_sessions.digest(token, self.key)
        found = await self.sendbot.db.read_async(
            lambda s: web_sessions.open_session(s, digest, now)
        )
        if found is None:
            return None
        if found.ended:
            await self.sendbot.db.run(lambda s: web_sessions.end(s, found.row_id))
            return None
        if found.stale:
            await self.sendbot.db.run(lambda s: web_sessions.seen(s, found.row_id, now))
        return found.row_id, found.staff_id, found.data

    async def _save(
        self, state: SessionState, data: dict[str, Any], before: dict[str, Any], had_cookie: bool
    ) -> str | None:
        """Write what changed; the Set-Cookie header to send, if any."""
        if state.ended:
            return self._cookie("", 0) if had_cookie else None
        if state.new_token:
            row_id = state.row_id
            await self.sendbot.db.run(lambda s: web_sessions.save_data(s, row_id, data))  # type: ignore[arg-type]
            return self._cookie(state.new_token, state.max_age)
        if data == before:
            return None
        if state.row_id is not None:
            row_id = state.row_id
            await self.sendbot.db.run(lambda s: web_sessions.save_data(s, row_id, data))
            return None
        # Somebody not signed in needs a session now (a sign-in begun, or a form token).
        token = web_sessions.new_token()
        now = self.sendbot.clock.now()
        digest = web_sessions.digest(token, self.key)
        await self.sendbot.db.run(lambda s: web_sessions.begin(s, digest, None, dict(data), now))
        return self._cookie(token, None)

    def _cookie(self, token: str, max_age: int | None) -> str:
        cookie: SimpleCookie = SimpleCookie()
        cookie[COOKIE] = token
        morsel = cookie[COOKIE]
        morsel["path"] = "/"
        morsel["httponly"] = True
        morsel["samesite"] = "Lax"
        if self.secure:
            morsel["secure"] = True
        if max_age is not None:
            morsel["max-age"] = max_age
        return morsel.OutputString()


def state_of(request: Request) -> SessionState:
    return request.scope[STATE]  # type: ignore[no-any-return]


async def begin_signed_in(request: Request, sendbot: Sendbot, person: Staff) -> None:
    """Replace this browser's session with a new one for `person` (a new token, a new form
    token); what a sign-in in progress kept is dropped."""
    state = state_of(request)
    token = web_sessions.new_token()
    digest = web_sessions.digest(token, state.key)
    now = sendbot.clock.now()
    fresh = {"csrf": secrets.token_urlsafe(32)}
    old = state.row_id
    state.row_id, lifetime = await sendbot.db.run(
        lambda s: web_sessions.sign_in(s, digest, person, fresh, now, old)
    )
    state.max_age = int(lifetime.total_seconds())
    state.staff_id, state.new_token, state.ended = person.id, token, False
    request.session.clear()
    request.session.update(fresh)


async def end_session(request: Request, sendbot: Sendbot) -> None:
    """Sign out: the session is deleted on the server and the cookie cleared."""
    state = state_of(request)
    if state.row_id is not None:
        row_id = state.row_id
        await sendbot.db.run(lambda s: web_sessions.end(s, row_id))
    state.row_id = state.staff_id = None
    state.ended = True
    request.session.clear()
