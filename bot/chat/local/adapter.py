"""The local platform's side of the chat port: a mailbox per person in the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, select

from bot.chat.pacing import Pacer
from bot.services.chat_port import Message, MessageRef, NotReachable, Recipient
from bot.services.clock import Clock
from bot.storage.database import Database
from bot.storage.local_chat import LocalMessage
from bot.storage.staff import ChatIdentity

PLATFORM = "local"


@dataclass(frozen=True)
class Shown:
    """A message as the local page shows it."""

    id: int
    message: Message
    created_at: datetime
    updated_at: datetime


class LocalChat:
    """Sends by storing; the /local page reads the mailbox and posts presses back."""

    platform = PLATFORM

    def __init__(self, db: Database, clock: Clock, rate_per_second: float = 0.0) -> None:
        self.db = db
        self.clock = clock
        self.pacer = Pacer(rate_per_second)
        # SQLite takes one writer at a time, so parallel sends would only queue for the lock.
        self.max_in_flight = 8 if db.is_postgresql else 1

    async def send(
        self, recipient: Recipient, message: Message, send_key: str, maybe_sent: bool = False
    ) -> MessageRef:
        # The send key is unique in the mailbox, so a repeated send finds the first copy
        # whether or not an earlier try got through.
        await self.pacer.wait()
        now = self.clock.now()
        return await self.db.run(lambda s: self._store(s, recipient, message, send_key, now))

    def _store(
        self, session: Session, recipient: Recipient, message: Message, key: str, now: datetime
    ) -> MessageRef:
        known = session.execute(
            select(ChatIdentity.id).where(
                ChatIdentity.platform == PLATFORM,
                ChatIdentity.platform_user_id == recipient.platform_user_id,
            )
        ).first()
        if known is None:
            raise NotReachable(f"nobody called {recipient.platform_user_id} uses the local chat")
        insert = postgresql.insert if self.db.is_postgresql else sqlite.insert
        stored = session.execute(
            insert(LocalMessage)
            .values(
                recipient=recipient.platform_user_id,
                send_key=key,
                body=message.to_dict(),
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["send_key"])
            .returning(LocalMessage.id)
        ).first()
        if stored is None:
            # Sent before a crash but not yet recorded as sent: the same message, not a copy.
            earlier = session.execute(
                select(LocalMessage.id).where(LocalMessage.send_key == key)
            ).one()
            return MessageRef(PLATFORM, {"id": earlier[0]})
        return MessageRef(PLATFORM, {"id": stored[0]})

    async def update(self, ref: MessageRef, message: Message) -> None:
        now = self.clock.now()
        await self.db.run(lambda s: self._replace(s, int(ref.data["id"]), message, now))

    @staticmethod
    def _replace(session: Session, message_id: int, message: Message, now: datetime) -> None:
        row = session.get(LocalMessage, message_id)
        if row is None:
            raise LookupError(f"no local message {message_id}")
        row.body = message.to_dict()
        row.updated_at = now
        session.add(row)

    def mailbox(self, session: Session, user_id: str) -> list[Shown]:
        """Everything sent to this person, newest first."""
        rows = session.exec(
            select(LocalMessage)
            .where(LocalMessage.recipient == user_id)
            .order_by(LocalMessage.id.desc())  # type: ignore[union-attr]
        ).all()
        return [
            Shown(r.id, Message.from_dict(r.body), r.created_at, r.updated_at)  # type: ignore[arg-type]
            for r in rows
        ]

    def owner_of(self, session: Session, message_id: int) -> str | None:
        """Whose mailbox a message is in."""
        row = session.get(LocalMessage, message_id)
        return row.recipient if row else None
