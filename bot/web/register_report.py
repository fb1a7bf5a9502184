"""The SENDCO's register page: per import and change, who was alerted and who has read it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from bot.services.register.report import audited_report, register_csv
from bot.storage.school import School
from bot.web.deps import SendbotDep, SendcoUser
from bot.web.templating import templates

router = APIRouter(prefix="/sendco")


@router.get("/register", response_class=HTMLResponse)
def register(request: Request, sendbot: SendbotDep, user: SendcoUser, unread: str = "") -> Response:
    """Every register change with the people alerted and whether they read it in time; each
    view is audited with the pupils it shows."""
    now = sendbot.clock.now()
    report = sendbot.db.work(
        lambda s: audited_report(s, user, now, bool(unread), "register_report_viewed")
    )
    timezone = sendbot.db.work(lambda s: _timezone(s, user.school_id))
    return templates.TemplateResponse(
        request,
        "sendco_register.html",
        {"user": user, "report": report, "timezone": timezone},
    )


@router.get("/register.csv")
def register_download(sendbot: SendbotDep, user: SendcoUser, unread: str = "") -> Response:
    """The register page as CSV (UTF-8 with a BOM so Excel reads it); the export is audited
    with the pupils it holds."""
    now = sendbot.clock.now()

    def work(session):  # type: ignore[no-untyped-def]
        report = audited_report(session, user, now, bool(unread), "register_report_exported")
        return register_csv(report, _timezone(session, user.school_id))

    return Response(
        "\ufeff" + sendbot.db.work(work),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="register-alerts.csv"'},
    )


def _timezone(session, school_id: int) -> str:  # type: ignore[no-untyped-def]
    school = session.get(School, school_id)
    return school.timezone if school else "Europe/London"
