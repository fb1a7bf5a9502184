"""`sendbot briefing` and `sendbot staff pause|resume`, run as the SENDCO would run them."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.storage.briefing import Briefing
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.staff import Staff
from tests import factories

runner = CliRunner()


def _school_with_briefing(db: Database) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        factories.person(s, school, "Ann Able")
        factories.person(s, school, "Bob Busy")
        factories.briefing(s, school, datetime.now(UTC))

    db.work(setup)


def test_send_now_then_list_then_withdraw(cli: Database) -> None:
    _school_with_briefing(cli)
    sent = runner.invoke(app, ["briefing", "send", "graduated-approach", "--now"])
    assert sent.exit_code == 0, sent.output
    assert "2 new deliveries planned, now" in sent.output
    again = runner.invoke(app, ["briefing", "send", "graduated-approach", "--now"])
    assert "0 new deliveries" in again.output

    listed = runner.invoke(app, ["briefing", "list"])
    assert "graduated-approach" in listed.output and "to send 2" in listed.output

    withdrawn = runner.invoke(app, ["briefing", "withdraw", "graduated-approach"])
    assert "2 unsent copies were cancelled" in withdrawn.output
    statuses = cli.work(lambda s: s.exec(select(Delivery.status)).all())
    assert statuses == ["cancelled", "cancelled"]
    assert cli.work(lambda s: s.exec(select(Briefing.status)).one()) == "withdrawn"


def test_an_unknown_briefing_is_named_with_the_ones_there_are(cli: Database) -> None:
    _school_with_briefing(cli)
    result = runner.invoke(app, ["briefing", "send", "graduated-aproach"])
    assert result.exit_code == 1
    assert "no briefing called 'graduated-aproach'" in result.output
    assert "graduated-approach" in result.output
    assert cli.work(lambda s: s.exec(select(Delivery)).all()) == []


def test_pause_and_resume(cli: Database) -> None:
    _school_with_briefing(cli)
    email = "ann.able@oakhill.example"
    paused = runner.invoke(app, ["staff", "pause", email, "--until", "04/01/2099"])
    assert paused.exit_code == 0, paused.output
    stored = cli.work(lambda s: s.exec(select(Staff).where(Staff.email == email)).one())
    assert stored.paused_until == date(2099, 1, 4)

    bad_day = runner.invoke(app, ["staff", "pause", email, "--until", "next week"])
    assert bad_day.exit_code == 1 and "dd/mm/yyyy" in bad_day.output
    past = runner.invoke(app, ["staff", "pause", email, "--until", "01/01/2001"])
    assert past.exit_code == 1 and "today or later" in past.output
    nobody = runner.invoke(app, ["staff", "pause", "who@x.example", "--until", "04/01/2099"])
    assert nobody.exit_code == 1 and "who@x.example" in nobody.output

    resumed = runner.invoke(app, ["staff", "resume", email])
    assert resumed.exit_code == 0
    assert (
        cli.work(lambda s: s.exec(select(Staff.paused_until).where(Staff.email == email)).one())
        is None
    )
