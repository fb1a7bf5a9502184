"""Who a member of staff is to sendbot: their roles, their job role and the days they work."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    """What a person may do in sendbot. Everyone is staff; the others add rights."""

    STAFF = "staff"
    LINE_MANAGER = "line_manager"
    SENDCO = "sendco"
    ADMIN = "admin"


class JobRole(StrEnum):
    """The kind of job a person does; briefings and questions can be aimed at one kind."""

    TEACHER = "teacher"
    TEACHING_ASSISTANT = "teaching_assistant"
    SUPPORT_STAFF = "support_staff"
    SENIOR_LEADER = "senior_leader"


WEEKDAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def roles_from_text(stored: str) -> frozenset[Role]:
    """Roles from their stored form ("staff sendco"); every person is at least staff."""
    return frozenset(Role(word) for word in stored.split()) | {Role.STAFF}


def roles_to_text(roles: frozenset[Role] | set[Role]) -> str:
    """The stored form of a set of roles, in a fixed order so equal sets store equally."""
    return " ".join(role.value for role in Role if role in roles or role is Role.STAFF)


def working_days_from_text(stored: str) -> frozenset[int]:
    """ISO weekday numbers (1 = Monday) from their stored form ("135")."""
    return frozenset(int(ch) for ch in stored)


def working_days_to_text(days: frozenset[int] | set[int]) -> str:
    """The stored form of a set of ISO weekday numbers."""
    return "".join(str(day) for day in sorted(days))


def describe_working_days(days: frozenset[int]) -> str:
    """Working days as a person would write them: "Mon, Wed, Thu"."""
    return ", ".join(WEEKDAY_NAMES[day - 1] for day in sorted(days))
