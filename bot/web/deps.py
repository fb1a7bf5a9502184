"""Typed dependencies that keep routes short: the app graph, the signed-in person, role checks."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Path, Request

from bot.bootstrap import Sendbot
from bot.domain.people import Role, roles_from_text
from bot.storage.staff import Staff


class SignInRequired(Exception):
    """Raised by a route that needs a signed-in person; the app turns it into a redirect."""


def get_sendbot(request: Request) -> Sendbot:
    return request.app.state.sendbot  # type: ignore[no-any-return]


SendbotDep = Annotated[Sendbot, Depends(get_sendbot)]

# The largest id a row can have: ids are 32-bit integers on PostgreSQL. A path outside this range
# names no row, and is answered "not found" (bot.web.app) before any query could fail on it.
MAX_ROW_ID = 2**31 - 1
RowId = Annotated[int, Path(ge=1, le=MAX_ROW_ID)]


def current_user(request: Request, sendbot: SendbotDep) -> Staff:
    """The signed-in member of staff; anyone else is sent to the sign-in page. A leaver's
    session opens nothing, even before it is ended."""
    state = request.scope.get("sendbot.session")
    staff_id = state.staff_id if state is not None else None
    person = sendbot.db.read(lambda s: s.get(Staff, staff_id)) if staff_id else None
    if person is None or not person.active:
        raise SignInRequired
    return person


CurrentUser = Annotated[Staff, Depends(current_user)]


def has_role(person: Staff, *roles: Role) -> bool:
    return bool(roles_from_text(person.roles) & set(roles))


def require_sendco(person: CurrentUser) -> Staff:
    """The SENDCO (or an admin) only; others get a 403 page that says why."""
    if not has_role(person, Role.SENDCO, Role.ADMIN):
        raise HTTPException(403, "This page is for the SENDCO.")
    return person


SendcoUser = Annotated[Staff, Depends(require_sendco)]
