"""Putting a checked calendar file in place of a school's term dates, and showing what is loaded."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlmodel import Session, select

from bot.content.calendar_file import CalendarFile, ClosureDates, TermDates
from bot.services.school_calendar import calendar_for
from bot.storage.school import Closure, School, Term


@dataclass(frozen=True)
class CalendarImportSummary:
    """What loading a calendar file did to one school's calendar."""

    school: str
    terms: int
    closures: int
    added: int
    changed: int
    removed: int
    warnings: tuple[str, ...] = ()

    @property
    def unchanged(self) -> bool:
        """True when the file matched what was already loaded."""
        return not (self.added or self.changed or self.removed)


@dataclass(frozen=True)
class CalendarOverview:
    """A school's loaded calendar and the school days coming up."""

    school: str
    terms: tuple[TermDates, ...]
    closures: tuple[ClosureDates, ...]
    next_school_days: tuple[date, ...]


def replace_calendar(
    session: Session, school: School, calendar_file: CalendarFile
) -> CalendarImportSummary:
    """Make the school's terms and closures exactly those in the file, inside the caller's unit of
    work (all or nothing). Rows that already match are kept as they are, so a reload is a no-op.
    """
    changed = removed = 0
    wanted_terms = {term.first: term for term in calendar_file.terms}
    for row in session.exec(select(Term).where(Term.school_id == school.id)).all():
        term = wanted_terms.pop(row.starts_on, None)
        if term is None:
            session.delete(row)
            removed += 1
        elif (row.name, row.ends_on) != (term.name, term.last):
            row.name, row.ends_on = term.name, term.last
            session.add(row)
            changed += 1
    wanted_closures = {(c.first, c.last): c for c in calendar_file.closures}
    for row in session.exec(select(Closure).where(Closure.school_id == school.id)).all():
        closure = wanted_closures.pop((row.starts_on, row.ends_on), None)
        if closure is None:
            session.delete(row)
            removed += 1
        elif row.reason != closure.reason:
            row.reason = closure.reason
            session.add(row)
            changed += 1
    # Deletions go first so that a new row never meets an old one in a unique index.
    session.flush()
    for term in wanted_terms.values():
        session.add(
            Term(school_id=school.id, name=term.name, starts_on=term.first, ends_on=term.last)
        )
    for closure in wanted_closures.values():
        session.add(
            Closure(
                school_id=school.id,
                starts_on=closure.first,
                ends_on=closure.last,
                reason=closure.reason,
            )
        )
    added = len(wanted_terms) + len(wanted_closures)
    session.flush()
    return CalendarImportSummary(
        school=school.name,
        terms=len(calendar_file.terms),
        closures=len(calendar_file.closures),
        added=added,
        changed=changed,
        removed=removed,
        warnings=calendar_file.warnings,
    )


def calendar_overview(
    session: Session, school: School, now: datetime, days: int = 10
) -> CalendarOverview:
    """The school's terms and closures, and its next `days` school days from today."""
    calendar = calendar_for(session, school, now)
    terms = session.exec(
        select(Term).where(Term.school_id == school.id).order_by(Term.starts_on)  # type: ignore[arg-type]
    ).all()
    closures = session.exec(
        select(Closure).where(Closure.school_id == school.id).order_by(Closure.starts_on)  # type: ignore[arg-type]
    ).all()
    day = now.astimezone(calendar.timezone).date()
    upcoming: list[date] = []
    # A year is far enough to find ten school days even from the start of the summer holiday.
    for _ in range(366):
        if len(upcoming) == days:
            break
        if calendar.is_school_day(day):
            upcoming.append(day)
        day += timedelta(days=1)
    return CalendarOverview(
        school=school.name,
        terms=tuple(TermDates(t.name, t.starts_on, t.ends_on) for t in terms),
        closures=tuple(ClosureDates(c.starts_on, c.ends_on, c.reason) for c in closures),
        next_school_days=tuple(upcoming),
    )
