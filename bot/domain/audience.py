"""Who a briefing is for, written the way a SENDCO would write it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.domain.people import JobRole, Role

_JOB_ROLE_WORDS = {
    "teachers": JobRole.TEACHER,
    "teaching assistants": JobRole.TEACHING_ASSISTANT,
    "support staff": JobRole.SUPPORT_STAFF,
    "senior leaders": JobRole.SENIOR_LEADER,
}
_ROLE_WORDS = {"line managers": Role.LINE_MANAGER}
# One named person, by their school email (unique in a school): "person: j.smith@school.org".
PERSON = "person: "
# An address as far as the audience can tell; whether anyone has it is the services' to say.
_EMAIL = re.compile(r"[^@\s,;<>\"]+@[^@\s,;<>\"]+\.[^@\s,;<>\"]+")
# Every word an audience may be, in the order a SENDCO would pick them (departments aside).
AUDIENCE_WORDS = ("all", *_JOB_ROLE_WORDS, *_ROLE_WORDS)
ALLOWED = (
    "all, "
    + ", ".join([*_JOB_ROLE_WORDS, *_ROLE_WORDS])
    + ", department: NAME (e.g. department: Science)"
    + ", or person: EMAIL (e.g. person: j.smith@school.org)"
)


class AudienceError(ValueError):
    """An audience word sendbot does not know; the text says what is allowed."""


@dataclass(frozen=True)
class Member:
    """What an audience rule looks at in a person."""

    job_role: str
    department: str
    roles: frozenset[Role]
    email: str


def person_selector(email: str) -> str:
    """The selector for one person: "person: " and their email in lower case."""
    return PERSON + email.strip().lower()


def person_of(selector: str) -> str | None:
    """The email a tidy selector names, or None if it is not a person selector."""
    return selector.removeprefix(PERSON) if selector.startswith(PERSON) else None


def check_audience(selectors: list[str]) -> list[str]:
    """The selectors in their tidy form; raises AudienceError naming the first unknown one."""
    if not selectors:
        raise AudienceError(f"the audience is empty. Allowed: {ALLOWED}")
    tidy = []
    for raw in selectors:
        text = " ".join(str(raw).split()).lower()
        if text == "all" or text in _JOB_ROLE_WORDS or text in _ROLE_WORDS:
            tidy.append(text)
        elif text.startswith("department:") and text.removeprefix("department:").strip():
            tidy.append("department: " + " ".join(str(raw).split(":", 1)[1].split()))
        elif text.startswith("person:"):
            email = text.removeprefix("person:").strip()
            if not _EMAIL.fullmatch(email):
                raise AudienceError(
                    f"'{raw}' does not give an email address: write person: and the person's "
                    "school email, e.g. person: j.smith@school.org"
                )
            tidy.append(person_selector(email))
        else:
            raise AudienceError(f"'{raw}' is not an audience sendbot knows. Allowed: {ALLOWED}")
    return tidy


def is_in_audience(selectors: list[str], member: Member) -> bool:
    """True when any selector takes in this person."""
    for selector in selectors:
        if selector == "all":
            return True
        if _JOB_ROLE_WORDS.get(selector) == member.job_role:
            return True
        if selector in _ROLE_WORDS and _ROLE_WORDS[selector] in member.roles:
            return True
        if selector.startswith("department: "):
            wanted = selector.removeprefix("department: ").casefold()
            if member.department.casefold() == wanted:
                return True
        email = person_of(selector)
        if email is not None and email.lower() == member.email.strip().lower():
            return True
    return False
