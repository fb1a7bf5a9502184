"""The SENDCO's people page: who is matched to a chat account, and who is not and why."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.services.linking_report import people_report
from bot.services.platform_status import current_problems
from bot.web.deps import SendbotDep, SendcoUser
from bot.web.templating import templates

router = APIRouter(prefix="/sendco")


@router.get("/people", response_class=HTMLResponse)
def people(request: Request, sendbot: SendbotDep, user: SendcoUser) -> Response:
    """Staff who could not be matched to a chat account, each with the reason; and a chat
    platform that refuses sendbot itself, with what to do about it."""
    platform = sendbot.platform
    report, problems = sendbot.db.read(
        lambda s: (people_report(s, user.school_id, platform), current_problems(s))
    )
    return templates.TemplateResponse(
        request,
        "sendco_people.html",
        {
            "report": report,
            "user": user,
            "matching": sendbot.directory is not None,
            "problems": problems,
        },
    )
