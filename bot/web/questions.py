"""The question bank on the web: the list with how staff answer each question, adding and
changing a question, retiring and restoring one, importing a file and exporting the bank.

The checks are the question files' own (bot.services.question_editor for the form,
bot.content.quiz for an upload), and an upload is all or nothing, as `sendbot quiz import` is.
"""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import FormData

from bot.content.problems import FileProblem, has_errors, in_reading_order
from bot.content.quiz.common import Defaults, slug
from bot.content.quiz.files import FORMATS, WRITERS, read_quiz_bytes
from bot.domain.people import JobRole
from bot.domain.quiz import OPTIONS_MAX, Area, QuestionDraft
from bot.services.errors import UserError, apology
from bot.services.question_bank import bank_drafts
from bot.services.question_editor import (
    CheckedQuestion,
    NotYours,
    Refused,
    TypedQuestion,
    add_question,
    change_question,
    check_typed_question,
    import_questions,
    question_of,
    set_retired,
    stamp,
)
from bot.services.question_stats import BankFilter, question_stats, topics_of
from bot.storage.school import School
from bot.storage.staff import Staff
from bot.web.deps import RowId, SendbotDep, SendcoUser
from bot.web.limits import read_form
from bot.web.templating import area_name, templates
from bot.web.uploads import chosen_file, read_upload

router = APIRouter(prefix="/questions")  # under bot.web.sendco's /sendco
LIST = "/sendco/questions"
NOT_FOUND = "There is no such question in your school's bank."
AREAS = [(area.value, area_name(area.value)) for area in Area]
ROLES = [
    (JobRole.TEACHER.value, "Teachers"),
    (JobRole.TEACHING_ASSISTANT.value, "Teaching assistants"),
    (JobRole.SUPPORT_STAFF.value, "Support staff"),
    (JobRole.SENIOR_LEADER.value, "Senior leaders"),
]
# What an export may be written as: each imports back unchanged (Aiken has no room for an
# explanation or a source, so sendbot reads it but does not write it).
EXPORTS = {
    "csv": ("CSV (opens in Excel)", "text/csv", "csv"),
    "gift": ("GIFT (Moodle)", "text/plain", "gift"),
    "native": ("sendbot question file", "text/plain", "quiz"),
}


@router.get("", response_class=HTMLResponse)
def bank(
    request: Request,
    sendbot: SendbotDep,
    user: SendcoUser,
    area: str = "",
    topic: str = "",
    words: str = "",
    show: str = "",
) -> Response:
    """The bank in use (or retired), filtered, questions most people get wrong first. A filter
    that is not one of the choices is left out, with a note, as a hand-edited address may be."""
    notes = []
    if area and area not in dict(AREAS):
        notes.append(f"There is no area of need '{area[:40]}', so every area is shown.")
        area = ""
    if show not in ("", "retired"):
        notes.append("Questions in use are shown: the choices are in use or retired.")
        show = ""
    retired = show == "retired"
    every = sendbot.db.read(lambda s: question_stats(s, user.school_id, retired=retired))
    chosen = BankFilter(area, topic.strip(), words.strip()[:100])
    stats = [s for s in every if chosen.keeps(s.question)]
    return templates.TemplateResponse(
        request,
        "sendco_questions.html",
        {
            "user": user,
            "stats": stats,
            "every": len(every),
            "chosen": chosen,
            "retired": retired,
            "areas": AREAS,
            "area_names": dict(AREAS),
            "topics": topics_of(every),
            "exports": EXPORTS,
            "notice": request.session.pop("notice", ""),
            "notes": notes,
        },
    )


@router.get("/new", response_class=HTMLResponse)
def new(request: Request, user: SendcoUser) -> Response:
    """An empty question form."""
    return _form(request, user, CheckedQuestion(typed=TypedQuestion()), None)


@router.post("/new", response_class=HTMLResponse)
async def create(request: Request, sendbot: SendbotDep, user: SendcoUser) -> Response:
    """Check the question; show the problems, or store it."""
    typed = _typed(await read_form(request))
    now = sendbot.clock.now()

    def work(session):  # type: ignore[no-untyped-def]
        checked = check_typed_question(session, user.school_id, typed, None)
        if checked.draft is not None:
            request.session["notice"] = add_question(session, user, checked.draft, now)
        return checked

    checked = sendbot.db.work(work)
    if checked.draft is None:
        return _form(request, user, checked, None)
    return RedirectResponse(LIST, status_code=303)


@router.get("/{question_id}/edit", response_class=HTMLResponse)
def edit(request: Request, sendbot: SendbotDep, user: SendcoUser, question_id: RowId) -> Response:
    """The question in the form."""
    try:
        question = sendbot.db.read(lambda s: question_of(s, user, question_id))
    except NotYours:
        raise HTTPException(404, NOT_FOUND) from None
    checked = CheckedQuestion(typed=TypedQuestion.of(question))
    return _form(request, user, checked, question_id, version=question.version)


@router.post("/{question_id}/edit", response_class=HTMLResponse)
async def update(
    request: Request, sendbot: SendbotDep, user: SendcoUser, question_id: RowId
) -> Response:
    """Check and save a change; refused, with what was typed kept, if it changed meanwhile."""
    typed = _typed(await read_form(request))
    now = sendbot.clock.now()

    def work(session):  # type: ignore[no-untyped-def]
        question = question_of(session, user, question_id)
        checked = check_typed_question(session, user.school_id, typed, question)
        if checked.draft is not None:
            notice = change_question(session, user, question_id, typed.seen, checked.draft, now)
            request.session["notice"] = notice
        return checked, question.version

    try:
        checked, version = sendbot.db.work(work)
    except NotYours:
        raise HTTPException(404, NOT_FOUND) from None
    except Refused as exc:
        question = sendbot.db.read(lambda s: question_of(s, user, question_id))
        again = CheckedQuestion(typed=_with_stamp(typed, stamp(question)))
        return _form(request, user, again, question_id, version=question.version, refused=str(exc))
    if checked.draft is None:
        return _form(request, user, checked, question_id, version=version)
    return RedirectResponse(LIST, status_code=303)


@router.post("/{question_id}/retire")
def retire(request: Request, sendbot: SendbotDep, user: SendcoUser, question_id: RowId) -> Response:
    """Stop asking a question; its answers are kept."""
    return _set_retired(request, sendbot, user, question_id, retired=True)


@router.post("/{question_id}/restore")
def restore(
    request: Request, sendbot: SendbotDep, user: SendcoUser, question_id: RowId
) -> Response:
    """Ask a retired question again."""
    return _set_retired(request, sendbot, user, question_id, retired=False)


@router.get("/import", response_class=HTMLResponse)
def import_form(request: Request, user: SendcoUser) -> Response:
    """The upload form."""
    return _import_page(request, user)


@router.post("/import", response_class=HTMLResponse)
async def import_file(request: Request, sendbot: SendbotDep, user: SendcoUser) -> Response:
    """Check the file, then add its questions: every one of them or none."""
    form = await read_form(request)  # only now, with the SENDCO signed in
    upload = chosen_file(form, "file")
    if upload is None:
        return _import_page(request, user, problems=["Choose the question file to import."])
    fmt = _text(form, "format") or "auto"
    area = _text(form, "area")
    if fmt not in ("auto", *FORMATS) or (area and area not in dict(AREAS)):
        problem = "Choose the format and the area from the choices on the form."
        return _import_page(request, user, problems=[problem], status=422)
    defaults = Defaults(
        area=area, source=_text(form, "source")[:200], explanation=_text(form, "explanation")[:300]
    )
    name, limit = upload.filename or "questions", sendbot.settings.upload_max_bytes
    now = sendbot.clock.now()

    def read_and_check() -> tuple[list[QuestionDraft], list[FileProblem]]:
        return read_quiz_bytes(name, read_upload(upload, "file", limit, _too_large), fmt, defaults)

    try:
        drafts, problems = await asyncio.to_thread(read_and_check)
        if has_errors(problems):
            return _import_page(request, user, problems=_said(problems), status=422)
        summary = await sendbot.db.run(lambda s: import_questions(s, user, drafts, name, now))
    except UserError as exc:
        heading, *lines = str(exc).splitlines()
        return _import_page(
            request, user, problems=[heading, *(line.strip() for line in lines)], status=422
        )
    except Exception:  # noqa: BLE001 - the SENDCO gets the incident id the log has
        sorry = apology("importing a question file")
        return _import_page(request, user, problems=[sorry, "Nothing was imported."], status=500)
    warnings = [f"Worth a look: {p}" for p in in_reading_order(problems)]
    return _import_page(request, user, summary=f"{name}: {summary}", warnings=warnings)


@router.get("/export")
def export(sendbot: SendbotDep, user: SendcoUser, format: str = "csv") -> Response:  # noqa: A002
    """The bank in use, as a file that imports back unchanged."""
    if format not in EXPORTS:
        raise HTTPException(400, "Choose CSV, GIFT or sendbot's own format for the export.")

    def read(session):  # type: ignore[no-untyped-def]
        school = session.get(School, user.school_id)
        return bank_drafts(session, user.school_id), slug(school.name if school else "") or "school"

    drafts, school = sendbot.db.read(read)
    if not drafts:
        raise HTTPException(404, "The question bank is empty, so there is nothing to export.")
    text = WRITERS[format](drafts)
    _label, media_type, suffix = EXPORTS[format]
    # Excel reads a CSV as UTF-8 only when it starts with a byte-order mark.
    body = text.encode("utf-8-sig" if format == "csv" else "utf-8")
    name = f"questions-{school}-{sendbot.clock.now():%Y-%m-%d}.{suffix}"
    return Response(
        body,
        media_type=f"{media_type}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _set_retired(
    request: Request, sendbot: SendbotDep, user: Staff, question_id: int, retired: bool
) -> Response:
    now = sendbot.clock.now()
    try:
        request.session["notice"] = sendbot.db.work(
            lambda s: set_retired(s, user, question_id, retired, now)
        )
    except NotYours:
        raise HTTPException(404, NOT_FOUND) from None
    return RedirectResponse(LIST + ("" if retired else "?show=retired"), status_code=303)


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _typed(form: FormData) -> TypedQuestion:
    """What the question form holds, as typed."""
    ticked = {v for v in form.getlist("correct") if isinstance(v, str)}
    return TypedQuestion(
        qid=_text(form, "qid"),
        prompt=_text(form, "prompt"),
        options=tuple(_text(form, f"option-{n}") for n in range(1, OPTIONS_MAX + 1)),
        correct=frozenset(n for n in range(1, OPTIONS_MAX + 1) if str(n) in ticked),
        multi=_text(form, "multi") in ("on", "true", "1"),
        explanation=_text(form, "explanation"),
        source=_text(form, "source"),
        area=_text(form, "area"),
        topics=_text(form, "topics"),
        roles=tuple(v for v in form.getlist("roles") if isinstance(v, str)),
        seen=_text(form, "seen"),
    )


def _with_stamp(typed: TypedQuestion, seen: str) -> TypedQuestion:
    return TypedQuestion(**{**typed.__dict__, "seen": seen})


def _form(
    request: Request,
    user: Staff,
    checked: CheckedQuestion,
    question_id: int | None,
    version: int | None = None,
    refused: str = "",
) -> Response:
    status = 409 if refused else 422 if checked.errors else 200
    return templates.TemplateResponse(
        request,
        "sendco_question_form.html",
        {
            "user": user,
            "typed": checked.typed,
            "errors": checked.errors,
            "warnings": checked.warnings,
            "question_id": question_id,
            "version": version,
            "refused": refused,
            "areas": AREAS,
            "roles": ROLES,
            "options_max": OPTIONS_MAX,
        },
        status_code=status,
    )


def _said(problems: list[FileProblem]) -> list[str]:
    errors = sum(p.is_error for p in problems)
    heading = (
        f"Nothing was imported: the file has {errors} problem{'' if errors == 1 else 's'} to "
        "put right first."
    )
    return [heading, *(str(p) for p in in_reading_order(problems))]


def _too_large(size: int, what: str, limit: int) -> UserError:
    return UserError(
        f"The {what} is {size / 1_000_000:.1f} MB; sendbot reads files of up to "
        f"{limit / 1_000_000:.0f} MB, and a bank of 500 questions is well under 1 MB. Check that "
        "this is the question file. Nothing was imported."
    )


def _import_page(
    request: Request,
    user: Staff,
    *,
    summary: str = "",
    problems: list[str] | None = None,
    warnings: list[str] | None = None,
    status: int = 200,
) -> Response:
    return templates.TemplateResponse(
        request,
        "sendco_questions_import.html",
        {
            "user": user,
            "summary": summary,
            "problems": problems or [],
            "warnings": warnings or [],
            "areas": AREAS,
            "formats": FORMATS,
            "max_mb": f"{request.app.state.sendbot.settings.upload_max_mb:g}",
        },
        status_code=status,
    )
