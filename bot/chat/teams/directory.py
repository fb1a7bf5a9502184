"""Teams' people: staff looked up by email in Microsoft Graph (GET users/{email}), which gives the
Entra object id (aadObjectId) Teams knows them by. Needs the application permission User.Read.All.

Graph's identity limits are counted per app and tenant in 10-second buckets (3,500 requests for
the smallest tenants; a look-up with $select costs 1), so 20 a second leaves most of the bucket
to anything else the school runs, and 1,000 staff are looked up in under a minute.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.chat.teams.graph import Graph, GraphReply, GraphUnreachable
from bot.services.linking import DirectoryEntry, DirectoryUnavailable, LinkStatus

PLATFORM = "teams"
LOOKUPS_PER_SECOND = 20.0
SELECT = "id,accountEnabled,userType,mail,userPrincipalName"
READ_PERMISSION = "User.Read.All"

# Why a person cannot be reached, said for the SENDCO with what to do about it.
NOT_FOUND = (
    "No Microsoft 365 account has this email: check it on the staff list (it should be the "
    "address they sign in to Teams with)"
)
BAD_EMAIL = "Microsoft 365 cannot look this email up: check it on the staff list"
DISABLED = "their Microsoft 365 account is disabled (blocked from signing in)"
GUEST = (
    "this email belongs to a guest in the school's Microsoft 365, not a member of staff: "
    "put their school account's email on the staff list"
)
# Refusals that no waiting will cure, said for whoever set sendbot up.
NO_PERMISSION = (
    f"sendbot's app registration lacks the Microsoft Graph application permission "
    f"{READ_PERMISSION}: in Entra, under API permissions, add it and grant admin consent; "
    "until then nobody can be matched by email"
)
NOT_ACCEPTED = (
    "Microsoft Graph does not accept sendbot's sign-in; check TEAMS_CLIENT_ID, "
    "TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID"
)
LATER = "the rest are looked up later"


class TeamsDirectory:
    """Finds a member of staff's Microsoft 365 account (and so their Teams) by their email."""

    platform = PLATFORM

    def __init__(self, graph: Graph) -> None:
        self.graph = graph

    async def find_by_email(self, email: str) -> DirectoryEntry:
        """The account's Entra object id, or why this person cannot be sent messages."""
        try:
            reply = await self.graph.call(
                "GET", f"users/{quote(email.strip(), safe='@')}", params={"$select": SELECT}
            )
        except GraphUnreachable as exc:
            raise DirectoryUnavailable(f"{exc}; {LATER}") from exc
        if reply.status == 200:
            return _entry(reply)
        if reply.status == 404:
            return DirectoryEntry(LinkStatus.NOT_IN_WORKSPACE, reason=NOT_FOUND)
        if reply.status == 400:
            return DirectoryEntry(LinkStatus.NOT_IN_WORKSPACE, reason=BAD_EMAIL)
        raise DirectoryUnavailable(_problem(reply))


def _entry(reply: GraphReply) -> DirectoryEntry:
    user = reply.body
    user_id = str(user.get("id", ""))
    if not user_id:
        raise DirectoryUnavailable(f"Microsoft Graph gave an account without its id; {LATER}")
    if user.get("accountEnabled") is False:
        return DirectoryEntry(LinkStatus.DEACTIVATED, user_id, DISABLED)
    if str(user.get("userType", "")).lower() == "guest":
        return DirectoryEntry(LinkStatus.NOT_IN_WORKSPACE, user_id, GUEST)
    return DirectoryEntry(LinkStatus.LINKED, user_id)


def _problem(reply: GraphReply) -> str:
    """Why the directory cannot answer now, for the log and the linking report."""
    if reply.status == 403:
        return NO_PERMISSION
    if reply.status == 401:
        return NOT_ACCEPTED
    if reply.status == 429:
        return f"Microsoft Graph asked sendbot to slow down; {LATER}"
    detail = f"{reply.status} {reply.code}".strip()
    return f"Microsoft Graph could not answer ({detail}); {LATER}"
