"""What every command needs: settings, logging and the built application."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Annotated, TypeVar

import typer
from sqlmodel import Session

from bot.bootstrap import Sendbot, build, prepare_database
from bot.config import load_settings
from bot.services.errors import UserError, apology

T = TypeVar("T")

SchoolName = Annotated[
    str | None,
    typer.Option("--school", help="The school's name; needed only when there are several."),
]


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every run of every job at INFO; our own jobs log what they did.
    logging.getLogger("apscheduler").setLevel(max(logging.WARNING, logging.getLevelName(level)))
    # Authlib logs a sign-in's PKCE verifier at DEBUG; sign-in secrets stay out of the log.
    logging.getLogger("authlib").setLevel(max(logging.INFO, logging.getLevelName(level)))


def open_app() -> Sendbot:
    """Settings from the environment, logging, the graph, and an up-to-date schema."""
    settings = load_settings()
    configure_logging(settings.log_level)
    app = build(settings)
    prepare_database(app)
    return app


def in_one_transaction(work: Callable[[Session, Sendbot], T], doing: str) -> T:
    """Open the app, run `work` in one transaction and close it again.

    A problem the person can put right is printed as it is; anything else is logged with an
    incident id and the person gets a short apology. Either way the exit status is 1 and
    nothing is stored.
    """
    sendbot = open_app()
    try:
        return sendbot.db.work(lambda session: work(session, sendbot))
    except UserError as exc:
        print(exc, file=sys.stderr)
        raise typer.Exit(1) from None
    except Exception:  # noqa: BLE001 - staff get an apology; the log has the details
        print(apology(doing), file=sys.stderr)
        raise typer.Exit(1) from None
    finally:
        sendbot.db.dispose()
