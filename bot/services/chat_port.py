"""The chat port: the one small interface through which services speak to people.

Services build platform-neutral `Message`s; each adapter (local, Slack, Teams) renders them, sends
them, and turns a person's button press into an `Interaction`. The contract tests in
tests/contract run every adapter through the same scenarios.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class Button:
    """A button under a message. `action_id` says what it does; `value` says to what."""

    action_id: str
    value: str
    label: str
    primary: bool = False


@dataclass(frozen=True)
class Link:
    """A link to a signed-in page of sendbot."""

    url: str
    label: str


@dataclass(frozen=True)
class ChoiceForm:
    """Tick-boxes with one submit button (a multi-select question). The submitted value is
    `value_prefix` + ":" + the ticked option numbers joined by commas, e.g. "42:0,2"."""

    action_id: str
    value_prefix: str
    options: tuple[str, ...]
    submit_label: str = "Submit"


@dataclass(frozen=True)
class Message:
    """A platform-neutral message: a title, a few short lines or bullets, a link, buttons."""

    kind: str
    title: str
    lines: tuple[str, ...] = ()
    bullets: tuple[str, ...] = ()
    link: Link | None = None
    buttons: tuple[Button, ...] = ()
    form: ChoiceForm | None = None
    footer: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        link = data.get("link")
        form = data.get("form")
        return cls(
            kind=data["kind"],
            title=data["title"],
            lines=tuple(data.get("lines", ())),
            bullets=tuple(data.get("bullets", ())),
            link=Link(**link) if link else None,
            buttons=tuple(Button(**b) for b in data.get("buttons", ())),
            form=ChoiceForm(**(form | {"options": tuple(form["options"])})) if form else None,
            footer=data.get("footer", ""),
        )


@dataclass(frozen=True)
class MessageRef:
    """Where a sent message lives on its platform, so it can be updated later."""

    platform: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Recipient:
    """A person as their platform knows them."""

    platform_user_id: str
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Interaction:
    """A person pressed a button (or submitted a form) on a message sendbot sent."""

    platform: str
    user_id: str
    action_id: str
    value: str
    message_ref: MessageRef | None = None


@dataclass(frozen=True)
class Outcome:
    """What came of an interaction: a replacement for the pressed message, and a short reply."""

    updated: Message | None = None
    notice: str = ""


class NotReachable(Exception):
    """The platform says this person cannot be messaged (no account, messages closed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class SetUpProblem(Exception):
    """The platform refuses sendbot itself (its token was revoked, its workspace deleted, the
    bot disabled by an administrator): nobody can be reached until someone puts it right.
    `fix` says what to do, for the SENDCO and the school's IT person."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


class Refused(Exception):
    """The platform refused this message for good (malformed, too large, its own error that
    it says not to retry): trying again would only fail again."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class TemporaryFailure(Exception):
    """Sending failed in a way that may pass (rate limit, outage); try again later.
    `may_have_gone` when the platform never answered (a timeout, a dropped connection), so the
    message may have arrived all the same."""

    def __init__(
        self, reason: str, retry_after: float | None = None, may_have_gone: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.may_have_gone = may_have_gone


class ChatPort(Protocol):
    """What every chat adapter offers the services."""

    platform: str
    # How many sends the dispatcher may have open at once on this platform.
    max_in_flight: int
    # Optional `paced = True`: the platform allows so many sends in each second or minute, so
    # time between the dispatcher's batches is lost; the dispatcher overlaps batches for it.
    # A paced port then also has `allowance_window` (seconds) and `remember_sends(ages)`: when
    # this replica becomes the sender, the sends of the last window (their ages in seconds)
    # count against the allowance as if it had made them.

    async def send(
        self, recipient: Recipient, message: Message, send_key: str, maybe_sent: bool = False
    ) -> MessageRef:
        """Send a direct message. Sending again with the same key must not show it twice.
        `maybe_sent` says an earlier try may have got through before its process stopped, so
        the adapter should look for it on the platform before sending again."""
        ...

    async def update(self, ref: MessageRef, message: Message) -> None:
        """Replace a message already sent (to show an outcome instead of live buttons)."""
        ...
