"""`sendbot run`: the one process that serves the web app, the chat adapters and the scheduler."""

from __future__ import annotations

import logging

import typer
import uvicorn

from bot.bootstrap import build, prepare_database
from bot.cli.common import configure_logging
from bot.config import load_settings
from bot.web.app import create_app

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    """Add the run command."""

    @app.command("run")
    def run_command(
        host: str = typer.Option(None, help="Listen on this address instead of HOST."),
        port: int = typer.Option(None, help="Listen on this port instead of PORT."),
    ) -> None:
        """Start sendbot: web pages, chat and the scheduler, until Ctrl-C."""
        overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
        settings = load_settings(serving=True, **overrides)
        configure_logging(settings.log_level)
        sendbot = build(settings)
        prepare_database(sendbot)
        if settings.demo_mode:
            from bot.cli.demo import load_demo_if_empty

            load_demo_if_empty(sendbot)
        log.info("sendbot is listening on %s (chat: %s)", settings.base_url, sendbot.platform)
        if sendbot.platform == "local":
            log.info("See staff messages at %s/local", settings.base_url)
        server = uvicorn.Server(
            uvicorn.Config(
                create_app(sendbot),
                host=settings.host,
                port=settings.port,
                log_level=settings.log_level.lower(),
                access_log=False,
                # uvicorn's loggers go through ours (configure_logging), filters and all.
                log_config=None,
            )
        )
        try:
            server.run()
        except KeyboardInterrupt:
            # uvicorn shuts down cleanly on Ctrl-C, then raises it again for the caller: done.
            pass
        finally:
            sendbot.db.dispose()
        log.info("sendbot stopped")
