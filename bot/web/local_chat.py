"""The local chat page: each person's direct messages as cards, and their presses sent back.

A press here goes through the same inbound path (Inbound.handle) that Slack and Teams use.
In demo mode, from this computer, you may act as anyone (bot.web.demo_gate); otherwise you see
and press only your own messages, signed in.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from sqlmodel import select

from bot.chat.local.adapter import PLATFORM
from bot.services.chat_port import Interaction, MessageRef
from bot.storage.local_chat import unread_counts, waiting
from bot.storage.staff import ChatIdentity, Staff
from bot.web.demo_gate import demo_open
from bot.web.deps import MAX_ROW_ID, RowId, SendbotDep, SignInRequired, current_user
from bot.web.templating import templates

router = APIRouter(prefix="/local")

# The anchor at the newest message: links to a mailbox open there, as a chat opens at the end.
NEWEST = "newest"


def _acting_as(request: Request, sendbot: SendbotDep, staff_id: int) -> tuple[Staff, str]:
    """The person whose chat is shown, if the viewer may see it, and their local user id."""
    if not demo_open(request):
        viewer = current_user(request, sendbot)
        if viewer.id != staff_id:
            raise HTTPException(403, "You can only see your own messages.")

    def look(session):  # type: ignore[no-untyped-def]
        person = session.get(Staff, staff_id)
        identity = session.exec(
            select(ChatIdentity).where(
                ChatIdentity.staff_id == staff_id, ChatIdentity.platform == PLATFORM
            )
        ).first()
        return person, identity

    person, identity = sendbot.db.read(look)
    if person is None or identity is None:
        raise HTTPException(404, "Nobody with that number uses the local chat.")
    return person, identity.platform_user_id


@router.get("", response_class=HTMLResponse)
def choose_person(request: Request, sendbot: SendbotDep) -> Response:
    """Pick whose direct messages to see (demo), or go straight to your own."""
    if not demo_open(request):
        try:
            viewer = current_user(request, sendbot)
        except SignInRequired:
            return RedirectResponse("/sign-in?next=/local", status_code=303)
        return RedirectResponse(f"/local/{viewer.id}#{NEWEST}", status_code=303)

    def look(session):  # type: ignore[no-untyped-def]
        rows = session.exec(
            select(Staff, ChatIdentity.platform_user_id)
            .join(ChatIdentity, ChatIdentity.staff_id == Staff.id)  # type: ignore[arg-type]
            .where(ChatIdentity.platform == PLATFORM, Staff.active == True)  # noqa: E712
            .order_by(Staff.department, Staff.name)
        ).all()
        unread = unread_counts(session)
        return [(person, unread.get(user_id, 0)) for person, user_id in rows]

    people = sendbot.db.read(look)
    return templates.TemplateResponse(
        request, "local_people.html", {"people": people, "newest": NEWEST}
    )


@router.get("/{staff_id}", response_class=HTMLResponse)
def mailbox(request: Request, sendbot: SendbotDep, staff_id: RowId) -> Response:
    """One person's direct messages as a chat shows them: oldest at the top, newest last."""
    person, user_id = _acting_as(request, sendbot, staff_id)
    shown = sendbot.db.read(lambda s: sendbot.local.mailbox(s, user_id))[::-1]
    notice = request.session.pop("notice", "")
    return templates.TemplateResponse(
        request,
        "local_mailbox.html",
        {
            "person": person,
            "messages": shown,
            "unread": sum(waiting(m.message.to_dict()) for m in shown),
            "notice": notice,
            "demo": demo_open(request),
            "newest": NEWEST,
        },
    )


@router.post("/{staff_id}/press")
async def press(
    request: Request,
    sendbot: SendbotDep,
    staff_id: RowId,
    message_id: int = Form(..., ge=1, le=MAX_ROW_ID),
    action_id: str = Form(..., max_length=255),
    value: str = Form("", max_length=2000),
    ticked: Annotated[list[str] | None, Form(alias="choice")] = None,
) -> Response:
    """A button press or a tick-box form's submit on a card, handed to the inbound path."""
    _person, user_id = _acting_as(request, sendbot, staff_id)
    owner = sendbot.db.work(lambda s: sendbot.local.owner_of(s, message_id))
    if ticked or value.endswith(":"):
        # A tick-box form: the value is its prefix, the ticked options follow it.
        value = value.rstrip(":") + ":" + ",".join(ticked or [])
    if owner != user_id:
        notice = "That message is not in your chat, so nothing was recorded."
    else:
        ref = MessageRef(PLATFORM, {"id": message_id})
        outcome = await sendbot.inbound.handle(
            Interaction(PLATFORM, user_id, action_id, value, ref)
        )
        notice = outcome.notice
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse({"notice": notice})
    request.session["notice"] = notice
    return RedirectResponse(f"/local/{staff_id}#m{message_id}", status_code=303)
