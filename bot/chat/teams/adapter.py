"""Teams' side of the chat port: Adaptive Cards in 1:1 conversations through the Bot Connector,
within Teams' limits, sent with the Agents SDK's connector client and its msal connection."""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
from microsoft_agents.activity import Activity, Attachment, ChannelAccount, ConversationParameters
from microsoft_agents.hosting.core.connector.client import ConnectorClient

from bot.chat.pacing import AdaptiveAllowance, Locks, WindowPacer
from bot.chat.retry_after import retry_after_seconds
from bot.chat.teams.cards import CONTENT_TYPE, render
from bot.chat.teams.tokens import ConnectorTokens
from bot.services.chat_port import (
    Message,
    MessageRef,
    NotReachable,
    Recipient,
    Refused,
    SetUpProblem,
    TemporaryFailure,
)

log = logging.getLogger(__name__)
T = TypeVar("T")
PLATFORM = "teams"

# Keys of ChatIdentity.extra (and Recipient.extra) holding a person's conversation reference.
SERVICE_URL = "service_url"
CONVERSATION_ID = "conversation_id"
TEAMS_USER_ID = "teams_user_id"  # the "29:..." id; the Entra object id is platform_user_id

NOT_INSTALLED = "sendbot is not installed for them in Teams"
UNCONFIRMED = (
    "Teams never confirmed that it arrived, and cannot show sendbot its own messages, so it was "
    "not sent again (they may have it already; nobody gets it twice)"
)
NEVER_SEEN = "sendbot has no Teams conversation with them yet (the app is not installed for them)"
# A person matched by email whom Teams would not open a conversation with: said for the SENDCO,
# with what IT can do, which depends on whether sendbot installs itself (TEAMS_INSTALL_FOR_STAFF).
NOT_INSTALLED_ASK_IT = (
    "sendbot is not installed for them in Teams; ask IT to install it for them (or for all "
    "staff through a Teams setup policy), or to turn on TEAMS_INSTALL_FOR_STAFF"
)
NOT_INSTALLED_YET = (
    "sendbot is not installed for them in Teams yet; it installs itself for staff once a day, "
    "and Teams can take a few hours to finish"
)
# Teams' documented global address for proactive messages, for people sendbot has never heard
# from (TEAMS_SERVICE_URL); Teams sends on to the tenant's region.
GLOBAL_SERVICE_URL = "https://smba.trafficmanager.net/teams/"

# Teams' limits per bot per conversation, for sends and updates: (seconds, most in them).
CONVERSATION_WINDOWS: tuple[tuple[float, int], ...] = (
    (1.0, 7),
    (2.0, 8),
    (30.0, 60),
    (3600.0, 1800),
)
# Teams counts a window as requests arrive, which is a little later and less evenly than we
# send them, so each window is kept as if it were 10% longer.
WINDOW_MARGIN = 1.1
# The tenant allowance, counted as Slack's is: starting at 97% of TEAMS_REQUESTS_PER_SECOND in
# any second, never faster than 10% over its even pace, and finding Teams' real allowance from
# its 429s (see bot.chat.slack.adapter and bot.chat.pacing.AdaptiveAllowance).
ALLOWANCE_SHARE = 0.97
CATCH_UP = 1.1
# Teams sometimes answers 429 without Retry-After. Microsoft gives no figure, only "exponential
# backoff with random jitter" (Optimize your bot with rate limiting in Teams): the pacer pauses
# one of Teams' one-second windows, and the dispatcher's own backoff puts the request off.
MISSING_RETRY_AFTER = 1.0
# Probing above the level that met the last 429 waits this many quiet windows (two minutes): a
# 429 pauses every request for Teams' Retry-After (a whole second at least, a whole window's
# allowance), and Microsoft documents the allowance, so it seldom moves.
PROBE_AFTER_WINDOWS = 120
# Statuses worth trying again later (Teams' guidance), besides 429. Microsoft says not to retry
# 400, 401 (after fetching a new token once), 413 or 500: they are refused for good.
TEMPORARY_STATUSES = {412, 502, 503, 504}
BLOCKED = (
    "they have blocked sendbot in Teams; they are reached again once they unblock it or message it"
)
# Teams' 403 sub-codes that are about sendbot itself, not one person: sending pauses for the
# tenant until it is put right. (reason, what to do)
TENANT_PROBLEMS = {
    "BotDisabledByAdmin": (
        "a Teams administrator has disabled sendbot for the school",
        "In the Teams admin centre, Teams apps > Manage apps, find sendbot and allow it; check "
        "that the app permission policy for staff allows it too.",
    ),
    "InvalidBotApiHost": (
        "Teams says sendbot calls the wrong Bot Connector address for this tenant's cloud",
        "For a government cloud (GCC, GCC High, DoD) set TEAMS_SERVICE_URL, TEAMS_AUTHORITY and "
        "TEAMS_GRAPH_URL to that cloud's values (see the README's government-cloud section).",
    ),
}
NOT_SIGNED_IN = (
    "Teams does not accept sendbot's sign-in",
    "Check TEAMS_CLIENT_ID, TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID against the bot's app "
    "registration in Entra (a client secret expires: make a new one and set it).",
)
SENT_KEYS_KEPT = 20_000


class ConversationGone(NotReachable):
    """Teams does not know the conversation (404): a stored reference may be stale."""


class TeamsChat:
    """Sends Adaptive Cards to people's 1:1 conversations with the bot, and replaces them."""

    platform = PLATFORM
    # A conversation opened while sending is kept on the person's identity (the dispatcher
    # does this), so later sends go straight to it.
    remember_keys = (CONVERSATION_ID, SERVICE_URL)
    # Teams counts its allowance per second: the dispatcher overlaps batches to keep up.
    paced = True

    def __init__(
        self,
        tokens: ConnectorTokens,
        *,
        bot_id: str,
        tenant_id: str,
        requests_per_second: float = 30.0,
        max_in_flight: int = 16,
        time_scale: float = 1.0,
        request_timeout: float = 15.0,
        service_url: str | None = None,
        installs_for_staff: bool = False,
    ) -> None:
        """`bot_id` is the app registration's client id (TEAMS_CLIENT_ID), `tenant_id` the
        school's (TEAMS_TENANT_ID), `requests_per_second` the tenant allowance
        (TEAMS_REQUESTS_PER_SECOND). `time_scale` is how many times faster Teams' clock runs
        than ours: 1 for Teams, more for the fake Teams in the tests.

        `service_url` (TEAMS_SERVICE_URL) is where to open a conversation with someone matched
        by email who has no stored one; a service URL seen on anyone else's stored conversation
        is preferred, as it is the tenant's own region. None: such people are not tried.
        `installs_for_staff` (TEAMS_INSTALL_FOR_STAFF) only changes what the SENDCO is told
        when Teams says the app is not installed for them."""
        self.tokens = tokens
        self.bot_id = bot_id
        self.tenant_id = tenant_id
        self.max_in_flight = max_in_flight
        self.time_scale = time_scale
        self.request_timeout = request_timeout
        self.tenant: AdaptiveAllowance | None = None
        if requests_per_second > 0:
            self.tenant = AdaptiveAllowance(
                requests_per_second,
                window=1.0 / time_scale,
                share=ALLOWANCE_SHARE,
                catch_up=CATCH_UP,
                missing_retry_after=MISSING_RETRY_AFTER,
                probe_after=PROBE_AFTER_WINDOWS,
            )
        self.conversations = WindowPacer(
            tuple((s * WINDOW_MARGIN / time_scale, n) for s, n in CONVERSATION_WINDOWS)
        )
        self._clients: dict[str, ConnectorClient] = {}
        self._clients_loop: asyncio.AbstractEventLoop | None = None
        # Conversations this process created or learnt, by the person's Entra object id.
        self._conversation_ids: dict[str, str] = {}
        self._opening = Locks()
        self.service_url = service_url
        self._seen_service_url: str | None = None
        self._not_installed = NOT_INSTALLED_YET if installs_for_staff else NOT_INSTALLED_ASK_IT
        # Sends this process has made, by key: a retried send returns the first message.
        self._sent: OrderedDict[str, MessageRef] = OrderedDict()

    # --- the chat port -------------------------------------------------------------------------

    @property
    def allowance_window(self) -> float:
        """The second the allowance is counted in, in seconds of our clock (0: no allowance)."""
        return self.tenant.window * self.time_scale if self.tenant is not None else 0.0

    def remember_sends(self, ages: list[float]) -> None:
        """This replica has just become the sender: what the one before it sent `ages`
        seconds ago still counts in the allowance."""
        if self.tenant is not None:
            self.tenant.remember([age / self.time_scale for age in ages])

    async def send(
        self, recipient: Recipient, message: Message, send_key: str, maybe_sent: bool = False
    ) -> MessageRef:
        earlier = self._sent.get(send_key)
        if earlier is not None:
            return earlier
        if maybe_sent:
            # A bot cannot read its own 1:1 conversation in Teams, so whether an unanswered
            # try arrived cannot be known: it is not sent again, so nobody sees it twice.
            raise NotReachable(UNCONFIRMED)
        extra = recipient.extra
        if extra.get("unreachable"):
            raise NotReachable(str(extra["unreachable"]))
        stored = extra.get(SERVICE_URL)
        if isinstance(stored, str) and stored:
            service_url = self._seen_service_url = stored
        elif self.service_url:
            service_url = self._seen_service_url or self.service_url
        else:
            raise NotReachable(NEVER_SEEN)
        activity = _card_activity(message)
        try:
            conversation_id = await self._conversation(recipient, service_url)
        except NotReachable as exc:
            if service_url == stored or exc.reason != NOT_INSTALLED:
                raise
            # Matched by email but never heard from: say what would let sendbot reach them.
            raise NotReachable(self._not_installed) from exc
        try:
            activity_id = await self._post(service_url, conversation_id, activity)
        except ConversationGone:
            # A stored conversation Teams no longer knows (404): open it again once, if we can.
            member = _member_id(recipient)
            if conversation_id != extra.get(CONVERSATION_ID) or not member:
                raise
            self._conversation_ids.pop(recipient.platform_user_id, None)
            fresh = await self._create(service_url, member)
            if fresh == conversation_id:
                raise
            self._conversation_ids[recipient.platform_user_id] = conversation_id = fresh
            activity_id = await self._post(service_url, conversation_id, activity)
        ref = MessageRef(
            PLATFORM,
            {
                SERVICE_URL: service_url,
                CONVERSATION_ID: conversation_id,
                "activity_id": activity_id,
            },
        )
        self._sent[send_key] = ref
        if len(self._sent) > SENT_KEYS_KEPT:
            self._sent.popitem(last=False)
        return ref

    async def update(self, ref: MessageRef, message: Message) -> None:
        service_url = ref.data[SERVICE_URL]
        conversation_id = ref.data[CONVERSATION_ID]
        activity_id = ref.data["activity_id"]
        activity = _card_activity(message)
        await self._call(
            service_url,
            lambda conversations: conversations.update_activity(
                conversation_id, activity_id, activity
            ),
            conversation=conversation_id,
        )

    async def close(self) -> None:
        """Close the HTTP sessions (one per service URL) made in this event loop."""
        clients, self._clients = self._clients, {}
        if self._clients_loop is not asyncio.get_running_loop():
            return  # made in a loop that has gone: nothing left to close from here
        for client in clients.values():
            await client.close()

    def conversation_of(self, platform_user_id: str) -> str | None:
        """The conversation this process opened or used with this person, if any."""
        return self._conversation_ids.get(platform_user_id)

    # --- conversations -------------------------------------------------------------------------

    async def _conversation(self, recipient: Recipient, service_url: str) -> str:
        known = recipient.extra.get(CONVERSATION_ID) or self._conversation_ids.get(
            recipient.platform_user_id
        )
        if isinstance(known, str) and known:
            return known
        member = _member_id(recipient)
        if not member:
            raise NotReachable(NEVER_SEEN)
        # One opening per person at a time: concurrent sends to them share it.
        async with self._opening.hold(recipient.platform_user_id):
            opened = self._conversation_ids.get(recipient.platform_user_id)
            if opened is None:
                opened = await self._create(service_url, member)
                self._conversation_ids[recipient.platform_user_id] = opened
            return opened

    async def _create(self, service_url: str, member: str) -> str:
        """POST v3/conversations: the 1:1 conversation with a person who has the app (Teams
        gives the same id each time)."""
        parameters = ConversationParameters(
            is_group=False,
            bot=ChannelAccount(id=f"28:{self.bot_id}"),
            members=[ChannelAccount(id=member)],
            tenant_id=self.tenant_id,
        )
        created = await self._call(
            service_url, lambda conversations: _create_conversation(conversations, parameters)
        )
        if not created:
            raise TemporaryFailure("Teams created a conversation without an id")
        return created

    async def _post(self, service_url: str, conversation_id: str, activity: Activity) -> str:
        sent = await self._call(
            service_url,
            lambda conversations: conversations.send_to_conversation(conversation_id, activity),
            conversation=conversation_id,
        )
        if not sent.id:
            raise TemporaryFailure("Teams accepted a message without giving its id")
        return str(sent.id)

    # --- the connector -------------------------------------------------------------------------

    async def _client(self, service_url: str) -> ConnectorClient:
        loop = asyncio.get_running_loop()
        if self._clients_loop is not loop:
            # An HTTP session belongs to the event loop that made it; tests (and restarts)
            # may bring another, so sessions from an earlier loop are dropped, not reused.
            self._clients, self._clients_loop = {}, loop
        client = self._clients.get(service_url)
        if client is None or client.client.closed:
            endpoint = service_url if service_url.endswith("/") else service_url + "/"
            session = aiohttp.ClientSession(
                base_url=endpoint, timeout=aiohttp.ClientTimeout(total=self.request_timeout)
            )
            client = self._clients[service_url] = ConnectorClient(endpoint, "", session=session)
        return client

    async def _call(
        self,
        service_url: str,
        operation: Callable[[Any], Awaitable[T]],
        conversation: str | None = None,
    ) -> T:
        """One Bot Connector request within the tenant allowance and, for a request in a
        conversation, the conversation's limits; its errors said in the port's terms."""
        if conversation is None:
            return await self._request(service_url, operation, None)
        async with self.conversations.turn(conversation):
            return await self._request(service_url, operation, conversation)

    async def _request(
        self,
        service_url: str,
        operation: Callable[[Any], Awaitable[T]],
        conversation: str | None,
    ) -> T:
        """A refused token is fetched afresh and the request made once more."""
        for attempt in (1, 2):
            try:
                token = await self.tokens.token(force_refresh=attempt > 1)
            except OSError as exc:  # requests' errors under msal
                raise TemporaryFailure(f"could not reach Microsoft sign-in ({exc})") from exc
            client = await self._client(service_url)
            client.client.headers["Authorization"] = f"Bearer {token}"
            if self.tenant is not None:
                await self.tenant.wait()
            if conversation is not None:
                self.conversations.record(conversation)
            try:
                return await operation(client.conversations)
            except aiohttp.ClientResponseError as exc:
                if exc.status == 401 and attempt == 1:
                    continue
                if exc.status == 429 and self.tenant is not None:
                    # Every request counts against the tenant's allowance: the pacer learns.
                    self.tenant.limited(retry_after_seconds((exc.headers or {}).get("Retry-After")))
                raise _port_error(exc) from exc
            except (TimeoutError, aiohttp.ClientError) as exc:
                raise TemporaryFailure(
                    f"could not reach Teams ({type(exc).__name__})", may_have_gone=True
                ) from exc
        raise AssertionError("unreachable")  # pragma: no cover


async def _create_conversation(conversations: Any, parameters: ConversationParameters) -> str:
    """POST v3/conversations through the SDK's own HTTP session, as the SDK's
    create_conversation does, but keeping Teams' error body: the SDK (1.9) drops it for this
    call alone, and with it the 403 sub-code that tells a bot disabled by the tenant's admin
    from a person who does not have the app. Remove once the SDK passes the body on."""
    body = parameters.model_dump(by_alias=True, exclude_unset=True, mode="json")
    async with conversations.client.post("v3/conversations", json=body) as response:
        if response.status not in (200, 201, 202):
            raise aiohttp.ClientResponseError(
                response.request_info,
                response.history,
                status=response.status,
                message=await response.text("utf-8"),
                headers=response.headers,
            )
        data = await response.json()
    return str(data.get("id") or "") if isinstance(data, dict) else ""


def _error_code(exc: aiohttp.ClientResponseError) -> str:
    """The Bot Connector's error code ({"error": {"code": ...}}), which the SDK passes on as
    the exception's message; "" when there is none."""
    try:
        body = json.loads(exc.message)
    except (TypeError, ValueError):
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code if isinstance(code, str) else ""


def _port_error(exc: aiohttp.ClientResponseError) -> Exception:
    """What a refused Bot Connector request means for the dispatcher, as Microsoft's table
    of Bot Connector errors says."""
    status, code = exc.status, _error_code(exc)
    if status == 429:
        return TemporaryFailure(
            "Teams asked sendbot to slow down (429)",
            retry_after_seconds((exc.headers or {}).get("Retry-After")),
        )
    if status in TEMPORARY_STATUSES:
        return TemporaryFailure(
            f"Teams answered {status}", retry_after_seconds((exc.headers or {}).get("Retry-After"))
        )
    if status == 404:
        return ConversationGone(NOT_INSTALLED)
    if status == 403:
        if code == "ConversationBlockedByUser":
            return NotReachable(BLOCKED)
        if code in TENANT_PROBLEMS:
            return SetUpProblem(*TENANT_PROBLEMS[code])
        # BotNotInConversationRoster, ForbiddenOperationException and the like.
        return NotReachable(NOT_INSTALLED)
    if status == 401:
        return SetUpProblem(*NOT_SIGNED_IN)
    return Refused(f"Teams refused the message ({status} {code or 'with no code'})")


def _member_id(recipient: Recipient) -> str:
    """Who to open a conversation with: the Teams id if known, else the Entra object id (Teams
    accepts either for a personal conversation in the bot's own tenant)."""
    teams_id = recipient.extra.get(TEAMS_USER_ID)
    if isinstance(teams_id, str) and teams_id:
        return teams_id
    return recipient.platform_user_id


def _card_activity(message: Message) -> Activity:
    card = render(message)
    return Activity(
        type="message",
        summary=message.title[:100] or None,
        attachments=[Attachment(content_type=CONTENT_TYPE, content=card)],
    )
