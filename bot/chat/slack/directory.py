"""Slack's people, looked up by email (users.lookupByEmail), within the method's rate tier."""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.pacing import Pacer
from bot.services.linking import DirectoryEntry, DirectoryUnavailable, LinkStatus

PLATFORM = "slack"
# Slack's tiers are "N+ per minute" over a sliding minute; a little below N keeps network
# jitter from ever bunching 51 calls into one minute.
HEADROOM = 0.9

# Why a person cannot be reached, said for the SENDCO with what to do about it.
NOT_FOUND = (
    "no one in the Slack workspace uses this email address: check it on the staff list, "
    "or ask them to join Slack with their school email"
)
DEACTIVATED = "their Slack account is deactivated"
BOT = "this email belongs to a bot in Slack, not to a person"
# Slack's errors that no waiting will cure, said for whoever set sendbot up.
SET_UP = {
    "missing_scope": "sendbot's Slack app lacks the users:read.email scope; reinstall it "
    "from slack/manifest.yml",
    "not_authed": "Slack was not sent sendbot's bot token",
    "invalid_auth": "Slack does not accept sendbot's bot token",
    "token_revoked": "sendbot's Slack bot token was revoked; reinstall the app",
    "account_inactive": "sendbot's Slack bot token belongs to a deactivated app",
    "enterprise_is_restricted": "the Slack organisation does not let apps look people up",
}


class SlackDirectory:
    """Finds a member of staff's Slack account by their email."""

    platform = PLATFORM

    def __init__(self, client: AsyncWebClient, lookups_per_minute: float = 50) -> None:
        self.client = client
        self.pacer = Pacer(lookups_per_minute * HEADROOM / 60)

    async def find_by_email(self, email: str) -> DirectoryEntry:
        """The account's user id, or why this person cannot be sent messages."""
        await self.pacer.wait()
        try:
            response = await self.client.users_lookupByEmail(email=email)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error == "users_not_found":
                return DirectoryEntry(LinkStatus.NOT_IN_WORKSPACE, reason=NOT_FOUND)
            if error in SET_UP:
                raise DirectoryUnavailable(SET_UP[error]) from exc
            if error == "ratelimited":
                raise DirectoryUnavailable(
                    "Slack asked sendbot to slow down; the rest are looked up later"
                ) from exc
            raise DirectoryUnavailable(
                f"Slack could not answer ({error or exc.response.status_code}); "
                "the rest are looked up later"
            ) from exc
        except (TimeoutError, aiohttp.ClientError) as exc:
            raise DirectoryUnavailable(
                f"could not reach Slack ({type(exc).__name__}); the rest are looked up later"
            ) from exc
        user = response.get("user") or {}
        user_id = str(user.get("id", ""))
        if user.get("deleted"):
            return DirectoryEntry(LinkStatus.DEACTIVATED, user_id, DEACTIVATED)
        if user.get("is_bot"):
            return DirectoryEntry(LinkStatus.BOT, user_id, BOT)
        return DirectoryEntry(LinkStatus.LINKED, user_id)
