"""The SENDCO's upload form for the SEN register and the teaching groups."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from bot.bootstrap import Sendbot
from bot.services.errors import UserError
from bot.services.register_files import (
    MAX_BYTES,
    import_register_file,
    import_teaching_file,
    too_large,
)
from bot.storage.school import School
from bot.storage.staff import Staff
from bot.web.deps import SendbotDep, SendcoUser
from bot.web.templating import templates

router = APIRouter(prefix="/sendco/register")
PAGE = "sendco_register_import.html"


@router.get("/import", response_class=HTMLResponse)
def form(request: Request, user: SendcoUser) -> Response:
    """The forms: the register export (and mapping file), and the teaching groups."""
    return _page(request, user)


@router.post("/import", response_class=HTMLResponse)
def upload_register(
    request: Request,
    sendbot: SendbotDep,
    user: SendcoUser,
    register_file: Annotated[UploadFile | None, File(alias="register")] = None,
    mapping: Annotated[UploadFile | None, File()] = None,
    confirm_partial: Annotated[bool, Form()] = False,
) -> Response:
    """Import the register: every problem, or what changed and how many staff will be told."""
    register = register_file
    if not _chosen(register):
        return _page(request, user, "register", problems=["Choose the register file to import."])
    assert register is not None
    now, platform = sendbot.clock.now(), sendbot.platform

    def work(session: Session, data: bytes, mapping_data: bytes | None) -> str:
        return str(
            import_register_file(
                session,
                _school(session, user),
                data,
                file_name=register.filename or "",
                mapping_data=mapping_data,
                by=user,
                now=now,
                confirm_partial=confirm_partial,
                platform=platform,
            )
        )

    return _run(request, sendbot, user, "register", register, mapping, work)


@router.post("/teaching", response_class=HTMLResponse)
def upload_teaching(
    request: Request,
    sendbot: SendbotDep,
    user: SendcoUser,
    teaching: Annotated[UploadFile | None, File()] = None,
) -> Response:
    """Replace who teaches whom from the teaching-groups export."""
    if not _chosen(teaching):
        return _page(request, user, "teaching", problems=["Choose the teaching-groups file."])
    now = sendbot.clock.now()

    def work(session: Session, data: bytes, _mapping: bytes | None) -> str:
        return str(import_teaching_file(session, _school(session, user), data, by=user, now=now))

    return _run(request, sendbot, user, "teaching", teaching, None, work)


def _run(
    request: Request,
    sendbot: Sendbot,
    user: Staff,
    which: str,
    upload: UploadFile | None,
    mapping: UploadFile | None,
    work: Callable[[Session, bytes, bytes | None], str],
) -> Response:
    try:
        data = _read(upload, "file")
        mapping_data = _read(mapping, "mapping file") if _chosen(mapping) else None
        summary = sendbot.db.work(lambda s: work(s, data, mapping_data))
    except UserError as exc:
        heading, *lines = str(exc).splitlines()
        problems = [heading, *(line.strip() for line in lines)]
        return _page(request, user, which, problems=problems, status=422)
    return _page(request, user, which, summary=summary)


def _chosen(upload: UploadFile | None) -> bool:
    return upload is not None and bool(upload.filename)


def _read(upload: UploadFile | None, what: str) -> bytes:
    """The upload's bytes; one over the size limit is refused without reading it all."""
    assert upload is not None
    if upload.size is not None and upload.size > MAX_BYTES:
        raise too_large(upload.size, what)
    data = upload.file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise too_large(upload.size or len(data), what)
    return data


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
            "max_mb": MAX_BYTES // 1_000_000,
        },
        status_code=status,
    )
