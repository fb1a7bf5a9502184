"""The two kinds of error: one whose text is written for school staff, and everything else."""

from __future__ import annotations

import logging
import sys
import traceback
import uuid

from sqlalchemy.exc import StatementError

from bot.domain.errors import UserError

log = logging.getLogger(__name__)

__all__ = ["HideDatabaseValues", "UserError", "apology"]


def apology(context: str) -> str:
    """Log the current exception once with an incident id, and return a short apology to show
    with the same id, so that whoever reads the log can find what the person saw."""
    incident = uuid.uuid4().hex[:8]
    error = sys.exc_info()[1]
    if isinstance(error, StatementError):
        log.error(
            "incident %s while %s: %s\n%s",
            incident,
            context,
            database_error(error),
            "".join(traceback.format_tb(error.__traceback__)).rstrip(),
        )
    else:
        log.exception("incident %s while %s", incident, context)
    return f"Sorry, something went wrong on our side (incident {incident}). Please try again later."


def database_error(error: StatementError) -> str:
    """What the database refused, without the values it quotes back.

    The driver's own message can repeat the row it was given (PostgreSQL's "DETAIL: Failing row
    contains (...)", "Key (mis_id)=(...)"; "invalid input syntax: ..."): a pupil's UPN, names
    and needs. So only the kinds of error, the SQLSTATE and the names of what was broken are
    kept, with the statement as the code wrote it (its parameters are never in it).
    """
    cause = error.orig
    code = getattr(cause, "sqlstate", None) or getattr(cause, "sqlite_errorname", None) or ""
    parts = [f"{type(error).__name__} from {type(cause).__name__}"]
    if code:
        parts.append(f"code {code}")
    diagnosis = getattr(cause, "diag", None)
    for name in ("table_name", "column_name", "constraint_name"):
        value = getattr(diagnosis, name, None)
        if value:
            parts.append(f"{name.removesuffix('_name')} {value}")
    statement = " ".join((error.statement or "").split())
    if statement:
        parts.append(f"in {statement[:300]}")
    return "; ".join(parts)


def _database_error_in(error: BaseException | None) -> StatementError | None:
    """The database error behind this one, if any (a job may wrap one in its own)."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, StatementError):
            return error
        error, seen = error.__cause__ or error.__context__, seen + 1
    return None


class HideDatabaseValues(logging.Filter):
    """On every log handler: a record carrying a database error anywhere is logged as
    `database_error` says (no values), with the code lines of its traceback, not the driver's
    message, whichever part of sendbot or its libraries logged it."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = _database_error_in(record.exc_info[1] if record.exc_info else None)
        if error is not None:
            lines = "".join(traceback.format_tb(error.__traceback__)).rstrip()
            record.msg = f"{record.getMessage()}: {database_error(error)}\n{lines}"
            record.args, record.exc_info, record.exc_text = None, None, None
        return True
