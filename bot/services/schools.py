"""Finding the school a command or page is about."""

from __future__ import annotations

from sqlmodel import Session, select

from bot.services.errors import UserError
from bot.storage.school import School


def find_school(session: Session, name: str | None = None, create: bool = False) -> School:
    """The school called `name`, or the only school when no name is given.

    With create=True a named school that does not exist yet is added (first import on a new
    install). Raises UserError, naming what to do, when it cannot tell which school is meant.
    """
    if name:
        school = session.exec(select(School).where(School.name == name)).first()
        if school is not None:
            return school
        if create:
            school = School(name=name)
            session.add(school)
            session.flush()
            return school
        known = ", ".join(s.name for s in session.exec(select(School)).all()) or "none yet"
        raise UserError(f"There is no school called '{name}'. Schools: {known}.")
    schools = session.exec(select(School).order_by(School.id)).all()  # type: ignore[arg-type]
    if len(schools) == 1:
        return schools[0]
    if not schools:
        raise UserError('No school is set up yet. Give its name with --school "School name".')
    names = ", ".join(s.name for s in schools)
    raise UserError(f"There are several schools ({names}); say which with --school.")
