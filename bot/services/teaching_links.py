"""Who teaches whom: the staff to tell about a pupil, from the school's teaching links.

A pupil's staff are those who teach or support them; a pupil with neither falls back to their
tutor (a link to the pupil, or to their registration group), then to their head of year (a link
to their year group). Only active staff count.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Protocol

from sqlmodel import Session, col, select

from bot.storage.register import TeachingLink
from bot.storage.staff import Staff

ROLES = ("teacher", "support", "tutor", "head_of_year")
CLASS_ROLES = ("teacher", "support")
# Ids per IN (...) list: well inside SQLite's and PostgreSQL's parameter limits.
CHUNK = 500


class PupilPlace(Protocol):
    """What finding a pupil's staff needs: a Pupil row or a PupilRecord will do."""

    mis_id: str
    year_group: str
    reg_group: str


def staff_for_pupil(session: Session, school_id: int, pupil: PupilPlace) -> list[tuple[Staff, str]]:
    """The active staff to tell about this pupil, each with how they are linked."""
    return staff_for_pupils(session, school_id, [pupil]).get(pupil.mis_id, [])


def staff_for_pupils(
    session: Session, school_id: int, pupils: Sequence[PupilPlace]
) -> dict[str, list[tuple[Staff, str]]]:
    """`staff_for_pupil` for many pupils at once, by MIS id, in a handful of queries.

    Teachers and support staff first; a pupil with none gets their tutor (their own, else their
    form's); one with no tutor either gets their head of year. "How" is the link's role.
    """
    if not pupils:
        return {}
    by_pupil, group_links = pupil_links(session, school_id, pupils)
    staff_ids = {sid for links in (*by_pupil.values(), *group_links.values()) for sid, _ in links}
    staff = _active_staff(session, school_id, staff_ids)
    found: dict[str, list[tuple[Staff, str]]] = {}
    for pupil in pupils:
        own = by_pupil.get(pupil.mis_id, [])
        # A link naming the pupil is more particular than one naming their form or year.
        tiers = (
            [link for link in own if link[1] in CLASS_ROLES],
            [link for link in own if link[1] == "tutor"],
            [link for link in group_links.get(pupil.reg_group, []) if link[1] == "tutor"],
            [link for link in own if link[1] == "head_of_year"],
            [link for link in group_links.get(pupil.year_group, []) if link[1] == "head_of_year"],
        )
        for tier in tiers:
            chosen: dict[int, tuple[Staff, str]] = {}
            for staff_id, role in tier:
                if staff_id in staff and staff_id not in chosen:
                    chosen[staff_id] = (staff[staff_id], role)
            if chosen:
                found[pupil.mis_id] = sorted(chosen.values(), key=lambda pair: pair[0].name)
                break
    return found


def pupil_links(
    session: Session, school_id: int, pupils: Sequence[PupilPlace]
) -> tuple[dict[str, list[tuple[int, str]]], dict[str, list[tuple[int, str]]]]:
    """Every teaching link that reaches these pupils, as (staff id, role): those naming a pupil,
    by MIS id; and tutors' and heads of year's links to a whole form or year, by group name."""
    by_pupil = _links(
        session,
        school_id,
        col(TeachingLink.pupil_mis_id),
        sorted({p.mis_id for p in pupils}),
    )
    by_group = _links(
        session,
        school_id,
        col(TeachingLink.group_name),
        sorted(({p.reg_group for p in pupils} | {p.year_group for p in pupils}) - {""}),
        group_level=True,
    )
    return by_pupil, by_group


def _links(
    session: Session, school_id: int, column, keys: list[str], group_level: bool = False
) -> dict[str, list[tuple[int, str]]]:  # type: ignore[no-untyped-def]
    """(staff id, role) of the school's links whose `column` is one of `keys`, by that key."""
    found: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for start in range(0, len(keys), CHUNK):
        query = select(column, TeachingLink.staff_id, TeachingLink.role).where(
            TeachingLink.school_id == school_id, column.in_(keys[start : start + CHUNK])
        )
        if group_level:
            query = query.where(
                TeachingLink.pupil_mis_id == "",
                col(TeachingLink.role).in_(("tutor", "head_of_year")),
            )
        for key, staff_id, role in session.exec(query).all():
            found[key].append((staff_id, role))
    return found


def _active_staff(session: Session, school_id: int, ids: set[int]) -> dict[int, Staff]:
    ordered = sorted(ids)
    staff: dict[int, Staff] = {}
    for start in range(0, len(ordered), CHUNK):
        for person in session.exec(
            select(Staff).where(
                Staff.school_id == school_id,
                Staff.active == True,  # noqa: E712
                col(Staff.id).in_(ordered[start : start + CHUNK]),
            )
        ).all():
            staff[person.id] = person  # type: ignore[index]
    return staff
