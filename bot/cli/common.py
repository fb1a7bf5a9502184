"""What every command needs: settings, logging and the built application."""

from __future__ import annotations

import logging

from bot.bootstrap import Sendbot, build, prepare_database
from bot.config import load_settings


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every run of every job at INFO; our own jobs log what they did.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLevelName(level)))


def open_app() -> Sendbot:
    """Settings from the environment, logging, the graph, and an up-to-date schema."""
    settings = load_settings()
    configure_logging(settings.log_level)
    app = build(settings)
    prepare_database(app)
    return app
