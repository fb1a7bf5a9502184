"""A school's own settings: sending hours, quiz days and size, spacing, focus topics, and how
register alerts behave."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

from sqlmodel import Session, select

from bot.domain.errors import UserError
from bot.domain.people import PersonValueError, parse_working_days, working_days_to_text
from bot.storage.quiz import Question
from bot.storage.school import School


@dataclass(frozen=True)
class SchoolChanges:
    """What to change; None leaves a setting as it is."""

    window: str | None = None  # "07:30-16:30"
    quiz_days: str | None = None  # "Tue Thu"
    questions_per_round: int | None = None
    desired_retention: float | None = None
    max_interval_days: int | None = None
    reminder_after_days: int | None = None
    close_after_days: int | None = None
    focus_tags: list[str] | None = None
    # Register alerts (see bot.storage.school.School).
    register_chat_detail: str | None = None  # count, minimal or area
    register_reminder_after_days: int | None = None
    register_read_within_days: int | None = None
    register_partial_share: float | None = None
    register_keep_days: int | None = None
    # Web sessions (see bot.storage.school.School).
    session_idle_hours: int | None = None
    session_max_days: int | None = None
    privacy_contact: str | None = None  # whom to ask about data, shown on /privacy


# How much of a pupil a register alert shows in chat: a count only; initials, year, form and
# provision (the default); or those and the broad area of need.
CHAT_DETAILS = ("count", "minimal", "area")
PRIVACY_CONTACT_MAX = 300


def change_settings(session: Session, school: School, changes: SchoolChanges) -> School:
    """Check every change first, then apply them all; a UserError lists every bad one."""
    problems: list[str] = []
    window = _window(changes.window, problems) if changes.window is not None else None
    days = None
    if changes.quiz_days is not None:
        try:
            days = working_days_to_text(parse_working_days(changes.quiz_days))
        except PersonValueError as exc:
            problems.append(f"quiz days: {exc}")
    _between(problems, "questions a round", changes.questions_per_round, 1, 5)
    _between(problems, "retention", changes.desired_retention, 0.7, 0.97)
    _between(problems, "longest interval (days)", changes.max_interval_days, 7, 365)
    _between(problems, "reminder after (school days)", changes.reminder_after_days, 1, 20)
    _between(problems, "close after (school days)", changes.close_after_days, 1, 30)
    reminder = changes.reminder_after_days or school.quiz_reminder_after_days
    close = changes.close_after_days or school.quiz_expire_after_days
    if reminder >= close:
        problems.append("the reminder must come before the question closes")
    _register_problems(changes, problems)
    _between(problems, "web session idle time (hours)", changes.session_idle_hours, 1, 24)
    _between(problems, "web session lifetime (days)", changes.session_max_days, 1, 30)
    contact = " ".join(changes.privacy_contact.split()) if changes.privacy_contact else None
    if contact is not None and len(contact) > PRIVACY_CONTACT_MAX:
        problems.append(
            f"the privacy contact has {len(contact)} characters; at most {PRIVACY_CONTACT_MAX}"
        )
    focus = None
    if changes.focus_tags is not None:
        focus = sorted({t.strip().lower() for t in changes.focus_tags if t.strip()})
        known = {
            tag.lower()
            for tags in session.exec(select(Question.tags).where(Question.school_id == school.id))
            for tag in tags
        }
        unknown = [t for t in focus if t not in known]
        if unknown:
            problems.append(
                f"focus topics {', '.join(unknown)} are on no question in the bank; "
                f"topics in the bank: {', '.join(sorted(known)) or 'none yet'}"
            )
    if problems:
        raise UserError("Nothing was changed. Put these right:\n  " + "\n  ".join(problems))
    if window:
        school.send_window_start, school.send_window_end = window
    _set(school, "quiz_days", days)
    _set(school, "quiz_questions_per_round", changes.questions_per_round)
    _set(school, "quiz_desired_retention", changes.desired_retention)
    _set(school, "quiz_max_interval_days", changes.max_interval_days)
    _set(school, "quiz_reminder_after_days", changes.reminder_after_days)
    _set(school, "quiz_expire_after_days", changes.close_after_days)
    _set(school, "quiz_focus_tags", focus)
    detail = changes.register_chat_detail
    _set(school, "register_chat_detail", detail.strip().lower() if detail else None)
    _set(school, "register_reminder_after_days", changes.register_reminder_after_days)
    _set(school, "register_read_within_days", changes.register_read_within_days)
    _set(school, "register_partial_share", changes.register_partial_share)
    _set(school, "register_keep_days", changes.register_keep_days)
    _set(school, "session_idle_hours", changes.session_idle_hours)
    _set(school, "session_max_days", changes.session_max_days)
    _set(school, "privacy_contact", contact)
    session.add(school)
    return school


def _register_problems(changes: SchoolChanges, problems: list[str]) -> None:
    detail = changes.register_chat_detail
    if detail is not None and detail.strip().lower() not in CHAT_DETAILS:
        problems.append(
            f"register chat detail must be one of {', '.join(CHAT_DETAILS)}, not '{detail}'"
        )
    _between(
        problems,
        "register reminder after (school days)",
        changes.register_reminder_after_days,
        1,
        20,
    )
    _between(
        problems, "profile read within (school days)", changes.register_read_within_days, 1, 30
    )
    _between(problems, "partial export share", changes.register_partial_share, 0.05, 0.9)
    _between(problems, "keep former pupils (days)", changes.register_keep_days, 0, 3650)


def _set(school: School, name: str, value: object) -> None:
    if value is not None:
        setattr(school, name, value)


def _between(problems: list[str], name: str, value: float | None, low: float, high: float) -> None:
    if value is not None and not low <= value <= high:
        problems.append(f"{name} must be from {low} to {high}, not {value}")


def _window(text: str, problems: list[str]) -> tuple[time, time] | None:
    try:
        start, end = (time.fromisoformat(part.strip()) for part in text.split("-"))
    except ValueError:
        problems.append(f"sending hours '{text}' must look like 07:30-16:30")
        return None
    if end <= start:
        problems.append("sending hours must end after they start")
        return None
    return start, end
