"""The SENDCO writes, previews, schedules, changes and withdraws briefings on the web pages,
and briefing files loaded later never silently replace what was written there."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from bot.bootstrap import Sendbot
from bot.cli import app as cli_app
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.audit import AuditEvent
from bot.storage.briefing import Briefing
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

ROOT = Path(__file__).resolve().parents[2]
LONG = "Pupils " + "who find reading hard benefit from " * 9 + "short texts."
GOOD = {
    "title": "Adapt your teaching first",
    "audience": ["teachers"],
    "point-1": "Adapt your teaching first (SEND Code of Practice 6.37).",
    "point-2": "Pupils with speech, language and communication needs (SLCN) need time to answer.",
    "point-3": "",
    "point-4": "",
    "point-5": "",
    "send_on": "2026-11-10",
}


@pytest.fixture
def school(db: Database) -> dict[str, int]:
    """A SENDCO, two teachers and a teaching assistant at Oak Hill; another school's briefing."""

    def setup(s):  # type: ignore[no-untyped-def]
        oak = factories.school(s)
        ids = {
            "sendco": factories.person(s, oak, "Sarah Pemberton", roles={Role.SENDCO}).id,
            "teacher": factories.person(s, oak, "Tom Hargreaves").id,
            "teacher2": factories.person(s, oak, "Lucy Fenwick", department="English").id,
            "ta": factories.person(
                s, oak, "Amy Shaw", job_role="teaching_assistant", department="English"
            ).id,
        }
        elm = factories.school(s, "Elm Tree Primary", with_terms=False)
        now = datetime(2026, 11, 3, 10, tzinfo=UTC)
        ids["other"] = factories.briefing(s, elm, now, slug="elm-only").id
        return ids

    return db.work(setup)


@pytest.fixture
def web(db: Database, clock: FixedClock) -> Iterator[tuple[Sendbot, TestClient]]:
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    yield sendbot, client_for(sendbot)
    sendbot.db.dispose()


def _oak_briefings(db: Database) -> list[Briefing]:
    return db.work(lambda s: s.exec(select(Briefing).where(Briefing.slug != "elm-only")).all())


def _deliveries(db: Database, briefing_id: int) -> list[Delivery]:
    return db.work(
        lambda s: s.exec(select(Delivery).where(Delivery.subject_id == briefing_id)).all()
    )


def _audit(db: Database) -> list[tuple[str, str, str]]:
    return db.work(
        lambda s: [
            (e.action, e.subject_id, e.detail)
            for e in s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
            if e.action.startswith("briefing_")
        ]
    )


def _messages(page: str, field: str) -> str:
    """The text of the messages shown beside one field."""
    found = re.search(
        rf'<div class="field-messages" id="{field}-messages"[^>]*>(.*?)</div>', page, re.S
    )
    assert found, f"no messages box for {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def _tag(page: str, field: str) -> str:
    found = re.search(rf'<(?:input|textarea)[^>]*\bid="{field}"[^>]*>', page)
    assert found, f"no {field} on the page"
    return found.group(0)


def test_a_briefing_with_a_mistake_is_not_saved_and_each_problem_is_beside_its_field(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    assert "Write a briefing" in client.get("/sendco/briefings").text
    assert client.get("/sendco/briefings/new").status_code == 200

    typed = GOOD | {
        "point-1": LONG,
        "point-3": "Ask the SALT what to try next.",
        "action": "schedule",
    }
    refused = client.post("/sendco/briefings/new", data=typed)

    assert refused.status_code == 422
    page = refused.text
    assert f"has {len(LONG)} characters; at most 280 fit a chat card" in _messages(page, "point-1")
    assert 'aria-invalid="true"' in _tag(page, "point-1")
    assert "point-1-messages" in _tag(page, "point-1")
    # A warning is shown beside its own point, and does not mark it invalid.
    assert "uses 'SALT' without saying what it stands for" in _messages(page, "point-3")
    assert "aria-invalid" not in _tag(page, "point-3")
    assert _messages(page, "title").strip() == ""
    # What was typed is kept.
    assert 'value="Adapt your teaching first"' in _tag(page, "title")
    assert LONG in page and "Ask the SALT what to try next." in page
    assert re.search(r'value="teachers"[^>]*checked', page)
    assert 'value="2026-11-10"' in _tag(page, "send_on")
    assert 'role="alert"' in page and "was not saved" in page
    assert _oak_briefings(db) == []

    fixed = client.post("/sendco/briefings/new", data=GOOD | {"action": "schedule"})

    assert fixed.status_code == 303
    assert fixed.headers["location"] == "/sendco/briefings"
    [briefing] = _oak_briefings(db)
    assert briefing.title == "Adapt your teaching first"
    assert briefing.bullets == [GOOD["point-1"], GOOD["point-2"]]
    assert briefing.audience == ["teachers"]
    assert briefing.send_on == date(2026, 11, 10)
    assert (briefing.source, briefing.status) == ("web", "scheduled")
    assert _deliveries(db, briefing.id) == []  # planned when its day comes
    listing = client.get("/sendco/briefings").text
    assert "scheduled for Tue 10 Nov 2026" in listing
    assert "Edited on the web" in listing
    assert f'href="/sendco/briefings/{briefing.id}/edit"' in listing
    assert _audit(db) == [("briefing_written", str(briefing.id), "schedule")]


def test_each_field_is_checked_by_the_same_rules_as_files(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    bad = {"title": "", "audience": ["pupils"], "send_on": "31/02/2026", "action": "schedule"}

    page = client.post("/sendco/briefings/new", data=bad).text

    assert "The title is empty." in _messages(page, "title")
    assert "'pupils' is not an audience sendbot knows" in _messages(page, "audience")
    assert "Write at least one point." in _messages(page, "points")
    assert "'31/02/2026' is not a real date" in _messages(page, "send_on")
    # The page's script asks for the same messages as the SENDCO types.
    answer = client.post(
        "/sendco/briefings/check", data=bad, headers={"accept": "application/json"}
    ).json()
    assert answer["errors"]["send_on"] == [
        "'31/02/2026' is not a real date; check the day and the month."
    ]
    assert answer["errors"]["points"] == ["Write at least one point."]
    assert _oak_briefings(db) == []


def test_the_preview_is_drawn_from_what_slack_teams_and_the_local_chat_are_sent(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    typed = GOOD | {"point-3": "Parents & carers <know> their child *best*.", "action": "preview"}

    page = client.post("/sendco/briefings/new", data=typed).text

    slack = re.search(r'data-preview="slack".*?</section>', page, re.S).group(0)  # type: ignore[union-attr]
    teams = re.search(r'data-preview="teams".*?</section>', page, re.S).group(0)  # type: ignore[union-attr]
    local = re.search(r'data-preview="local".*?</section>', page, re.S).group(0)  # type: ignore[union-attr]
    # Slack: the header block, the bullets as one mrkdwn section, *bold* as Slack shows it.
    assert '<p class="slack-header">Adapt your teaching first</p>' in slack
    assert "• Parents &amp; carers &lt;know&gt; their child <strong>best</strong>." in slack
    assert 'class="slack-button slack-primary">Got it<' in slack
    assert '"type": "header"' in slack  # the Block Kit JSON itself
    # Teams: the heading TextBlock, the bullets as a list, escaped characters as typed.
    assert "Parents &amp; carers &lt;know&gt; their child *best*." in teams
    assert 'class="teams-button teams-positive">Got it<' in teams
    assert '"type": "AdaptiveCard"' in teams
    assert "<li>Parents &amp; carers &lt;know&gt; their child *best*.</li>" in local
    assert "Press Got it when you have read it." in local
    assert _oak_briefings(db) == []


def test_send_now_plans_everyone_in_the_audience_at_once(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    sent = client.post("/sendco/briefings/new", data=GOOD | {"action": "send_now"})
    assert sent.status_code == 303
    [briefing] = _oak_briefings(db)
    assert briefing.send_on == date(2026, 11, 3)  # today: the day is ignored
    deliveries = _deliveries(db, briefing.id)
    assert sorted(d.staff_id for d in deliveries) == sorted(
        [school["teacher"], school["teacher2"], school["sendco"]]
    )
    assert all(d.any_hour and d.status == "pending" for d in deliveries)
    assert "on its way to 3 people now" in client.get("/sendco/briefings").text


def test_a_briefing_not_yet_sent_is_changed_and_planned_again(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    client.post(
        "/sendco/briefings/new", data=GOOD | {"send_on": "2026-11-03", "action": "schedule"}
    )
    [briefing] = _oak_briefings(db)
    assert len(_deliveries(db, briefing.id)) == 3  # its day is today: planned at once
    form = client.get(f"/sendco/briefings/{briefing.id}/edit").text
    assert 'name="version" value="1"' in form
    assert GOOD["point-2"] in form

    changed = client.post(
        f"/sendco/briefings/{briefing.id}/edit",
        data=GOOD
        | {
            "title": "Adapt first",
            "audience": ["teaching assistants"],
            "send_on": "2026-11-03",
            "version": "1",
            "action": "schedule",
        },
    )

    assert changed.status_code == 303
    [after] = _oak_briefings(db)
    assert (after.title, after.audience, after.version) == (
        "Adapt first",
        ["teaching assistants"],
        2,
    )
    assert [d.staff_id for d in _deliveries(db, briefing.id)] == [school["ta"]]
    assert _audit(db)[-1] == ("briefing_edited", str(briefing.id), "schedule")

    # The same form sent again (another tab, opened at version 1) is not saved over it.
    stale = client.post(
        f"/sendco/briefings/{briefing.id}/edit",
        data=GOOD | {"title": "Stale", "version": "1", "action": "schedule"},
    )
    assert stale.status_code == 409
    assert "was changed after you opened this page" in stale.text
    assert 'value="Stale"' in stale.text and 'name="version" value="2"' in stale.text
    assert _oak_briefings(db)[0].title == "Adapt first"


def test_a_briefing_that_went_out_while_the_page_was_open_is_not_changed(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    sendbot, client = web
    sign_in(client, school["sendco"])
    client.post(
        "/sendco/briefings/new", data=GOOD | {"send_on": "2026-11-03", "action": "schedule"}
    )
    [briefing] = _oak_briefings(db)
    assert client.get(f"/sendco/briefings/{briefing.id}/edit").status_code == 200

    asyncio.run(sendbot.dispatcher.drain())  # it goes out while the form is open
    refused = client.post(
        f"/sendco/briefings/{briefing.id}/edit",
        data=GOOD | {"title": "Too late", "version": "1", "action": "schedule"},
    )

    assert refused.status_code == 409
    assert "has already gone out to staff" in refused.text
    assert 'value="Too late"' in refused.text
    assert 'action="/sendco/briefings/new"' in refused.text  # kept, to save as a new one
    assert _oak_briefings(db)[0].title == GOOD["title"]
    listing = client.get("/sendco/briefings").text
    assert f"/sendco/briefings/{briefing.id}/edit" not in listing
    opened = client.get(f"/sendco/briefings/{briefing.id}/edit")
    assert opened.status_code == 303
    assert "has already gone out" in client.get("/sendco/briefings").text

    withdrawn = client.post(f"/sendco/briefings/{briefing.id}/withdraw")
    assert withdrawn.status_code == 303
    assert _oak_briefings(db)[0].status == "withdrawn"
    assert [a for a, _, _ in _audit(db)] == ["briefing_written", "briefing_withdrawn"]


def test_only_the_sendco_of_the_school_may_write_or_change_its_briefings(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["teacher"])
    for method, url in (
        ("GET", "/sendco/briefings/new"),
        ("POST", "/sendco/briefings/new"),
        ("POST", "/sendco/briefings/check"),
        ("GET", f"/sendco/briefings/{school['other']}/edit"),
        ("POST", f"/sendco/briefings/{school['other']}/edit"),
    ):
        answer = client.request(
            method, url, data=GOOD | {"action": "schedule"} if method == "POST" else None
        )
        assert answer.status_code == 403, (method, url)
    sign_in(client, school["sendco"])
    assert client.get(f"/sendco/briefings/{school['other']}/edit").status_code == 404
    other = client.post(
        f"/sendco/briefings/{school['other']}/edit",
        data=GOOD | {"version": "1", "action": "schedule"},
    )
    assert other.status_code == 404
    assert db.work(lambda s: s.get(Briefing, school["other"]).title) == "The graduated approach"
    assert _oak_briefings(db) == [] and _audit(db) == []


def test_a_post_without_the_form_token_is_refused(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    client.headers.pop("x-csrf-token")
    for url in ("/sendco/briefings/new", "/sendco/briefings/check"):
        answer = client.post(url, data=GOOD | {"action": "schedule"})
        assert answer.status_code == 403
        assert "did not come from sendbot" in answer.text
    assert _oak_briefings(db) == []


@pytest.fixture
def cli_env(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> pytest.MonkeyPatch:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("QUIZZES_DIR", str(ROOT / "quizzes"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    return monkeypatch


def _file(folder: Path, title: str) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "adapt-first.md").write_text(
        f"---\ntitle: {title}\naudience: all\nsend_on: 2026-12-01\n---\n- Adapt first.\n"
    )


def test_loading_files_never_silently_replaces_a_briefing_edited_on_the_web(
    db: Database,
    school: dict[str, int],
    web: tuple[Sendbot, TestClient],
    cli_env: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    runner = CliRunner()
    folder = tmp_path / "briefings"
    _file(folder, "Adapt first")
    load = ["content", "load", str(folder), "--school", "Oak Hill Academy"]
    assert runner.invoke(cli_app, load).exit_code == 0
    [briefing] = _oak_briefings(db)
    _sendbot, client = web
    sign_in(client, school["sendco"])
    assert "From the file adapt-first.md" in client.get("/sendco/briefings").text
    client.post(
        f"/sendco/briefings/{briefing.id}/edit",
        data=GOOD | {"send_on": "2026-12-01", "version": "1", "action": "schedule"},
    )
    _file(folder, "Adapt first, then refer")

    kept = runner.invoke(cli_app, load)

    assert kept.exit_code == 0, kept.output
    assert (
        "Kept: 'adapt-first' (Adapt your teaching first) was last edited on the web, so its "
        "file adapt-first.md was not loaded over it. To make the file win, run "
        "`sendbot content load --replace-web-edits`"
    ) in kept.output
    assert "0 new, 0 changed, 0 unchanged, 1 kept as written on the web." in kept.output
    [after] = _oak_briefings(db)
    assert (after.title, after.source) == ("Adapt your teaching first", "web")
    assert "Edited on the web" in client.get("/sendco/briefings").text

    replaced = runner.invoke(cli_app, [*load, "--replace-web-edits"])

    assert replaced.exit_code == 0, replaced.output
    assert "0 new, 1 changed, 0 unchanged." in replaced.output
    [after] = _oak_briefings(db)
    assert (after.title, after.source, after.version) == ("Adapt first, then refer", "file", 3)
    assert "From the file adapt-first.md" in client.get("/sendco/briefings").text
    # A web page opened before the file won is not saved over it.
    stale = client.post(
        f"/sendco/briefings/{briefing.id}/edit",
        data=GOOD | {"send_on": "2026-12-01", "version": "2", "action": "schedule"},
    )
    assert stale.status_code == 409
