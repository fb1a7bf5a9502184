"""The signed-in pupil page, an alert's list of pupils, and "I've read the profile" on the web."""

from __future__ import annotations

import re

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.services.pupil_pages import Refused, read_if_open, view_alert, view_pupil
from bot.storage.school import School
from bot.web.deps import CurrentUser, RowId, SendbotDep
from bot.web.templating import templates

router = APIRouter()

# Where the read button may send the person back to: one of these pages, nowhere else.
_BACK = re.compile(r"^/(pupils|alerts)/\d+$")


@router.get("/pupils/{pupil_id}", response_class=HTMLResponse)
def pupil(request: Request, sendbot: SendbotDep, user: CurrentUser, pupil_id: RowId) -> Response:
    """One pupil's register details and profile link, for staff linked to them today and the
    SENDCO (audited). Anyone else gets the same polite refusal whether or not the pupil exists."""
    now = sendbot.clock.now()
    view = sendbot.db.work(lambda s: view_pupil(s, user, pupil_id, now))
    if view is None:
        raise HTTPException(404, "There is no such pupil.")
    if isinstance(view, Refused):
        raise HTTPException(403, view.reason)
    notice = request.session.pop("notice", "")
    timezone = _timezone(sendbot, user.school_id)
    return templates.TemplateResponse(
        request,
        "pupil.html",
        {"user": user, "view": view, "notice": notice, "timezone": timezone},
    )


@router.post("/pupils/{pupil_id}/read")
def read(
    request: Request,
    sendbot: SendbotDep,
    user: CurrentUser,
    pupil_id: RowId,
    back: str = Form(""),
) -> Response:
    """Record that the signed-in person has read this pupil's profile (their own alerts, for a
    pupil whose page is open to them); the notice is the same for any other pupil id."""
    now = sendbot.clock.now()
    marked = sendbot.db.work(lambda s: read_if_open(s, user, pupil_id, now))
    request.session["notice"] = (
        "Thanks: recorded that you have read the profile."
        if marked
        else "There was nothing waiting for you to read here; nothing changed."
    )
    target = back if _BACK.match(back) else f"/pupils/{pupil_id}"
    return RedirectResponse(target, status_code=303)


@router.get("/alerts/{alert_id}", response_class=HTMLResponse)
def alert(request: Request, sendbot: SendbotDep, user: CurrentUser, alert_id: RowId) -> Response:
    """The pupils of one register alert, each with a read button (its recipient, the SENDCO);
    pupils the recipient no longer teaches are listed without their names."""
    now = sendbot.clock.now()
    view = sendbot.db.work(lambda s: view_alert(s, user, alert_id, now))
    if view is None:
        raise HTTPException(404, "There is no such alert.")
    if isinstance(view, Refused):
        raise HTTPException(403, view.reason)
    notice = request.session.pop("notice", "")
    return templates.TemplateResponse(
        request,
        "alert_pupils.html",
        {
            "user": user,
            "view": view,
            "notice": notice,
            "mine": view.recipient_id == user.id,
            "timezone": _timezone(sendbot, user.school_id),
        },
    )


def _timezone(sendbot: SendbotDep, school_id: int) -> str:
    school = sendbot.db.work(lambda s: s.get(School, school_id))
    return school.timezone if school else "Europe/London"
