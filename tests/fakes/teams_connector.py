"""A fake Teams on loopback: the Bot Connector API the SDK sends to, and a Graph install stub.

    with FakeIdentity() as identity, FakeTeams(identity, time_scale=60) as teams:
        teams.add_user("aad-1", "Ann Smith", "ann@school.example", installed=True)
        client = TeamsConnectorClient(endpoint=teams.service_url, token=<token from identity>)

Bot Connector, under `service_url` (http://127.0.0.1:{port}/emea/, a path like Teams' own):
- POST v3/conversations                            create the 1:1 conversation (201 {"id"})
- POST v3/conversations/{id}/activities            send (201 {"id"}); .../{activityId} replies
- PUT  v3/conversations/{id}/activities/{activityId}   update (200 {"id"})
Graph, under `graph_url` (http://127.0.0.1:{port}/v1.0):
- GET  users/{id or email}?$select=...             a person (200; 404 Request_ResourceNotFound)
- POST users/{id}/teamwork/installedApps           install the app for a person (201; 409 twice)

Connector calls need an access token from the identity fake for https://api.botframework.com
(else 401); Graph calls one for https://graph.microsoft.com (or this fake's root, which the
identity is told to treat as Graph) with the role each needs: User.Read.All to read a user,
TeamsAppInstallation.ReadWriteSelfForUser.All to install itself, or ReadWriteForUser.All (else
401, or 403 with Graph's body).
`TeamsLimits.graph_per_second` limits Graph calls per app (429 with Retry-After).
A conversation can be created only with a person who has the app; others get Teams' 403
BotNotInConversationRoster. Limits are in teams_limits.py; message checks in teams_cards.py.

Every request is counted in `calls` (by operation: create_conversation, send, update, install,
get_user)
before anything else happens to it; then, in order: an injected drop, an injected delay, an
injected failure, the token check, the rate limits, the operation. A failure or drop injected
with `applied=True` happens after the operation instead: Teams did it but the answer was lost.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from urllib.parse import unquote

from tests.fakes.recording import RecordingFake
from tests.fakes.teams_http import Body, LoopbackServer, Reply, Request
from tests.fakes.teams_identity import (
    BOT_FRAMEWORK_AUDIENCE,
    GRAPH_AUDIENCE,
    GRAPH_INSTALL_ANY_ROLE,
    GRAPH_INSTALL_ROLE,
    GRAPH_USER_READ_ROLE,
    FakeIdentity,
)
from tests.fakes.teams_limits import TeamsLimits, TeamsRateLimiter
from tests.fakes.teams_tenant import TeamsUser, Tenant, teams_error

REGION = "emea"
# Microsoft's Bot Connector error table: its status, code and message for each fault a test
# may inject. 400, 401, 413 and 500 are ones Microsoft says not to retry.
FAULTS = {
    400: ("BadArgument", "The request is malformed."),
    412: ("PreconditionFailed", "The precondition failed; retry."),
    413: ("RequestEntityTooLarge", "The request is too large."),
    429: ("Throttled", "Too many requests."),
    500: ("ServiceError", "An internal error occurred."),
    502: ("BadGateway", "Bad gateway."),
    503: ("ServiceUnavailable", "The service is unavailable."),
    504: ("GatewayTimeout", "The gateway timed out."),
}
DENIED: Reply = (401, {}, {"message": "Authorization has been denied for this request."})
# The 403 sub-codes a test may inject (others come from the tenant's state).
FORBIDDEN = {
    "InvalidBotApiHost": "The bot API host is not valid for this tenant's cloud.",
    "ForbiddenOperationException": "The bot is not allowed to do this in this conversation.",
}
# Any of these application permissions lets an app read a user in Graph.
USER_READ_ROLES = {GRAPH_USER_READ_ROLE, "User.ReadWrite.All", "Directory.Read.All"}
GRAPH_OPERATIONS = {"install", "get_user"}


class FakeTeams(RecordingFake):
    """One tenant's Teams for one bot, on 127.0.0.1; use it as a context manager."""

    def __init__(
        self,
        identity: FakeIdentity,
        *,
        teams_app_id: str = "a1b2c3d4-0000-4000-8000-00000000a991",
        limits: TeamsLimits | None = None,
        time_scale: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.identity = identity
        self.limits = limits if limits is not None else TeamsLimits()
        self.tenant = Tenant(identity.tenant_id, identity.client_id, teams_app_id)
        self._limiter = TeamsRateLimiter(self.limits, time_scale, clock)
        self._drops: dict[str, list[bool]] = {}
        self._failures: dict[str, list[tuple[int, bool]]] = {}
        self._delays: dict[str, float] = {}
        self._server: LoopbackServer | None = None

    # --- lifecycle -----------------------------------------------------------------------------

    def start(self) -> None:
        self._server = LoopbackServer(self.handle)
        self.identity.add_graph_audience(self._root())

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        self._server = None

    def _root(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTeams is not running; use it in a with block")
        return f"http://127.0.0.1:{self._server.port}"

    @property
    def service_url(self) -> str:
        """The serviceUrl Teams puts on activities; the connector lives under it."""
        return f"{self._root()}/{REGION}/"

    @property
    def graph_url(self) -> str:
        """Graph's root with its version, like https://graph.microsoft.com/v1.0."""
        return f"{self._root()}/v1.0"

    @property
    def teams_app_id(self) -> str:
        """The app's id in the tenant's catalog, for teamsApp@odata.bind."""
        return self.tenant.teams_app_id

    # --- the tenant ----------------------------------------------------------------------------

    def add_user(
        self,
        aad_id: str,
        name: str,
        email: str,
        *,
        installed: bool = False,
        enabled: bool = True,
        guest: bool = False,
    ) -> TeamsUser:
        """A person in the tenant, with or without the app (replaces one with the same id);
        `enabled` false is an account blocked from signing in, `guest` a B2B guest."""
        with self._lock:
            user = TeamsUser(aad_id, name, email, installed, enabled=enabled, guest=guest)
            self.tenant.users[aad_id] = user
            return copy.copy(user)

    def set_enabled(self, aad_id: str, enabled: bool = True) -> None:
        """An administrator blocks (or unblocks) the person's account."""
        with self._lock:
            self.tenant.users[aad_id].enabled = enabled

    def set_installed(self, aad_id: str, installed: bool = True) -> None:
        """The person installs (or removes) the app themselves, or an admin policy does."""
        with self._lock:
            self.tenant.users[aad_id].installed = installed

    def user(self, aad_id: str) -> TeamsUser:
        with self._lock:
            return copy.copy(self.tenant.users[aad_id])

    def conversation_id(self, aad_id: str) -> str:
        """The personal conversation id Teams has (or will have) for this person and the bot."""
        with self._lock:
            return self.tenant.users[aad_id].conversation_id

    def activities(self, conversation_id: str) -> list[Body]:
        """What the bot sent in a conversation, oldest first, each as last updated, with
        `id`, `updates` (how many times it was replaced) and `replyToId`."""
        with self._lock:
            found = self.tenant.conversations.get(conversation_id)
            return copy.deepcopy(found.activities) if found else []

    def messages_to(self, aad_id: str) -> list[Body]:
        """What the bot sent this person."""
        return self.activities(self.conversation_id(aad_id))

    # --- what happened -------------------------------------------------------------------------

    # --- faults --------------------------------------------------------------------------------

    def fail_next(
        self,
        operation: str,
        times: int = 1,
        status: int | str = 503,
        *,
        applied: bool = False,
        retry_after: bool = True,
    ) -> None:
        """Answer the next `times` calls with this status, or with a 403 of this sub-code
        (one of FORBIDDEN). A 429 carries Retry-After: 1 unless `retry_after` is false, as
        Teams sometimes sends none. With `applied`, the operation is done first, so the caller
        sees a failure that succeeded."""
        if status not in FAULTS and status not in FORBIDDEN:
            raise ValueError(f"fail_next takes one of {sorted(FAULTS)} or {sorted(FORBIDDEN)}")
        fault = status if retry_after or status != 429 else "429-bare"
        with self._lock:
            self._failures.setdefault(operation, []).extend([(fault, applied)] * times)

    def block(self, aad_id: str, blocked: bool = True) -> None:
        """The person blocks (or unblocks) the bot in their chat with it."""
        with self._lock:
            self.tenant.users[aad_id].blocked = blocked

    def disable_bot(self, disabled: bool = True) -> None:
        """A Teams administrator turns the bot off (or on again) for the whole tenant."""
        with self._lock:
            self.tenant.bot_disabled = disabled

    def slow(self, operation: str, seconds: float) -> None:
        """Wait this many real seconds before answering every call; 0 ends it."""
        with self._lock:
            self._delays[operation] = seconds

    def drop_next(self, operation: str, times: int = 1, *, applied: bool = False) -> None:
        """Close the connection without an answer on the next calls (after acting, if applied)."""
        with self._lock:
            self._drops.setdefault(operation, []).extend([applied] * times)

    # --- serving -------------------------------------------------------------------------------

    def handle(self, request: Request) -> Reply | None:
        """The reply to one request, or None to drop the connection."""
        parts = [unquote(p) for p in request.path.split("/") if p]
        route = _route(request.method, parts)
        if route is None:
            return teams_error(
                404, "NotFound", f"No such resource: {request.method} {request.path}"
            )
        operation, args = route
        body = request.json()
        with self._lock:
            self._calls[operation] += 1
            self._requests.append((operation, body if isinstance(body, dict) else {}))
            drops = self._drops.get(operation)
            drop = drops.pop(0) if drops else None
            failures = self._failures.get(operation)
            failure = failures.pop(0) if failures else None
            delay = self._delays.get(operation, 0.0)
        if drop is False:
            return None
        if delay > 0:
            time.sleep(delay)
        if failure is not None and not failure[1]:
            return _fault(failure[0])
        reply = self._authorized(operation, request, args, body)
        if 200 <= reply[0] < 300:
            if drop is True:
                return None
            if failure is not None:
                return _fault(failure[0])
        return reply

    def _authorized(self, operation: str, request: Request, args: list[str], body: object) -> Reply:
        if operation in GRAPH_OPERATIONS:
            return self._graph(operation, request, args, body)
        claims = self.identity.verify_access_token(request.bearer, BOT_FRAMEWORK_AUDIENCE)
        if claims is None or claims.get("appid") != self.tenant.bot_id:
            return DENIED
        conversation = args[0] if args else None
        retry_after = self._limiter.admit(claims["appid"], conversation)
        with self._lock:
            if retry_after is not None:
                self._rate_limited[operation] += 1
                status, _, error = teams_error(429, *FAULTS[429])
                return status, {"Retry-After": str(retry_after)}, error
            self._admitted_at.append(time.monotonic())
            if operation == "create_conversation":
                return self.tenant.create_conversation(body)
            if operation == "update":
                return self.tenant.update(args[0], args[1], body)
            return self.tenant.send(args[0], body, reply_to=args[1] if len(args) > 1 else None)

    def _graph(self, operation: str, request: Request, args: list[str], body: object) -> Reply:
        claims = self.identity.verify_access_token(request.bearer, [GRAPH_AUDIENCE, self._root()])
        if claims is None:
            return teams_error(401, "InvalidAuthenticationToken", "Access token is invalid.")
        roles = set(claims.get("roles", []))
        # The catalogue's app is this bot's own (its manifest's webApplicationInfo id is the
        # bot's app id), which is what the self-install permission allows.
        installs_itself = GRAPH_INSTALL_ROLE in roles and claims.get("appid") == self.tenant.bot_id
        if operation == "install" and not (installs_itself or GRAPH_INSTALL_ANY_ROLE in roles):
            return teams_error(403, "Forbidden", f"Missing role permissions: {GRAPH_INSTALL_ROLE}.")
        if operation == "get_user" and not roles & USER_READ_ROLES:
            return teams_error(
                403,
                "Authorization_RequestDenied",
                "Insufficient privileges to complete the operation.",
            )
        retry_after = self._limiter.admit_graph(claims.get("appid", ""))
        with self._lock:
            if retry_after is not None:
                self._rate_limited[operation] += 1
                status, _, error = teams_error(429, *FAULTS[429])
                return status, {"Retry-After": str(retry_after)}, error
            if operation == "get_user":
                return self.tenant.graph_user(args[0], request.query.get("$select"))
            return self.tenant.install(args[0], body)


def _route(method: str, parts: list[str]) -> tuple[str, list[str]] | None:
    """The operation and its path arguments, or None for a path Teams does not have."""
    if parts[:1] == ["v1.0"]:
        if (
            method == "POST"
            and len(parts) == 5
            and parts[1] == "users"
            and parts[3:]
            == [
                "teamwork",
                "installedApps",
            ]
        ):
            return "install", [parts[2]]
        if method == "GET" and len(parts) == 3 and parts[1] == "users":
            return "get_user", [parts[2]]
        return None
    if parts[:3] != [REGION, "v3", "conversations"]:
        return None
    rest = parts[3:]
    if not rest and method == "POST":
        return "create_conversation", []
    if len(rest) == 2 and rest[1] == "activities" and method == "POST":
        return "send", [rest[0]]
    if len(rest) == 3 and rest[1] == "activities":
        if method == "PUT":
            return "update", [rest[0], rest[2]]
        if method == "POST":
            return "send", [rest[0], rest[2]]
    return None


def _fault(fault: int | str) -> Reply:
    if fault in FORBIDDEN:
        return teams_error(403, str(fault), FORBIDDEN[str(fault)])
    if fault == "429-bare":
        return teams_error(429, *FAULTS[429])
    code, message = FAULTS[int(fault)]
    reply = teams_error(int(fault), code, message)
    return (int(fault), {"Retry-After": "1"}, reply[2]) if fault == 429 else reply
