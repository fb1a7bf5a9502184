"""Signing in. Demo mode on this computer offers a persona picker; SSO comes with its own issue."""

from __future__ import annotations

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import select

from bot.services.audit import sign_in_as
from bot.storage.staff import Staff
from bot.web.deps import SendbotDep
from bot.web.templating import templates

router = APIRouter()


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, sendbot: SendbotDep, next: str = "/") -> Response:
    """The persona picker in demo mode; otherwise how to sign in."""
    people = []
    if sendbot.settings.demo_sign_in_allowed:
        people = sendbot.db.work(
            lambda s: s.exec(
                select(Staff).where(Staff.active == True).order_by(Staff.name)  # noqa: E712
            ).all()
        )
    return templates.TemplateResponse(
        request,
        "sign_in.html",
        {"people": people, "demo": sendbot.settings.demo_sign_in_allowed, "next": _safe(next)},
    )


@router.post("/sign-in/demo")
def demo_sign_in(
    request: Request, sendbot: SendbotDep, staff_id: int = Form(...), next: str = Form("/")
) -> Response:
    """Sign in as any person; only in demo mode on this computer."""
    if not sendbot.settings.demo_sign_in_allowed:
        raise HTTPException(404)

    now = sendbot.clock.now()
    signed_in = sendbot.db.work(lambda s: sign_in_as(s, staff_id, now, "demo persona"))
    if signed_in is None:
        raise HTTPException(400, "Choose a person from the list.")
    request.session.clear()
    request.session["staff_id"] = signed_in
    return RedirectResponse(_safe(next), status_code=303)


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/sign-in", status_code=303)


def _safe(target: str) -> str:
    """Only redirect within this site, so a crafted link cannot send a person elsewhere."""
    return target if target.startswith("/") and not target.startswith("//") else "/"
