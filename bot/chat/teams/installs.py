"""Installs sendbot's Teams app for one person through Microsoft Graph (POST
users/{id}/teamwork/installedApps), so the bot may message them. Needs the application
permission TeamsAppInstallation.ReadWriteForUser.All and TEAMS_APP_ID, the app's id in the
school's catalogue. Graph allows 30 such requests a second per app and tenant; 10 leaves room.
"""

from __future__ import annotations

from urllib.parse import quote

from bot.chat.teams.graph import Graph, GraphUnreachable
from bot.services.teams_people import InstallRefused, InstallUnavailable

INSTALLS_PER_SECOND = 10.0
# The least privilege: the app may install only itself (Graph matches the catalogue app's
# webApplicationInfo id, in the package's manifest, to the app registration).
INSTALL_PERMISSION = "TeamsAppInstallation.ReadWriteSelfForUser.All"
DONE = {200, 201, 204, 409}  # 409: it was installed already, which is what we wanted

# Said for the SENDCO, with what IT can do about it.
NOT_PERMITTED = (
    "sendbot could not install itself for them in Teams: its app registration lacks the "
    f"Microsoft Graph permission {INSTALL_PERMISSION}; ask IT to add it with admin consent, "
    "or to install sendbot for them in Teams"
)
NOT_FOUND = (
    "sendbot could not install itself for them in Teams: Microsoft 365 found either no sendbot "
    "app in the school's Teams app catalogue or no account for them; ask IT to check "
    "TEAMS_APP_ID (the App ID shown in the Teams admin centre)"
)
NOT_ACCEPTED = (
    "Microsoft Graph does not accept sendbot's sign-in; check TEAMS_CLIENT_ID, "
    "TEAMS_CLIENT_SECRET and TEAMS_TENANT_ID"
)


class GraphInstaller:
    """Installs the app in one person's personal scope in Teams."""

    def __init__(self, graph: Graph, teams_app_id: str) -> None:
        self.graph = graph
        self.teams_app_id = teams_app_id

    async def install(self, aad_id: str) -> str:
        """Empty once the app is installed for them (or already was), else why not."""
        bind = {
            "teamsApp@odata.bind": self.graph.url(
                f"appCatalogs/teamsApps/{quote(self.teams_app_id, safe='')}"
            )
        }
        try:
            reply = await self.graph.call(
                "POST", f"users/{quote(aad_id, safe='')}/teamwork/installedApps", payload=bind
            )
        except GraphUnreachable as exc:
            raise InstallUnavailable(str(exc)) from exc
        if reply.status in DONE:
            return ""
        if reply.status == 403:
            raise InstallRefused(NOT_PERMITTED)
        if reply.status == 401:
            raise InstallUnavailable(NOT_ACCEPTED)
        if reply.status == 404:
            return NOT_FOUND
        if reply.status == 429 or reply.status >= 500:
            raise InstallUnavailable(f"Microsoft Graph could not install now ({reply.status})")
        detail = reply.message or reply.code or str(reply.status)
        return f"sendbot could not install itself for them in Teams ({detail})"
