"""The chat summaries in words: lines that each chat platform marks up in its own way."""

from __future__ import annotations

from dataclasses import dataclass

from bot.services.summaries import PersonSummary, TeamSummary

# Enough to act on at a glance; the progress page holds the rest.
TARGETS_SHOWN = 10


@dataclass(frozen=True)
class Line:
    """One line of a summary for chat: `bold` (shown in bold, if any) then `text`; an `item`
    is one of a list. Each platform turns these into its own markup."""

    text: str = ""
    bold: str = ""
    item: bool = False


def describe_person(person: PersonSummary) -> list[Line]:
    """A person's own figures and what is waiting for them, in a few lines."""
    lines = [Line(bold=person.period)]
    if person.asked:
        lines.append(
            Line(
                f"Questions answered: {person.answered} of {person.asked}, "
                f"{person.correct} of them correct."
            )
        )
    else:
        lines.append(Line("No questions have been sent to you yet this term."))
    waiting = []
    if person.questions_waiting:
        waiting.append(_count(person.questions_waiting, "question") + " to answer")
    if person.briefings_waiting:
        titles = ", ".join(f"“{t}”" for t in person.briefings_waiting[:3])
        more = len(person.briefings_waiting) - 3
        titles += f" and {more} more" if more > 0 else ""
        waiting.append(_count(len(person.briefings_waiting), "briefing") + f" to read ({titles})")
    if waiting:
        lines.append(Line(" " + "; ".join(waiting) + ".", bold="Waiting for you:"))
    else:
        lines.append(Line("Nothing is waiting for you. Thank you!"))
    if person.due:
        lines.append(
            Line(f"{_count(person.due, 'question')} due for review come first in your next quiz.")
        )
    if person.targets:
        lines.append(Line(bold="Your targets"))
        for target in person.targets[:TARGETS_SHOWN]:
            lines.append(Line(f"{target.description}: {target.so_far}, {target.status}", item=True))
        if len(person.targets) > TARGETS_SHOWN:
            more = len(person.targets) - TARGETS_SHOWN
            lines.append(Line(f"…and {more} more on your progress page."))
    else:
        lines.append(Line("No targets yet; your line manager agrees them with you."))
    return lines


def describe_team(team: TeamSummary) -> tuple[str, list[Line]]:
    """A team's heading and figures in totals, with at most a few names: the furthest behind."""
    heading = "The school" if team.whole_school else "Your team"
    lines = [Line(f": {_count(team.people, 'person', 'people')}", bold=team.period)]
    if team.asked:
        answered = f"Questions answered: {team.answered} of {team.asked}"
        answered += f" ({_percent(team.answered, team.asked)})"
        if team.answered:
            answered += f"; correct: {team.correct} ({_percent(team.correct, team.answered)})"
        lines.append(Line(answered + "."))
    lines.append(
        Line(
            f"{team.all_answered} answered everything they were asked; "
            f"{team.behind_total} have questions waiting; "
            f"{team.nothing_asked} not asked anything yet."
        )
    )
    if team.target_statuses:
        order = ("on track", "at risk", "met", "missed", "not started")
        counts = [f"{team.target_statuses[s]} {s}" for s in order if s in team.target_statuses]
        lines.append(Line("Targets: " + ", ".join(counts) + "."))
    if team.behind:
        lines.append(Line(bold="Furthest behind"))
        for person in team.behind:
            lines.append(
                Line(
                    f"{person.name}: answered {person.answered} of {person.asked}, "
                    f"{person.correct} correct",
                    item=True,
                )
            )
        hidden = team.behind_total - len(team.behind)
        if hidden > 0:
            lines.append(Line(f"…and {hidden} more on the team page."))
    return heading, lines


def _count(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else many or one + 's'}"


def _percent(part: int, whole: int) -> str:
    # Rounded down, as the web pages do, so 89.9% never shows as 90%.
    return f"{part * 100 // whole}%" if whole else "-"
