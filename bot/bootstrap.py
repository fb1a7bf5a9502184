"""The composition root: builds the engine, chat ports, services and scheduler from Settings."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from microsoft_agents.authentication.msal import MsalAuth
from slack_bolt.async_app import AsyncApp

from bot.chat.local.adapter import LocalChat
from bot.chat.slack.adapter import SlackChat, web_client
from bot.chat.slack.directory import SlackDirectory
from bot.chat.slack.listeners import build_slack_app
from bot.chat.teams.adapter import TeamsChat
from bot.chat.teams.directory import LOOKUPS_PER_SECOND, TeamsDirectory
from bot.chat.teams.graph import Graph
from bot.chat.teams.installs import INSTALLS_PER_SECOND, GraphInstaller
from bot.chat.teams.tokens import AccessTokens, ConnectorTokens, auth_configuration, graph_resource
from bot.config import Settings
from bot.scheduling.ticker import Ticker
from bot.services.chat_port import ChatPort
from bot.services.clock import Clock, SystemClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy
from bot.services.inbound import Inbound
from bot.services.linking import Directory
from bot.services.teams_people import install_for_staff
from bot.storage.database import Database, make_engine
from bot.storage.migrate import upgrade
from bot.storage.sender_lock import SenderLock

log = logging.getLogger(__name__)


@dataclass
class Sendbot:
    """Everything a running sendbot is made of, built once and handed to whoever needs it."""

    settings: Settings
    db: Database
    clock: Clock
    local: LocalChat
    ports: dict[str, ChatPort]
    platform: str
    inbound: Inbound
    dispatcher: Dispatcher
    ticker: Ticker
    slack: SlackChat | None = None
    slack_app: AsyncApp | None = None
    teams: TeamsChat | None = None
    # Finds staff's chat accounts by email; None on the local chat, which needs no matching.
    directory: Directory | None = None


def choose_platform(settings: Settings) -> str:
    """The chat platform staff are reached on; local until Slack or Teams is configured."""
    if settings.uses_slack:
        return "slack"
    return "teams" if settings.uses_teams else "local"


def build(settings: Settings, clock: Clock | None = None) -> Sendbot:
    """Build the whole graph. Nothing here runs until the caller starts it."""
    clock = clock or SystemClock()
    db = Database(make_engine(settings.database_url))
    local = LocalChat(db, clock, settings.local_send_rate_per_second)
    ports: dict[str, ChatPort] = {local.platform: local}
    platform = choose_platform(settings)
    slack = None
    directory: Directory | None = None
    if settings.uses_slack and settings.slack_bot_token is not None:
        client = web_client(
            settings.slack_bot_token.get_secret_value(), settings.slack_api_base_url
        )
        slack = SlackChat(client, settings.slack_messages_per_minute)
        ports[slack.platform] = slack
        directory = SlackDirectory(client)
    teams = None
    after_link: Callable[[], Awaitable[object]] | None = None
    if settings.uses_teams:
        auth = teams_auth(settings)
        teams = build_teams_chat(settings, auth)
        ports[teams.platform] = teams
        if directory is None:
            directory, after_link = build_teams_directory(settings, auth, db)
    dispatcher = Dispatcher(
        db,
        ports,
        clock,
        DispatchPolicy(
            batch_size=settings.dispatch_batch_size,
            max_attempts=settings.dispatch_max_attempts,
            retry_base_seconds=settings.dispatch_retry_base_seconds,
            lease_seconds=settings.dispatch_lease_seconds,
        ),
        worker_id=f"{socket.gethostname()}:{os.getpid()}",
        # Slack and Teams count their allowance whichever replica sends: one sends for all.
        senders={
            platform: SenderLock(db, platform)
            for platform, port in ports.items()
            if getattr(port, "paced", False)
        },
        base_url=settings.base_url,
    )
    inbound = Inbound(db, ports, clock, base_url=settings.base_url)
    ticker = Ticker(
        db,
        dispatcher,
        clock,
        platform,
        tick_seconds=settings.scheduler_tick_seconds,
        dispatch_seconds=settings.dispatch_interval_seconds,
        directory=directory,
        after_link=after_link,
        outbox_keep_days=settings.outbox_keep_days,
        inbound=inbound,
    )
    slack_app = None
    if slack is not None:
        secret = settings.slack_signing_secret
        slack_app = build_slack_app(
            slack,
            inbound,
            secret.get_secret_value() if secret else None,
            http_mode=settings.slack_mode == "http",
            base_url=settings.base_url,
        )
    return Sendbot(
        settings=settings,
        db=db,
        clock=clock,
        local=local,
        ports=ports,
        platform=platform,
        inbound=inbound,
        dispatcher=dispatcher,
        ticker=ticker,
        slack=slack,
        slack_app=slack_app,
        teams=teams,
        directory=directory,
    )


def teams_auth(settings: Settings) -> MsalAuth:
    """The app registration's msal connection, shared by the Bot Connector and Graph."""
    assert settings.teams_client_id and settings.teams_client_secret and settings.teams_tenant_id
    config = auth_configuration(
        settings.teams_client_id,
        settings.teams_client_secret.get_secret_value(),
        settings.teams_tenant_id,
        settings.teams_authority,
    )
    return MsalAuth(config)


def build_teams_chat(settings: Settings, auth: MsalAuth | None = None) -> TeamsChat:
    """The Teams adapter, signed in with the app registration through msal."""
    assert settings.teams_client_id and settings.teams_tenant_id
    return TeamsChat(
        ConnectorTokens(auth or teams_auth(settings), settings.teams_connector_scope),
        bot_id=settings.teams_client_id,
        tenant_id=settings.teams_tenant_id,
        requests_per_second=settings.teams_requests_per_second,
        service_url=settings.teams_service_url,
        installs_for_staff=settings.teams_install_for_staff,
    )


def build_teams_directory(
    settings: Settings, auth: MsalAuth, db: Database
) -> tuple[TeamsDirectory, Callable[[], Awaitable[object]]]:
    """Staff found by email in Microsoft Graph, and what the daily linking job does next:
    install the app for those without it (with TEAMS_INSTALL_FOR_STAFF), then close Graph's
    sessions until tomorrow."""
    tokens = AccessTokens(auth, graph_resource(settings.teams_graph_url))
    lookups = Graph(tokens, settings.teams_graph_url, requests_per_second=LOOKUPS_PER_SECOND)
    installs = Graph(tokens, settings.teams_graph_url, requests_per_second=INSTALLS_PER_SECOND)
    installer = None
    if settings.teams_install_for_staff and settings.teams_app_id:
        installer = GraphInstaller(installs, settings.teams_app_id)

    async def after_link() -> None:
        try:
            if installer is not None:
                await install_for_staff(db, installer)
        finally:
            await lookups.close()
            await installs.close()

    return TeamsDirectory(lookups), after_link


def prepare_database(app: Sendbot) -> None:
    """Bring the schema up to date (every start does this; it is safe to repeat)."""
    upgrade(app.db.engine)
