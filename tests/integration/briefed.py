"""One person sent one briefing on the local chat: where the press tests start."""

from __future__ import annotations

import asyncio

from bot.chat.local.adapter import LocalChat
from bot.services.briefings import plan_briefing
from bot.services.clock import FixedClock
from bot.services.dispatcher import Dispatcher, DispatchPolicy
from bot.storage.database import Database
from tests import factories


def briefed_on_local_chat(db: Database, clock: FixedClock) -> tuple[LocalChat, str, int]:
    """The local chat it went out on, the person's email and the briefing's id."""

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        person = factories.person(s, school, "Pat Patient")
        briefing = factories.briefing(s, school, clock.now())
        plan_briefing(s, briefing, clock.now(), "local", send_now=True)
        return person.email, briefing.id

    email, briefing_id = db.work(setup)
    local = LocalChat(db, clock)
    asyncio.run(Dispatcher(db, {"local": local}, clock, DispatchPolicy(), "t").drain())
    return local, email, briefing_id
