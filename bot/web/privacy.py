"""The privacy notice at /privacy: what sendbot keeps about staff and pupils, why, who sees it,
how long it is kept and whom to ask, written from the school's own settings.

It opens without signing in (Teams links to it from the app's details, and staff should read it
before they use sendbot). Signed in, a person sees their own school's; a deployment with one
school shows that school's; otherwise the schools are listed to choose from.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import col, select

from bot.storage.school import School
from bot.web.deps import RowId, SendbotDep
from bot.web.navigation import signed_in
from bot.web.templating import templates

router = APIRouter()
PAGE = "privacy.html"
# What a register alert may show in chat, by the school's setting (School.register_chat_detail).
CHAT_DETAIL = {
    "count": "how many pupils you teach had a change, and a link; no names or details",
    "minimal": "each pupil's initials, year and registration group and the kind of support "
    "(SEN support or an EHC plan), and a link",
    "area": "each pupil's initials, year and registration group, the kind of support and the "
    "broad area of need, and a link",
}
PLATFORMS = {"slack": "Slack", "teams": "Microsoft Teams", "local": "sendbot's own chat page"}


@router.get("/privacy", response_class=HTMLResponse)
def notice(request: Request, sendbot: SendbotDep) -> Response:
    """The notice for the reader's school, or the schools to choose from."""
    person = signed_in(request)
    schools = sendbot.db.read(lambda s: list(s.exec(select(School).order_by(col(School.name)))))
    if person is not None:
        school = next((s for s in schools if s.id == person.school_id), None)
    elif len(schools) == 1:
        school = schools[0]
    else:
        return templates.TemplateResponse(request, PAGE, {"school": None, "schools": schools})
    return _page(request, sendbot, school)


@router.get("/privacy/{school_id}", response_class=HTMLResponse)
def school_notice(request: Request, sendbot: SendbotDep, school_id: RowId) -> Response:
    """One school's notice."""
    school = sendbot.db.read(lambda s: s.get(School, school_id))
    if school is None:
        raise HTTPException(404, "There is no such school here.")
    return _page(request, sendbot, school)


def _page(request: Request, sendbot: SendbotDep, school: School | None) -> Response:
    settings = sendbot.settings
    return templates.TemplateResponse(
        request,
        PAGE,
        {
            "school": school,
            "schools": [],
            "chat_detail": CHAT_DETAIL.get(school.register_chat_detail, "") if school else "",
            "platform": PLATFORMS.get(sendbot.platform, sendbot.platform),
            "outbox_keep_days": settings.outbox_keep_days,
        },
    )
