"""Who a briefing is for: the audience's choices on the forms, the people it names, and the
staff it takes in. Every way of saving a briefing refuses one that names someone unknown."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from bot.domain.audience import (
    AUDIENCE_WORDS,
    Member,
    is_in_audience,
    person_of,
    person_selector,
)
from bot.domain.briefing import BriefingDraft
from bot.domain.people import roles_from_text
from bot.services.errors import UserError
from bot.storage.briefing import Briefing
from bot.storage.staff import Staff


class UnknownPeople(UserError):
    """A briefing is for a person (by email) who is not on the school's staff now."""


def refuse_unknown_people(
    session: Session, school_id: int, drafts: Sequence[BriefingDraft]
) -> None:
    """Refuse (UnknownPeople) briefings whose audience names, by `person: EMAIL`, nobody on the
    school's active staff. Every way of saving a briefing (a file, a chat form: both through
    `save_briefings`; the web pages) checks here before anything it stored is committed."""
    wanted = [(d.title, [e for e in map(person_of, d.audience) if e is not None]) for d in drafts]
    emails = {email for _, named in wanted for email in named}
    if not emails:
        return
    known = set(
        session.exec(
            select(func.lower(Staff.email)).where(
                Staff.school_id == school_id,
                Staff.active == True,  # noqa: E712
                func.lower(Staff.email).in_(sorted(emails)),
            )
        ).all()
    )
    missing = [
        (title, unknown) for title, named in wanted if (unknown := sorted(set(named) - known))
    ]
    if not missing:
        return
    if len(missing) == 1 and len(missing[0][1]) == 1:
        [(title, [email])] = missing
        what = f"the email address {email}, named in the audience of '{title}'"
    else:
        what = "these email addresses, named in the audiences of these briefings: " + "; ".join(
            f"'{title}' ({', '.join(unknown)})" for title, unknown in missing
        )
    raise UnknownPeople(
        f"No one on this school's staff has {what}. Check the spelling against the staff list, "
        "add the person to the staff list first (sendbot import-staff), or take them out of "
        "the audience. Nothing was stored."
    )


def audience_choices(session: Session, school_id: int, chosen: tuple[str, ...] = ()) -> list[str]:
    """What the audience may be: everyone, each job role, each department of the school's
    staff, and whatever was chosen already (a department nobody is in any more). Named people
    are not among them: `named_people` offers those."""
    departments = session.exec(
        select(Staff.department)
        .where(Staff.school_id == school_id, Staff.active == True)  # noqa: E712
        .distinct()
    ).all()
    named = sorted({d for d in departments if d.strip()}, key=str.casefold)
    offered = [*AUDIENCE_WORDS, *(f"department: {d}" for d in named)]
    return offered + [c for c in chosen if c not in offered and person_of(c) is None]


@dataclass(frozen=True)
class NamedPerson:
    """A member of staff a briefing may name: `person: EMAIL` with who they are in words."""

    selector: str
    name: str
    about: str  # their job role in words; with their email too when another has their name


def named_people(session: Session, school_id: int) -> list[NamedPerson]:
    """The school's active staff, by name, as audience choices of their own."""
    staff = session.exec(
        select(Staff).where(Staff.school_id == school_id, Staff.active == True)  # noqa: E712
    ).all()
    names = Counter(person.name.casefold() for person in staff)
    people = []
    for person in sorted(staff, key=lambda p: (p.name.casefold(), p.email.lower())):
        about = person.job_role.replace("_", " ")
        if names[person.name.casefold()] > 1:
            about += f", {person.email.lower()}"
        people.append(NamedPerson(person_selector(person.email), person.name, about))
    return people


def audience_in_words(selectors: Sequence[str], names: Mapping[str, str]) -> list[str]:
    """Each selector as a SENDCO reads it: a named person by their name (from `names`, keyed
    by selector), or their email if they are not on the staff now; the rest as written."""
    return [names.get(s, person_of(s) or s) for s in selectors]


def audience_of(session: Session, briefing: Briefing) -> list[Staff]:
    """The active staff of the briefing's school that its audience takes in."""
    staff = session.exec(
        select(Staff).where(Staff.school_id == briefing.school_id, Staff.active == True)  # noqa: E712
    ).all()
    return [
        person
        for person in staff
        if is_in_audience(
            briefing.audience,
            Member(person.job_role, person.department, roles_from_text(person.roles), person.email),
        )
    ]
