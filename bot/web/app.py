"""Builds the FastAPI app around a Sendbot graph; the scheduler lives as long as the app."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler

from bot.bootstrap import Sendbot
from bot.services.errors import apology
from bot.web import (
    health,
    local_chat,
    people,
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
from bot.web.deps import SignInRequired
from bot.web.headers import SecurityHeaders
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

    app = FastAPI(title="sendbot", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.sendbot = sendbot
    app.state.sign_in = provider = sign_in_provider(sendbot.settings)
    app.state.sign_in_client = provider.client() if provider else None
    secret = sendbot.settings.secret_key
    # A demo on this computer may run without a key; its sign-ins then last until restart.
    key = secret.get_secret_value() if secret else secrets.token_urlsafe(32)
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
        register_upload.router,
    ):
        app.include_router(router, dependencies=[Depends(check_form)])

    if sendbot.slack_app is not None and sendbot.settings.slack_mode == "http":
        app.include_router(slack_router(sendbot.slack_app))
    settings = sendbot.settings
    if sendbot.teams is not None and settings.teams_client_secret is not None:
        app.include_router(
            teams_router(
                sendbot.inbound,
                client_id=settings.teams_client_id or "",
                client_secret=settings.teams_client_secret.get_secret_value(),
                tenant_id=settings.teams_tenant_id or "",
                authority_host=settings.teams_authority,
                base_url=settings.base_url,
            )
        )

    @app.get("/", response_class=HTMLResponse)
    def home(request: Request) -> Response:
        """Where to go from here."""
        return templates.TemplateResponse(
            request, "home.html", {"demo": sendbot.settings.demo_sign_in_allowed}
        )

    @app.exception_handler(SignInRequired)
    async def to_sign_in(request: Request, _exc: SignInRequired) -> Response:
        # Back to the very page asked for (a link from chat), query and all.
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        query = urlencode({"next": wanted}, safe="/")
        return RedirectResponse(f"/sign-in?{query}", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return _error(request, exc.status_code, str(exc.detail))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, _exc: Exception) -> Response:
        return _error(request, 500, apology(f"serving {request.url.path}"))

    return app


def _error(request: Request, status: int, message: str) -> Response:
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"detail": message}, status_code=status)
    return templates.TemplateResponse(
        request, "error.html", {"status": status, "message": message}, status_code=status
    )
