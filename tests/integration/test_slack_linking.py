"""Staff are matched to Slack accounts by email through the real AsyncWebClient and a fake Slack;
who could not be matched is stored with the reason and shown to the SENDCO."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from bot.chat.slack.adapter import web_client
from bot.chat.slack.directory import BOT, DEACTIVATED, NOT_FOUND, SlackDirectory
from bot.cli import app as cli_app
from bot.domain.people import Role
from bot.services.briefings import plan_briefing
from bot.services.clock import FixedClock
from bot.services.linking import (
    RECHECK,
    UNREACHABLE,
    LinkReport,
    LinkStatus,
    LookupQueue,
    link_people,
)
from bot.storage.database import Database, make_engine
from bot.storage.linking import PersonLink
from bot.storage.outbox import Delivery
from bot.storage.staff import ChatIdentity, Staff
from tests import factories
from tests.contract.harnesses import SIGNING_SECRET
from tests.fakes.slack_api import FakeSlack
from tests.fakes.slack_workspace import Body, User
from tests.integration.webapp import client_for, sendbot_for, sign_in, slack_sendbot_for

# One fake minute passes in one real second, so a tier of 50 a minute is 50 a real second.
TIME_SCALE = 60
LOOKUP = "users.lookupByEmail"


class BotUser(User):
    """A bot in the workspace that has an email (an app's or an integration's account)."""

    def as_slack(self) -> Body:
        return {**super().as_slack(), "is_bot": True}


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with FakeSlack(time_scale=TIME_SCALE) as fake:
        yield fake


def directory_for(slack: FakeSlack, per_minute: float = 50 * TIME_SCALE) -> SlackDirectory:
    """The real directory on the real client, paced for the fake's scaled minute."""
    return SlackDirectory(web_client(slack.token, slack.base_url), lookups_per_minute=per_minute)


def email_of(name: str) -> str:
    return f"{name.lower().replace(' ', '.')}@oakhill.example"


def school_of_four(db: Database, slack: FakeSlack) -> dict[str, int]:
    """Ann is in Slack, Ben is not, Cat's account is deactivated, and Dan's email is a bot's."""

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        return {n: factories.person(s, school, n).id for n in ("Ann A", "Ben B", "Cat C", "Dan D")}

    people = db.work(setup)
    slack.add_user("U0ANN", email_of("Ann A"))
    slack.add_user("U0CAT", email_of("Cat C"), deleted=True)
    slack.workspace.users["B0DAN"] = BotUser("B0DAN", email_of("Dan D"))
    return people


def link(db: Database, slack: FakeSlack, clock: FixedClock, **options: object) -> LinkReport:
    return asyncio.run(link_people(db, directory_for(slack), clock, **options))  # type: ignore[arg-type]


def state(db: Database) -> tuple[set[tuple[int, str, str]], set[tuple[int, str, str, str]]]:
    """Slack identities (with any mark) and the stored outcomes, without times."""

    def read(s):  # type: ignore[no-untyped-def]
        identities = {
            (i.staff_id, i.platform_user_id, i.extra.get(UNREACHABLE, ""))
            for i in s.exec(select(ChatIdentity).where(ChatIdentity.platform == "slack"))
        }
        links = {
            (k.staff_id, k.status, k.reason, k.platform_user_id) for k in s.exec(select(PersonLink))
        }
        return identities, links

    return db.work(read)


def test_people_are_matched_or_listed_with_the_reason(
    db: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    people = school_of_four(db, slack)
    report = link(db, slack, clock)
    assert (report.looked_up, report.matched) == (4, 1)
    assert {(p.name, p.reason) for p in report.unmatched} == {
        ("Ben B", NOT_FOUND),
        ("Cat C", DEACTIVATED),
        ("Dan D", BOT),
    }
    identities, links = state(db)
    assert identities == {(people["Ann A"], "U0ANN", "")}
    assert links == {
        (people["Ann A"], LinkStatus.LINKED, "", "U0ANN"),
        (people["Ben B"], LinkStatus.NOT_IN_WORKSPACE, NOT_FOUND, ""),
        (people["Cat C"], LinkStatus.DEACTIVATED, DEACTIVATED, "U0CAT"),
        (people["Dan D"], LinkStatus.BOT, BOT, "B0DAN"),
    }
    assert slack.calls[LOOKUP] == 4


def test_running_again_changes_nothing_and_a_day_later_everyone_is_checked_again(
    db: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    school_of_four(db, slack)
    link(db, slack, clock)
    before = state(db)
    assert link(db, slack, clock).looked_up == 0
    assert state(db) == before and slack.calls[LOOKUP] == 4

    clock.moment += timedelta(hours=11)
    # At import only the unmatched are looked up again; Ann is left alone.
    again = link(db, slack, clock, unlinked_only=True, recheck=timedelta(0))
    assert again.looked_up == 3 and slack.calls[LOOKUP] == 7
    assert state(db) == before

    clock.moment += timedelta(days=1)
    daily = link(db, slack, clock)
    assert (daily.looked_up, daily.matched) == (4, 1) and slack.calls[LOOKUP] == 11
    assert state(db) == before


def test_someone_deactivated_later_is_marked_and_not_reached_with_the_reason(
    db: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    people = school_of_four(db, slack)
    ann = people["Ann A"]
    link(db, slack, clock)
    slack.add_user("U0ANN", email_of("Ann A"), deleted=True)
    clock.moment += timedelta(days=1)
    assert [p.name for p in link(db, slack, clock).unmatched if p.reason == DEACTIVATED] == [
        "Ann A",
        "Cat C",
    ]
    assert (ann, "U0ANN", DEACTIVATED) in state(db)[0]

    sendbot = slack_sendbot_for(
        db.engine.url.render_as_string(hide_password=False),
        clock,
        slack,
    )

    def plan(s):  # type: ignore[no-untyped-def]
        school = s.get(factories.School, s.get(Staff, ann).school_id)
        briefing = factories.briefing(s, school, clock.now())
        plan_briefing(s, briefing, clock.now(), "slack", send_now=True)

    db.work(plan)
    asyncio.run(sendbot.dispatcher.drain())
    outcome = db.work(
        lambda s: s.exec(
            select(Delivery.status, Delivery.last_error).where(Delivery.staff_id == ann)
        )
    ).one()
    assert tuple(outcome) == ("not_reached", "their Slack account is deactivated")
    sendbot.db.dispose()

    # Reactivated: matched again, and the mark is gone.
    slack.add_user("U0ANN", email_of("Ann A"))
    clock.moment += timedelta(days=1)
    assert link(db, slack, clock).matched == 1
    assert (ann, "U0ANN", "") in state(db)[0]


def test_an_account_already_linked_to_another_record_is_not_taken_over(
    db: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        oak = factories.school(s)
        elm = factories.school(s, "Elm Primary", with_terms=False)
        return factories.person(s, oak, "Eve E").id, factories.person(
            s, elm, "Eve E", platform=None
        ).id

    first, second = db.work(setup)
    slack.add_user("U0EVE", email_of("Eve E"))
    report = link(db, slack, clock)
    assert report.matched == 1 and len(report.unmatched) == 1
    assert "already linked to Eve E" in report.unmatched[0].reason
    identities, links = state(db)
    assert identities == {(first, "U0EVE", "")}
    assert (second, LinkStatus.TAKEN) in {(k[0], k[1]) for k in links}


def test_lookups_keep_within_the_tier_for_120_people(
    db: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        return [factories.person(s, school, f"Person {n:03d}").id for n in range(120)]

    db.work(setup)
    for n in range(120):
        slack.add_user(f"U{n:05d}", email_of(f"Person {n:03d}"))
    report = link(db, slack, clock)
    assert (report.looked_up, report.matched) == (120, 120)
    assert slack.calls[LOOKUP] == 120 and slack.rate_limited[LOOKUP] == 0


def test_unpaced_lookups_do_meet_the_tier(slack: FakeSlack) -> None:
    """The fake's limit is real: the same directory without pacing is refused."""
    for n in range(60):
        slack.add_user(f"U{n:05d}", f"p{n}@oakhill.example")
    directory = directory_for(slack, per_minute=0)

    async def look_up() -> None:
        for n in range(60):
            await directory.find_by_email(f"p{n}@oakhill.example")

    asyncio.run(look_up())
    assert slack.rate_limited[LOOKUP] > 0


def test_two_replicas_share_the_people_and_look_each_up_once(
    db: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        return [factories.person(s, school, f"Person {n:03d}").id for n in range(60)]

    db.work(setup)
    for n in range(0, 60, 2):
        slack.add_user(f"U{n:05d}", email_of(f"Person {n:03d}"))
    other = Database(make_engine(db.engine.url.render_as_string(hide_password=False)))

    async def both() -> list[LinkReport]:
        return await asyncio.gather(
            link_people(db, directory_for(slack), clock),
            link_people(other, directory_for(slack), clock),
        )

    reports = asyncio.run(both())
    other.dispose()
    assert sum(r.looked_up for r in reports) == 60
    # Each replica paces itself, so together they may meet the tier; a 429 is waited out and
    # tried again, but nobody is looked up twice.
    assert slack.calls[LOOKUP] - slack.rate_limited[LOOKUP] == 60
    assert len({r["email"] for r in slack.requests(LOOKUP)}) == 60
    assert sum(r.matched for r in reports) == 30
    identities, links = state(db)
    assert len(identities) == 30 and len(links) == 60


def test_people_picked_by_two_replicas_at_once_are_claimed_by_one(
    db: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    school_of_four(db, slack)
    now = clock.now()
    first, second = (LookupQueue("slack", now - RECHECK, None, False) for _ in range(2))
    # Both see the same four people due; the first to claim them gets them all.
    stale = db.work(second.pick)
    assert len(stale) == 4
    assert len(db.work(lambda s: first.take(s, db.work(first.pick), now))) == 4
    assert db.work(lambda s: second.take(s, stale, now)) == []


def test_when_slack_stops_answering_the_rest_wait_for_the_next_run(
    db: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    people = school_of_four(db, slack)
    slack.fail_next(LOOKUP, times=3, status=503)
    report = link(db, slack, clock)
    assert report.looked_up == 0 and report.postponed == 4
    assert "Slack could not answer" in report.problem
    identities, links = state(db)
    assert identities == set()
    assert {k[1] for k in links} == {LinkStatus.UNCHECKED}
    # Nothing was lost: the next run, at once, looks everyone up.
    again = link(db, slack, clock)
    assert (again.looked_up, again.matched, again.postponed) == (4, 1, 0)
    assert (people["Ann A"], "U0ANN", "") in state(db)[0]


def test_the_sendco_sees_who_was_not_matched_and_why(
    db: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    school_of_four(db, slack)
    sendco = db.work(
        lambda s: (
            factories.person(
                s, s.exec(select(factories.School)).one(), "Sue Sendco", roles={Role.SENDCO}
            ).id
        )
    )
    slack.add_user("U0SUE", email_of("Sue Sendco"))
    link(db, slack, clock)
    sendbot = slack_sendbot_for(
        db.engine.url.render_as_string(hide_password=False),
        clock,
        slack,
    )
    client = client_for(sendbot)
    sign_in(client, sendco)
    page = client.get("/sendco/people")
    assert page.status_code == 200
    assert 'data-count="matched" class="ok">2<' in page.text
    for name, reason in (("Ben B", NOT_FOUND), ("Cat C", DEACTIVATED), ("Dan D", BOT)):
        row = page.text.split(f'data-person="{email_of(name)}"')[1].split("</tr>")[0]
        assert name in row and reason in row
    assert 'data-person="ann.a@' not in page.text

    sign_in(client, db.work(lambda s: s.exec(select(Staff.id).where(Staff.name == "Ann A")).one()))
    assert client.get("/sendco/people").status_code == 403
    sendbot.db.dispose()


def test_the_command_lists_the_unmatched_with_reasons(
    cli: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    school_of_four(cli, slack)
    link(cli, slack, clock)
    result = CliRunner().invoke(cli_app, ["slack", "people"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "Slack: 1 matched, 3 not matched, 0 not looked up yet."
    assert f"  Ben B <{email_of('Ben B')}>: {NOT_FOUND} (checked 3 Nov 2026)" in lines
    assert any(line.startswith("  Cat C") and DEACTIVATED in line for line in lines)
    assert any(line.startswith("  Dan D") and BOT in line for line in lines)


def test_importing_staff_matches_them_when_slack_is_set_up(
    cli: Database, slack: FakeSlack, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", slack.token)
    monkeypatch.setenv("SLACK_API_BASE_URL", slack.base_url)
    monkeypatch.setenv("SLACK_MODE", "http")
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    slack.add_user("U0ANN", "ann.archer@oakhill.example")
    staff = tmp_path / "staff.csv"
    staff.write_text(
        "Name,Email,Job role\n"
        "Ann Archer,ann.archer@oakhill.example,Teacher\n"
        "Ben Booth,ben.booth@oakhill.example,Teacher\n"
    )
    result = CliRunner().invoke(cli_app, ["import-staff", str(staff), "--school", "Oak Hill"])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1:] == [
        "Slack: 1 of 2 matched.",
        "Not matched (1):",
        f"  Ben Booth <ben.booth@oakhill.example>: {NOT_FOUND}",
    ]
    ann = cli.work(
        lambda s: s.exec(
            select(ChatIdentity.platform_user_id)
            .join(Staff, Staff.id == ChatIdentity.staff_id)  # type: ignore[arg-type]
            .where(Staff.name == "Ann Archer", ChatIdentity.platform == "slack")
        ).one()
    )
    assert ann == "U0ANN"


def test_the_ticker_links_people_at_start_only_when_slack_is_set_up(
    db: Database, slack: FakeSlack, clock: FixedClock
) -> None:
    people = school_of_four(db, slack)
    url = db.engine.url.render_as_string(hide_password=False)
    local = sendbot_for(url, clock)
    assert local.directory is None
    sendbot = slack_sendbot_for(
        url,
        clock,
        slack,
    )
    # The running app's directory, paced for the fake's minute rather than Slack's.
    sendbot.ticker.directory = directory_for(slack)

    async def scenario() -> int:
        local.ticker.start()
        assert local.ticker.scheduler.get_job("link") is None
        local.ticker.shutdown()
        sendbot.ticker.start()
        job = sendbot.ticker.scheduler.get_job("link")
        assert job is not None and job.trigger.interval == timedelta(days=1)
        for _ in range(200):
            await asyncio.sleep(0.05)
            if "link" in sendbot.ticker.health.last_ok:
                break
        sendbot.ticker.shutdown()
        return len(state(db)[1])

    assert asyncio.run(scenario()) == len(people)
    local.db.dispose()
    sendbot.db.dispose()
