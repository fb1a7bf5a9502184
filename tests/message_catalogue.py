"""Every kind of message sendbot sends, built from in-memory records, for renderer tests."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.services.chat_port import Link, Message
from bot.services.digest_messages import (
    BriefingUnread,
    Digest,
    SchoolPart,
    TeamPart,
    WeekShare,
    digest_message,
)
from bot.services.messages import (
    acknowledged_briefing_message,
    briefing_message,
    withdrawn_briefing_message,
)
from bot.services.quiz_messages import closed_message, feedback_message, question_message
from bot.services.register.messages import AlertPupil, alert_message
from bot.services.renderers import absolute_links
from bot.storage.briefing import Briefing
from bot.storage.quiz import Question, QuizItem

NOW = datetime(2026, 11, 25, 10, 30, tzinfo=UTC)


def briefing() -> Briefing:
    return Briefing(
        id=7,
        school_id=1,
        slug="ehcp-reviews",
        title="EHCP annual reviews this term",
        bullets=["Reviews start on 1 December", "Send your views to the SENDCO by Friday"],
        audience=["all"],
        send_on=date(2026, 11, 25),
        created_at=NOW,
    )


def question(options: list[str], multi: bool = False, prompt: str = "Which is right?") -> Question:
    return Question(
        id=3,
        school_id=1,
        qid="q-3",
        prompt=prompt,
        options=options,
        correct=[0, 2] if multi else [0],
        multi=multi,
        explanation="The Code of Practice says so.",
        area="Cognition and learning",
        source="CoP 6.65",
        content_hash="h",
        created_at=NOW,
        updated_at=NOW,
    )


def item(chosen: list[int] | None = None, correct: bool | None = None) -> QuizItem:
    return QuizItem(
        id=42,
        round_id=1,
        staff_id=5,
        question_id=3,
        question_version=1,
        position=2,
        chosen=chosen,
        correct=correct,
    )


def alert(count: int, detail: str, reminder: bool = False) -> Message:
    """A register alert as it goes out: its link made absolute as the dispatcher does."""
    message = alert_message(5, alert_pupils(count), detail, reminder)
    sent = absolute_links(message, "https://sendbot.example")
    assert sent is not None
    return sent


def alert_pupils(count: int) -> list[AlertPupil]:
    """Pupils of a register alert: J.S. in 8RW, then others, one already read."""
    names = ["J.S.", "A.B.", "J.S.", "C.D.", "E.F.", "G.H.", "K.L."]
    kinds = ["added", "plan_issued", "need_changed", "removed"]
    return [
        AlertPupil(
            read_id=100 + n,
            pupil_id=10 + n,
            initials=names[n % len(names)],
            year_group=str(7 + n % 5),
            reg_group=f"{7 + n % 5}RW",
            kind=kinds[n % len(kinds)],
            new_provision="E" if n % 4 == 1 else "K",
            new_need="ASD",
            read=n == 3,
        )
        for n in range(count)
    ]


def digest() -> Digest:
    """The digest of a SENDCO who also manages a team: both parts."""
    return Digest(
        week_of=date(2026, 11, 16),
        team=TeamPart(
            people=3,
            since=date(2026, 11, 9),
            last_week=WeekShare(date(2026, 11, 9), 2, 4),
            week_before=WeekShare(date(2026, 11, 2), 3, 4),
            silent=["Bo <B> & Co"],
            at_risk=["Ann A: questions answered at least 90% in Autumn term 2026, 3 of 4 (75%)"],
        ),
        school=SchoolPart(
            staff=40,
            read_within=5,
            profiles_overdue=2,
            briefings=[BriefingUnread("The *graduated* approach", 12, 40)],
            forgetting=[("dyslexia", 31), ("autism", 48), ("hearing", 55)],
        ),
    )


SHORT = ["Graduated approach", "Exclusion", "Assess, plan, do, review"]
LONG = [f"Option {c} " + "which is explained at some length here" for c in "ABC"]


def every_message(long_option: int) -> dict[str, Message]:
    """One of each message kind; `long_option` sets how long a multi-select option is."""
    wide = ["x" * long_option, "y" * long_option, "z" * long_option]
    return {
        "briefing": briefing_message(briefing()),
        "acknowledged": acknowledged_briefing_message(briefing(), NOW, "Europe/London"),
        "withdrawn": withdrawn_briefing_message(briefing()),
        "question": question_message(item(), question(SHORT)),
        "question_long_options": question_message(item(), question(LONG)),
        "reminder": question_message(item(), question(SHORT), reminder=True),
        "multi": question_message(item(), question(SHORT, multi=True)),
        f"multi_{long_option}": question_message(item(), question(wide, multi=True)),
        "feedback": feedback_message(item([1], False), question(SHORT, prompt="p" * 300)),
        "closed": closed_message(question(SHORT)),
        "register_alert_one": alert(1, "minimal"),
        "register_alert_five": alert(6, "area"),
        "register_alert_many": alert(7, "minimal"),
        "register_alert_count": alert(3, "count"),
        "register_reminder": alert(4, "minimal", reminder=True),
        "digest": absolute_links(digest_message(12, digest()), "https://sendbot.example"),
        "digest_turned_off": absolute_links(
            digest_message(12, digest(), turned_off=True), "https://sendbot.example"
        ),
        "link": Message(
            "alert",
            "New on the register",
            lines=("J.S., Year 7",),
            link=Link("https://sendbot.example/pupils/9?a=1&b=2", "Read the profile"),
        ),
    }
