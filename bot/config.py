"""The one typed Settings class: the only place that reads the environment."""

from __future__ import annotations

import ipaddress
import re
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class SettingsError(Exception):
    """A setting is missing or wrong; the text names it and says what is allowed."""


class Settings(BaseSettings):
    """Everything sendbot can be told from outside, with safe defaults for one laptop."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        case_sensitive=False,
        # An empty line in .env (as .env.example has) means "not set", not "set to nothing".
        env_ignore_empty=True,
    )

    database_url: str = Field(
        "sqlite:///var/sendbot.db",
        description="a SQLAlchemy URL: sqlite:///path/to/file.db or postgresql+psycopg://user@host/db",
    )
    host: str = Field("127.0.0.1", description="the address the web app listens on")
    port: int = Field(8000, ge=1, le=65535, description="a port number from 1 to 65535")
    public_url: str = Field(
        "",
        description="the address staff use to reach the web pages, e.g. https://sendbot.school.org"
        " (empty: http://HOST:PORT)",
    )
    demo_mode: bool = Field(
        False,
        description="true or false: load the demo school into an empty database and offer"
        " its sign-in-as-anyone picker, to this computer only (make run turns it on)",
    )
    chat_platform: Literal["auto", "local", "slack", "teams"] = Field(
        "auto",
        description="auto (Slack when SLACK_BOT_TOKEN is set, Teams when TEAMS_CLIENT_ID is"
        " set, else local), local, slack or teams",
    )
    teams_client_id: str | None = Field(
        None, description="the Entra app registration's application (client) id, a GUID"
    )
    teams_client_secret: SecretStr | None = Field(
        None, description="a client secret of that app registration"
    )
    teams_tenant_id: str | None = Field(None, description="the school's Entra tenant id, a GUID")
    teams_authority: str = Field(
        "https://login.microsoftonline.com",
        description="the Microsoft sign-in host (government clouds use another)",
    )
    teams_graph_url: str = Field(
        "https://graph.microsoft.com/v1.0",
        description="the Microsoft Graph address (government clouds use another)",
    )
    teams_service_url: str = Field(
        "https://smba.trafficmanager.net/teams/",
        description="where Teams takes proactive messages to people sendbot has not heard from"
        " yet (Teams' global address; change only for a government cloud)",
    )
    teams_connector_scope: str = Field(
        "https://api.botframework.com/.default",
        description="the scope of the Bot Connector token (GCC High and DoD use"
        " https://api.botframework.us/.default)",
    )
    teams_app_id: str | None = Field(
        None,
        description="the Teams app's id in the school's app catalogue, to install it for staff",
    )
    teams_install_for_staff: bool = Field(
        False, description="true or false: install the app for staff who lack it (Graph)"
    )
    teams_requests_per_second: float = Field(
        30.0, gt=0, le=1000, description="the app's request allowance per tenant a second"
    )
    slack_bot_token: SecretStr | None = Field(
        None, description="the Slack app's bot token, starting xoxb-"
    )
    slack_app_token: SecretStr | None = Field(
        None, description="the Slack app-level token for Socket Mode, starting xapp-"
    )
    slack_signing_secret: SecretStr | None = Field(
        None, description="the Slack app's signing secret (needed in HTTP mode)"
    )
    slack_mode: Literal["socket", "http"] = Field(
        "socket", description="socket (no public address needed) or http (/slack/events)"
    )
    slack_api_base_url: str = Field(
        "https://slack.com/api/",
        description="the Slack Web API address, ending in /api/ (GovSlack uses another host)",
    )
    slack_messages_per_minute: int = Field(
        300,
        ge=1,
        le=10000,
        description="the workspace's chat.postMessage allowance a minute (Slack: several hundred)",
    )
    web_sign_in: Literal["none", "microsoft", "google", "slack", "oidc"] = Field(
        "none",
        description="how staff sign in to the web pages: none, microsoft (Entra ID), google"
        " (Google Workspace), slack (Sign in with Slack) or oidc (another OpenID Connect"
        " provider)",
    )
    web_sign_in_client_id: str | None = Field(
        None, description="the client id the sign-in provider gave sendbot"
    )
    web_sign_in_client_secret: SecretStr | None = Field(
        None, description="the client secret that goes with WEB_SIGN_IN_CLIENT_ID"
    )
    web_sign_in_issuer: str | None = Field(
        None,
        description="the provider's issuer address, whose /.well-known/openid-configuration"
        " describes it (https://, or http:// on this computer only); required for oidc",
    )
    web_sign_in_allowed: str = Field(
        "",
        description="who may sign in, comma-separated: the school's tenant id (microsoft),"
        " Google domains (google), Slack team ids (slack) or values of WEB_SIGN_IN_CLAIM (oidc)",
    )
    web_sign_in_claim: str | None = Field(
        None,
        description="for oidc: the ID token claim whose value must be one of WEB_SIGN_IN_ALLOWED,"
        " e.g. groups",
    )
    secret_key: SecretStr | None = Field(
        None,
        description="a random string of at least 32 characters that keys web sessions"
        " (required unless the app is in demo mode on this computer only)",
    )
    upload_max_mb: float = Field(
        10.0,
        ge=1,
        le=10,
        description="the largest file the SENDCO may upload on the web pages, in MB (1 to 10;"
        " a register of 2,000 pupils is well under 1 MB)",
    )
    api_docs: bool = Field(
        False,
        description="true or false: publish the web API's description at /openapi.json and"
        " /docs (for developers; off in a school)",
    )
    briefings_dir: str = Field("briefings", description="the folder of briefing files")
    quizzes_dir: str = Field("quizzes", description="the folder of question bank files")
    demo_dir: str = Field(
        "demo", description="the folder holding the demo school's staff.csv and calendar.yaml"
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="DEBUG, INFO, WARNING or ERROR"
    )
    scheduler_tick_seconds: int = Field(
        60, ge=1, le=3600, description="seconds between planning ticks, 1 to 3600"
    )
    dispatch_interval_seconds: float = Field(
        2.0, gt=0, le=300, description="seconds between outbox drains, more than 0 and up to 300"
    )
    dispatch_batch_size: int = Field(
        200, ge=1, le=5000, description="deliveries claimed at a time, 1 to 5000"
    )
    dispatch_max_attempts: int = Field(
        6, ge=1, le=50, description="tries before a delivery is given up, 1 to 50"
    )
    dispatch_retry_base_seconds: float = Field(
        30.0, gt=0, le=3600, description="first retry delay in seconds; it doubles each time"
    )
    dispatch_lease_seconds: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="seconds after which a delivery claimed by a stopped process is taken again",
    )
    local_send_rate_per_second: float = Field(
        0.0, ge=0, description="cap on local chat messages a second; 0 means no cap"
    )
    outbox_keep_days: int = Field(
        400,
        ge=30,
        le=36500,
        description="days a finished quiz question or reminder is kept in the outbox, 30 to"
        " 36500 (counts are unaffected: they read answers and briefings, which are kept)",
    )

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        if not value.startswith(("sqlite:///", "postgresql")):
            raise ValueError("must start with sqlite:/// or postgresql")
        if value.startswith("postgresql://"):
            # We install psycopg 3; name its driver so SQLAlchemy does not look for psycopg2.
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("slack_bot_token")
    @classmethod
    def _bot_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xoxb-"):
            raise ValueError("must be a bot token, starting xoxb-")
        return value

    @field_validator("slack_app_token")
    @classmethod
    def _app_token(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().startswith("xapp-"):
            raise ValueError("must be an app-level token, starting xapp-")
        return value

    @field_validator("slack_api_base_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("https://", "http://")):
            raise ValueError("must be a web address such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"

    @field_validator("web_sign_in_issuer")
    @classmethod
    def _issuer(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.rstrip("/")
        if value.startswith("https://") and len(value) > len("https://"):
            return value
        if value.startswith("http://") and is_loopback(urlsplit(value).hostname or ""):
            return value
        raise ValueError("must be an https:// address (http:// only on 127.0.0.1 or localhost)")

    @field_validator("secret_key")
    @classmethod
    def _strong_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 32:
            raise ValueError("must be at least 32 characters long")
        return value

    @property
    def listens_on_loopback(self) -> bool:
        """True when only this computer can reach the web app."""
        return is_loopback(self.host)

    @property
    def reached_from_this_computer_only(self) -> bool:
        """True when sendbot both listens on loopback and tells staff a loopback address: no
        reverse proxy or forwarded port is meant to bring anyone else here."""
        return self.listens_on_loopback and is_loopback(urlsplit(self.base_url).hostname or "")

    @property
    def demo_sign_in_allowed(self) -> bool:
        """The persona picker exists only for a demo on this computer, and never once real
        sign-in is set up. Each request must come from this computer too (bot.web.demo_gate)."""
        return (
            self.demo_mode and self.reached_from_this_computer_only and self.web_sign_in == "none"
        )

    @property
    def upload_max_bytes(self) -> int:
        return int(self.upload_max_mb * 1_000_000)

    @property
    def sign_in_allowed_values(self) -> frozenset[str]:
        """WEB_SIGN_IN_ALLOWED as a set; tenant ids and domains case folded. Microsoft falls
        back to TEAMS_TENANT_ID, the tenant the school already gave for Teams."""
        values = {v.strip() for v in self.web_sign_in_allowed.split(",") if v.strip()}
        if self.web_sign_in == "microsoft" and not values and self.teams_tenant_id:
            values = {self.teams_tenant_id}
        if self.web_sign_in in ("microsoft", "google"):
            values = {v.casefold() for v in values}
        return frozenset(values)

    @property
    def base_url(self) -> str:
        """Where links in chat messages point."""
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def uses_teams(self) -> bool:
        """Staff are reached on Teams: asked for, or an app registration given with auto."""
        return self.chat_platform == "teams" or (
            self.chat_platform == "auto"
            and self.slack_bot_token is None
            and self.teams_client_id is not None
        )

    @property
    def uses_slack(self) -> bool:
        """Staff are reached on Slack: asked for, or a bot token given with CHAT_PLATFORM=auto."""
        return self.chat_platform == "slack" or (
            self.chat_platform == "auto" and self.slack_bot_token is not None
        )

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(
    *, serving: bool = False, platform_checks: bool = True, **overrides: object
) -> Settings:
    """Read the settings, turning a validation failure into one line per bad setting. With
    `serving` (sendbot run), also insist on what web pages reachable by others need; without
    `platform_checks`, leave out whether the chat platform's credentials are all there (a
    command that only writes the Teams package needs the app's id, not its secret)."""
    try:
        settings = Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise SettingsError(describe_errors(exc)) from None
    platform_problem = _sign_in_problem(settings)
    if platform_checks:
        platform_problem = _slack_problem(settings) or _teams_problem(settings) or platform_problem
    if platform_problem:
        raise SettingsError(platform_problem)
    reach_problem = _reach_problem(settings) if serving else ""
    if reach_problem:
        raise SettingsError(reach_problem)
    return settings


def _reach_problem(settings: Settings) -> str:
    """Pages other computers can reach need the school's sign-in and a key; else ""."""
    if not settings.reached_from_this_computer_only:
        where = f"PUBLIC_URL is {settings.base_url}"
        if not settings.listens_on_loopback:
            where = f"HOST is {settings.host}"
        if settings.web_sign_in == "none":
            return (
                f"Setting WEB_SIGN_IN is none, but {where}, so other computers can reach the"
                " web pages and staff must sign in with their school accounts. Allowed: "
                + _description("web_sign_in")
            )
        if settings.secret_key is None:
            return f"Setting SECRET_KEY is missing: {where}. Allowed: " + _description("secret_key")
    if settings.secret_key is None and not settings.demo_sign_in_allowed:
        return (
            "Setting SECRET_KEY is missing: it is required unless DEMO_MODE is true, HOST and"
            " PUBLIC_URL are on this computer (127.0.0.1 or localhost) and WEB_SIGN_IN is none."
            " Allowed: " + _description("secret_key")
        )
    return ""


def _slack_problem(settings: Settings) -> str:
    """The one line to show when the Slack settings do not fit together, else ""."""
    if settings.chat_platform == "slack" and settings.slack_bot_token is None:
        return "Setting SLACK_BOT_TOKEN is missing: CHAT_PLATFORM is slack. Allowed: " + (
            _description("slack_bot_token")
        )
    if not settings.uses_slack:
        return ""
    if settings.slack_mode == "socket" and settings.slack_app_token is None:
        return (
            "Setting SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token with"
            " connections:write. Allowed: a token starting xapp-, or SLACK_MODE=http"
        )
    if settings.slack_mode == "http" and settings.slack_signing_secret is None:
        return (
            "Setting SLACK_SIGNING_SECRET is missing: HTTP mode checks every request with it."
            " Allowed: the signing secret from the app's Basic Information page"
        )
    return ""


def _teams_problem(settings: Settings) -> str:
    """The one line to show when the Teams settings are incomplete, else ""."""
    if not settings.uses_teams:
        return ""
    for field in ("teams_client_id", "teams_client_secret", "teams_tenant_id"):
        if getattr(settings, field) is None:
            return (
                f"Setting {field.upper()} is missing: sendbot reaches staff on Teams. "
                f"Allowed: {_description(field)}"
            )
    if settings.teams_install_for_staff and settings.teams_app_id is None:
        return "Setting TEAMS_APP_ID is missing: TEAMS_INSTALL_FOR_STAFF is true. Allowed: " + (
            _description("teams_app_id")
        )
    return ""


_ALLOWED_SHAPES = {
    # What each preset's WEB_SIGN_IN_ALLOWED holds, and how one value looks.
    "microsoft": (
        "one tenant id, a GUID",
        re.compile(r"^[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}$"),
    ),
    "google": ("domains such as school.org.uk", re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")),
    "slack": ("Slack team ids such as T0123ABCD", re.compile(r"^[TE][A-Z0-9]{2,}$")),
    "oidc": ("values of WEB_SIGN_IN_CLAIM", re.compile(r"^.+$")),
}


def _sign_in_problem(settings: Settings) -> str:
    """The one line to show when the web sign-in settings do not fit together, else ""."""
    kind = settings.web_sign_in
    if kind == "none":
        return ""
    for field in ("web_sign_in_client_id", "web_sign_in_client_secret"):
        if getattr(settings, field) is None:
            return (
                f"Setting {field.upper()} is missing: WEB_SIGN_IN is {kind}. "
                f"Allowed: {_description(field)}"
            )
    if kind == "oidc":
        for field in ("web_sign_in_issuer", "web_sign_in_claim"):
            if getattr(settings, field) is None:
                return (
                    f"Setting {field.upper()} is missing: WEB_SIGN_IN is oidc. "
                    f"Allowed: {_description(field)}"
                )
    what, shape = _ALLOWED_SHAPES[kind]
    values = settings.sign_in_allowed_values
    if not values:
        fallback = " (or set TEAMS_TENANT_ID)" if kind == "microsoft" else ""
        return (
            f"Setting WEB_SIGN_IN_ALLOWED is missing: WEB_SIGN_IN is {kind}, so it must say"
            f" who may sign in{fallback}. Allowed: {what}"
        )
    wrong = sorted(v for v in values if not shape.match(v))
    if wrong or (kind == "microsoft" and len(values) != 1):
        given = ", ".join(wrong or sorted(values))
        return f"Setting WEB_SIGN_IN_ALLOWED is not valid (given: {given}). Allowed: {what}"
    return ""


def is_loopback(host: str) -> bool:
    """127.0.0.1, ::1, any other loopback address, or localhost."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _description(field: str) -> str:
    return Settings.model_fields[field].description or ""


def describe_errors(exc: ValidationError) -> str:
    """One line per bad setting: its variable name, what was wrong and what is allowed."""
    lines = []
    for error in exc.errors():
        field = str(error["loc"][0]) if error["loc"] else "?"
        given = error.get("input")
        secret = field == "secret_key" or field.endswith(("_token", "_secret"))
        shown = "" if secret or isinstance(given, dict) else f" (given: {given!r})"
        message = error["msg"].removeprefix("Value error, ")
        lines.append(
            f"Setting {field.upper()} is not valid: {message}{shown}. "
            f"Allowed: {_description(field) if field in Settings.model_fields else '-'}"
        )
    return "\n".join(lines)
