"""The SENDCO's register report: per import and per change, who was alerted and who has read it."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.services import audit
from bot.services.profile_reads import on_time, overdue
from bot.services.pupil_pages import change_words, full_name
from bot.services.register.messages import year_label
from bot.services.school_calendar import calendar_for
from bot.storage.register import ProfileAlert, ProfileRead, Pupil, RegisterChange, RegisterImport
from bot.storage.school import School
from bot.storage.staff import Staff

# How one person stands on one change.
READ_ON_TIME, READ_LATE, WAITING, OVERDUE, NOT_SENT = (
    "read on time",
    "read late",
    "not read yet",
    "not read, overdue",
    "not sent yet",
)


@dataclass(frozen=True)
class Reader:
    """One person alerted about one change, and whether (and when) they read it."""

    name: str
    email: str
    status: str
    sent_at: datetime | None
    read_at: datetime | None
    read_via: str

    @property
    def read(self) -> bool:
        return self.read_at is not None


@dataclass
class ChangeLine:
    """One pupil's change and the people alerted about it."""

    pupil_id: int
    pupil: str
    year: str
    reg_group: str
    words: str
    readers: list[Reader] = field(default_factory=list)


@dataclass
class ImportBlock:
    """One import with its changes and totals."""

    at: datetime
    file_name: str
    baseline: bool
    changes: list[ChangeLine] = field(default_factory=list)
    alerted: int = 0
    read: int = 0
    on_time: int = 0


@dataclass
class RegisterReport:
    """Every import, newest first; with `unread_only`, only who has not read yet."""

    imports: list[ImportBlock]
    within_days: int
    unread_only: bool

    @property
    def pupil_ids(self) -> list[int]:
        """Every pupil the report shows, by id, once each."""
        return sorted({line.pupil_id for block in self.imports for line in block.changes})

    @property
    def filters(self) -> str:
        """The filters it was made with, as the audit log records them."""
        return f"unread={int(self.unread_only)}"


def audited_report(
    session: Session, viewer: Staff, now: datetime, unread_only: bool, action: str
) -> RegisterReport:
    """The viewer's school's report, with an audit of the look (`action`: viewed or exported)
    naming the filters and every pupil it shows."""
    report = register_report(session, viewer.school_id, now, unread_only)
    audit.record_pupils(session, viewer, action, now, report.pupil_ids, filters=report.filters)
    return report


def register_report(
    session: Session, school_id: int, now: datetime, unread_only: bool = False
) -> RegisterReport:
    """The report for one school; erased pupils show as removed, never by name."""
    school = session.get(School, school_id)
    assert school is not None
    calendar = calendar_for(session, school, now)
    within = school.register_read_within_days
    imports = session.exec(
        select(RegisterImport)
        .where(RegisterImport.school_id == school_id)
        .order_by(col(RegisterImport.at).desc(), col(RegisterImport.id).desc())
    ).all()
    changes = session.exec(
        select(RegisterChange, Pupil)
        .join(Pupil, col(Pupil.id) == RegisterChange.pupil_id)
        .where(RegisterChange.school_id == school_id)
        .order_by(col(RegisterChange.id))
    ).all()
    reads = session.exec(
        select(ProfileRead, ProfileAlert.sent_at, Staff.name, Staff.email)
        .join(ProfileAlert, col(ProfileAlert.id) == ProfileRead.alert_id)
        .join(Staff, col(Staff.id) == ProfileRead.staff_id)
        .where(ProfileAlert.school_id == school_id)
        .order_by(col(Staff.name))
    ).all()
    readers: dict[int, list[Reader]] = defaultdict(list)
    for read, sent_at, name, email in reads:
        if read.read_at is not None:
            good = sent_at is None or on_time(calendar, sent_at, read.read_at, within)
            status = READ_ON_TIME if good else READ_LATE
        elif sent_at is None:
            status = NOT_SENT
        else:
            status = OVERDUE if overdue(calendar, sent_at, now, within) else WAITING
        readers[read.change_id].append(
            Reader(name, email, status, sent_at, read.read_at, read.read_via)
        )
    by_import: dict[int, list[ChangeLine]] = defaultdict(list)
    for change, pupil in changes:
        who = readers.get(change.id, [])  # type: ignore[arg-type]
        if unread_only:
            who = [r for r in who if not r.read]
            if not who:
                continue
        erased = pupil.erased_at is not None
        by_import[change.import_id].append(
            ChangeLine(
                pupil_id=pupil.id,  # type: ignore[arg-type]
                pupil="(details removed)" if erased else full_name(pupil),
                year="" if erased else year_label(pupil.year_group),
                reg_group="" if erased else pupil.reg_group,
                words=change_words(change),
                readers=who,
            )
        )
    blocks = []
    for row in imports:
        lines = by_import.get(row.id, [])  # type: ignore[arg-type]
        if unread_only and not lines:
            continue
        block = ImportBlock(row.at, row.file_name, row.baseline, lines)
        everyone = [r for line in lines for r in line.readers]
        block.alerted = len(everyone)
        block.read = sum(r.read for r in everyone)
        block.on_time = sum(r.status == READ_ON_TIME for r in everyone)
        blocks.append(block)
    return RegisterReport(blocks, within, unread_only)


CSV_HEADINGS = (
    "Imported",
    "Pupil",
    "Year",
    "Registration group",
    "Change",
    "Staff",
    "Email",
    "Alert sent",
    "Read",
    "Read via",
    "Status",
)


def register_csv(report: RegisterReport, timezone: str) -> str:
    """The report as CSV: a row per person per change (UTF-8; the caller adds the BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADINGS)
    for block in report.imports:
        for line in block.changes:
            for reader in line.readers or [None]:
                writer.writerow(
                    [
                        _when(block.at, timezone),
                        _cell(line.pupil),
                        line.year,
                        _cell(line.reg_group),
                        line.words,
                        _cell(reader.name) if reader else "",
                        _cell(reader.email) if reader else "",
                        _when(reader.sent_at, timezone) if reader else "",
                        _when(reader.read_at, timezone) if reader else "",
                        reader.read_via if reader else "",
                        reader.status if reader else "nobody alerted",
                    ]
                )
    return out.getvalue()


def _when(moment: datetime | None, timezone: str) -> str:
    return f"{moment.astimezone(ZoneInfo(timezone)):%Y-%m-%d %H:%M}" if moment else ""


def _cell(text: str) -> str:
    """Text Excel would run as a formula (=, +, -, @) is kept as text."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
