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
from bot.services.errors import HideDatabaseValues, UserError, apology

T = TypeVar("T")
C = TypeVar("C")

SchoolName = Annotated[
    str | None,
    typer.Option("--school", help="The school's name; needed only when there are several."),
]


def configure_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(HideDatabaseValues())  # a pupil's data never reaches the log
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
    incident id and the person gets a short apology with the same id. Either way the exit status
    is 1 and nothing is stored.
    """
    return check_then_apply(lambda: None, lambda session, app, _: work(session, app), doing)


def check_then_apply(
    check: Callable[[], C], apply: Callable[[Session, Sendbot, C], T], doing: str
) -> T:
    """Like in_one_transaction, for a file: `check` reads and checks it before any transaction
    opens (a big file never holds the database's write lock while it is parsed), and only
    `apply` runs in the transaction."""
    sendbot = open_app()
    try:
        checked = check()
        return sendbot.db.work(lambda session: apply(session, sendbot, checked))
    except UserError as exc:
        print(exc, file=sys.stderr)
        raise typer.Exit(1) from None
    except typer.Exit:
        raise
    except Exception:  # noqa: BLE001 - staff get an apology; the log has the details
        print(apology(doing), file=sys.stderr)
        raise typer.Exit(1) from None
    finally:
        sendbot.db.dispose()
