"""Register and teaching-groups files as uploaded: read and checked, then applied in one go.

The command line and the SENDCO's upload form both come through here, so a file is read and
every problem reported the same way. Reading and checking happen before any transaction opens
(`check_*`), so a large or broken file never holds the database's write lock; only applying the
checked rows (`apply_*`) runs inside one. Problems name a line and a column, never a pupil's data.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from bot.content.register.export import MAX_BYTES, RegisterMapping, read_mapping, read_register
from bot.content.staff_codes import read_staff_codes
from bot.content.tabular import Problem
from bot.content.teaching_file import TeachingRow, read_teaching
from bot.domain.register import PupilRecord, Scope
from bot.services.errors import UserError
from bot.services.register.importer import (
    RegisterProblems,
    RegisterResult,
    check_rows,
    import_register,
)
from bot.services.teaching_import import TeachingProblems, TeachingResult, import_teaching
from bot.storage.school import School
from bot.storage.staff import Staff

__all__ = [
    "MAX_BYTES",
    "CheckedRegister",
    "CheckedTeaching",
    "apply_register_file",
    "apply_teaching_file",
    "check_register_file",
    "check_teaching_file",
    "import_register_file",
    "import_teaching_file",
    "too_large",
]


def too_large(size: int, what: str = "file", limit: int = MAX_BYTES) -> UserError:
    """The error for a file refused by its size alone, before it is read."""
    return UserError(
        f"The {what} is {size / 1_000_000:.1f} MB; sendbot reads files of up to"
        f" {limit / 1_000_000:.0f} MB, and a register of 2,000 pupils is well under 1 MB."
        " Check that this is the right export. Nothing was imported."
    )


@dataclass(frozen=True)
class CheckedRegister:
    """A register export that was read and passed every check, ready to apply."""

    rows: tuple[PupilRecord, ...]
    sha256: str
    by_upn: bool = False  # no MIS id column: pupils are told apart by their UPN
    merged: int = 0  # pupils listed once per need, whose lines became one


def check_register_file(data: bytes, mapping_data: bytes | None) -> CheckedRegister:
    """Read a register export (with the school's mapping file, if any) and check every line;
    RegisterProblems lists what is wrong. Needs no database."""
    mapping = _mapping(mapping_data)
    register = read_register(data, mapping=mapping)
    if register.problems:
        raise RegisterProblems(_lines(register.problems))
    check_rows(register.rows)
    return CheckedRegister(
        register.rows, hashlib.sha256(data).hexdigest(), register.by_upn, register.merged
    )


def apply_register_file(
    session: Session,
    school: School,
    checked: CheckedRegister,
    *,
    file_name: str,
    by: Staff | None,
    now: datetime,
    confirm_partial: bool = False,
    platform: str = "local",
    send_now: bool = False,
    scope: Scope | None = None,
) -> RegisterResult:
    """Import a checked register export in the caller's transaction; `scope` as
    import_register takes it (None: worked out from the file)."""
    result = import_register(
        session,
        school,
        checked.rows,
        file_name=file_name,
        file_bytes_sha256=checked.sha256,
        by=by,
        now=now,
        confirm_partial=confirm_partial,
        send_now=send_now,
        platform=platform,
        scope=scope,
    )
    return replace(result, by_upn=checked.by_upn, merged=checked.merged)


@dataclass(frozen=True)
class CheckedTeaching:
    """A teaching-groups export that was read and passed every check, ready to apply."""

    rows: tuple[TeachingRow, ...]
    headings: Mapping[str, str]  # column -> heading as the file writes it
    codes: Mapping[str, str] | None = None  # staff code -> email, from the MIS staff list


def check_teaching_file(data: bytes, staff_codes_data: bytes | None = None) -> CheckedTeaching:
    """Read a teaching-groups export (and the MIS staff list, when given for its staff codes)
    and check every line; TeachingProblems lists what is wrong. Needs no database (who the
    staff are is checked when it is applied)."""
    codes = None
    if staff_codes_data is not None:
        if len(staff_codes_data) > MAX_BYTES:
            raise too_large(len(staff_codes_data), "staff list")
        staff_list = read_staff_codes(staff_codes_data)
        if staff_list.problems:
            raise TeachingProblems([f"In the staff list: {p}" for p in staff_list.problems])
        codes = staff_list.codes
    teaching = read_teaching(data)
    if teaching.problems:
        raise TeachingProblems(_lines(teaching.problems))
    return CheckedTeaching(tuple(teaching.rows), teaching.headings, codes)


def apply_teaching_file(
    session: Session,
    school: School,
    checked: CheckedTeaching,
    *,
    by: Staff | None,
    now: datetime,
) -> TeachingResult:
    """Replace the school's teaching links with the checked rows, in the caller's transaction."""
    return import_teaching(
        session, school, checked.rows, by, now, headings=checked.headings, codes=checked.codes
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
    scope: Scope | None = None,
) -> RegisterResult:
    """Check and apply in one call, for a caller already inside a transaction (a test's setup);
    the upload form and the CLI check first, with no transaction open."""
    return apply_register_file(
        session,
        school,
        check_register_file(data, mapping_data),
        file_name=file_name,
        by=by,
        now=now,
        confirm_partial=confirm_partial,
        platform=platform,
        send_now=send_now,
        scope=scope,
    )


def import_teaching_file(
    session: Session, school: School, data: bytes, *, by: Staff | None, now: datetime
) -> TeachingResult:
    """Check and apply in one call, for a caller already inside a transaction (a test's setup)."""
    return apply_teaching_file(session, school, check_teaching_file(data), by=by, now=now)


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
