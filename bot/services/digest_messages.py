"""The weekly digest as a platform-neutral message, from the figures planned for it.

A line manager's part names only their own team; the SENDCO's part is the school's figures
and never names anyone. Neither carries anything about a pupil.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.services.chat_port import Button, Link, Message

KIND = "digest"
TURN_OFF = "digest.off"
# Enough to act on in chat; the pages hold the rest.
NAMES_SHOWN = 15
TARGETS_SHOWN = 10
BRIEFINGS_SHOWN = 3
FOOTER = (
    "Your weekly digest comes at your first sending moment of each school week. Turn it off "
    "with the button, with the digest off command, or on your progress page."
)
TURNED_OFF = (
    "You turned the weekly digest off. Turn it on again with the digest on command or on "
    "your progress page."
)


@dataclass(frozen=True)
class WeekShare:
    """Questions sent to the team in one school week, and how many were answered."""

    monday: date
    answered: int
    asked: int


@dataclass(frozen=True)
class TeamPart:
    """A line manager's own team: names appear here and nowhere else in a digest."""

    people: int
    since: date  # "not answered since": the last digest, or the start of last week
    last_week: WeekShare | None = None
    week_before: WeekShare | None = None
    silent: list[str] = field(default_factory=list)  # names, sent questions, no answer since
    at_risk: list[str] = field(default_factory=list)  # "Name: the target in words, so far"


@dataclass(frozen=True)
class BriefingUnread:
    title: str
    unread: int
    reached: int


@dataclass(frozen=True)
class SchoolPart:
    """The SENDCO's figures for the school: counts only, no names, no pupils."""

    staff: int
    read_within: int  # school days to read a pupil's profile on time
    profiles_overdue: int = 0
    briefings: list[BriefingUnread] = field(default_factory=list)  # newest first
    forgetting: list[tuple[str, int]] = field(default_factory=list)  # topic, % remembered


@dataclass(frozen=True)
class Digest:
    """One person's digest for the school week starting `week_of`."""

    week_of: date
    team: TeamPart | None = None
    school: SchoolPart | None = None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form, as stored on the digest's row."""

        def week(w: WeekShare | None) -> dict[str, Any] | None:
            return None if w is None else {**w.__dict__, "monday": w.monday.isoformat()}

        team = self.team
        school = self.school
        return {
            "week_of": self.week_of.isoformat(),
            "team": None
            if team is None
            else {
                **team.__dict__,
                "since": team.since.isoformat(),
                "last_week": week(team.last_week),
                "week_before": week(team.week_before),
            },
            "school": None
            if school is None
            else {
                **school.__dict__,
                "briefings": [b.__dict__ for b in school.briefings],
                "forgetting": [list(pair) for pair in school.forgetting],
            },
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Digest:
        def week(w: dict[str, Any] | None) -> WeekShare | None:
            return (
                None if w is None else WeekShare(**{**w, "monday": date.fromisoformat(w["monday"])})
            )

        team, school = data.get("team"), data.get("school")
        return cls(
            week_of=date.fromisoformat(data["week_of"]),
            team=None
            if team is None
            else TeamPart(
                **{
                    **team,
                    "since": date.fromisoformat(team["since"]),
                    "last_week": week(team["last_week"]),
                    "week_before": week(team["week_before"]),
                }
            ),
            school=None
            if school is None
            else SchoolPart(
                **{
                    **school,
                    "briefings": [BriefingUnread(**b) for b in school["briefings"]],
                    "forgetting": [(t, p) for t, p in school["forgetting"]],
                }
            ),
        )


def digest_message(digest_id: int, digest: Digest, turned_off: bool = False) -> Message:
    """The digest as it goes out, with its button to turn the digest off; once pressed, the
    same figures with a line saying it is off and no button."""
    lines: list[str] = []
    if digest.team is not None:
        lines += team_lines(digest.team)
    if digest.school is not None:
        lines += school_lines(digest.school)
    if turned_off:
        lines.append(TURNED_OFF)
    # One link: the team page for a line manager, the overview for the SENDCO alone.
    link = (
        Link("/team", "Open the team page")
        if digest.team is not None
        else Link("/sendco", "Open the SENDCO overview")
    )
    buttons = () if turned_off else (Button(TURN_OFF, str(digest_id), "Turn off this digest"),)
    return Message(
        kind=KIND,
        title=f"Your weekly digest: week of {_day(digest.week_of)}",
        lines=tuple(lines),
        link=link,
        buttons=buttons,
        footer="" if turned_off else FOOTER,
    )


def team_lines(team: TeamPart) -> list[str]:
    """Last week against the week before, who has not answered, and targets at risk."""
    lines = [f"Your team ({_count(team.people, 'person', 'people')})"]
    last, before = team.last_week, team.week_before
    if last is None:
        lines.append("There is no school week before this one to report on yet.")
    elif not last.asked:
        lines.append(f"Last week (w/c {_day(last.monday)}) no questions were sent to your team.")
    else:
        text = (
            f"Questions answered last week (w/c {_day(last.monday)}): "
            f"{last.answered} of {last.asked} ({_percent(last.answered, last.asked)})"
        )
        if before is not None and before.asked:
            change = _change(last, before)
            text += (
                f", {change} the week before (w/c {_day(before.monday)}: "
                f"{_percent(before.answered, before.asked)})."
            )
        else:
            text += "; nothing to compare it with the week before."
        lines.append(text)
    since = _weekday(team.since)
    if team.silent:
        shown = ", ".join(team.silent[:NAMES_SHOWN])
        more = len(team.silent) - NAMES_SHOWN
        shown += f" and {more} more" if more > 0 else ""
        lines.append(f"Sent questions but not answered any since {since}: {shown}.")
    else:
        lines.append(f"Everyone sent a question since {since} has answered since.")
    if team.at_risk:
        lines.append("Targets at risk:")
        lines += [f"• {line}" for line in team.at_risk[:TARGETS_SHOWN]]
        more = len(team.at_risk) - TARGETS_SHOWN
        if more > 0:
            lines.append(f"…and {more} more on the team page.")
    else:
        lines.append("No targets at risk.")
    return lines


def school_lines(school: SchoolPart) -> list[str]:
    """Briefings unread, register alerts past their days, and what the school is forgetting."""
    lines = [f"The school ({_count(school.staff, 'member', 'members')} of staff)"]
    if school.briefings:
        lines.append("Briefings not read by everyone this term:")
        for b in school.briefings[:BRIEFINGS_SHOWN]:
            lines.append(f"• “{b.title}”: {b.unread} of {b.reached} have not pressed Got it")
        more = len(school.briefings) - BRIEFINGS_SHOWN
        if more > 0:
            lines.append(f"…and {more} more on the briefings page.")
    else:
        lines.append("Every briefing sent this term has been read.")
    days = _count(school.read_within, "school day")
    if school.profiles_overdue:
        profiles = _count(school.profiles_overdue, "pupil profile")
        lines.append(f"Register alerts: {profiles} not read after {days}.")
    else:
        lines.append(f"Register alerts: no pupil profile is waiting past {days}.")
    if school.forgetting:
        topics = ", ".join(f"{topic} ({percent}%)" for topic, percent in school.forgetting)
        lines.append(f"What the school is forgetting (likely to be recalled now): {topics}.")
    else:
        lines.append("Too few answers yet to say what the school is forgetting.")
    return lines


def _change(last: WeekShare, before: WeekShare) -> str:
    now, then = last.answered * before.asked, before.answered * last.asked
    return "up from" if now > then else "down from" if now < then else "the same as"


def _day(day: date) -> str:
    return f"{day:%-d %b}"


def _weekday(day: date) -> str:
    return f"{day:%a %-d %b}"


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _percent(part: int, whole: int) -> str:
    # Rounded down, as the pages do, so 89.9% never shows as 90%.
    return f"{part * 100 // whole}%" if whole else "-"
