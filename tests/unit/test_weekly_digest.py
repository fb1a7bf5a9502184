"""The weekly digest's pure rules (its week, its day, the weeks it compares, who is silent) and
its message, as Slack blocks, a Teams card and the stored form the local chat keeps."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.chat.slack.blocks import render as slack_render
from bot.chat.teams.cards import render as teams_render
from bot.domain.calendar import Availability, DateRange, SchoolCalendar
from bot.domain.digest import (
    first_sending_day,
    is_digest_day,
    silent_since,
    week_of,
    weeks_compared,
)
from bot.services.chat_port import Message
from bot.services.digest_messages import (
    TURN_OFF,
    TURNED_OFF,
    Digest,
    TeamPart,
    WeekShare,
    digest_message,
    team_lines,
)
from bot.services.renderers import absolute_links
from tests.message_catalogue import digest

LONDON = ZoneInfo("Europe/London")
# Autumn 1 ends on Friday 23 October; half term is 26 to 30 October; Autumn 2 starts on Monday
# 2 November, with an INSET day on Monday 9 November.
CALENDAR = SchoolCalendar(
    timezone=LONDON,
    window_start=time(7, 30),
    window_end=time(16, 30),
    terms=(
        DateRange(date(2026, 9, 2), date(2026, 10, 23)),
        DateRange(date(2026, 11, 2), date(2026, 12, 18)),
    ),
    closures=(DateRange(date(2026, 11, 9), date(2026, 11, 9)),),
)
FULL_TIME = Availability()
WED_THU = Availability(working_days=frozenset({3, 4}))


def test_a_digest_belongs_to_the_monday_of_its_week() -> None:
    assert week_of(date(2026, 11, 19)) == date(2026, 11, 16)
    assert week_of(date(2026, 11, 16)) == date(2026, 11, 16)
    assert week_of(date(2026, 11, 22)) == date(2026, 11, 16)  # a Sunday


@pytest.mark.parametrize(
    ("person", "monday", "day"),
    [
        (FULL_TIME, date(2026, 11, 16), date(2026, 11, 16)),  # an ordinary week: Monday
        (FULL_TIME, date(2026, 11, 9), date(2026, 11, 10)),  # an INSET Monday: Tuesday
        (WED_THU, date(2026, 11, 16), date(2026, 11, 18)),  # a part-timer: their Wednesday
        (FULL_TIME, date(2026, 10, 26), None),  # half term: no digest
        (WED_THU, date(2026, 12, 21), None),  # the Christmas holiday
        (Availability(paused_until=date(2026, 11, 20)), date(2026, 11, 16), None),  # on leave
        (Availability(paused_until=date(2026, 11, 17)), date(2026, 11, 16), date(2026, 11, 18)),
    ],
)
def test_the_first_sending_day_of_a_school_week(
    person: Availability, monday: date, day: date | None
) -> None:
    assert first_sending_day(CALENDAR, person, monday) == day


def test_a_digest_is_due_on_a_sending_day_until_it_is_planned() -> None:
    monday, wednesday = date(2026, 11, 16), date(2026, 11, 18)
    assert is_digest_day(CALENDAR, FULL_TIME, monday, planned_this_week=False)
    assert not is_digest_day(CALENDAR, FULL_TIME, monday, planned_this_week=True)
    assert not is_digest_day(CALENDAR, WED_THU, monday, planned_this_week=False)
    assert is_digest_day(CALENDAR, WED_THU, wednesday, planned_this_week=False)
    assert not is_digest_day(CALENDAR, FULL_TIME, date(2026, 11, 21), planned_this_week=False)
    assert not is_digest_day(CALENDAR, FULL_TIME, date(2026, 10, 27), planned_this_week=False)


@pytest.mark.parametrize(
    ("monday", "last", "before"),
    [
        (date(2026, 11, 23), date(2026, 11, 16), date(2026, 11, 9)),  # an INSET week counts
        (date(2026, 11, 2), date(2026, 10, 19), date(2026, 10, 12)),  # half term is skipped
        (date(2026, 11, 9), date(2026, 11, 2), date(2026, 10, 19)),
        (date(2026, 9, 7), date(2026, 8, 31), None),  # the first week (2 to 4 September)
        (date(2026, 8, 31), None, None),  # nothing before the first term loaded
    ],
)
def test_the_weeks_compared_are_the_two_latest_with_school_days(
    monday: date, last: date | None, before: date | None
) -> None:
    found = weeks_compared(CALENDAR, monday)
    assert tuple(w.monday if w else None for w in found) == (last, before)


def test_silent_means_sent_a_question_since_and_answered_none_since() -> None:
    since = datetime(2026, 11, 9, tzinfo=UTC)
    later, earlier = since + timedelta(days=1), since - timedelta(days=3)
    assert silent_since([(later, None)], since)
    assert silent_since([(earlier, None), (later, None)], since)
    assert not silent_since([(later, later)], since)
    # Answering an older question since the last digest counts as answering.
    assert not silent_since([(earlier, later), (later, None)], since)
    # Nothing sent since: nothing to answer (a part-timer, someone paused).
    assert not silent_since([], since)
    assert not silent_since([(earlier, None)], since)


def test_the_stored_figures_come_back_as_they_went_in() -> None:
    original = digest()
    stored = json.loads(json.dumps(original.to_dict()))
    assert Digest.from_dict(stored) == original
    alone = Digest(week_of=date(2026, 11, 16))
    assert Digest.from_dict(json.loads(json.dumps(alone.to_dict()))) == alone


def test_the_message_has_both_parts_one_link_and_a_button_to_turn_it_off() -> None:
    message = digest_message(12, digest())
    assert message.kind == "digest"
    assert message.title == "Your weekly digest: week of 16 Nov"
    assert message.lines == (
        "Your team (3 people)",
        "Questions answered last week (w/c 9 Nov): 2 of 4 (50%), down from the week before "
        "(w/c 2 Nov: 75%).",
        "Sent questions but not answered any since Mon 9 Nov: Bo <B> & Co.",
        "Targets at risk:",
        "• Ann A: questions answered at least 90% in Autumn term 2026, 3 of 4 (75%)",
        "The school (40 members of staff)",
        "Briefings not read by everyone this term:",
        "• “The *graduated* approach”: 12 of 40 have not pressed Got it",
        "Register alerts: 2 pupil profiles not read after 5 school days.",
        "What the school is forgetting (likely to be recalled now): dyslexia (31%), "
        "autism (48%), hearing (55%).",
    )
    assert message.link is not None and message.link.url == "/team"
    [button] = message.buttons
    assert (button.action_id, button.value) == (TURN_OFF, "12")
    off = digest_message(12, digest(), turned_off=True)
    assert off.buttons == () and off.lines[-1] == TURNED_OFF and off.footer == ""


def test_the_sendco_alone_is_linked_to_the_overview() -> None:
    sendco = Digest(week_of=date(2026, 11, 16), school=digest().school)
    message = digest_message(3, sendco)
    assert message.link is not None and message.link.url == "/sendco"
    assert message.lines[0] == "The school (40 members of staff)"


@pytest.mark.parametrize(
    ("last", "before", "line"),
    [
        (WeekShare(date(2026, 11, 9), 3, 4), WeekShare(date(2026, 11, 2), 1, 2), "up from"),
        (WeekShare(date(2026, 11, 9), 2, 4), WeekShare(date(2026, 11, 2), 1, 2), "the same as"),
        (
            WeekShare(date(2026, 11, 9), 2, 4),
            WeekShare(date(2026, 11, 2), 0, 0),
            "2 of 4 (50%); nothing to compare it with the week before.",
        ),
        (
            WeekShare(date(2026, 11, 9), 0, 0),
            None,
            "Last week (w/c 9 Nov) no questions were sent to your team.",
        ),
        (None, None, "There is no school week before this one to report on yet."),
    ],
)
def test_last_week_is_set_against_the_week_before_in_words(
    last: WeekShare | None, before: WeekShare | None, line: str
) -> None:
    team = TeamPart(people=2, since=date(2026, 11, 9), last_week=last, week_before=before)
    lines = team_lines(team)
    assert line in lines[1]
    assert lines[2:] == [
        "Everyone sent a question since Mon 9 Nov has answered since.",
        "No targets at risk.",
    ]


def test_a_long_list_of_names_is_cut_short_with_a_count() -> None:
    names = [f"Person {n:02d}" for n in range(20)]
    team = TeamPart(people=20, since=date(2026, 11, 9), silent=names)
    [line] = [x for x in team_lines(team) if x.startswith("Sent questions")]
    assert "Person 14 and 5 more." in line and "Person 15" not in line


def sent(message: Message) -> Message:
    """The digest as the dispatcher sends it: its link pointed at the app."""
    out = absolute_links(message, "https://sendbot.example")
    assert out is not None
    return out


def test_slack_shows_the_digest_escaped_with_the_team_page_and_the_button() -> None:
    text, blocks = slack_render(sent(digest_message(12, digest())))
    assert text.startswith("Your weekly digest: week of 16 Nov")
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Your weekly digest: week of 16 Nov", "emoji": True},
    }
    body = "\n".join(b["text"]["text"] for b in blocks if b["type"] == "section")
    # Names and titles are escaped: nothing in them can mention, link or format.
    assert "Bo &lt;B&gt; &amp; Co" in body and "Bo <B>" not in body
    assert "• Ann A: questions answered at least 90%" in body
    elements = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert elements[0]["url"] == "https://sendbot.example/team"
    assert (elements[1]["action_id"], elements[1]["value"]) == (f"{TURN_OFF}#0", "12")
    assert blocks[-1]["type"] == "context"


def test_teams_shows_the_digest_as_a_card_with_the_team_page_and_the_button() -> None:
    card = teams_render(sent(digest_message(12, digest())))
    texts = [e["text"] for e in card["body"] if e["type"] == "TextBlock"]
    assert texts[0] == "Your weekly digest: week of 16 Nov"
    assert "Sent questions but not answered any since Mon 9 Nov: Bo \\<B\\> & Co." in texts
    assert "“The \\*graduated\\* approach”: 12 of 40 have not pressed Got it" in texts[8]
    actions = [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]
    assert actions[0] == {
        "type": "Action.OpenUrl",
        "title": "Open the team page",
        "url": "https://sendbot.example/team",
    }
    assert (actions[1]["verb"], actions[1]["data"]) == (
        TURN_OFF,
        {"action_id": TURN_OFF, "value": "12"},
    )


def test_the_local_chat_keeps_the_digest_as_it_was_sent() -> None:
    message = sent(digest_message(12, digest()))
    assert Message.from_dict(json.loads(json.dumps(message.to_dict()))) == message
