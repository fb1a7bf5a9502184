"""A small Slack Web API on loopback, so the real slack_sdk clients can be tested over HTTP.

    with FakeSlack(time_scale=60) as slack:
        slack.add_user("U1", "ann@school.example")
        client = AsyncWebClient(token=slack.token, base_url=slack.base_url)

The server runs in a background thread (stdlib ThreadingHTTPServer, as bolt-python's mock server
does), so tests in any event loop and plain sync code can share it. One FakeSlack is one
workspace; its rate limits are described in tests/fakes/slack_limits.py, its Block Kit checks in
slack_blocks.py and its methods in slack_workspace.py.

Every request is counted in `calls` before anything else happens to it; then, in this order:
an injected drop, an injected delay, an injected failure, the token check, the rate limit, the
method itself. A delayed call still takes effect after the delay, as a slow Slack's would.
"""

from __future__ import annotations

import copy
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.recording import RecordingFake
from tests.fakes.slack_blocks import message_problems
from tests.fakes.slack_limits import RateLimiter, SlackLimits
from tests.fakes.slack_workspace import Body, User, Workspace, error

Reply = tuple[int, dict[str, str], Body]

# Slack's bodies for its own failures: Slack names 500 fatal_error and 503 service_unavailable.
SERVER_ERRORS = {500: "fatal_error", 503: "service_unavailable", 429: "ratelimited"}


class FakeSlack(RecordingFake):
    """One fake Slack workspace behind a Web API on 127.0.0.1; use it as a context manager."""

    def __init__(
        self,
        *,
        token: str = "xoxb-fake-sendbot",
        app_token: str = "xapp-fake-sendbot",
        limits: SlackLimits | None = None,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.token = token
        self.app_token = app_token
        self.limits = limits if limits is not None else SlackLimits()
        self.workspace = Workspace()
        self._limiter = RateLimiter(self.limits, time_scale, clock)
        self._drops: Counter[str] = Counter()
        self._failures: dict[str, list[int]] = {}
        self._delays: dict[str, float] = {}
        self._response_urls: dict[str, dict[str, Any]] = {}
        # Set when the bot's own token stops working: Slack's error for every call made with it.
        self.token_error: str | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        """Listen on a free loopback port."""
        self._server = _Server(self)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening; calls still being answered finish on their own threads."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    @property
    def base_url(self) -> str:
        """The Web API root for `WebClient(base_url=...)`; slack_sdk expects the final slash."""
        if self._server is None:
            raise RuntimeError("FakeSlack is not running; use it in a with block")
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/"

    # --- the workspace -------------------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        email: str | None,
        *,
        deleted: bool = False,
        messages_tab: bool = True,
        real_name: str = "",
    ) -> None:
        """Add a person, or replace one with the same id (to deactivate someone mid-test)."""
        with self._lock:
            self.workspace.users[user_id] = User(user_id, email, deleted, messages_tab, real_name)

    def add_channel(self, channel_id: str) -> None:
        """A public or private channel the app is in."""
        with self._lock:
            self.workspace.channels.add(channel_id)

    def dm_channel(self, user_id: str) -> str | None:
        """The app's DM channel id with this person, if one was opened."""
        with self._lock:
            return self.workspace.dm_of_user.get(user_id)

    def messages_to(self, user_id: str) -> list[Body]:
        """The messages in the app's DM with this person, oldest first, as last updated."""
        with self._lock:
            return copy.deepcopy([m for m in self.workspace.messages if m["user"] == user_id])

    @property
    def messages(self) -> list[Body]:
        """Every message posted: channel, user (the DM's person), ts, text, blocks, updates."""
        with self._lock:
            return copy.deepcopy(self.workspace.messages)

    @property
    def ephemerals(self) -> list[Body]:
        """Every ephemeral message: channel, user, ts, text, blocks."""
        with self._lock:
            return copy.deepcopy(self.workspace.ephemerals)

    @property
    def views(self) -> dict[str, Body]:
        """The Home tab last published for each user id."""
        with self._lock:
            return copy.deepcopy(self.workspace.views)

    @property
    def modals(self) -> list[Body]:
        """Every modal opened with views.open: trigger_id and view."""
        with self._lock:
            return copy.deepcopy(self.workspace.modals)

    # --- what happened -------------------------------------------------------------------------

    # --- faults --------------------------------------------------------------------------------

    def refuse_token(self, error: str | None = "account_inactive") -> None:
        """From now on every call with the bot token gets `error`, as Slack answers once the
        workspace or the user who installed the app is deleted (account_inactive) or the token
        is revoked (token_revoked); None makes the token work again (a reinstall)."""
        with self._lock:
            self.token_error = error

    def fail_next(self, method: str, times: int = 1, status: int = 500) -> None:
        """Answer the next `times` calls with this status and Slack's body (429: Retry-After 1)."""
        with self._lock:
            self._failures.setdefault(method, []).extend([status] * times)

    def slow(self, method: str, seconds: float) -> None:
        """Wait this many real seconds before answering every call; 0 ends it."""
        with self._lock:
            self._delays[method] = seconds

    def drop_next(self, method: str, times: int = 1) -> None:
        """Close the connection without an answer (and without acting) on the next calls."""
        with self._lock:
            self._drops[method] += times

    # --- serving -------------------------------------------------------------------------------

    def response_url(self, channel: str, ts: str, user_id: str) -> str:
        """A response_url for a press on this message, as Slack puts in a block_actions payload:
        it works five times within thirty minutes, and counts against no method's limit."""
        with self._lock:
            token = f"R{len(self._response_urls) + 1:06d}"
            self._response_urls[token] = {
                "channel": channel,
                "ts": ts,
                "user": user_id,
                "uses": 0,
                "made": time.monotonic(),
            }
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/actions/{token}"

    def respond(self, token: str, body: Body) -> Reply:
        """A post to a response_url: replace the pressed message, or reply privately."""
        with self._lock:
            self._calls["response_url"] += 1
            entry = self._response_urls.get(token)
            if entry is None or entry["uses"] >= 5 or time.monotonic() - entry["made"] > 1800:
                return 404, {}, error("used_url" if entry else "invalid_url")
            entry["uses"] += 1
            text, blocks = body.get("text"), body.get("blocks")
            problem = message_problems(text, blocks)
            if problem:
                return 400, {}, error(*problem)
            if body.get("replace_original") in (True, "true"):
                message = self.workspace._find(entry["channel"], entry["ts"])
                if message is None:
                    return 404, {}, error("message_not_found")
                message["text"] = text or message["text"]
                message["blocks"] = blocks if blocks is not None else message["blocks"]
                message["updates"] += 1
            else:
                self.workspace.ephemerals.append(
                    {
                        "channel": entry["channel"],
                        "user": entry["user"],
                        "ts": self.workspace.next_ts(),
                        "text": text or "",
                        "blocks": blocks or [],
                    }
                )
            return 200, {}, {"ok": True}

    def handle(self, method: str, args: Body, authorization: str | None) -> Reply | None:
        """The reply to one request, or None to drop the connection."""
        with self._lock:
            self._calls[method] += 1
            self._requests.append((method, args))
            if self._drops[method] > 0:
                self._drops[method] -= 1
                return None
            delay = self._delays.get(method, 0.0)
            pending = self._failures.get(method)
            status = pending.pop(0) if pending else None
        if delay > 0:
            time.sleep(delay)
        if status is not None:
            headers = {"Retry-After": "1"} if status == 429 else {}
            return status, headers, error(SERVER_ERRORS.get(status, "internal_error"))
        token = args.get("token") or (authorization or "").removeprefix("Bearer ").strip()
        if not token:
            return 200, {}, error("not_authed")
        # Socket Mode's address is given only to the app-level token, every other method only to
        # the bot token, as Slack does.
        expected = self.app_token if method == "apps.connections.open" else self.token
        if token != expected:
            return 200, {}, error("invalid_auth")
        if self.token_error is not None and token == self.token:
            return 200, {}, error(self.token_error)
        with self._lock:
            answer = self.workspace.methods.get(method)
            if answer is None:
                return 200, {}, error("unknown_method")
            conversation = None
            if method == "chat.postMessage":
                conversation = self.workspace.conversation_key(args.get("channel"))
            retry_after = self._limiter.admit(method, conversation)
            if retry_after is not None:
                self._rate_limited[method] += 1
                return 429, {"Retry-After": str(retry_after)}, error("ratelimited")
            if method == "chat.postMessage":  # the allowance a workspace's sender uses
                self._admitted_at.append(time.monotonic())
            return 200, {}, answer(args)


class _Server(ThreadingHTTPServer):
    """The HTTP server; each connection gets its own daemon thread."""

    daemon_threads = True
    request_queue_size = 1024  # a fan-out opens hundreds of connections at once; 5 drops SYNs

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake


class _Handler(BaseHTTPRequestHandler):
    """Turns one HTTP request into FakeSlack.handle and its reply back into HTTP."""

    protocol_version = "HTTP/1.1"
    timeout = 10  # an idle keep-alive connection must not hold a thread for ever
    server: _Server

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        url = urlsplit(self.path)
        if url.path.startswith("/actions/"):
            reply: Reply | None = self.server.fake.respond(url.path.split("/")[2], self._body())
        else:
            method = url.path.removeprefix("/api/")
            args = dict(parse_qsl(url.query)) | self._body()
            reply = self.server.fake.handle(method, args, self.headers.get("Authorization"))
        if reply is None:
            self.close_connection = True
            return
        status, headers, body = reply
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        try:
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up waiting, as after a timeout

    do_GET = do_POST

    def _body(self) -> dict[str, Any]:
        """The form or JSON body; slack_sdk sends either, depending on the method."""
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        content_type = self.headers.get("Content-Type", "")
        if not raw:
            return {}
        if content_type.startswith("application/json"):
            try:
                parsed = json.loads(raw)
            except ValueError:
                return {}
            return parsed if isinstance(parsed, dict) else {}
        return dict(parse_qsl(raw.decode(), keep_blank_values=True))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base's name
        """Quiet: test output is no place for an access log."""
