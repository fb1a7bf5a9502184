"""One harness per chat adapter, so the contract tests run every adapter the same way.

A harness enrols a person on its platform, reads what the person sees, and presses a button
through the platform's own inbound path. Slack and Teams add theirs here.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlmodel import select

from bot.bootstrap import Sendbot
from bot.chat.local.adapter import LocalChat
from bot.services.chat_port import ChatPort, ChoiceForm, Message, MessageRef
from bot.storage.staff import ChatIdentity
from tests.integration.webapp import client_for


@dataclass
class LocalHarness:
    """The built-in local chat: the mailbox in the database, presses through /local."""

    sendbot: Sendbot

    @property
    def port(self) -> ChatPort:
        return self.sendbot.local

    def user_id_of(self, staff_id: int) -> str:
        return self.sendbot.db.work(
            lambda s: s.exec(
                select(ChatIdentity.platform_user_id).where(
                    ChatIdentity.staff_id == staff_id, ChatIdentity.platform == "local"
                )
            ).one()
        )

    def seen_by(self, staff_id: int) -> list[Message]:
        local: LocalChat = self.sendbot.local
        user_id = self.user_id_of(staff_id)
        return [
            shown.message for shown in self.sendbot.db.work(lambda s: local.mailbox(s, user_id))
        ]

    def press(self, staff_id: int, ref: MessageRef, action_id: str, value: str) -> str:
        client: TestClient = client_for(self.sendbot)
        response = client.post(
            f"/local/{staff_id}/press",
            data={"message_id": ref.data["id"], "action_id": action_id, "value": value},
            headers={"accept": "application/json"},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["notice"])

    def submit(self, staff_id: int, ref: MessageRef, form: ChoiceForm, ticked: list[int]) -> str:
        client: TestClient = client_for(self.sendbot)
        response = client.post(
            f"/local/{staff_id}/press",
            data={
                "message_id": ref.data["id"],
                "action_id": form.action_id,
                "value": f"{form.value_prefix}:",
                "choice": [str(i) for i in ticked],
            },
            headers={"accept": "application/json"},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["notice"])


HARNESSES = {"local": LocalHarness}
