"""Progress pages: a person's own, a line manager's team (and its CSV), and the SENDCO's bank."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlencode

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session

from bot.bootstrap import Sendbot
from bot.domain.quiz import Area
from bot.domain.targets import METRIC_LABELS, NOTHING_YET, Metric
from bot.services.digests import gets_digest, set_weekly_digest
from bot.services.errors import UserError
from bot.services.targets import (
    NOT_IN_TEAM,
    check_wanted,
    delete_target,
    may_set_targets_for,
    set_target,
)
from bot.services.team_report import (
    ANSWERED,
    BEHIND,
    CORRECT,
    NAME,
    TeamReport,
    may_see_team,
    my_progress,
    team_csv,
    team_report,
)
from bot.storage.staff import Staff
from bot.web import progress_charts
from bot.web.deps import MAX_ROW_ID, CurrentUser, RowId, SendbotDep
from bot.web.templating import templates

router = APIRouter()

FOR_LINE_MANAGERS = "This page is for line managers, the SENDCO and admins."


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, sendbot: SendbotDep, user: CurrentUser, period: str = "") -> Response:
    """The signed-in person's own progress: their weeks, what they remember well and what is
    coming back, answered and correct, by area, and their targets."""
    now = sendbot.clock.now()
    view = sendbot.db.read(lambda s: my_progress(s, user, period or None, now))
    return templates.TemplateResponse(
        request,
        "progress_me.html",
        {
            "user": user,
            "view": view,
            "notice": request.session.pop("notice", ""),
            # Those a digest is for; and anyone who turned it off, so they can turn it on.
            "digest": not user.weekly_digest or sendbot.db.read(lambda s: gets_digest(s, user)),
            "weeks": progress_charts.completion(view.weeks, "You"),
            "remembered": progress_charts.my_recall(view.recall),
            "target_bullet": progress_charts.target_bullet,
            **_labels(),
        },
    )


@router.post("/me/digest")
def change_digest(
    request: Request, sendbot: SendbotDep, user: CurrentUser, digest: str = Form(...)
) -> Response:
    """Turn the signed-in person's weekly digest on or off."""
    if digest not in ("on", "off"):
        raise HTTPException(422, "digest: choose on or off.")
    notice = sendbot.db.work(lambda s: set_weekly_digest(s, user, digest == "on"))
    request.session["notice"] = notice
    return RedirectResponse("/me#digest", status_code=303)


@router.get("/team", response_class=HTMLResponse)
def team(
    request: Request,
    sendbot: SendbotDep,
    user: CurrentUser,
    period: str = "",
    department: str = "",
    sort: str = BEHIND,
) -> Response:
    """A line manager's team (the school for the SENDCO) against each target for a period: a
    table, people behind first, the weeks' completion, and recall by area of need."""
    report = _team(sendbot, user, period, department, sort, pictures=True)
    notice = request.session.pop("notice", "")
    names = [(r.person.id, r.person.name) for r in report.people]
    return templates.TemplateResponse(
        request,
        "progress_team.html",
        {
            "user": user,
            "report": report,
            "notice": notice,
            "query": _query(report),
            "weeks": progress_charts.completion(report.weeks),
            "recall": progress_charts.recall_by_area(names, report.recall, report.areas),
            "target_bullet": progress_charts.target_bullet,
            "sorts": SORT_LABELS,
            **_labels(),
        },
    )


@router.get("/team.csv")
def team_download(
    sendbot: SendbotDep, user: CurrentUser, period: str = "", department: str = ""
) -> Response:
    """The team page as CSV for the appraisal meeting (UTF-8 with a BOM so Excel reads it). A
    period that cannot be read is refused: a file for another period would mislead."""
    report = _team(sendbot, user, period, department, NAME)
    if report.notes:
        raise HTTPException(400, report.notes[0])
    name = re.sub(r"[^a-z0-9]+", "-", report.period.label.lower()).strip("-")
    return Response(
        "\ufeff" + team_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="team-progress-{name}.csv"'},
    )


@router.post("/team/targets")
def add_target(
    request: Request,
    sendbot: SendbotDep,
    user: CurrentUser,
    staff_id: int = Form(...),
    metric: str = Form(...),
    threshold: str = Form(...),
    period: str = Form(...),
    area: str = Form(""),
    topic: str = Form(""),
) -> Response:
    """Set a target for a member of the signer's team; the service checks they may."""
    _require_team_viewer(user)
    now = sendbot.clock.now()

    def work(session: Session) -> str:
        person = session.get(Staff, staff_id) if 0 < staff_id <= MAX_ROW_ID else None
        # Before the form's other fields, so that nothing answers differently for a person
        # outside the team and for nobody at all.
        if person is None or not may_set_targets_for(user, person):
            raise UserError(NOT_IN_TEAM)
        wanted = check_wanted(session, user.school_id, metric, threshold, period, area, topic)
        target, new = set_target(session, user, person, wanted, now)
        return f"{'Set' if new else 'Updated'} a target for {person.name}."

    request.session["notice"] = _try(sendbot, work)
    return RedirectResponse(f"/team?{urlencode({'period': period})}", status_code=303)


@router.post("/team/targets/{target_id}/delete")
def remove_target(
    request: Request,
    sendbot: SendbotDep,
    user: CurrentUser,
    target_id: RowId,
    period: str = Form(""),
) -> Response:
    """Delete a target of a member of the signer's team."""
    _require_team_viewer(user)
    request.session["notice"] = _try(sendbot, lambda s: delete_target(s, user, target_id))
    return RedirectResponse(f"/team?{urlencode({'period': period})}", status_code=303)


def _require_team_viewer(user: Staff) -> None:
    if not may_see_team(user):
        raise HTTPException(403, FOR_LINE_MANAGERS)


def _team(
    sendbot: Sendbot,
    user: Staff,
    period: str,
    department: str,
    sort: str = BEHIND,
    pictures: bool = False,
) -> TeamReport:
    _require_team_viewer(user)
    now = sendbot.clock.now()
    return sendbot.db.read(
        lambda s: team_report(s, user, period or None, department or None, now, sort, pictures)
    )


def _try(sendbot: Sendbot, work: Callable[[Session], str]) -> str:
    """Run a change in one transaction; a problem the person can fix becomes the notice."""
    try:
        return sendbot.db.work(work)
    except UserError as exc:
        return str(exc)


def _query(report: TeamReport) -> str:
    """The team page's filters, for the CSV link and the column headings' order links."""
    return urlencode({"period": report.period.label, "department": report.department or ""})


SORT_LABELS = {
    BEHIND: "People behind first",
    NAME: "Name",
    ANSWERED: "Answered",
    CORRECT: "Correct",
}


def _labels() -> dict[str, object]:
    return {
        "metric_labels": {m.value: METRIC_LABELS[m] for m in Metric},
        "nothing_yet": {m.value: text for m, text in NOTHING_YET.items()},
        "areas": [(a.value, a.value.replace("_", " ")) for a in Area],
    }
