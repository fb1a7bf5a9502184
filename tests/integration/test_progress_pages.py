"""The progress pages walked as every role: each sees themselves, their team or their school."""

from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from bot.bootstrap import Sendbot
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.database import Database
from bot.storage.quiz import Question, Target
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in
from tests.web_forms import arm

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.fixture
def school(db: Database) -> dict[str, int]:
    """Mia manages Sam and Ann; Oli manages Cat; the SENDCO and an admin; recorded answers."""

    def setup(s: Session) -> dict[str, int]:
        sch = factories.school(s)
        mia = factories.person(s, sch, "Mia Manager", roles={Role.LINE_MANAGER})
        oli = factories.person(s, sch, "Oli Other", roles={Role.LINE_MANAGER}, department="English")
        sendco = factories.person(s, sch, "Sue Sendco", roles={Role.SENDCO})
        admin = factories.person(s, sch, "Ada Admin", roles={Role.ADMIN})
        sam = factories.person(s, sch, "Sam Staff")
        ann = factories.person(s, sch, "Ann Able")
        cat = factories.person(s, sch, "Cat Cole", department="English")
        sam.line_manager_id = ann.line_manager_id = mia.id
        cat.line_manager_id = oli.id
        right = factories.question(s, sch, "right-1", area="cognition_and_learning")
        tricky = factories.question(s, sch, "tricky-1", area="sensory_and_physical")
        unused = factories.question(s, sch, "unused-1")
        # Ann: 4 asked, 3 answered, 2 right. Sam: 2 asked, none answered. Cat: 1 asked, wrong.
        factories.quiz_item(s, sch, ann, right, date(2026, 10, 6), chosen=[0])
        factories.quiz_item(s, sch, ann, tricky, date(2026, 10, 8), chosen=[0])
        factories.quiz_item(s, sch, ann, unused, date(2026, 11, 3), chosen=[1])
        factories.quiz_item(s, sch, ann, tricky, date(2026, 11, 5), status="expired")
        factories.quiz_item(s, sch, sam, right, date(2026, 11, 3), status="expired")
        factories.quiz_item(s, sch, sam, tricky, date(2026, 11, 24))
        factories.quiz_item(s, sch, cat, tricky, date(2026, 11, 3), chosen=[2])
        briefing = factories.briefing(s, sch, NOW)
        factories.briefing_received(s, briefing, ann, date(2026, 11, 3), acknowledged=True)
        factories.briefing_received(s, briefing, sam, date(2026, 11, 3))
        factories.memory_state(s, sam, right, datetime(2026, 11, 24, tzinfo=UTC))
        factories.memory_state(s, sam, tricky, datetime(2026, 11, 25, 9, tzinfo=UTC))
        factories.memory_state(s, sam, unused, datetime(2026, 12, 1, tzinfo=UTC))
        autumn = ("Autumn term 2026", date(2026, 9, 2), date(2026, 12, 18))
        ann_answered = factories.target(s, ann, "answered_share", 70, *autumn)
        factories.target(s, ann, "correct_share", 80, *autumn, area="sensory_and_physical")
        factories.target(
            s, ann, "answered_share", 90, "2025-26", date(2025, 9, 1), date(2026, 8, 31)
        )
        cat_target = factories.target(s, cat, "answered_share", 90, *autumn)
        return {
            "line_manager": mia.id,
            "oli": oli.id,
            "sendco": sendco.id,
            "admin": admin.id,
            "staff": sam.id,
            "ann": ann.id,
            "cat": cat.id,
            "ann_target": ann_answered.id,
            "cat_target": cat_target.id,
        }  # type: ignore[return-value]

    return db.work(setup)


def _sendbot(db: Database) -> Sendbot:
    return sendbot_for(str(db.engine.url.render_as_string(hide_password=False)), FixedClock(NOW))


ROLES = ["anonymous", "staff", "line_manager", "sendco", "admin"]
TEAM = {"line_manager", "sendco", "admin"}
# (method, path, form) -> the roles that may use it; everyone else signed in gets a 403.
ROUTES = [
    ("GET", "/me", None, {"staff", *TEAM}),
    ("GET", "/team", None, TEAM),
    ("GET", "/team.csv", None, TEAM),
    (
        "POST",
        "/team/targets",
        {"staff_id": "{ann}", "metric": "correct_share", "threshold": "75", "period": "2026-27"},
        TEAM,
    ),
    ("POST", "/team/targets/{ann_target}/delete", {"period": ""}, TEAM),
    ("GET", "/sendco/questions", None, {"sendco", "admin"}),
]


@pytest.mark.parametrize("role", ROLES)
def test_every_route_as_every_role(db: Database, school: dict[str, int], role: str) -> None:
    sendbot = _sendbot(db)
    client = client_for(sendbot)
    if role != "anonymous":
        sign_in(client, school[role])
    else:
        arm(client)
    for method, path, form, allowed in ROUTES:
        url = path.format(**school)
        data = {k: v.format(**school) for k, v in form.items()} if form else None
        response = client.request(method, url, data=data)
        where = (method, url, role, response.status_code)
        if role == "anonymous":
            assert response.status_code == 303, where
            assert response.headers["location"] == f"/sign-in?next={url}", where
        elif role in allowed:
            assert response.status_code == (303 if method == "POST" else 200), where
        else:
            assert response.status_code == 403, where
    stored = db.work(
        lambda s: {
            (t.staff_id, t.metric, t.threshold, t.period_label)
            for t in s.exec(select(Target)).all()
        }
    )
    ann, cat = school["ann"], school["cat"]
    before = {
        (ann, "answered_share", 70, "Autumn term 2026"),
        (ann, "correct_share", 80, "Autumn term 2026"),
        (ann, "answered_share", 90, "2025-26"),
        (cat, "answered_share", 90, "Autumn term 2026"),
    }
    if role in TEAM:
        added = (ann, "correct_share", 75, "2026-27")
        assert stored == before - {(ann, "answered_share", 70, "Autumn term 2026")} | {added}
    else:
        assert stored == before
    sendbot.db.dispose()


def _as(db: Database, school: dict[str, int], role: str) -> tuple[Sendbot, TestClient]:
    sendbot = _sendbot(db)
    client = client_for(sendbot)
    sign_in(client, school[role])
    return sendbot, client


def test_a_line_manager_sees_only_their_team(db: Database, school: dict[str, int]) -> None:
    sendbot, client = _as(db, school, "line_manager")
    for url in ("/team", "/team?department=English", "/team?period=2026-27"):
        page = client.get(url).text
        assert "Ann Able" in page and "Sam Staff" in page, url
        assert "Cat Cole" not in page and "Oli Other" not in page, url
    for url in ("/team.csv", "/team.csv?department=English"):
        assert "Cat Cole" not in client.get(url).text
    # Setting or deleting a target for someone outside the team changes nothing.
    client.post(
        "/team/targets",
        data={
            "staff_id": school["cat"],
            "metric": "answered",
            "threshold": "50",
            "period": "2026-27",
        },
    )
    # Refused without naming her (tests/integration/test_target_messages.py).
    assert "Choose someone in your team" in client.get("/team").text
    client.post(f"/team/targets/{school['cat_target']}/delete", data={"period": ""})
    assert (
        f"There is no target number {school['cat_target']} in your team" in client.get("/team").text
    )
    assert db.work(lambda s: len(s.exec(select(Target)).all())) == 4
    sendbot.db.dispose()


def test_the_sendco_sees_the_school_and_filters_by_department(
    db: Database, school: dict[str, int]
) -> None:
    sendbot, client = _as(db, school, "sendco")
    page = client.get("/team").text
    assert all(name in page for name in ("Ann Able", "Cat Cole", "Ada Admin", "Oli Other"))
    english = client.get("/team?department=English").text
    assert "Cat Cole" in english and "Ann Able" not in english
    # A period that cannot be read falls back to this term, saying so; the CSV is refused, as
    # a file for another period would mislead.
    bad = client.get("/team?period=winter 2026&sort=shoe-size")
    assert bad.status_code == 200 and "is not a period we can read" in bad.text
    assert "Showing Autumn term 2026 instead." in bad.text and "That order is not" in bad.text
    csv = client.get("/team.csv?period=winter 2026")
    assert csv.status_code == 400 and "is not a period we can read" in csv.text
    sendbot.db.dispose()


def test_the_team_csv_has_a_row_per_person_per_target(db: Database, school: dict[str, int]) -> None:
    sendbot, client = _as(db, school, "line_manager")
    response = client.get("/team.csv?period=Autumn term 2026")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["content-disposition"]
        == 'attachment; filename="team-progress-autumn-term-2026.csv"'
    )
    assert response.content.startswith(codecs.BOM_UTF8)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["Name", "Email", "Department", "Period"]
    ann = ["Ann Able", "ann.able@oakhill.example", "Science", "Autumn term 2026"]
    ann += ["4", "3", "75", "2", "66", "1", "1", "100"]
    assert rows[1:] == [
        # Ann's year target 2025-26 does not overlap the autumn term, so it is not listed.
        ann + ["questions answered", "", "", "Autumn term 2026", "70", "3 of 4", "75", "on track"],
        ann
        + [
            "answered correctly",
            "sensory and physical",
            "",
            "Autumn term 2026",
            "80",
            "1 of 1",
            "100",
            "on track",
        ],
        ["Sam Staff", "sam.staff@oakhill.example", "Science", "Autumn term 2026"]
        + ["2", "0", "0", "0", "", "1", "0", "0"]
        + [""] * 8,
    ]
    sendbot.db.dispose()


def test_my_page_shows_my_own_figures_and_what_is_due(db: Database, school: dict[str, int]) -> None:
    sendbot, client = _as(db, school, "staff")
    page = client.get("/me").text
    assert 'data-count="asked">2<' in page
    assert 'data-count="due">2<' in page  # two due by 10:00 today, one next week
    assert "Ann Able" not in page and "No targets yet" in page
    sendbot.db.dispose()
    sendbot, client = _as(db, school, "ann")
    page = client.get("/me").text
    assert 'data-count="asked">4<' in page and 'data-count="due">0<' in page
    assert 'data-area="sensory_and_physical"' in page
    assert page.count('data-status="on track"') == 2
    assert page.count('data-status="missed"') == 0
    assert page.count('data-status="not started"') == 1  # last year's target: nothing asked then
    sendbot.db.dispose()


def test_the_question_bank_puts_the_most_missed_question_first(
    db: Database, school: dict[str, int]
) -> None:
    sendbot, client = _as(db, school, "sendco")
    page = client.get("/sendco/questions").text
    order = [page.index(f'data-question="{qid}"') for qid in ("unused-1", "tricky-1", "right-1")]
    assert order == sorted(order)  # 100% wrong, then 50% wrong, then none wrong
    tricky = page[order[1] : order[2]]
    assert '<td data-count="answered">2</td>' in tricky
    assert '<span data-count="wrong" class="bad">50%</span>' in tricky
    assert '<tr data-option="2"><td>Also wrong</td><td>50%</td>' in tricky
    sendbot.db.dispose()


def _remembers(db: Database, staff_id: int, qid: str, correct: bool, on: datetime) -> None:
    def work(s: Session) -> None:
        question = s.exec(select(Question).where(Question.qid == qid)).one()
        factories.remembered(s, s.get(Staff, staff_id), question, correct, on)

    db.work(work)


def test_the_team_page_puts_people_behind_first_and_draws_weeks_and_recall(
    db: Database, school: dict[str, int]
) -> None:
    _remembers(db, school["ann"], "right-1", True, datetime(2026, 10, 6, 10, tzinfo=UTC))
    _remembers(db, school["ann"], "tricky-1", False, datetime(2026, 10, 8, 10, tzinfo=UTC))
    _remembers(db, school["cat"], "tricky-1", True, datetime(2026, 11, 3, 10, tzinfo=UTC))
    sendbot, client = _as(db, school, "line_manager")
    page = client.get("/team").text

    # Sam answered nothing and has no target; Ann is on track: Sam comes first.
    rows = re.findall(r'<tr data-person="([^"]+)"', page)
    assert rows == ["sam.staff@oakhill.example", "ann.able@oakhill.example"]
    by_name = re.findall(r'<tr data-person="([^"]+)"', client.get("/team?sort=name").text)
    assert by_name == ["ann.able@oakhill.example", "sam.staff@oakhill.example"]

    # Week by week: half term (26 to 30 October) is shaded as a holiday, with no point drawn.
    weeks = page.split('id="team-weeks"')[1].split("</figure>")[0]
    assert weeks.count('data-band="holiday"') == 1
    assert "<title>Holiday</title>" in weeks
    assert '<th scope="row">26 Oct</th><td>–</td><td>Holiday</td>' in weeks
    assert '<th scope="row">5 Oct</th><td>100%</td>' in weeks  # Ann answered both that week

    # Recall now by area: Ann's two areas drawn, Sam (never answered) blank, Cat absent.
    recall = page.split('id="team-recall"')[1].split("</figure>")[0]
    assert "Cat Cole" not in page
    cells = re.findall(
        r'<rect class="cell( cell-blank)?" data-row="(\d)" data-column="(\d)"', recall
    )
    assert len(cells) == 4  # two people by the two areas anyone was asked about
    sam_row = 0
    assert all(blank for blank, row, _ in cells if int(row) == sam_row)
    assert not any(blank for blank, row, _ in cells if int(row) != sam_row)
    assert "Sam Staff, Cognition and learning: not yet asked" in recall
    assert "Least well remembered now: sensory and/or physical" in recall
    sendbot.db.dispose()


def test_my_page_says_what_i_know_well_and_what_comes_back_soon(
    db: Database, school: dict[str, int]
) -> None:
    _remembers(db, school["ann"], "right-1", True, datetime(2026, 11, 20, 10, tzinfo=UTC))
    _remembers(db, school["ann"], "tricky-1", False, datetime(2026, 11, 20, 10, tzinfo=UTC))
    sendbot, client = _as(db, school, "ann")
    page = client.get("/me?period=next Tuesday").text

    assert "Showing Autumn term 2026 instead." in page  # an unreadable period, with a note
    recall = page.split('id="my-recall"')[1].split("</figure>")[0]
    bars = re.findall(r'<rect class="bar" data-value="([\d.]+)"', recall)
    assert len(bars) == 2 and float(bars[0]) > float(bars[1])  # best remembered first
    assert "You know cognition and learning best" in recall
    assert "sensory and/or physical is the one to refresh" in recall
    coming = page.split("data-coming-back>")[1].split("</ul>")[0]
    assert coming.count("<li>") == 2 and "Sensory and physical" in coming
    weeks = page.split('id="my-weeks"')[1].split("</figure>")[0]
    assert "You answered 75% of the 4 questions sent" in weeks
    assert "Sam Staff" not in page
    sendbot.db.dispose()
