"""Who a member of staff is to sendbot: their roles, their job role and the days they work."""

from __future__ import annotations

import re
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


def runs_the_school(stored: str) -> bool:
    """The SENDCO or an admin: in sendbot they see and act for the whole school."""
    return bool(roles_from_text(stored) & {Role.SENDCO, Role.ADMIN})


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


class PersonValueError(ValueError):
    """A job role, role or working-days cell that cannot be read; the text says what is allowed."""


def _words(text: str) -> str:
    """Lower case, with dots dropped and dashes, underscores and runs of spaces made one space."""
    return " ".join(re.sub(r"[._\-]", " ", text.lower().replace(".", "")).split())


_JOB_ROLE_WORDS: dict[str, JobRole] = {
    **dict.fromkeys(("teacher", "class teacher", "subject teacher"), JobRole.TEACHER),
    **dict.fromkeys(
        (
            "ta",
            "teaching assistant",
            "lsa",
            "learning support assistant",
            "hlta",
            "higher level teaching assistant",
        ),
        JobRole.TEACHING_ASSISTANT,
    ),
    **dict.fromkeys(
        (
            "support staff",
            "support",
            "admin",
            "administrator",
            "office",
            "lunchtime supervisor",
            "midday supervisor",
        ),
        JobRole.SUPPORT_STAFF,
    ),
    **dict.fromkeys(
        (
            "senior leader",
            "slt",
            "senior leadership team",
            "headteacher",
            "head teacher",
            "deputy head",
            "deputy headteacher",
            "deputy head teacher",
            "assistant head",
            "assistant headteacher",
            "executive headteacher",
        ),
        JobRole.SENIOR_LEADER,
    ),
}

JOB_ROLES_ALLOWED = (
    "Teacher; Teaching assistant (or TA, LSA, HLTA); Support staff (or Admin, Lunchtime "
    "supervisor); Senior leader (or SLT, Headteacher, Deputy head, Assistant head)"
)


def parse_job_role(text: str) -> JobRole:
    """The job role a person wrote ("TA", "Deputy head"); raises PersonValueError if unknown."""
    words = _words(text)
    if not words:
        raise PersonValueError(f"The job role is empty. Allowed: {JOB_ROLES_ALLOWED}.")
    # The stored names ("teaching_assistant") read back as words too.
    role = _JOB_ROLE_WORDS.get(words) or next((r for r in JobRole if _words(r) == words), None)
    if role is None:
        raise PersonValueError(
            f'"{text.strip()}" is not a job role we know. Allowed: {JOB_ROLES_ALLOWED}.'
        )
    return role


_ROLE_WORDS: dict[str, Role] = {
    "staff": Role.STAFF,
    "line_manager": Role.LINE_MANAGER,
    "linemanager": Role.LINE_MANAGER,
    "sendco": Role.SENDCO,
    "senco": Role.SENDCO,
    "admin": Role.ADMIN,
}

_STAFF_CODE = re.compile(r"[A-Z0-9][A-Z0-9._-]{0,19}")


def parse_staff_code(text: str) -> str:
    """The MIS's short code for a person ("tha " gives "THA"); "" when blank. Raises
    PersonValueError for anything else, so a name typed in the column is caught."""
    code = text.strip().upper()
    if code and not _STAFF_CODE.fullmatch(code):
        raise PersonValueError(
            "A staff code is the short code the MIS gives a member of staff (like THA): up to "
            "20 letters and digits."
        )
    return code


ROLES_ALLOWED = "staff, line manager, SENDCO (or SENCO), admin"


def parse_roles(text: str) -> frozenset[Role]:
    """Roles written freely ("SENDCO; line manager"); everyone is staff. Raises if unknown."""
    # "line manager" is two words; join them before splitting on commas, semicolons and spaces.
    joined = re.sub(r"line[\s_\-]*manager", "line_manager", text.lower())
    roles = {Role.STAFF}
    unknown = []
    for word in re.split(r"[,;\s]+", joined):
        if not word:
            continue
        role = _ROLE_WORDS.get(word)
        if role is None:
            unknown.append(word)
        else:
            roles.add(role)
    if unknown:
        listed = ", ".join(f'"{word}"' for word in unknown)
        raise PersonValueError(f"{listed} is not a role we know. Allowed: {ROLES_ALLOWED}.")
    return frozenset(roles)


_DAY_WORDS: dict[str, int] = {
    **dict.fromkeys(("monday", "mon", "mo", "m"), 1),
    **dict.fromkeys(("tuesday", "tue", "tues", "tu"), 2),
    **dict.fromkeys(("wednesday", "wed", "weds", "we", "w"), 3),
    **dict.fromkeys(("thursday", "thu", "thur", "thurs", "th"), 4),
    **dict.fromkeys(("friday", "fri", "fr", "f"), 5),
    **dict.fromkeys(("saturday", "sat"), 6),
    **dict.fromkeys(("sunday", "sun"), 7),
    **{str(n): n for n in range(1, 6)},
}
_FULL_WEEK_WORDS = ("full time", "full-time", "fulltime", "weekdays", "every weekday", "all week")

WORKING_DAYS_EXAMPLES = (
    'Write the days like "Mon, Wed, Fri", "Mon-Thu", "M T W" or "1,2,3", or "full time"; '
    "leave it empty for Monday to Friday."
)


def parse_working_days(text: str) -> frozenset[int]:
    """ISO weekday numbers from a person's words ("Mon-Wed", "M T W", "1,2,3"); empty: Mon-Fri."""
    cleaned = text.lower().replace("\u2013", "-").replace("\u2014", "-").replace(".", " ")
    cleaned = re.sub(r"\s+to\s+", "-", cleaned)
    cleaned = re.sub(r"[,;/&+]|\band\b", " ", cleaned)
    cleaned = " ".join(re.sub(r"\s*-\s*", "-", cleaned).split())
    if not cleaned or cleaned in _FULL_WEEK_WORDS:
        return frozenset(range(1, 6))
    tokens = cleaned.split()
    days: list[int] = []
    for index, token in enumerate(tokens):
        if "-" in token:
            days.extend(_day_range(token, text))
        elif token == "t":
            days.append(_lone_t(days, tokens[index + 1 : index + 2], text))
        else:
            days.append(_one_day(token, text))
    return frozenset(days)


def _one_day(word: str, text: str) -> int:
    day = _DAY_WORDS.get(word)
    if day is not None:
        return day
    written = text.strip()
    if word in ("6", "7"):
        raise PersonValueError(
            f'"{written}": only the numbers 1 to 5 (Monday to Friday) are read as days, so that '
            "a weekend day is never added by mistake; write Sat or Sun."
        )
    if word == "s":
        raise PersonValueError(f'"{written}": S could be Saturday or Sunday; write Sat or Sun.')
    if word in ("sa", "su"):
        raise PersonValueError(
            f'"{written}": write a weekend day as Sat or Sun, so that one is never added by '
            "mistake."
        )
    if word.isdigit():
        raise PersonValueError(
            f'"{written}" is not a list of working days we can read: separate the numbers, '
            'like "1,3,5".'
        )
    # Name the word only when the cell holds more than it, so a one-word cell is not repeated.
    which = f' "{word}" is not a day.' if word != written.lower() else ""
    raise PersonValueError(
        f'"{written}" is not a list of working days we can read.{which} {WORKING_DAYS_EXAMPLES}'
    )


def _lone_t(before: list[int], after: list[str], text: str) -> int:
    """A lone T: Tuesday after Monday or before Wed/Thu/T, Thursday after Tuesday or Wednesday."""
    previous = before[-1] if before else None
    following = _DAY_WORDS.get(after[0]) if after and after[0] != "t" else None
    if previous == 1 or (previous is None and (following in (3, 4) or after == ["t"])):
        return 2
    if previous in (2, 3):
        return 4
    raise PersonValueError(
        f'"{text.strip()}": a lone T could be Tuesday or Thursday; write Tue or Thu.'
    )


def _day_range(token: str, text: str) -> range:
    first_word, _, last_word = token.partition("-")
    if not first_word or not last_word or "-" in last_word:
        raise PersonValueError(
            f'"{text.strip()}": a range needs a first and a last day, like "Mon-Wed".'
        )
    if "t" in (first_word, last_word):
        raise PersonValueError(
            f'"{text.strip()}": a lone T could be Tuesday or Thursday; write Tue or Thu.'
        )
    first, last = _one_day(first_word, text), _one_day(last_word, text)
    if first > last:
        raise PersonValueError(
            f'"{text.strip()}": a range must run forwards through the week, like "Mon-Wed". '
            'For days either side of the weekend, list them: "Mon, Fri".'
        )
    return range(first, last + 1)
