"""Slack's side of the chat port: direct messages through the Web API, within Slack's limits."""

from __future__ import annotations

import logging
from collections import OrderedDict
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.chat.pacing import AdaptiveAllowance, KeyedPacer
from bot.chat.retry_after import retry_after_seconds
from bot.chat.slack.blocks import render
from bot.services.chat_port import (
    Message,
    MessageRef,
    NotReachable,
    Recipient,
    SetUpProblem,
    TemporaryFailure,
)

log = logging.getLogger(__name__)
PLATFORM = "slack"
METADATA_EVENT = "sendbot_message"
# How far back to look for a message that may have been sent before a process stopped: a
# person is rarely sent more than a handful of messages at once.
LOOK_BACK = 20

# Slack's errors that mean this person cannot be sent a direct message, said for the SENDCO.
NOT_REACHABLE = {
    "messages_tab_disabled": "their Messages tab for sendbot is turned off in Slack",
    "user_not_found": "they are not in the Slack workspace",
    "users_not_found": "they are not in the Slack workspace",
    "user_disabled": "their Slack account is deactivated",
    "channel_not_found": "Slack could not open a direct message with them",
    "cannot_dm_bot": "their Slack account is a bot",
}
# Slack's errors that mean it refuses sendbot itself, not one person: sending pauses (nobody is
# marked not reached for them) and resumes by itself once the token works again.
REINSTALL = (
    "Reinstall sendbot to the Slack workspace (api.slack.com/apps, Install App) and put the new "
    "bot token in SLACK_BOT_TOKEN, or, with OAuth, ask a workspace admin to add sendbot again."
)
SET_UP = {
    "account_inactive": (
        "the Slack token belongs to a deleted user or workspace",
        REINSTALL,
    ),
    "invalid_auth": (
        "Slack does not accept sendbot's token",
        "Check SLACK_BOT_TOKEN. " + REINSTALL,
    ),
    "not_authed": ("sendbot sent Slack no token", "Set SLACK_BOT_TOKEN to the app's bot token."),
    "token_revoked": ("sendbot's Slack token was revoked", REINSTALL),
    "token_expired": ("sendbot's Slack token has expired", REINSTALL),
    # An app installed before a scope was added to slack/manifest.yml (im:history, say).
    "missing_scope": (
        "sendbot's Slack app lacks a permission it needs",
        "Give the app every scope in slack/manifest.yml (api.slack.com/apps, OAuth & "
        "Permissions), then reinstall it to the workspace.",
    ),
}
# Slack counts a workspace's posts in one-minute windows as they arrive, and requests arrive a
# little unevenly (threads, connections, the network), so sending the whole allowance meets an
# occasional 429: we start at 97% of SLACK_MESSAGES_PER_MINUTE in any minute, and from there the
# pacer finds the workspace's real allowance, which Slack does not publish, from its 429s
# (bot.chat.pacing.AdaptiveAllowance). Time lost between batches is made up within the minute,
# but never faster than 10% over the allowance's even pace.
ALLOWANCE_SHARE = 0.97
CATCH_UP = 1.1
# Slack always sends Retry-After with a 429; without one we wait a second, as slack_sdk's own
# RateLimitErrorRetryHandler does.
MISSING_RETRY_AFTER = 1.0
# Probing above the level that met the last 429 waits this many quiet minutes: each 429 pauses
# every post for its Retry-After and cuts the pace, which costs more than a probe gains.
PROBE_AFTER_WINDOWS = 5
POST = "chat.postMessage"
# Errors worth trying again later.
TEMPORARY = {
    "ratelimited",
    "fatal_error",
    "internal_error",
    "service_unavailable",
    "request_timeout",
}


class _RateLimitRetryBesidesPosts(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handling for every method but chat.postMessage, whose 429s SlackChat
    handles itself: they tell its pacer what the workspace really allows."""

    async def _can_retry_async(self, *, request: HttpRequest, **rest: Any) -> bool:
        if request.url.rstrip("/").endswith("/" + POST):
            return False
        return await super()._can_retry_async(request=request, **rest)


def web_client(token: str, base_url: str) -> AsyncWebClient:
    """slack_sdk's async client with its own retry handlers: a 429 is waited out once (its
    Retry-After honoured; SlackChat does this for posts), server errors and dropped
    connections are tried again twice."""
    return AsyncWebClient(
        token=token,
        base_url=base_url,
        timeout=15,
        retry_handlers=[
            AsyncConnectionErrorRetryHandler(max_retry_count=2),
            _RateLimitRetryBesidesPosts(max_retry_count=1),
            AsyncServerErrorRetryHandler(max_retry_count=2),
        ],
    )


class SlowDown(TemporaryFailure):
    """Slack answered 429 (ratelimited)."""


class SlackChat:
    """Sends Block Kit direct messages and updates them; keeps to the workspace's allowance."""

    platform = PLATFORM
    # Slack counts its allowance per minute: the dispatcher overlaps batches to keep up.
    paced = True

    def __init__(
        self,
        client: AsyncWebClient,
        messages_per_minute: float,
        max_in_flight: int = 8,
        time_scale: float = 1.0,
    ) -> None:
        """`messages_per_minute` is the workspace's allowance; `time_scale` is how many times
        faster Slack's clock runs than ours: 1 for Slack, more for the fake Slack in the tests,
        whose limits are counted in its own (shorter) minutes and seconds."""
        self.client = client
        self.max_in_flight = max_in_flight
        self.time_scale = time_scale
        self.workspace: AdaptiveAllowance | None = None
        if messages_per_minute > 0:
            self.workspace = AdaptiveAllowance(
                messages_per_minute,
                window=60 / time_scale,
                share=ALLOWANCE_SHARE,
                catch_up=CATCH_UP,
                missing_retry_after=MISSING_RETRY_AFTER,
                probe_after=PROBE_AFTER_WINDOWS,
            )
        # Slack allows about one message a second in each conversation.
        self.conversations = KeyedPacer(1.0 * time_scale)
        # Sends this process has made, by key: a retried send returns the first message.
        self._sent: OrderedDict[str, MessageRef] = OrderedDict()

    @property
    def allowance_window(self) -> float:
        """The minute the allowance is counted in, in seconds of our clock (0: no allowance)."""
        return self.workspace.window * self.time_scale if self.workspace is not None else 0.0

    def remember_sends(self, ages: list[float]) -> None:
        """This replica has just become the sender: what the one before it sent `ages`
        seconds ago still counts in the allowance."""
        if self.workspace is not None:
            self.workspace.remember([age / self.time_scale for age in ages])

    async def send(
        self, recipient: Recipient, message: Message, send_key: str, maybe_sent: bool = False
    ) -> MessageRef:
        user = recipient.platform_user_id
        if recipient.extra.get("unreachable"):
            # The daily check found the account deactivated: no need to ask Slack again.
            raise NotReachable(str(recipient.extra["unreachable"]))
        earlier = self._sent.get(send_key)
        if earlier is None and maybe_sent:
            earlier = await self._find_sent(user, send_key)
        if earlier is not None:
            self._sent[send_key] = earlier
            return earlier
        text, blocks = render(message)
        response = await self._post(
            channel=user,
            text=text,
            blocks=blocks,
            unfurl_links=False,
            # The key travels with the message, so a process that takes over an unfinished
            # send can find it in the conversation instead of sending a second copy.
            metadata={"event_type": METADATA_EVENT, "event_payload": {"send_key": send_key}},
        )
        ref = MessageRef(PLATFORM, {"channel": response["channel"], "ts": response["ts"]})
        self._sent[send_key] = ref
        if len(self._sent) > 20_000:
            self._sent.popitem(last=False)
        return ref

    async def _post(self, channel: str, **arguments: object) -> dict:
        """chat.postMessage within the limits. A 429 is told to the workspace's pacer, which
        pauses every post for its Retry-After and slows down; this post then goes once more,
        and a second 429 puts it off (the dispatcher tries it again after Retry-After)."""
        for attempt in (1, 2):
            await self.conversations.wait(channel)
            if self.workspace is not None:
                await self.workspace.wait()
            try:
                return await self._call("chat_postMessage", channel=channel, **arguments)
            except SlowDown as exc:
                if self.workspace is not None:
                    self.workspace.limited(exc.retry_after)
                if attempt == 2 or self.workspace is None:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    async def _find_sent(self, user: str, send_key: str) -> MessageRef | None:
        """The message with this key among the latest in the person's DM, if it got there.
        A look-up that fails for now (Slack's 429 on its Tier 3 methods after a takeover, an
        outage) puts the send off, still "may have gone": sending without knowing would give
        everyone whose copy had gone a second one."""
        try:
            opened = await self._call("conversations_open", users=user)
            channel = opened["channel"]["id"]
            history = await self._call(
                "conversations_history", channel=channel, limit=LOOK_BACK, include_all_metadata=True
            )
        except TemporaryFailure as exc:
            log.warning("could not check %s's messages before sending again: %s", user, exc)
            raise TemporaryFailure(
                f"could not check whether the message had gone ({exc.reason})",
                exc.retry_after,
                may_have_gone=True,
            ) from exc
        for message in history.get("messages", []):
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("send_key") == send_key:
                return MessageRef(PLATFORM, {"channel": channel, "ts": message["ts"]})
        return None

    async def update(self, ref: MessageRef, message: Message) -> None:
        text, blocks = render(message)
        reply_to = ref.data.get("response_url")
        if reply_to and await self._respond(reply_to, text=text, blocks=blocks, replace=True):
            return
        await self._call(
            "chat_update", channel=ref.data["channel"], ts=ref.data["ts"], text=text, blocks=blocks
        )

    async def notify(
        self, channel: str, user: str, text: str, response_url: str | None = None
    ) -> None:
        """A short reply only this person sees (an ephemeral message)."""
        if response_url and await self._respond(response_url, text=text, replace=False):
            return
        await self._call("chat_postEphemeral", channel=channel, user=user, text=text)

    async def _respond(
        self, url: str, *, text: str, replace: bool, blocks: list | None = None
    ) -> bool:
        """Answer through a press's response_url; False (use the Web API instead) if it fails,
        e.g. after its five uses or thirty minutes."""
        try:
            response = await AsyncWebhookClient(url, timeout=10).send(
                text=text,
                blocks=blocks,
                replace_original=replace,
                response_type=None if replace else "ephemeral",
            )
        except (TimeoutError, aiohttp.ClientError):
            return False
        return response.status_code == 200

    async def _call(self, method: str, **arguments: object) -> dict:
        try:
            response = await getattr(self.client, method)(**arguments)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error in NOT_REACHABLE:
                raise NotReachable(NOT_REACHABLE[error]) from exc
            if error in SET_UP:
                raise SetUpProblem(*SET_UP[error]) from exc
            if error in TEMPORARY or exc.response.status_code >= 500:
                retry_after = exc.response.headers.get("Retry-After") or exc.response.headers.get(
                    "retry-after"
                )
                said = SlowDown if error == "ratelimited" else TemporaryFailure
                raise said(
                    f"Slack said {error or exc.response.status_code}",
                    retry_after_seconds(retry_after),
                ) from exc
            raise
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise TemporaryFailure(
                f"could not reach Slack ({type(exc).__name__})", may_have_gone=True
            ) from exc
        return response.data  # type: ignore[return-value]
