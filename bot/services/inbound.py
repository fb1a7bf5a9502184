"""The one inbound path: every platform turns a press into an Interaction and hands it here."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import asdict, replace
from datetime import datetime

from sqlalchemy.exc import OperationalError
from sqlmodel import Session, select

from bot.services.acknowledgements import acknowledge_briefing
from bot.services.answers import answer_question
from bot.services.chat_port import ChatPort, Interaction, MessageRef, Outcome
from bot.services.clock import Clock
from bot.services.digest_messages import TURN_OFF as TURN_OFF_DIGEST
from bot.services.digests import turn_off_from_chat
from bot.services.errors import UserError, apology
from bot.services.messages import ACK_BRIEFING
from bot.services.profile_reads import read_from_chat
from bot.services.quiz_messages import ANSWER
from bot.services.register.messages import READ_PROFILE
from bot.services.renderers import absolute_links
from bot.storage.database import Database
from bot.storage.kept_presses import forget_press, keep_press, take_back_lapsed
from bot.storage.staff import ChatIdentity, Staff

log = logging.getLogger(__name__)

# Waits between tries when the database is briefly unavailable: about 20 seconds in all.
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0, 4.0, 8.0, 4.0)

Handler = Callable[[Session, Staff, str, datetime], Outcome]


def _acknowledge(session: Session, person: Staff, value: str, now: datetime) -> Outcome:
    if not value.isdigit():
        raise UserError("That button is damaged (it names no briefing); nothing was recorded.")
    return acknowledge_briefing(session, person, int(value), now)


HANDLERS: dict[str, Handler] = {
    ACK_BRIEFING: _acknowledge,
    ANSWER: answer_question,
    READ_PROFILE: read_from_chat,
    TURN_OFF_DIGEST: turn_off_from_chat,
}


def respond(session: Session, interaction: Interaction, now: datetime) -> Outcome:
    """Find who pressed, and what they pressed, and do it."""
    identity = session.exec(
        select(ChatIdentity).where(
            ChatIdentity.platform == interaction.platform,
            ChatIdentity.platform_user_id == interaction.user_id,
        )
    ).first()
    person = session.get(Staff, identity.staff_id) if identity else None
    if person is None or not person.active:
        return Outcome(
            notice="sendbot does not know your account yet, so nothing was recorded. "
            "Please ask your SENDCO to add you."
        )
    handler = HANDLERS.get(interaction.action_id)
    if handler is None:
        return Outcome(notice="That button is no longer in use; nothing was recorded.")
    return handler(session, person, interaction.value, now)


class Inbound:
    """Handles presses from any platform: records them, then updates the pressed message."""

    def __init__(
        self,
        db: Database,
        ports: Mapping[str, ChatPort],
        clock: Clock,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        base_url: str = "",
    ) -> None:
        self.db = db
        self.ports = ports
        self.clock = clock
        self.retry_delays = retry_delays
        # Where links to sendbot's pages in updated cards point (Settings.base_url).
        self.base_url = base_url

    async def keep(self, interaction: Interaction) -> int | None:
        """Keep a press before its platform is told it arrived, where the platform never sends
        it again once answered (bot.storage.kept_presses); the id to hand to `handle`. None if
        the database cannot take it now: `handle` then records it with its usual retries.

        Only on PostgreSQL, where replicas run: SQLite serves one process through one writer,
        where the extra write per press costs more than it saves (at 100 presses a second the
        slowest answers went from 42 ms to 5 s, past Slack's three seconds; BENCHMARKS.md)."""
        if self.db.engine.dialect.name != "postgresql":
            return None
        now = self.clock.now()
        try:
            return await self.db.run(lambda session: keep_press(session, as_json(interaction), now))
        except Exception:  # noqa: BLE001 - the press is still recorded as before, unkept
            log.warning("could not keep a press before answering it", exc_info=True)
            return None

    async def record_kept(self) -> int:
        """Record presses kept by a replica that died before recording them; how many."""
        taken = await self.db.run(lambda session: take_back_lapsed(session, self.clock.now()))
        for kept, interaction, pressed_at in taken:
            log.info("recording a press kept by a replica that stopped (kept press %d)", kept)
            await self.handle(from_json(interaction), kept=kept, pressed_at=pressed_at)
        return len(taken)

    async def handle(
        self, interaction: Interaction, kept: int | None = None, pressed_at: datetime | None = None
    ) -> Outcome:
        """Never raises: a person always gets a reply they can read. A `kept` press is
        forgotten in the transaction that records it, or once it is clear it never can be."""
        # The time of the press, not of a later retry, is what is recorded.
        now = pressed_at or self.clock.now()

        def record(session: Session) -> Outcome:
            if kept is not None:
                forget_press(session, kept)
            return respond(session, interaction, now)

        for delay in (*self.retry_delays, None):
            try:
                outcome = await self.db.run(record)
                break
            except UserError as exc:
                await self._forget(kept)
                return Outcome(notice=str(exc))
            except OperationalError:
                # The platform has had its acknowledgement; the answer must not be lost because
                # the database was away for a moment, so try again before giving up (a kept
                # press is then recorded later by `record_kept`).
                if delay is None:
                    return Outcome(notice=apology("recording a press (database unavailable)"))
                log.warning("database unavailable for a press; trying again in %.1f s", delay)
                await asyncio.sleep(delay)
            except Exception:  # noqa: BLE001 - the person gets an apology, the log the detail
                await self._forget(kept)
                return Outcome(notice=apology("handling a button press"))
        outcome = replace(outcome, updated=absolute_links(outcome.updated, self.base_url))
        port = self.ports.get(interaction.platform)
        if outcome.updated is not None and interaction.message_ref is not None and port:
            try:
                await port.update(interaction.message_ref, outcome.updated)
            except Exception:  # noqa: BLE001 - the press is recorded; a stale card is not fatal
                log.warning("could not update the pressed message", exc_info=True)
        return outcome

    async def _forget(self, kept: int | None) -> None:
        """A kept press that can never be recorded is not tried again and again."""
        if kept is not None:
            with contextlib.suppress(Exception):
                await self.db.run(lambda session: forget_press(session, kept))


def as_json(interaction: Interaction) -> str:
    """A press as kept in the database."""
    return json.dumps(asdict(interaction))


def from_json(text: str) -> Interaction:
    """A press as `as_json` kept it."""
    fields = json.loads(text)
    ref = fields.pop("message_ref", None)
    return Interaction(**fields, message_ref=MessageRef(**ref) if ref else None)
