"""The SENDCO's pages: the overview of the school, and each briefing with who has it, who has
read it and who was not reached."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.services.briefings import WRITTEN_IN, briefing_report, withdraw_as
from bot.services.errors import UserError
from bot.services.sendco_overview import sendco_overview
from bot.web import briefing_editor, progress_charts, questions
from bot.web.deps import RowId, SendbotDep, SendcoUser
from bot.web.templating import templates

router = APIRouter(prefix="/sendco")
# Writing and changing briefings: /sendco/briefings/new, /{id}/edit and /check.
router.include_router(briefing_editor.router)
# The question bank: /sendco/questions, its forms, the upload and the export.
router.include_router(questions.router)


@router.get("", response_class=HTMLResponse)
def overview(request: Request, sendbot: SendbotDep, user: SendcoUser, period: str = "") -> Response:
    """The school at a glance: completion, briefings and alerts read, and what it is forgetting."""
    now = sendbot.clock.now()
    view = sendbot.db.read(lambda s: sendco_overview(s, user, period or None, now))
    return templates.TemplateResponse(
        request,
        "sendco_overview.html",
        {
            "user": user,
            "view": view,
            "weeks": progress_charts.completion(view.weeks, "Staff"),
            "briefings": progress_charts.briefings_read(view.briefings),
            "forgotten": progress_charts.forgotten_topics(view.topics),
        },
    )


@router.get("/briefings", response_class=HTMLResponse)
def briefings(request: Request, sendbot: SendbotDep, user: SendcoUser) -> Response:
    """Every briefing of the SENDCO's school: sent, acknowledged, waiting, not reached, and who."""
    report = sendbot.db.read(lambda s: briefing_report(s, user.school_id))
    notice = request.session.pop("notice", "")
    return templates.TemplateResponse(
        request,
        "sendco_briefings.html",
        {"report": report, "user": user, "notice": notice, "written_in": WRITTEN_IN},
    )


@router.post("/briefings/{briefing_id}/withdraw")
def withdraw(
    request: Request, sendbot: SendbotDep, user: SendcoUser, briefing_id: RowId
) -> Response:
    """Stop a briefing: nobody else gets it, and presses on it are answered politely."""

    now = sendbot.clock.now()
    try:
        request.session["notice"] = sendbot.db.work(
            lambda s: withdraw_as(s, user, briefing_id, now)
        )
    except UserError as exc:
        request.session["notice"] = str(exc)
    return RedirectResponse("/sendco/briefings", status_code=303)
