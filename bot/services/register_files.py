"""Register and teaching-groups files as uploaded: read, checked, then applied in one go.

The command line and the SENDCO's upload form both come through here, so a file is read and
every problem reported the same way. Problems name a line and a column, never a pupil's data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime

from sqlmodel import Session

from bot.content.register_file import MAX_BYTES, RegisterMapping, read_mapping, read_register
from bot.content.tabular import Problem
from bot.content.teaching_file import read_teaching
from bot.services.errors import UserError
from bot.services.register_import import RegisterProblems, RegisterResult, import_register
from bot.services.teaching_links import TeachingProblems, TeachingResult, import_teaching
from bot.storage.school import School
from bot.storage.staff import Staff

__all__ = ["MAX_BYTES", "import_register_file", "import_teaching_file", "too_large"]


def too_large(size: int, what: str = "file") -> UserError:
    """The error for a file refused by its size alone, before it is read."""
    return UserError(
        f"The {what} is {size / 1_000_000:.1f} MB; sendbot reads files of up to"
        f" {MAX_BYTES / 1_000_000:.0f} MB, and a register of 2,000 pupils is well under 1 MB."
        " Check that this is the right export. Nothing was imported."
    )


def import_register_file(
    session: Session,
    school: School,
    data: bytes,
    *,
    file_name: str,
    mapping_data: bytes | None,
    by: Staff | None,
    now: datetime,
    confirm_partial: bool = False,
    platform: str = "local",
    send_now: bool = False,
) -> RegisterResult:
    """Read a register export (with the school's mapping file, if any) and import it."""
    mapping = _mapping(mapping_data)
    register = read_register(data, mapping=mapping)
    if register.problems:
        raise RegisterProblems(_lines(register.problems))
    return import_register(
        session,
        school,
        register.rows,
        file_name=file_name,
        file_bytes_sha256=hashlib.sha256(data).hexdigest(),
        by=by,
        now=now,
        confirm_partial=confirm_partial,
        send_now=send_now,
        platform=platform,
    )


def import_teaching_file(
    session: Session, school: School, data: bytes, *, by: Staff | None, now: datetime
) -> TeachingResult:
    """Read a teaching-groups export and replace the school's teaching links with it."""
    teaching = read_teaching(data)
    if teaching.problems:
        raise TeachingProblems(_lines(teaching.problems))
    return import_teaching(session, school, teaching.rows, by, now)


def _mapping(data: bytes | None) -> RegisterMapping | None:
    if data is None:
        return None
    if len(data) > MAX_BYTES:
        raise too_large(len(data), "mapping file")
    mapping = read_mapping(data)
    if isinstance(mapping, RegisterMapping):
        return mapping
    raise RegisterProblems([f"In the mapping file: {p}" for p in mapping])


def _lines(problems: Iterable[Problem]) -> list[str]:
    return [str(p) for p in problems]
