"""The SENDCO's upload form for the SEN register and the teaching groups.

The routes take no file parameters, so FastAPI reads nothing before them: the sign-in and role
check (and the form token, bot.web.app) come first, and only then is the upload read, within
UPLOAD_MAX_MB (bot.web.limits)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session
from starlette.datastructures import UploadFile

from bot.bootstrap import Sendbot
from bot.domain.register import Scope
from bot.services.errors import UserError, apology
from bot.services.register.files import (
    CheckedRegister,
    CheckedTeaching,
    apply_register_file,
    apply_teaching_file,
    check_register_file,
    check_teaching_file,
    too_large,
)
from bot.storage.school import School
from bot.storage.staff import Staff
from bot.web.deps import SendbotDep, SendcoUser
from bot.web.limits import read_form
from bot.web.templating import templates
from bot.web.uploads import chosen_file, read_upload

T = TypeVar("T")
router = APIRouter(prefix="/sendco/register")
PAGE = "sendco_register_import.html"
SCOPES = tuple(scope.value for scope in Scope)


@router.get("/import", response_class=HTMLResponse)
def form(request: Request, user: SendcoUser) -> Response:
    """The forms: the register export (and mapping file), and the teaching groups."""
    return _page(request, user)


@router.post("/import", response_class=HTMLResponse)
async def upload_register(request: Request, sendbot: SendbotDep, user: SendcoUser) -> Response:
    """Import the register: every problem, or what changed and how many staff will be told."""
    form = await read_form(request)  # only now, with the SENDCO signed in
    register, mapping = chosen_file(form, "register"), chosen_file(form, "mapping")
    if register is None:
        return _page(request, user, "register", problems=["Choose the register file to import."])
    confirm_partial = form.get("confirm_partial") in ("true", "on", "1")
    chosen = form.get("scope")
    if chosen not in ("", None, *SCOPES):
        problem = "Choose what the file lists from the choices on the form."
        return _page(request, user, "register", problems=[problem], status=422)
    scope = Scope(chosen) if chosen else None
    now, platform = sendbot.clock.now(), sendbot.platform

    def apply(session: Session, checked: CheckedRegister) -> str:
        return str(
            apply_register_file(
                session,
                _school(session, user),
                checked,
                file_name=register.filename or "",
                by=user,
                now=now,
                confirm_partial=confirm_partial,
                platform=platform,
                scope=scope,
            )
        )

    return await _run(
        request, sendbot, user, "register", register, mapping, check_register_file, apply
    )


@router.post("/teaching", response_class=HTMLResponse)
async def upload_teaching(request: Request, sendbot: SendbotDep, user: SendcoUser) -> Response:
    """Replace who teaches whom from the teaching-groups export."""
    form = await read_form(request)
    teaching, staff_codes = chosen_file(form, "teaching"), chosen_file(form, "staff_codes")
    if teaching is None:
        return _page(request, user, "teaching", problems=["Choose the teaching-groups file."])
    now = sendbot.clock.now()

    def apply(session: Session, checked: CheckedTeaching) -> str:
        return str(apply_teaching_file(session, _school(session, user), checked, by=user, now=now))

    return await _run(
        request, sendbot, user, "teaching", teaching, staff_codes, check_teaching_file, apply
    )


async def _run(
    request: Request,
    sendbot: Sendbot,
    user: Staff,
    which: str,
    upload: UploadFile,
    second: UploadFile | None,
    check: Callable[[bytes, bytes | None], T],
    apply: Callable[[Session, T], str],
) -> Response:
    """Read and check the file (and the second file beside it: the register's mapping file or
    the class list's staff list) with no transaction open, then apply it in one."""
    limit = sendbot.settings.upload_max_bytes
    second_name = "mapping file" if which == "register" else "staff list"

    def read_and_check() -> T:
        data = read_upload(upload, "file", limit, too_large)
        more = read_upload(second, second_name, limit, too_large) if second is not None else None
        return check(data, more)

    try:
        checked = await asyncio.to_thread(read_and_check)
        summary = await sendbot.db.run(lambda s: apply(s, checked))
    except UserError as exc:
        heading, *lines = str(exc).splitlines()
        problems = [heading, *(line.strip() for line in lines)]
        return _page(request, user, which, problems=problems, status=422)
    except Exception:  # noqa: BLE001 - the SENDCO gets the incident id the log has
        sorry = apology(f"importing a {which} file")
        return _page(request, user, which, problems=[sorry, "Nothing was imported."], status=500)
    return _page(request, user, which, summary=summary)


def _school(session: Session, user: Staff) -> School:
    school = session.get(School, user.school_id)
    assert school is not None
    return school


def _page(
    request: Request,
    user: Staff,
    which: str = "",
    *,
    summary: str = "",
    problems: list[str] | None = None,
    status: int = 200,
) -> Response:
    return templates.TemplateResponse(
        request,
        PAGE,
        {
            "user": user,
            "which": which,
            "summary": summary,
            "problems": problems or [],
            "max_mb": f"{request.app.state.sendbot.settings.upload_max_mb:g}",
        },
        status_code=status,
    )
