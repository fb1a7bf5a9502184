"""A briefing for named people, by their school email: chosen by name on the web form, written
`person: EMAIL` in a file, and refused, with nothing stored, when nobody on the staff has that
address, however the briefing is saved (a file, the web pages or a chat form)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select
from typer.testing import CliRunner

from bot.bootstrap import Sendbot
from bot.cli import app as cli_app
from bot.domain.people import Role
from bot.services.briefing_audience import UnknownPeople
from bot.services.chat_briefings import WrittenBriefing, post_briefing
from bot.services.clock import FixedClock
from bot.storage.briefing import Briefing
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

TOM = "tom.hargreaves@oakhill.example"
AMY = "amy.shaw@oakhill.example"
FORM = {
    "title": "Give pupils time to answer",
    "point-1": "Count to ten before you repeat a question (wait time).",
    "send_on": "2026-11-10",
}


@pytest.fixture
def school(db: Database) -> dict[str, int]:
    """A SENDCO, two teachers and a teaching assistant at Oak Hill; a teacher at Elm Tree."""

    def setup(s):  # type: ignore[no-untyped-def]
        oak = factories.school(s)
        elm = factories.school(s, "Elm Tree Primary", with_terms=False)
        return {
            "sendco": factories.person(s, oak, "Sarah Pemberton", roles={Role.SENDCO}).id,
            "tom": factories.person(s, oak, "Tom Hargreaves").id,
            "lucy": factories.person(s, oak, "Lucy Fenwick", department="English").id,
            "amy": factories.person(
                s, oak, "Amy Shaw", job_role="teaching_assistant", department="English"
            ).id,
            "elm": factories.person(s, elm, "Eve Marsh").id,
        }

    return db.work(setup)


@pytest.fixture
def web(db: Database, clock: FixedClock) -> Iterator[tuple[Sendbot, TestClient]]:
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    yield sendbot, client_for(sendbot)
    sendbot.db.dispose()


def _briefings(db: Database) -> list[Briefing]:
    return db.work(lambda s: s.exec(select(Briefing)).all())


def _delivered_to(db: Database, briefing_id: int) -> list[int]:
    return db.work(
        lambda s: sorted(
            s.exec(select(Delivery.staff_id).where(Delivery.subject_id == briefing_id)).all()
        )
    )


def _person_box(page: str, name: str) -> str:
    """The checkbox whose label starts with this person's name."""
    found = re.search(rf'<label class="block">(<input[^>]*>) {name} <span', page)
    assert found, f"no box for {name}"
    return found.group(1)


def _value(box: str) -> str:
    return html.unescape(re.search(r'value="([^"]*)"', box).group(1))  # type: ignore[union-attr]


def _audience_messages(page: str) -> str:
    found = re.search(r'id="audience-messages"[^>]*>(.*?)</div>', page, re.S)
    assert found
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))


def test_two_people_named_on_the_form_get_it_and_nobody_else(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    form = client.get("/sendco/briefings/new").text
    # The school's staff by name and job role, folded away and unticked; not Elm Tree's.
    assert re.search(r"<details[^>]*>\s*<summary>Named people</summary>", form)
    assert "(teaching assistant)" in form and "(teacher)" in form
    assert "Eve Marsh" not in form
    tom, amy = _person_box(form, "Tom Hargreaves"), _person_box(form, "Amy Shaw")
    assert "checked" not in tom and 'name="audience"' in tom
    assert (_value(tom), _value(amy)) == (f"person: {TOM}", f"person: {AMY}")
    typed = FORM | {"audience": [_value(tom), _value(amy)]}

    preview = client.post("/sendco/briefings/new", data=typed | {"action": "preview"}).text
    assert "<p data-audience>For: Tom Hargreaves, Amy Shaw.</p>" in preview
    assert "checked" in _person_box(preview, "Tom Hargreaves")
    assert re.search(r"<details[^>]* open>\s*<summary>Named people \(2 ticked\)", preview)

    sent = client.post("/sendco/briefings/new", data=typed | {"action": "send_now"})

    assert sent.status_code == 303
    [briefing] = _briefings(db)
    assert briefing.audience == [f"person: {TOM}", f"person: {AMY}"]
    assert _delivered_to(db, briefing.id) == sorted([school["tom"], school["amy"]])
    listing = client.get("/sendco/briefings").text
    assert "For Tom Hargreaves, Amy Shaw ·" in listing
    assert TOM not in listing and AMY not in listing


def test_named_people_are_ticked_when_the_briefing_is_changed(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    typed = FORM | {"audience": ["teaching assistants", f"person: {TOM}"], "action": "schedule"}
    assert client.post("/sendco/briefings/new", data=typed).status_code == 303
    [briefing] = _briefings(db)

    form = client.get(f"/sendco/briefings/{briefing.id}/edit").text

    assert re.search(r'value="teaching assistants"[^>]*checked', form)
    assert "checked" in _person_box(form, "Tom Hargreaves")
    assert "checked" not in _person_box(form, "Amy Shaw")
    assert "checked" not in _person_box(form, "Lucy Fenwick")
    # A named person is not offered again as a group.
    assert f'value="person: {TOM}"' in form and form.count(f'value="person: {TOM}"') == 1
    assert "For Teaching assistants" not in client.get("/sendco/briefings").text
    assert "For teaching assistants, Tom Hargreaves ·" in client.get("/sendco/briefings").text


def test_a_person_who_left_is_shown_and_the_change_is_refused_until_they_are_taken_out(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    typed = FORM | {"audience": [f"person: {TOM}", f"person: {AMY}"], "action": "schedule"}
    client.post("/sendco/briefings/new", data=typed)
    [briefing] = _briefings(db)
    db.work(lambda s: setattr(s.get(Staff, school["amy"]), "active", False))

    form = client.get(f"/sendco/briefings/{briefing.id}/edit").text
    kept = _person_box(form, AMY)
    assert "checked" in kept and "(not on the staff now)" in form
    refused = client.post(
        f"/sendco/briefings/{briefing.id}/edit",
        data=typed | {"title": "Wait time", "version": "1"},
    )

    assert refused.status_code == 422
    message = _audience_messages(refused.text)
    assert f"No one on this school's staff has the email address {AMY}" in message
    assert "take them out of the audience. Nothing was stored." in message
    assert "was not saved" in refused.text
    [after] = _briefings(db)
    assert (after.title, after.version) == (FORM["title"], 1)

    changed = client.post(
        f"/sendco/briefings/{briefing.id}/edit",
        data=typed | {"title": "Wait time", "version": "1", "audience": [f"person: {TOM}"]},
    )
    assert changed.status_code == 303
    [after] = _briefings(db)
    assert (after.title, after.audience) == ("Wait time", [f"person: {TOM}"])


def test_a_new_briefing_for_someone_not_on_the_staff_is_refused_beside_the_audience(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    # Eve works at Elm Tree, not here; "Person:" and the capitals are tidied first.
    typed = FORM | {"audience": [f"Person: {TOM.upper()}", "person: eve.marsh@oakhill.example"]}

    refused = client.post("/sendco/briefings/new", data=typed | {"action": "send_now"})

    assert refused.status_code == 422
    assert (
        "No one on this school's staff has the email address eve.marsh@oakhill.example, named "
        "in the audience of 'Give pupils time to answer'."
    ) in _audience_messages(refused.text)
    assert _briefings(db) == []
    assert db.work(lambda s: s.exec(select(Delivery)).all()) == []


@pytest.fixture
def load(
    monkeypatch: pytest.MonkeyPatch, database_url: str, tmp_path: Path
) -> tuple[CliRunner, list[str], Path]:
    """`sendbot content load` of a folder of briefing files, for Oak Hill."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DEMO_MODE", "true")
    monkeypatch.setenv("HOST", "127.0.0.1")
    monkeypatch.setenv("QUIZZES_DIR", str(tmp_path / "no-quizzes"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    (tmp_path / "no-quizzes").mkdir()
    folder = tmp_path / "briefings"
    folder.mkdir()
    return CliRunner(), ["content", "load", str(folder), "--school", "Oak Hill Academy"], folder


def _write(folder: Path, slug: str, audience: str, title: str = "Wait time") -> None:
    (folder / f"{slug}.md").write_text(
        f"---\ntitle: {title}\naudience: {audience}\nsend_on: 2026-12-01\n---\n- Wait.\n"
    )


def test_a_file_for_someone_not_on_the_staff_is_refused_and_nothing_is_stored(
    db: Database, school: dict[str, int], load: tuple[CliRunner, list[str], Path]
) -> None:
    runner, command, folder = load
    _write(folder, "for-all", "all", title="For everyone")
    _write(folder, "for-tom", f'["person: {TOM.upper()}", "person: j.smith@oakhill.example"]')

    refused = runner.invoke(cli_app, command)

    assert refused.exit_code == 1
    output = " ".join(refused.output.split())
    assert (
        "No one on this school's staff has the email address j.smith@oakhill.example, named in "
        "the audience of 'Wait time'. Check the spelling against the staff list, add the person "
        "to the staff list first (sendbot import-staff), or take them out of the audience. "
        "Nothing was stored."
    ) in output
    assert _briefings(db) == []  # the good file neither: all or nothing

    _write(folder, "for-tom", f"\n  - person: {TOM.upper()}\n  - teaching assistants")
    loaded = runner.invoke(cli_app, command)

    assert loaded.exit_code == 0, loaded.output
    stored = {b.slug: b.audience for b in _briefings(db)}
    assert stored == {"for-all": ["all"], "for-tom": [f"person: {TOM}", "teaching assistants"]}


def test_a_file_loaded_again_unchanged_is_not_refused_when_its_person_has_left(
    db: Database, school: dict[str, int], load: tuple[CliRunner, list[str], Path]
) -> None:
    runner, command, folder = load
    _write(folder, "for-tom", f'"person: {TOM}"')
    assert runner.invoke(cli_app, command).exit_code == 0
    db.work(lambda s: setattr(s.get(Staff, school["tom"]), "active", False))

    again = runner.invoke(cli_app, command)

    assert again.exit_code == 0, again.output
    assert "0 new, 0 changed, 1 unchanged." in again.output
    _write(folder, "for-tom", f'"person: {TOM}"', title="Wait time, please")
    changed = runner.invoke(cli_app, command)
    assert changed.exit_code == 1
    assert f"the email address {TOM}, named in the audience of 'Wait time, please'" in " ".join(
        changed.output.split()
    )
    assert [b.title for b in _briefings(db)] == ["Wait time"]


def test_a_briefing_posted_in_chat_passes_the_same_check(
    db: Database, school: dict[str, int], clock: FixedClock
) -> None:
    now = clock.now()
    chat_id = "sarah.pemberton@oakhill.example"  # the factory's local chat id is the email

    def post(audience: tuple[str, ...]):  # type: ignore[no-untyped-def]
        written = WrittenBriefing("Wait time", ("Count to ten.",), audience, send_now=True)
        return db.work(lambda s: post_briefing(s, "local", chat_id, written, now))

    with pytest.raises(UnknownPeople, match="j.smith@oakhill.example"):
        post((f"person: {TOM}", "person: j.smith@oakhill.example"))
    assert _briefings(db) == []

    posted = post((f"person: {TOM}",))

    assert posted.planned == 1
    [briefing] = _briefings(db)
    assert _delivered_to(db, briefing.id) == [school["tom"]]
    assert briefing.send_on == date(2026, 11, 3)  # today, sent now
