"""Slack's Home tab, `/sendbot` and the SENDCO's briefing modal, driven by signed requests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from slack_sdk.signature import SignatureVerifier
from sqlmodel import select

from bot.chat.slack.listeners import build_slack_app
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.services.digests import TURNED_OFF as DIGEST_OFF
from bot.services.digests import TURNED_ON as DIGEST_ON
from bot.storage.briefing import Briefing
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.staff import Staff
from tests import factories
from tests.contract.harnesses import SIGNING_SECRET, SlackHarness, signed_post
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_blocks import view_problems
from tests.integration.webapp import client_for, slack_sendbot_for

PUBLIC_URL = "https://sendbot.oakhill.example"
TODAY = date(2026, 11, 25)
TERM = ("Autumn term 2026", date(2026, 9, 2), date(2026, 12, 18))


class ResponseUrls:
    """Slack's response_url on loopback: keeps the JSON each command's answer posts."""

    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []
        posts = self.posts

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                posts.append(json.loads(raw))
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                """Quiet."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/commands/{name}"


@pytest.fixture
def clock() -> FixedClock:
    """Wednesday 25 November 2026, 10:00 in London: a school day inside the sending window."""
    return FixedClock(datetime(2026, 11, 25, 10, 0, tzinfo=UTC))


@pytest.fixture
def slack(db: Database, clock: FixedClock) -> Iterator[SlackHarness]:
    with FakeSlack() as fake:
        sendbot = slack_sendbot_for(
            db.engine.url.render_as_string(hide_password=False),
            clock,
            fake,
            public_url=PUBLIC_URL,
        )
        # As bootstrap wires it, with the links of the Home tab pointing at PUBLIC_URL.
        sendbot.slack_app = build_slack_app(
            sendbot.slack,  # type: ignore[arg-type]
            sendbot.inbound,
            SIGNING_SECRET,
            http_mode=True,
            base_url=sendbot.settings.base_url,
        )
        with client_for(sendbot) as client:
            yield SlackHarness(sendbot, client, fake)
        sendbot.db.dispose()


@pytest.fixture
def answers() -> Iterator[ResponseUrls]:
    urls = ResponseUrls()
    yield urls
    urls.server.shutdown()
    urls.server.server_close()


def wait_for(check: Callable[[], Any], what: str, seconds: float = 10) -> Any:
    deadline = time.monotonic() + seconds
    while not (found := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)
    return found


def open_home(
    slack: SlackHarness,
    user_id: str,
    tab: str = "home",
    event_id: str = "",
    retry: int = 0,
    signed_later: int = 0,
) -> Any:
    """An app_home_opened event, as Slack posts it: a signed JSON envelope. With `retry`, it is
    Slack's redelivery of an event it thinks went unanswered: the same event id, signed again
    (`signed_later` seconds on), with X-Slack-Retry-Num."""
    body = json.dumps(
        {
            "token": "verification-token",
            "team_id": "T0SENDBOT",
            "api_app_id": "A0SENDBOT",
            "event": {
                "type": "app_home_opened",
                "user": user_id,
                "channel": f"D{user_id}",
                "tab": tab,
                "event_ts": f"{time.time():.6f}",
            },
            "type": "event_callback",
            "event_id": event_id or f"Ev{time.time_ns()}",
            "event_time": int(time.time()),
        }
    )
    timestamp = str(int(time.time()) + signed_later)
    signature = SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=timestamp, body=body)
    headers = {
        "content-type": "application/json",
        "x-slack-request-timestamp": timestamp,
        "x-slack-signature": signature,
    }
    if retry:
        headers |= {"x-slack-retry-num": str(retry), "x-slack-retry-reason": "http_timeout"}
    response = slack.client.post("/slack/events", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response


def home_of(slack: SlackHarness, user_id: str) -> tuple[str, list[dict[str, Any]]]:
    """Open the Home tab and return its text and blocks once published."""
    open_home(slack, user_id)
    view = wait_for(lambda: slack.slack.views.get(user_id), "the Home tab")
    texts = []
    for block in view["blocks"]:
        if block["type"] in ("header", "section"):
            texts.append(block["text"]["text"])
        for element in block.get("elements", []):
            texts.append(element.get("url") or element.get("text", {}).get("text", ""))
    return "\n".join(texts), view["blocks"]


def command(
    slack: SlackHarness, user_id: str, text: str, answers: ResponseUrls | None = None
) -> Any:
    """`/sendbot <text>`, form-encoded and signed as Slack sends a slash command."""
    form = {
        "token": "verification-token",
        "team_id": "T0SENDBOT",
        "team_domain": "oakhill",
        "channel_id": "C0STAFFROOM",
        "channel_name": "staffroom",
        "user_id": user_id,
        "user_name": user_id.lower(),
        "command": "/sendbot",
        "text": text,
        "api_app_id": "A0SENDBOT",
        "is_enterprise_install": "false",
        "response_url": answers.url(f"{user_id}-{time.time_ns()}") if answers else "",
        "trigger_id": f"{time.time_ns()}.trigger",
    }
    response = signed_post(slack.client, form)
    assert response.status_code == 200, response.text
    return response


def answer_to(answers: ResponseUrls, seen: int = 0) -> dict[str, Any]:
    wait_for(lambda: len(answers.posts) > seen, "a private answer")
    return answers.posts[-1]


def submit(slack: SlackHarness, user_id: str, view: dict[str, Any], values: dict[str, Any]) -> Any:
    """A view_submission of `view` with these input values, as Slack posts it."""
    payload = {
        "type": "view_submission",
        "team": {"id": "T0SENDBOT", "domain": "oakhill"},
        "user": {"id": user_id, "team_id": "T0SENDBOT"},
        "api_app_id": "A0SENDBOT",
        "trigger_id": f"{time.time_ns()}.trigger",
        "view": dict(view, state={"values": values}),
        "response_urls": [],
        "is_enterprise_install": False,
    }
    response = signed_post(slack.client, {"payload": json.dumps(payload)})
    assert response.status_code == 200, response.text
    return response.json() if response.content else {}


def form_values(
    modal: dict[str, Any], title: str | None, bullets: str, audience: list[str], when: str = "now"
) -> dict[str, Any]:
    """The state Slack sends for the briefing form, keyed by the form's own block ids."""
    ids = {b["block_id"]: b["element"]["action_id"] for b in modal["blocks"]}
    return {
        "title": {ids["title"]: {"type": "plain_text_input", "value": title}},
        "bullets": {ids["bullets"]: {"type": "plain_text_input", "value": bullets}},
        "audience": {
            ids["audience"]: {
                "type": "multi_static_select",
                "selected_options": [
                    {"text": {"type": "plain_text", "text": a}, "value": a} for a in audience
                ],
            }
        },
        "when": {
            ids["when"]: {
                "type": "radio_buttons",
                "selected_option": {"text": {"type": "plain_text", "text": when}, "value": when},
            }
        },
    }


def people(db: Database, *specs: tuple[str, dict[str, Any]]) -> list[int]:
    """A school with these people (name, factories.person options); their ids in order."""

    def make(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        return [factories.person(s, school, name, platform=None, **o).id for name, o in specs]

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
            factories.quiz_item(
                s,
                school,
                person,
                question,
                date(2026, 11, 24),
                chosen=[0] if n < answered else None,
            )

    db.work(make)


def count(db: Database, model: type) -> int:
    return db.work(lambda s: len(s.exec(select(model)).all()))


# --- the Home tab ------------------------------------------------------------------------------


def test_home_shows_a_member_of_staff_their_progress_what_waits_and_their_targets(
    db: Database, slack: SlackHarness
) -> None:
    (ann,) = people(db, ("Ann Staff", {}))
    record_quiz(db, ann, answered=1, waiting=1)

    def more(s):  # type: ignore[no-untyped-def]
        person = s.get(Staff, ann)
        school = s.get(factories.School, person.school_id)
        briefing = factories.briefing(s, school, datetime(2026, 11, 20, tzinfo=UTC))
        factories.briefing_received(s, briefing, person, date(2026, 11, 20))
        factories.target(s, person, "answered_share", 90, *TERM)

    db.work(more)
    text, _ = home_of(slack, slack.user_id_of(ann))
    assert "Questions answered: 1 of 2, 1 of them correct." in text
    assert "1 question to answer" in text
    assert "1 briefing to read (“The graduated approach”)" in text
    assert "questions answered at least 90% in Autumn term 2026: 1 of 2 (50%), at risk" in text
    assert f"{PUBLIC_URL}/me" in text
    assert "Your team" not in text and "Latest briefings" not in text


def test_home_shows_a_line_manager_their_team_and_who_is_furthest_behind(
    db: Database, slack: SlackHarness
) -> None:
    boss, behind, done, other = people(
        db,
        ("Lena Manager", {"roles": {Role.LINE_MANAGER}}),
        ("Bob Behind", {}),
        ("Dot Done", {}),
        ("Olly Otherteam", {}),
    )

    def team(s):  # type: ignore[no-untyped-def]
        for member in (behind, done):
            s.get(Staff, member).line_manager_id = boss

    db.work(team)
    record_quiz(db, behind, answered=1, waiting=3)
    record_quiz(db, done, answered=2, waiting=0)
    record_quiz(db, other, answered=0, waiting=4)
    text, _ = home_of(slack, slack.user_id_of(boss))
    assert "Your team" in text and "2 people" in text
    assert "Questions answered: 3 of 6 (50%); correct: 3 (100%)." in text
    assert "1 answered everything they were asked; 1 have questions waiting" in text
    assert "• Bob Behind: answered 1 of 4, 1 correct" in text
    assert "Olly Otherteam" not in text and "Dot Done" not in text
    assert f"{PUBLIC_URL}/team" in text
    assert "Latest briefings" not in text


def test_home_shows_the_sendco_the_latest_briefings_and_who_they_did_not_reach(
    db: Database, slack: SlackHarness, clock: FixedClock
) -> None:
    sendco, read, missed = people(
        db, ("Sam Sendco", {"roles": {Role.SENDCO}}), ("Rita Reader", {}), ("Max Missed", {})
    )

    def deliveries(s):  # type: ignore[no-untyped-def]
        school = s.get(factories.School, s.get(Staff, sendco).school_id)
        briefing = factories.briefing(s, school, clock.now())
        briefing.status = "planned"
        factories.briefing_received(s, briefing, s.get(Staff, read), TODAY, acknowledged=True)
        s.add(
            Delivery(
                school_id=school.id,
                staff_id=missed,
                kind="briefing",
                subject_id=briefing.id,
                idempotency_key=f"briefing:{briefing.id}:{missed}",
                platform="slack",
                status="not_reached",
                not_before=clock.now(),
                last_error="their Slack account is deactivated",
            )
        )

    db.work(deliveries)
    text, _ = home_of(slack, slack.user_id_of(sendco))
    assert "Latest briefings" in text and "The school" in text
    assert "read by 1 of 1 sent; 0 still to send; 1 not reached." in text
    assert "Not reached: Max Missed (their Slack account is deactivated)." in text


def test_a_school_of_300_fits_the_home_tab_within_slacks_100_blocks(
    db: Database, slack: SlackHarness, clock: FixedClock
) -> None:
    ids = people(
        db,
        ("Sam Sendco", {"roles": {Role.SENDCO}}),
        *((f"Teacher {n:03d} With A Rather Long Name", {}) for n in range(300)),
    )
    sendco, staff = ids[0], ids[1:]

    def busy(s):  # type: ignore[no-untyped-def]
        school = s.get(factories.School, s.get(Staff, sendco).school_id)
        question = factories.question(s, school, "q0")
        for n in range(12):
            briefing = factories.briefing(s, school, clock.now(), slug=f"b{n}")
            briefing.title = f"Briefing number {n} " + "with a long title " * 6
            briefing.status = "planned"
            for staff_id in staff:
                s.add(
                    Delivery(
                        school_id=school.id,
                        staff_id=staff_id,
                        kind="briefing",
                        subject_id=briefing.id,
                        idempotency_key=f"briefing:{briefing.id}:{staff_id}",
                        platform="slack",
                        status="not_reached",
                        not_before=clock.now(),
                        last_error="their Messages tab for sendbot is turned off in Slack",
                    )
                )
        for staff_id in staff:
            person = s.get(Staff, staff_id)
            factories.quiz_item(s, school, person, question, date(2026, 11, 24))
            for n in range(12):
                factories.target(s, person, "answered_share", 50 + n, *TERM)

    db.work(busy)
    text, blocks = home_of(slack, slack.user_id_of(sendco))
    assert len(blocks) <= 100
    assert "301 people" in text and "and 290 more on the team page" in text
    assert "and 292 more." in text  # not-reached names beyond the first eight
    assert text.count("Briefing number") == 5
    # A member of staff with a dozen targets sees ten and is pointed to the page.
    text, blocks = home_of(slack, slack.user_id_of(staff[0]))
    assert len(blocks) <= 100 and "and 2 more on your progress page" in text


def test_someone_slack_knows_but_sendbot_does_not_is_asked_to_see_their_sendco(
    slack: SlackHarness,
) -> None:
    slack.slack.add_user("U0VISITOR", "visitor@elsewhere.example")
    text, blocks = home_of(slack, "U0VISITOR")
    assert "Please ask your SENDCO to add you" in text and len(blocks) <= 3
    # Opening the Messages tab publishes nothing.
    slack.slack.add_user("U0OTHER", "other@elsewhere.example")
    open_home(slack, "U0OTHER", tab="messages")
    time.sleep(0.3)
    assert "U0OTHER" not in slack.slack.views


def test_slacks_redelivery_of_an_event_is_answered_and_not_handled_twice(
    slack: SlackHarness,
) -> None:
    """Slack redelivers an event it thinks went unanswered (X-Slack-Retry-Num), signed anew
    but with the same event id: it gets a 200, so Slack stops, and is not handled again."""
    slack.slack.add_user("U0VISITOR", "visitor@elsewhere.example")
    open_home(slack, "U0VISITOR", event_id="Ev0REDELIVERED")
    wait_for(lambda: slack.slack.views.get("U0VISITOR"), "the Home tab")
    for retry in (1, 2):
        again = open_home(slack, "U0VISITOR", event_id="Ev0REDELIVERED", retry=retry,
                          signed_later=retry)  # fmt: skip
        assert again.status_code == 200
    time.sleep(0.3)
    assert slack.slack.calls["views.publish"] == 1


# --- /sendbot ----------------------------------------------------------------------------------


def test_help_lists_the_commands(slack: SlackHarness) -> None:
    for text in ("", "help", "dance"):
        # An acknowledgement with text only is answered as plain text; Slack shows it privately.
        reply = command(slack, "U0ANYONE", text).text
        assert "/sendbot me" in reply and "/sendbot brief" in reply
    assert "`dance` is not a sendbot command" in reply


def test_me_answers_privately_with_the_persons_summary(
    db: Database, slack: SlackHarness, answers: ResponseUrls
) -> None:
    (ann,) = people(db, ("Ann Staff", {}))
    record_quiz(db, ann, answered=2, waiting=1)
    command(slack, slack.user_id_of(ann), "me", answers)
    reply = answer_to(answers)
    assert reply["response_type"] == "ephemeral"
    assert "Questions answered: 2 of 3, 2 of them correct." in reply["text"]
    assert f"{PUBLIC_URL}/me" in reply["text"]
    assert slack.slack.messages == []  # nothing posted where others could see it


def test_team_is_refused_politely_for_staff_and_answered_for_a_line_manager(
    db: Database, slack: SlackHarness, answers: ResponseUrls
) -> None:
    ann, boss = people(db, ("Ann Staff", {}), ("Lena Manager", {"roles": {Role.LINE_MANAGER}}))
    db.work(lambda s: setattr(s.get(Staff, ann), "line_manager_id", boss))
    record_quiz(db, ann, answered=0, waiting=2)
    command(slack, slack.user_id_of(ann), "team", answers)
    refused = answer_to(answers)
    assert "is for line managers and the SENDCO" in refused["text"]
    assert "Ann Staff" not in refused["text"]
    command(slack, slack.user_id_of(boss), "team", answers)
    reply = answer_to(answers, seen=1)
    assert reply["response_type"] == "ephemeral"
    assert "• Ann Staff: answered 0 of 2, 0 correct" in reply["text"]


def test_brief_is_refused_for_staff_and_opens_no_modal(
    db: Database, slack: SlackHarness, answers: ResponseUrls
) -> None:
    (ann,) = people(db, ("Ann Staff", {}))
    command(slack, slack.user_id_of(ann), "brief", answers)
    assert "Only the SENDCO (or an admin) can post a briefing" in answer_to(answers)["text"]
    assert slack.slack.modals == [] and slack.slack.calls["views.open"] == 0


def test_digest_off_and_on_turn_the_weekly_digest_off_and_on(
    db: Database, slack: SlackHarness, answers: ResponseUrls
) -> None:
    assert "`/sendbot digest off`" in command(slack, "U0ANYONE", "help").text
    ann, boss = people(db, ("Ann Staff", {}), ("Lena Manager", {"roles": {Role.LINE_MANAGER}}))
    db.work(lambda s: setattr(s.get(Staff, ann), "line_manager_id", boss))
    command(slack, slack.user_id_of(boss), "digest off", answers)
    reply = answer_to(answers)
    assert reply["response_type"] == "ephemeral"
    assert reply["text"] == DIGEST_OFF
    assert db.work(lambda s: s.get(Staff, boss).weekly_digest) is False
    command(slack, slack.user_id_of(boss), "Digest ON", answers)
    assert answer_to(answers, seen=1)["text"] == DIGEST_ON
    assert db.work(lambda s: s.get(Staff, boss).weekly_digest) is True
    command(slack, slack.user_id_of(boss), "digest", answers)
    assert answer_to(answers, seen=2)["text"] == (
        "Your weekly digest is on. “/sendbot digest off” turns it off and “/sendbot digest on” "
        "turns it on again."
    )
    assert slack.slack.messages == []


# --- the briefing modal ------------------------------------------------------------------------


def open_modal(db: Database, slack: SlackHarness, answers: ResponseUrls) -> tuple[str, dict]:
    sendco, *_ = people(
        db,
        ("Sam Sendco", {"roles": {Role.SENDCO}, "job_role": "senior_leader"}),
        ("Tim Teacher", {}),
        ("Tess Teacher", {"department": "English"}),
        ("Tara Assistant", {"job_role": "teaching_assistant"}),
    )
    user = slack.user_id_of(sendco)
    command(slack, user, "brief", answers)
    modal = wait_for(lambda: slack.slack.modals, "the briefing form")[0]["view"]
    return user, modal


def test_the_modal_shows_each_error_beside_its_field_and_stores_nothing(
    db: Database, slack: SlackHarness, answers: ResponseUrls
) -> None:
    user, modal = open_modal(db, slack, answers)
    options = next(b for b in modal["blocks"] if b["block_id"] == "audience")["element"]["options"]
    assert [o["value"] for o in options][-2:] == ["department: English", "department: Science"]
    seven = "\n".join(f"- Point {n}" for n in range(7))
    reply = submit(slack, user, modal, form_values(modal, "", seven, ["everyone at all"]))
    assert reply["response_action"] == "errors"
    assert set(reply["errors"]) == {"title", "bullets", "audience"}
    assert reply["errors"]["title"] == "The title is empty."
    assert "at most 5 bullets, one a line; this has 7" in reply["errors"]["bullets"]
    assert "is not an audience sendbot knows" in reply["errors"]["audience"]
    long = submit(slack, user, modal, form_values(modal, "T" * 151, "x" * 281, ["all"]))
    assert long["errors"] == {
        "title": "The title has 151 characters; at most 150.",
        "bullets": "Bullet 1 has 281 characters; at most 280 fit a chat card.",
    }
    empty = submit(slack, user, modal, form_values(modal, "Hello", "  \n", []))
    assert set(empty["errors"]) == {"bullets", "audience"}
    time.sleep(0.3)
    assert count(db, Briefing) == 0 and count(db, Delivery) == 0


def test_the_sendco_previews_then_sends_and_it_is_stored_and_planned_for_its_audience(
    db: Database, slack: SlackHarness, answers: ResponseUrls, clock: FixedClock
) -> None:
    user, modal = open_modal(db, slack, answers)
    bullets = "- Use the pupil's one-page profile.\n\n• Seat them near the front.\n3. Ask the TA."
    values = form_values(modal, "Supporting Year 7 with hearing loss", bullets, ["teachers"])
    preview = submit(slack, user, modal, values)
    assert preview["response_action"] == "push"
    shown = json.dumps(preview["view"]["blocks"])
    assert "Seat them near the front." in shown and "For: teachers" in shown
    assert preview["view"]["submit"]["text"] == "Send"
    assert preview["view"]["close"]["text"] == "Back"
    assert count(db, Briefing) == 0  # a preview stores nothing

    sent = submit(slack, user, preview["view"], {})
    assert sent == {"response_action": "clear"}
    dm = wait_for(lambda: slack.slack.messages_to(user), "the SENDCO's confirmation")
    assert "is on its way to 2 people (teachers), now" in dm[0]["text"]
    briefing = db.work(lambda s: s.exec(select(Briefing)).one())
    assert briefing.slug == "2026-11-25-supporting-year-7-with-hearing-loss"
    assert (briefing.source, briefing.status, briefing.audience) == (
        "slack",
        "planned",
        ["teachers"],
    )
    assert briefing.bullets == [
        "Use the pupil's one-page profile.",
        "Seat them near the front.",
        "Ask the TA.",
    ]
    planned = db.work(
        lambda s: s.exec(
            select(Staff.name, Delivery.not_before).join(Delivery, Delivery.staff_id == Staff.id)
        ).all()
    )
    assert sorted(name for name, _ in planned) == ["Tess Teacher", "Tim Teacher"]
    assert {at for _, at in planned} == {clock.now()}

    # A second Send of the same preview (a retry, a double press) stores and plans nothing new.
    assert submit(slack, user, preview["view"], {}) == {"response_action": "clear"}
    wait_for(lambda: len(slack.slack.messages_to(user)) == 2, "the second confirmation")
    assert count(db, Briefing) == 1 and count(db, Delivery) == 2
    assert "so it was not sent again" in slack.slack.messages_to(user)[1]["text"]


def test_a_preview_with_many_warnings_stays_within_slacks_section_limit(
    db: Database, slack: SlackHarness, answers: ResponseUrls
) -> None:
    """Twenty-five unexplained abbreviations make twenty-five warnings, far past the 3,000
    characters Slack allows a section: the preview shows those that fit and how many more."""
    user, modal = open_modal(db, slack, answers)
    letters = iter(f"Q{a}{b}" for a in "ABCDE" for b in "VWXYZ")
    bullets = "\n".join(
        "- Ask about " + " ".join(next(letters) for _ in range(5)) + "." for _ in range(5)
    )
    preview = submit(slack, user, modal, form_values(modal, "Letters", bullets, ["all"]))
    assert preview["response_action"] == "push"
    assert view_problems(preview["view"], "modal") == []
    shown = json.dumps(preview["view"]["blocks"])
    assert "Worth a look" in shown and "more: check the wording before you send" in shown


def test_send_from_someone_who_is_not_the_sendco_is_refused_and_stores_nothing(
    db: Database, slack: SlackHarness, answers: ResponseUrls
) -> None:
    user, modal = open_modal(db, slack, answers)
    preview = submit(slack, user, modal, form_values(modal, "Hi", "- One", ["all"], "next"))
    (ann,) = db.work(lambda s: [s.exec(select(Staff.id).where(Staff.name == "Tim Teacher")).one()])
    stranger = slack.user_id_of(ann)
    assert submit(slack, stranger, preview["view"], {}) == {"response_action": "clear"}
    dm = wait_for(lambda: slack.slack.messages_to(stranger), "the refusal")
    assert "Only the SENDCO (or an admin) can post a briefing" in dm[0]["text"]
    assert count(db, Briefing) == 0
