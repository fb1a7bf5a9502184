"""The demo school: staff, term dates, briefings and questions, to show the whole loop."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlmodel import Session, select

from bot.content.briefing_files import read_briefing_folder
from bot.content.calendar_file import load_calendar_file
from bot.content.quiz.files import read_quiz_folder
from bot.content.staff_csv import read_staff_csv
from bot.services.briefings import plan_briefing, save_briefings
from bot.services.calendar_import import replace_calendar
from bot.services.errors import UserError
from bot.services.question_bank import save_questions
from bot.services.rounds import plan_round
from bot.services.schools import find_school
from bot.services.staff_import import import_staff
from bot.storage.briefing import Briefing
from bot.storage.school import School

log = logging.getLogger(__name__)

DEMO_SCHOOL = "Oak Hill Academy (demo)"


@dataclass(frozen=True)
class DemoSummary:
    """What the demo put in the database."""

    staff: int
    briefings: int
    first_briefing: str
    first_deliveries: int
    questions: int
    questions_asked: int


def load_demo(
    session: Session,
    now: datetime,
    demo_dir: Path,
    content: tuple[Path, Path],
    platform: str,
) -> DemoSummary | None:
    """Load the demo school into an empty database and send its first briefing at once.

    Does nothing (returns None) when any school exists already, so a restart never reloads it.
    """
    if session.exec(select(School.id)).first() is not None:
        return None
    staff = import_staff(
        session, read_staff_csv((demo_dir / "staff.csv").read_bytes()), school_name=DEMO_SCHOOL
    )
    school = find_school(session, DEMO_SCHOOL)
    replace_calendar(session, school, load_calendar_file(demo_dir / "calendar.yaml"))
    briefings_dir, quizzes_dir = content
    drafts, problems = read_briefing_folder(briefings_dir)
    errors = [str(p) for p in problems if p.is_error]
    if errors or not drafts:
        raise UserError("The demo briefings cannot be loaded: " + "; ".join(errors or ["none"]))
    save_briefings(session, school.id, drafts, now, source="file")  # type: ignore[arg-type]
    first = session.exec(
        select(Briefing)
        .where(Briefing.school_id == school.id)
        .order_by(Briefing.send_on, Briefing.id)  # type: ignore[arg-type]
    ).first()
    assert first is not None
    questions, problems = read_quiz_folder(quizzes_dir)
    errors = [str(p) for p in problems if p.is_error]
    if errors:
        raise UserError("The demo question bank cannot be loaded: " + "; ".join(errors))
    save_questions(session, school.id, questions, now)  # type: ignore[arg-type]
    # The newcomer should see a briefing and a quiz within seconds, whatever the day and hour.
    sent = plan_briefing(session, first, now, platform, send_now=True)
    asked = plan_round(session, school, now, platform, send_now=True)
    return DemoSummary(staff.added, len(drafts), first.title, sent, len(questions), asked)
