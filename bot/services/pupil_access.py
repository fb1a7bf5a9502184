"""Who may see a pupil's details on a signed-in page: the school's SENDCO and admins, and staff
the teaching groups link to the pupil today.

"Linked" is what register alerts go by (bot.services.teaching_links): a link naming the pupil
(teacher, support, tutor or head of year), a tutor's link to their registration group, or a
head of year's link to their year group. An alert sent before the teaching groups changed opens
nothing: what counts is the links as the latest teaching-groups import left them.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import Session, col, select

from bot.domain.people import Role, roles_from_text, runs_the_school
from bot.services.teaching_links import pupil_links
from bot.storage.register import Pupil
from bot.storage.staff import Staff

CLOSED = (
    "This pupil's page is only for staff who teach or support the pupil, as the school's "
    "teaching groups stand today, and for the SENDCO. The teaching groups do not show you "
    "teaching or supporting this pupil now, so the page is closed to you. If you do teach or "
    "support them, ask {whom} to check the teaching groups."
)


def may_view_pupil(session: Session, viewer: Staff, pupil: Pupil) -> bool:
    """The SENDCO or an admin of the pupil's school, or staff linked to the pupil today."""
    return pupil.id in visible_pupils(session, viewer, [pupil])


def visible_pupils(session: Session, viewer: Staff, pupils: Sequence[Pupil]) -> set[int]:
    """The ids of those pupils the viewer may see (may_view_pupil), in a few queries."""
    if not viewer.active:
        return set()
    if runs_the_school(viewer.roles):  # the SENDCO or an admin
        return {p.id for p in pupils if p.school_id == viewer.school_id}  # type: ignore[misc]
    return linked_pupils(session, viewer, pupils)


def linked_pupils(session: Session, viewer: Staff, pupils: Sequence[Pupil]) -> set[int]:
    """The ids of those pupils (of the viewer's school) the teaching groups link the viewer to."""
    school_id = viewer.school_id
    own, groups = pupil_links(session, school_id, [p for p in pupils if p.school_id == school_id])

    def mine(links: list[tuple[int, str]], role: str | None = None) -> bool:
        return any(sid == viewer.id and role in (None, how) for sid, how in links)

    return {
        p.id  # type: ignore[misc]
        for p in pupils
        if p.school_id == school_id
        and (
            (p.mis_id and mine(own.get(p.mis_id, [])))
            or (p.reg_group and mine(groups.get(p.reg_group, []), "tutor"))
            or (p.year_group and mine(groups.get(p.year_group, []), "head_of_year"))
        )
    }


def closed_words(session: Session, viewer: Staff) -> str:
    """Why a pupil's page is closed to the viewer and whom to ask. The same words whether or
    not the pupil exists, so that they tell nobody which pupils there are."""
    return CLOSED.format(whom=whom_to_ask(session, viewer.school_id))


def whom_to_ask(session: Session, school_id: int) -> str:
    """ "the SENDCO, Sue Sendco," (or the names of all of them), or just "the SENDCO"."""
    names = [
        person.name
        for person in session.exec(
            select(Staff)
            .where(
                Staff.school_id == school_id,
                Staff.active == True,  # noqa: E712
                col(Staff.roles).contains(Role.SENDCO.value),
            )
            .order_by(col(Staff.name))
        ).all()
        if Role.SENDCO in roles_from_text(person.roles)
    ]
    return f"the SENDCO, {' or '.join(names)}," if names else "the SENDCO"
