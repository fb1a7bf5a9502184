"""Builds the FastAPI app around a Sendbot graph; the scheduler lives as long as the app."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from starlette.exceptions import HTTPException as StarletteHTTPException

from bot.bootstrap import Sendbot
from bot.services.errors import apology
from bot.web import (
    health,
    limits,
    local_chat,
    people,
    privacy,
    progress,
    pupils,
    register_report,
    register_upload,
    sendco,
)
from bot.web.auth import routes as sign_in
from bot.web.auth.forms import check_form
from bot.web.auth.provider import sign_in_provider
from bot.web.auth.sessions import ServerSessions
from bot.web.demo_gate import demo_open
from bot.web.deps import SignInRequired, require_sendco
from bot.web.headers import HEADERS, SecurityHeaders
from bot.web.slack_events import slack_router
from bot.web.teams_endpoint import teams_router
from bot.web.templating import templates


def create_app(sendbot: Sendbot, start_scheduler: bool = True) -> FastAPI:
    """The web app; with start_scheduler the ticker starts and stops with it."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if start_scheduler:
            sendbot.ticker.start()
        socket_mode = None
        if sendbot.slack_app is not None and sendbot.settings.slack_mode == "socket":
            token = sendbot.settings.slack_app_token
            assert token is not None  # load_settings insists on it in Socket Mode
            # Built here: the Socket Mode client needs the running event loop.
            socket_mode = AsyncSocketModeHandler(sendbot.slack_app, token.get_secret_value())
            await socket_mode.connect_async()
        try:
            yield
        finally:
            sendbot.ticker.shutdown()
            if sendbot.teams is not None:
                await sendbot.teams.close()
            if socket_mode is not None:
                await socket_mode.close_async()

    docs = sendbot.settings.api_docs  # a map of every route is for developers, not the public
    app = FastAPI(
        title="sendbot",
        lifespan=lifespan,
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
        form_limits=limits.FORM_LIMITS,
    )
    app.state.sendbot = sendbot
    app.state.sign_in = provider = sign_in_provider(sendbot.settings)
    app.state.sign_in_client = provider.client() if provider else None
    secret = sendbot.settings.secret_key
    # A demo on this computer may run without a key; its sign-ins then last until restart.
    key = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
    # Innermost first: bodies are bounded inside the session (so a refusal is a page like any
    # other), and every answer gets the security headers.
    app.add_middleware(limits.BodyLimits, upload_max_bytes=sendbot.settings.upload_max_bytes)
    app.add_middleware(ServerSessions, sendbot=sendbot, key=key.encode())
    app.add_middleware(SecurityHeaders)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    # Every page route refuses a POST without this session's form token (platform endpoints
    # below check their platform's signature instead).
    for router in (
        health.router,
        sign_in.router,
        local_chat.router,
        sendco.router,
        people.router,
        progress.router,
        pupils.router,
        register_report.router,
        privacy.router,
    ):
        app.include_router(router, dependencies=[Depends(check_form)])
    # The SENDCO is signed in before the form token is looked for in the upload's body.
    app.include_router(
        register_upload.router, dependencies=[Depends(require_sendco), Depends(check_form)]
    )

    if sendbot.slack_app is not None and sendbot.settings.slack_mode == "http":
        app.include_router(slack_router(sendbot))
    settings = sendbot.settings
    if sendbot.teams is not None and settings.teams_client_secret is not None:
        app.include_router(
            teams_router(
                sendbot.inbound,
                client_id=settings.teams_client_id or "",
                client_secret=settings.teams_client_secret.get_secret_value(),
                tenant_id=settings.teams_tenant_id or "",
                authority_host=settings.teams_authority,
                connector_scope=settings.teams_connector_scope,
                base_url=settings.base_url,
            )
        )

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        """Where to go from here."""
        return templates.TemplateResponse(request, "home.html", {"demo": demo_open(request)})

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, _exc: SignInRequired) -> Response:
        # Back to the very page asked for (a link from chat), query and all.
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = urlencode({"next": wanted}, safe="/")
        return RedirectResponse(f"/sign-in?{query}", status_code=303)

    # Starlette's own class, so that its refusals (a form it cannot parse, no such address,
    # a method the address does not take) read like ours.
    @app.exception_handler(StarletteHTTPException)
    def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail), exc.headers)

    @app.exception_handler(RequestValidationError)
    def not_valid(request: Request, exc: RequestValidationError) -> Response:
        # A path with an id no row can have ("/pupils/abc", one past the ids' range) names
        # no page: "not found", never a failed query. Other bad input is named, field by field.
        errors = exc.errors()
        if any(error.get("loc", ())[:1] == ("path",) for error in errors):
            return _error(request, 404, NOT_FOUND)
        fields = "; ".join(
            f"{error['loc'][-1]}: {error['msg']}" for error in errors if error.get("loc")
        )
        return _error(
            request,
            422,
            f"Something sent with the page could not be used ({fields}). Nothing changed.",
        )

    @app.exception_handler(Exception)
    def unexpected(request: Request, _exc: Exception) -> Response:
        # Starlette answers this one outside every middleware, so the headers are added here.
        answer = _error(request, 500, apology(f"serving {request.url.path}"))
        answer.headers.update(HEADERS | {"cache-control": "no-store"})
        return answer

    return app


NOT_FOUND = "There is no page at this address. It may have moved, or the link may be mistyped."
# Starlette's own one-word reasons, said for school staff.
PLAIN_WORDS = {
    "Not Found": NOT_FOUND,
    "Method Not Allowed": (
        "This address is not opened that way: a button on one of sendbot's pages sends it. "
        "Go back to the page you came from and use the button there."
    ),
}
TITLES = {
    400: "That did not work",
    403: "Not for you",
    404: "Page not found",
    405: "Not opened that way",
    413: "Too large",
    422: "That could not be used",
    500: "Something went wrong",
}
# The platforms post here and read JSON; a person never opens these in a browser.
PLATFORM_PATHS = ("/slack/events", "/api/messages")


def _error(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    message = PLAIN_WORDS.get(message, message)
    if request.url.path in PLATFORM_PATHS or _wants_json(request):
        return JSONResponse({"detail": message}, status_code=status, headers=headers)
    return templates.TemplateResponse(
        request,
        "error.html",
        {
            "status": status,
            "title": TITLES.get(status, "That did not work"),
            "message": message,
            "error_page": True,
        },
        status_code=status,
        headers=headers,
    )


def _wants_json(request: Request) -> bool:
    """A client that asks for JSON before HTML (a script), not a browser that takes anything."""
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept
