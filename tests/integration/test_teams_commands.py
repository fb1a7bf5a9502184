"""Typed `me`, `team` and `brief` in Teams, and the SENDCO's briefing cards pressed through
Preview, Send and Edit: real signed activities to /api/messages, replies through the fake Teams,
invoke answers read from the response, and every card checked against the 1.5 schema."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from jsonschema import Draft6Validator
from sqlmodel import select

from bot.chat.teams.commands import NO_TEAM, NOT_KNOWN, UNREADABLE
from bot.domain.people import Role
from bot.services.chat_briefings import NOT_ALLOWED
from bot.services.chat_briefings import NOT_KNOWN as NOT_KNOWN_TO_BRIEF
from bot.services.clock import FixedClock
from bot.services.digests import TURNED_OFF as DIGEST_OFF
from bot.services.digests import TURNED_ON as DIGEST_ON
from bot.services.inbound import Inbound
from bot.storage.briefing import Briefing
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.staff import ChatIdentity, Staff
from bot.web.teams_endpoint import teams_router
from tests import factories
from tests.fakes.teams_activities import card_action_activity, message_activity
from tests.fakes.teams_connector import FakeTeams
from tests.fakes.teams_identity import FakeIdentity
from tests.fakes.teams_limits import TeamsLimits
from tests.fakes.teams_sdk import sdk_pointed_at

PUBLIC_URL = "https://sendbot.oakhill.example"
CARD = "application/vnd.microsoft.card.adaptive"
MESSAGE = "application/vnd.microsoft.activity.message"
VALIDATOR = Draft6Validator(
    json.loads(
        (Path(__file__).parents[1] / "fixtures" / "adaptive-card-1.5.schema.json").read_text()
    )
)
MAX_CARD_BYTES = 28_000  # well under Teams' 100 KB or so for a bot message
ACCOUNTS = {
    "aad-sendco": "Sam Sendco",
    "aad-manager": "Lena Manager",
    "aad-teacher": "Tom Teacher",
    "aad-new": "Nia New",
}
STAFF = 5  # Sam, Lena, Tom, Bob and Olly: the audience "all"
GOOD = {"title": "Checking understanding", "bullets": "Ask, then wait.\nOffer a choice of two."}


@pytest.fixture
def clock() -> FixedClock:
    """Wednesday 25 November 2026, 10:00 in London: a school day inside the sending window."""
    return FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))


@pytest.fixture(scope="module")
def identity() -> Iterator[FakeIdentity]:
    with FakeIdentity() as fake:
        yield fake


@pytest.fixture
def teams(identity: FakeIdentity) -> Iterator[FakeTeams]:
    with sdk_pointed_at(identity), FakeTeams(identity, limits=TeamsLimits.unlimited()) as fake:
        for aad, name in ACCOUNTS.items():
            fake.add_user(aad, name, f"{aad}@school.example", installed=True)
            fake.tenant.conversation(fake.user(aad))
        yield fake


@pytest.fixture
def client(db: Database, clock: FixedClock, identity: FakeIdentity, teams: FakeTeams) -> Any:
    app = FastAPI()
    app.include_router(
        teams_router(
            Inbound(db, {}, clock),
            client_id=identity.client_id,
            client_secret=identity.client_secret,
            tenant_id=identity.tenant_id,
            authority_host=identity.base_url,
            base_url=PUBLIC_URL,
        )
    )
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def school(db: Database) -> dict[str, int]:
    """The SENDCO, a line manager with Tom and Bob in her team, and Olly in no team; the
    first three on Teams. Their staff ids by name."""

    def make(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        ids = {}
        for name, roles in (
            ("Sam Sendco", {Role.SENDCO}),
            ("Lena Manager", {Role.LINE_MANAGER}),
            ("Tom Teacher", None),
            ("Bob Behind", None),
            ("Olly Otherteam", None),
        ):
            ids[name] = factories.person(s, school, name, roles=roles, platform=None).id
        for aad, name in ACCOUNTS.items():
            if name in ids:
                s.add(ChatIdentity(staff_id=ids[name], platform="teams", platform_user_id=aad))
        for member in ("Tom Teacher", "Bob Behind"):
            s.get(Staff, ids[member]).line_manager_id = ids["Lena Manager"]
        return ids

    return db.work(make)


def record_quiz(db: Database, staff_id: int, answered: int, waiting: int) -> None:
    """Questions sent this term: `answered` answered correctly, `waiting` not yet answered."""

    def make(s):  # type: ignore[no-untyped-def]
        person = s.get(Staff, staff_id)
        school = s.get(factories.School, person.school_id)
        for n in range(answered + waiting):
            qid = f"q{n}"
            question = s.exec(
                select(factories.Question).where(factories.Question.qid == qid)
            ).first() or factories.question(s, school, qid)
            chosen = [0] if n < answered else None
            factories.quiz_item(s, school, person, question, date(2026, 11, 24), chosen=chosen)

    db.work(make)


# --- talking to the bot ------------------------------------------------------------------------


def post(client: Any, identity: FakeIdentity, teams: FakeTeams, activity: dict[str, Any]) -> Any:
    token = identity.inbound_token(teams.service_url)
    response = client.post(
        "/api/messages", json=activity, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    return response


def typed(client: Any, identity: FakeIdentity, teams: FakeTeams, aad: str, text: str) -> Any:
    """What the bot replied, in the person's chat, to a typed word: text or a card."""
    seen = len(teams.activities(teams.conversation_id(aad)))
    post(client, identity, teams, message_activity(teams, aad, text=text))
    [reply] = teams.activities(teams.conversation_id(aad))[seen:]
    if reply.get("attachments"):
        [attachment] = reply["attachments"]
        assert attachment["contentType"] == CARD
        return valid(attachment["content"])
    return reply["text"]


def press_activity(teams: FakeTeams, aad: str, verb: str, data: dict[str, Any]) -> dict[str, Any]:
    return card_action_activity(teams, aad, verb, data, "1764000000001")


def pressed(
    client: Any, identity: FakeIdentity, teams: FakeTeams, aad: str, verb: str, data: Any
) -> Any:
    """The invoke's answer: the replacement card, or the text of a message response."""
    answer = post(client, identity, teams, press_activity(teams, aad, verb, data)).json()
    assert answer["statusCode"] == 200
    if answer["type"] == MESSAGE:
        return answer["value"]
    assert answer["type"] == CARD
    return valid(answer["value"])


def valid(card: dict[str, Any]) -> dict[str, Any]:
    assert [e.message for e in VALIDATOR.iter_errors(card)] == []
    assert len(json.dumps(card).encode()) < MAX_CARD_BYTES
    return card


def texts(card: dict[str, Any]) -> list[str]:
    return [e["text"] for e in card["body"] if e["type"] == "TextBlock"]


def actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    return [a for e in card["body"] if e["type"] == "ActionSet" for a in e["actions"]]


def action(card: dict[str, Any], title: str) -> dict[str, Any]:
    [found] = [a for a in actions(card) if a["title"] == title]
    return found


def field(card: dict[str, Any], input_id: str) -> dict[str, Any]:
    [found] = [e for e in card["body"] if e.get("id") == input_id]
    return found


def under(card: dict[str, Any], input_id: str) -> dict[str, Any] | None:
    """The element right under an input: its error, if it has one."""
    body = card["body"]
    at = body.index(field(card, input_id))
    following = body[at + 1]
    return following if following.get("color") == "attention" else None


def choose(card: dict[str, Any], *titles: str) -> str:
    """The value Teams sends for a multi-select with these choices ticked."""
    by_title = {c["title"]: c["value"] for c in field(card, "audience")["choices"]}
    return ",".join(by_title[t] for t in titles)


def submitted(form: dict[str, Any], **inputs: str) -> tuple[str, dict[str, Any]]:
    """The verb and data of a Preview press: the action's data with the inputs merged in, as
    Teams sends them (an input left empty is sent as an empty string)."""
    preview = action(form, "Preview")
    assert preview["type"] == "Action.Execute"
    values = {"title": "", "bullets": "", "audience": "", "when": "next"}
    return preview["verb"], dict(preview["data"]) | values | inputs


def stored(db: Database) -> tuple[list[Briefing], list[Delivery]]:
    return (
        db.work(lambda s: s.exec(select(Briefing)).all()),
        db.work(lambda s: s.exec(select(Delivery)).all()),
    )


def form_for(client: Any, identity: FakeIdentity, teams: FakeTeams) -> dict[str, Any]:
    return typed(client, identity, teams, "aad-sendco", "brief")


def preview_for(
    client: Any, identity: FakeIdentity, teams: FakeTeams, when: str = "now"
) -> dict[str, Any]:
    form = form_for(client, identity, teams)
    verb, data = submitted(form, **GOOD, audience=choose(form, "all"), when=when)
    return pressed(client, identity, teams, "aad-sendco", verb, data)


# --- me and team -------------------------------------------------------------------------------


def test_me_shows_a_known_person_their_progress_with_a_link_to_their_page(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    record_quiz(db, school["Tom Teacher"], answered=1, waiting=1)
    card = typed(client, identity, teams, "aad-teacher", "me")
    shown = texts(card)
    assert shown[0] == "Your progress"
    assert "Questions answered: 1 of 2, 1 of them correct." in shown
    assert "**Waiting for you:** 1 question to answer." in shown
    assert "No targets yet; your line manager agrees them with you." in shown
    assert action(card, "Open my progress page")["url"] == f"{PUBLIC_URL}/me"


def test_me_for_someone_sendbot_does_not_know_says_so(
    client: Any, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    assert typed(client, identity, teams, "aad-new", "me") == NOT_KNOWN


def test_team_shows_a_line_manager_their_team_and_who_is_furthest_behind(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    record_quiz(db, school["Bob Behind"], answered=1, waiting=3)
    record_quiz(db, school["Tom Teacher"], answered=2, waiting=0)
    record_quiz(db, school["Olly Otherteam"], answered=0, waiting=4)
    card = typed(client, identity, teams, "aad-manager", "Team")
    shown = texts(card)
    assert shown[0] == "Your team"
    assert shown[1].endswith("**: 2 people") and shown[1].startswith("**")
    assert "Questions answered: 3 of 6 (50%); correct: 3 (100%)." in shown
    assert "**Furthest behind**" in shown
    assert "- Bob Behind: answered 1 of 4, 1 correct" in shown
    assert "Olly" not in str(card) and "Tom Teacher" not in str(card)
    assert action(card, "Open the team page")["url"] == f"{PUBLIC_URL}/team"


def test_team_for_someone_with_no_team_says_who_it_is_for_and_points_to_me(
    client: Any, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    reply = typed(client, identity, teams, "aad-teacher", "team")
    assert reply == NO_TEAM
    assert "line managers and the SENDCO" in reply and "“me”" in reply


def test_digest_off_and_on_turn_the_weekly_digest_off_and_on(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    assert "**digest off**" in typed(client, identity, teams, "aad-manager", "help")
    assert typed(client, identity, teams, "aad-manager", "digest off") == DIGEST_OFF
    lena = school["Lena Manager"]
    assert db.work(lambda s: s.get(Staff, lena).weekly_digest) is False
    assert typed(client, identity, teams, "aad-manager", "Digest on.") == DIGEST_ON
    assert db.work(lambda s: s.get(Staff, lena).weekly_digest) is True
    # Someone with no team may turn it on, and is told it has nothing to send them yet.
    reply = typed(client, identity, teams, "aad-teacher", "digest on")
    assert reply.startswith(DIGEST_ON) and "while you have no team" in reply
    assert typed(client, identity, teams, "aad-new", "digest off") == NOT_KNOWN


# --- brief: the form ---------------------------------------------------------------------------


def test_brief_gives_the_sendco_the_form(
    client: Any, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    form = form_for(client, identity, teams)
    assert field(form, "title")["type"] == "Input.Text"
    assert field(form, "bullets")["isMultiline"] is True
    audience = field(form, "audience")
    assert audience["isMultiSelect"] is True
    titles = [c["title"] for c in audience["choices"]]
    assert titles[0] == "all" and "department: Science" in titles
    assert all("," not in c["value"] for c in audience["choices"])
    assert audience["value"] == choose(form, "all")
    assert {c["value"] for c in field(form, "when")["choices"]} == {"now", "next"}
    preview = action(form, "Preview")
    assert preview["type"] == "Action.Execute" and preview["verb"].startswith("brief.")


def test_brief_for_a_teacher_is_refused(
    client: Any, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    assert typed(client, identity, teams, "aad-teacher", "brief") == NOT_ALLOWED


# --- brief: preview, send, edit ----------------------------------------------------------------


def test_preview_shows_each_error_under_its_field_and_keeps_what_was_typed(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    form = form_for(client, identity, teams)
    six = "\n".join(f"Point {n}." for n in range(1, 7))
    verb, data = submitted(form, title="Too many points", bullets=six, audience="")
    again = pressed(client, identity, teams, "aad-sendco", verb, data)
    assert field(again, "title")["value"] == "Too many points"
    assert field(again, "bullets")["value"] == six
    assert under(again, "title") is None and under(again, "when") is None
    bullets_error = under(again, "bullets")
    assert bullets_error is not None and "at most 5 bullets" in bullets_error["text"]
    audience_error = under(again, "audience")
    assert audience_error is not None and "Choose who it is for" in audience_error["text"]
    assert stored(db) == ([], [])


def test_preview_then_send_posts_one_briefing_and_plans_it_for_everyone(
    client: Any,
    db: Database,
    identity: FakeIdentity,
    teams: FakeTeams,
    clock: FixedClock,
    school: dict[str, int],
) -> None:
    preview = preview_for(client, identity, teams)
    shown = texts(preview)
    assert "Checking understanding" in shown
    assert "- Ask, then wait.\n- Offer a choice of two." in shown
    assert "For: all · Sends: now" in shown
    assert stored(db) == ([], [])  # a preview stores nothing
    send = action(preview, "Send")
    posted = pressed(client, identity, teams, "aad-sendco", send["verb"], send["data"])
    assert f"Planned for {STAFF} people (all), sending now." in texts(posted)
    assert action(posted, "See who has read it")["url"] == f"{PUBLIC_URL}/sendco/briefings"
    [briefing], deliveries = stored(db)
    assert (briefing.title, briefing.bullets) == (GOOD["title"], GOOD["bullets"].split("\n"))
    assert briefing.source == "teams" and briefing.audience == ["all"]
    assert sorted(d.staff_id for d in deliveries) == sorted(school.values())
    assert {d.not_before.replace(tzinfo=UTC) for d in deliveries} == {clock.now()}


def test_an_older_client_uses_the_action_submit_fallback_and_gets_new_cards(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    """A Teams client too old for Action.Execute presses the card's Action.Submit fallback: a
    message whose value is the data, verb included. The answer cannot replace the card, so it
    arrives as the next message: the preview, then what was posted."""
    form = form_for(client, identity, teams)
    preview_button = action(form, "Preview")
    fallback = preview_button["fallback"]
    assert fallback["type"] == "Action.Submit" and fallback["title"] == "Preview"
    values = {"title": "", "bullets": "", "audience": "", "when": "now"}
    typed_in = values | GOOD | {"audience": choose(form, "all")}

    def submit(data: dict[str, Any]) -> dict[str, Any]:
        conversation = teams.conversation_id("aad-sendco")
        seen = len(teams.activities(conversation))
        post(client, identity, teams, message_activity(teams, "aad-sendco", value=data))
        [reply] = teams.activities(conversation)[seen:]
        [attachment] = reply["attachments"]
        return valid(attachment["content"])

    preview = submit(dict(fallback["data"]) | typed_in)
    assert "For: all · Sends: now" in texts(preview)
    send = action(preview, "Send")["fallback"]
    posted = submit(dict(send["data"]))
    assert f"Planned for {STAFF} people (all), sending now." in texts(posted)
    briefings, deliveries = stored(db)
    assert len(briefings) == 1 and len(deliveries) == STAFF


def test_send_pressed_twice_or_delivered_twice_posts_once(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    send = action(preview_for(client, identity, teams, when="next"), "Send")
    activity = press_activity(teams, "aad-sendco", send["verb"], send["data"])
    first = post(client, identity, teams, activity).json()
    assert post(client, identity, teams, activity).json() == first  # Teams delivers it again
    second = pressed(client, identity, teams, "aad-sendco", send["verb"], send["data"])
    assert "each at their next sending moment" in str(first)
    assert any("so it was not sent again" in t for t in texts(second))
    briefings, deliveries = stored(db)
    assert len(briefings) == 1 and len(deliveries) == STAFF


def test_send_pressed_twice_at_once_posts_once(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    send = action(preview_for(client, identity, teams), "Send")
    activities = [press_activity(teams, "aad-sendco", send["verb"], send["data"]) for _ in "ab"]
    answers: list[Any] = []
    threads = [
        threading.Thread(target=lambda a=a: answers.append(post(client, identity, teams, a)))
        for a in activities
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.json()["type"] for a in answers] == [CARD, CARD]  # neither an apology
    briefings, deliveries = stored(db)
    assert len(briefings) == 1 and len(deliveries) == STAFF


def test_edit_returns_the_form_filled_in(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    form = form_for(client, identity, teams)
    chosen = choose(form, "teachers", "department: Science")
    verb, data = submitted(form, **GOOD, audience=chosen, when="now")
    preview = pressed(client, identity, teams, "aad-sendco", verb, data)
    edit = action(preview, "Edit")
    again = pressed(client, identity, teams, "aad-sendco", edit["verb"], edit["data"])
    assert field(again, "title")["value"] == GOOD["title"]
    assert field(again, "bullets")["value"] == GOOD["bullets"]
    assert field(again, "audience")["value"] == chosen
    assert field(again, "when")["value"] == "now"
    assert stored(db) == ([], [])


def test_a_teachers_forged_presses_are_refused_and_nothing_is_stored(
    client: Any, db: Database, identity: FakeIdentity, teams: FakeTeams, school: dict[str, int]
) -> None:
    send = action(preview_for(client, identity, teams), "Send")
    assert pressed(client, identity, teams, "aad-teacher", send["verb"], send["data"]) == (
        NOT_ALLOWED
    )
    form = form_for(client, identity, teams)
    verb, data = submitted(form, **GOOD, audience=choose(form, "all"))
    assert pressed(client, identity, teams, "aad-teacher", verb, data) == NOT_ALLOWED
    unknown = pressed(client, identity, teams, "aad-new", send["verb"], send["data"])
    assert unknown == NOT_KNOWN_TO_BRIEF
    assert stored(db) == ([], [])


@pytest.mark.parametrize(
    ("verb", "data"),
    [
        ("brief.send", {"action_id": "brief.send"}),
        ("brief.send", {"briefing": {"title": "A", "bullets": "not a list", "audience": []}}),
        ("brief.send", {"briefing": {"title": 7, "bullets": [], "audience": [], "when": "now"}}),
        ("brief.send", {"briefing": {"title": "", "bullets": [], "audience": [], "when": "x"}}),
        ("brief.edit", {"briefing": "[]"}),
        ("brief.preview", {"title": ["a list"]}),
        ("brief.delete", {}),
        ("brief.send", "not a mapping"),
    ],
)
def test_garbage_in_a_briefing_press_gets_a_polite_answer_and_changes_nothing(
    client: Any,
    db: Database,
    identity: FakeIdentity,
    teams: FakeTeams,
    school: dict[str, int],
    verb: str,
    data: Any,
) -> None:
    assert pressed(client, identity, teams, "aad-sendco", verb, data) == UNREADABLE
    assert stored(db) == ([], [])
