"""What a register alert says in chat, at the school's privacy level, with its read buttons.

Chat shows at most a pupil's initials, year, registration group, the provision and (at the
"area" level) the broad area of need. The name, the need itself and the profile stay behind the
link, on a signed-in page. Links are paths ("/pupils/12"); whoever sends the message makes them
absolute with the app's base URL (bot.services.renderers.absolute_links).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bot.domain.register import EHC_PLAN, NEEDS, SEN_SUPPORT, ChangeKind
from bot.services.chat_port import Button, Link, Message

READ_PROFILE = "profile.read"
# More pupils than this and the buttons would crowd the card: the list page has one each.
MAX_BUTTONS = 5
TITLE = "A change on the SEN register for pupils you teach"
REMINDER_TITLE = "Reminder: a change on the SEN register for pupils you teach"
# Privacy levels (School.register_chat_detail).
COUNT, MINIMAL, AREA = "count", "minimal", "area"


@dataclass(frozen=True)
class AlertPupil:
    """One pupil's change in an alert, as much as chat may need, and whether it was read."""

    read_id: int
    pupil_id: int
    initials: str
    year_group: str
    reg_group: str
    kind: str
    new_provision: str
    new_need: str
    read: bool = False
    erased: bool = False


def year_label(year_group: str) -> str:
    """ "8" -> "Year 8"; "R" -> "Reception"; "N1" -> "Nursery"."""
    if year_group == "R":
        return "Reception"
    if year_group.startswith("N"):
        return "Nursery"
    return f"Year {year_group}" if year_group else ""


def what_changed(kind: str, new_provision: str) -> str:
    """The change in words, naming no need."""
    if kind == ChangeKind.REMOVED:
        return "is no longer on the SEN register"
    if kind == ChangeKind.NEED_CHANGED:
        return "has a new primary need"
    if kind == ChangeKind.LEFT:
        return "has left the school"
    if kind == ChangeKind.PLAN_ISSUED or new_provision == EHC_PLAN:
        return "now has an EHC plan"
    if new_provision == SEN_SUPPORT:
        return "now on SEN support"
    return "has a change on the register"


def pupil_line(pupil: AlertPupil, detail: str) -> str:
    """ "J.S., Year 8, 8RW: now on SEN support" (plus the broad area at the "area" level)."""
    if pupil.erased:
        return "A pupil whose details have since been removed under the school's retention policy"
    who = ", ".join(p for p in (pupil.initials, year_label(pupil.year_group), pupil.reg_group) if p)
    line = f"{who}: {what_changed(pupil.kind, pupil.new_provision)}"
    area = NEEDS.get(pupil.new_need, ("", ""))[1]
    if detail == AREA and area and pupil.kind != ChangeKind.REMOVED:
        line += f" (area of need: {area.lower()})"
    return line + (" – read ✓" if pupil.read else "")


def alert_message(
    alert_id: int, pupils: Sequence[AlertPupil], detail: str, reminder: bool = False
) -> Message:
    """The alert (or its reminder, which names only the pupils not yet read) for one person."""
    live = [p for p in pupils if not p.erased]
    shown = [p for p in live if not p.read] if reminder else list(pupils)
    unread = [p for p in live if not p.read]
    link = _link(alert_id, shown if reminder else live)
    if not unread:
        return Message(
            kind="register_alert",
            title=TITLE,
            lines=("✓ You have read every profile in this alert. Thank you.",),
            bullets=() if detail == COUNT else tuple(pupil_line(p, detail) for p in shown),
            link=link,
        )
    lines: list[str] = []
    if reminder:
        lines.append("You have not yet said you have read these pupils' profiles.")
    if detail == COUNT:
        count = len(shown)
        lines.append(
            f"{count} pupil{'s' if count != 1 else ''} you teach "
            f"{'have' if count != 1 else 'has'} a change on the SEN register."
        )
        bullets: tuple[str, ...] = ()
    else:
        bullets = tuple(pupil_line(p, detail) for p in shown)
    buttons = _buttons(unread, detail)
    if not buttons:
        lines.append("Open the list to read each profile and mark it as read.")
    return Message(
        kind="register_alert",
        title=REMINDER_TITLE if reminder else TITLE,
        lines=tuple(lines),
        bullets=bullets,
        link=link,
        buttons=buttons,
        footer="The pupil's name, needs and one-page profile are on the linked page, which only "
        "staff who teach the pupil can open. Read it, adapt your teaching, then press the button.",
    )


def _link(alert_id: int, pupils: Sequence[AlertPupil]) -> Link:
    if len(pupils) == 1:
        return Link(f"/pupils/{pupils[0].pupil_id}", "Open the pupil's page")
    return Link(f"/alerts/{alert_id}", "Open the list of pupils")


def _buttons(unread: Sequence[AlertPupil], detail: str) -> tuple[Button, ...]:
    """One "I've read the profile" button per unread pupil, up to MAX_BUTTONS."""
    if len(unread) == 1:
        return (Button(READ_PROFILE, str(unread[0].read_id), "I've read the profile", True),)
    if detail == COUNT or len(unread) > MAX_BUTTONS:
        # A button must say whose profile it is, and at this level chat may not.
        return ()
    clashes = Counter(p.initials for p in unread)
    buttons = []
    for p in unread:
        label = (
            f"I've read {p.initials}'s profile"
            if clashes[p.initials] == 1
            else f"I've read the profile of {p.initials} ({p.reg_group or p.year_group})"
        )
        buttons.append(Button(READ_PROFILE, str(p.read_id), label))
    return tuple(buttons)
