"""An erased pupil's part of a stored alert: found by its place in a full alert, and where a
reminder lists only some pupils, no line is kept that might be theirs."""

from __future__ import annotations

from bot.services.chat_port import Button, Link, Message
from bot.services.erased_alerts import REMOVED, without_pupil
from bot.services.register.messages import READ_PROFILE

# The alert's (read id, pupil id) in change order: pupils 7, 8 and 9.
PUPILS = [(70, 7), (80, 8), (90, 9)]


def alert(bullets: tuple[str, ...], read_ids: tuple[int, ...], lines: tuple[str, ...] = ()):  # type: ignore[no-untyped-def]
    return Message(
        kind="register_alert",
        title="A change on the SEND register for pupils you teach",
        lines=lines,
        bullets=bullets,
        link=Link("https://sendbot.example/alerts/3", "Open the list of pupils"),
        buttons=tuple(Button(READ_PROFILE, str(r), f"I've read {r}'s profile") for r in read_ids),
    ).to_dict()


def test_a_reminder_naming_fewer_pupils_than_its_alert_keeps_no_line() -> None:
    reminder = alert(
        ("A.B., Year 8: now on SEN support", "C.D., Year 9: now on SEN support"), (80, 90)
    )
    after = Message.from_dict(without_pupil(reminder, PUPILS, pupil_id=9))
    assert after.bullets == (REMOVED,)
    assert [b.value for b in after.buttons] == ["80"]


def test_at_the_count_level_the_button_goes_and_the_message_says_why() -> None:
    counted = alert((), (70, 80, 90), lines=("3 pupils you teach have a change.",))
    after = Message.from_dict(without_pupil(counted, PUPILS, pupil_id=8))
    assert after.lines == ("3 pupils you teach have a change.", REMOVED)
    assert [b.value for b in after.buttons] == ["70", "90"]
    again = Message.from_dict(without_pupil(after.to_dict(), PUPILS, pupil_id=8))
    assert again == after
