"""The site's one navigation: each person sees only the pages their roles open.

A new page adds a row to LINKS; base.html draws whatever `navigation(request)` returns.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from sqlalchemy.exc import SQLAlchemyError
from starlette.requests import Request

from bot.domain.people import Role, roles_from_text
from bot.storage.staff import Staff
from bot.web.auth.sessions import STATE
from bot.web.demo_gate import demo_open

log = logging.getLogger(__name__)

EVERYONE = frozenset(Role)
TEAM_VIEWERS = frozenset({Role.LINE_MANAGER, Role.SENDCO, Role.ADMIN})
SCHOOL_LEADS = frozenset({Role.SENDCO, Role.ADMIN})


@dataclass(frozen=True)
class NavLink:
    """A page in the navigation, and the roles that open it (None: anyone, signed in or not)."""

    label: str
    href: str
    roles: frozenset[Role] | None
    about: str  # a line on the start page
    section: bool = True  # the pages below it are its own (not so for the SENDCO's overview)


LINKS: tuple[NavLink, ...] = (
    NavLink(
        "Local chat", "/local", None, "direct messages on the built-in chat, and their buttons"
    ),
    NavLink(
        "My progress", "/me", EVERYONE, "your answers, briefings and performance-management targets"
    ),
    NavLink("Team", "/team", TEAM_VIEWERS, "your team against its performance-management targets"),
    NavLink(
        "Overview",
        "/sendco",
        SCHOOL_LEADS,
        "the school at a glance, and what it is forgetting",
        section=False,
    ),
    NavLink("Briefings", "/sendco/briefings", SCHOOL_LEADS, "who has read each briefing"),
    NavLink("Questions", "/sendco/questions", SCHOOL_LEADS, "the question bank and its answers"),
    NavLink(
        "SEN register", "/sendco/register", SCHOOL_LEADS, "changes on it, and who has read them"
    ),
    NavLink("People", "/sendco/people", SCHOOL_LEADS, "who sendbot can reach in chat, and why not"),
)


@dataclass(frozen=True)
class Shown:
    label: str
    href: str
    about: str
    current: bool


@dataclass(frozen=True)
class Navigation:
    """What the header shows this request: its links, who is signed in, the demo's switch."""

    links: tuple[Shown, ...]
    person: Staff | None
    switch_person: str | None  # the demo's persona picker, coming back to this page
    sign_in: str  # the sign-in page, coming back to this page
    on_sign_in: bool


def links_for(roles: frozenset[Role], path: str) -> tuple[Shown, ...]:
    """The links these roles open (none: nobody signed in), the one for `path` marked current."""
    return tuple(
        Shown(link.label, link.href, link.about, is_current(link.href, path, link.section))
        for link in LINKS
        if link.roles is None or roles & link.roles
    )


def is_current(href: str, path: str, section: bool = True) -> bool:
    # A page below a link (a mailbox under /local, the import under the register) is its section.
    return path == href or (section and path.startswith(href + "/"))


def navigation(request: Request, come_back: bool = True) -> Navigation:
    """The header for this request; without `come_back` (an error page) signing in or
    switching person goes to the start page, not back to an address that failed."""
    person = signed_in(request)
    roles = roles_from_text(person.roles) if person is not None else frozenset()
    path = request.url.path
    back = urlencode({"next": path + (f"?{request.url.query}" if request.url.query else "")})
    if not come_back:
        back = urlencode({"next": "/"})
    demo = demo_open(request)
    return Navigation(
        links=links_for(roles, path),
        person=person,
        switch_person=f"/sign-in?{back}" if demo and person is not None else None,
        sign_in="/sign-in" if path == "/sign-in" or not come_back else f"/sign-in?{back}",
        on_sign_in=path == "/sign-in",
    )


def signed_in(request: Request) -> Staff | None:
    """The person this request's session belongs to, if any and still on the staff list."""
    state = request.scope.get(STATE)
    staff_id = state.staff_id if state is not None else None
    if staff_id is None:
        return None
    sendbot = request.app.state.sendbot
    try:
        person = sendbot.db.read(lambda s: s.get(Staff, staff_id))
    except SQLAlchemyError:
        # The error page must still show when the database is what failed.
        log.warning("the navigation could not look up who is signed in")
        return None
    return person if person is not None and person.active else None
