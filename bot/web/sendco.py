"""The SENDCO's pages: each briefing with who has it, who has read it and who was not reached."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from bot.services.briefings import briefing_report, withdraw_briefing
from bot.services.errors import UserError
from bot.storage.audit import AuditEvent
from bot.storage.briefing import Briefing
from bot.web.deps import SendbotDep, SendcoUser
from bot.web.templating import templates

router = APIRouter(prefix="/sendco")


@router.get("/briefings", response_class=HTMLResponse)
def briefings(request: Request, sendbot: SendbotDep, user: SendcoUser) -> Response:
    """Every briefing of the SENDCO's school: sent, acknowledged, waiting, not reached, and who."""
    report = sendbot.db.work(lambda s: briefing_report(s, user.school_id))
    notice = request.session.pop("notice", "")
    return templates.TemplateResponse(
        request, "sendco_briefings.html", {"report": report, "user": user, "notice": notice}
    )


@router.post("/briefings/{briefing_id}/withdraw")
def withdraw(request: Request, sendbot: SendbotDep, user: SendcoUser, briefing_id: int) -> Response:
    """Stop a briefing: nobody else gets it, and presses on it are answered politely."""

    def act(session):  # type: ignore[no-untyped-def]
        briefing = session.get(Briefing, briefing_id)
        if briefing is None or briefing.school_id != user.school_id:
            raise UserError("That briefing does not exist in your school.")
        cancelled = withdraw_briefing(session, briefing_id)
        session.add(
            AuditEvent(
                at=sendbot.clock.now(),
                school_id=user.school_id,
                actor_staff_id=user.id,
                action="briefing_withdrawn",
                subject_type="briefing",
                subject_id=str(briefing_id),
            )
        )
        return f"Withdrawn: '{briefing.title}'. {cancelled} unsent copies were cancelled."

    try:
        request.session["notice"] = sendbot.db.work(act)
    except UserError as exc:
        request.session["notice"] = str(exc)
    return RedirectResponse("/sendco/briefings", status_code=303)
