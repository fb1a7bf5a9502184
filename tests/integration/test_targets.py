"""Targets on both engines: who may set them, CSV import, progress from recorded rows, reports."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select
from typer.testing import CliRunner

from bot.cli import app
from bot.content.targets_csv import read_targets_csv
from bot.domain.people import Role
from bot.domain.targets import Period, Status
from bot.services.errors import UserError
from bot.services.progress import Recorded, reports_for, team_of
from bot.services.question_stats import question_stats
from bot.services.targets import (
    TargetFileProblems,
    check_wanted,
    delete_target,
    import_targets,
    set_target,
)
from bot.services.team_report import team_report
from bot.storage.database import Database
from bot.storage.quiz import Question, Target
from bot.storage.school import School
from bot.storage.staff import Staff
from tests import factories

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
AUTUMN = Period("Autumn term 2026", date(2026, 9, 2), date(2026, 12, 18))


def _staff(db: Database) -> dict[str, int]:
    """Two managers with their teams, the SENDCO, an admin, and someone at another school."""

    def setup(s: Session) -> dict[str, int]:
        school = factories.school(s)
        people = {
            "mia": factories.person(s, school, "Mia Manager", roles={Role.LINE_MANAGER}),
            "oli": factories.person(
                s, school, "Oli Other", roles={Role.LINE_MANAGER}, department="English"
            ),
            "sue": factories.person(s, school, "Sue Sendco", roles={Role.SENDCO}),
            "ada": factories.person(s, school, "Ada Admin", roles={Role.ADMIN}),
        }
        for key, name, manager, department in (
            ("ann", "Ann Able", "mia", "Science"),
            ("bob", "Bob Busy", "mia", "Science"),
            ("cat", "Cat Cole", "oli", "English"),
        ):
            row = factories.person(s, school, name, department=department)
            row.line_manager_id = people[manager].id
            people[key] = row
        other = factories.school(s, "Elm Park School", with_terms=False)
        people["eve"] = factories.person(s, other, "Eve Elsewhere", roles={Role.SENDCO})
        factories.question(s, school, "semh-1", area="social_emotional_and_mental_health")
        s.flush()
        return {key: row.id for key, row in people.items()}  # type: ignore[misc]

    return db.work(setup)


def _set(db: Database, by: str, who: str, ids: dict[str, int], **fields: str) -> Target:
    def work(s: Session) -> Target:
        actor, person = s.get(Staff, ids[by]), s.get(Staff, ids[who])
        wanted = check_wanted(
            s,
            person.school_id,  # type: ignore[union-attr]
            fields.get("metric", "answered"),
            fields.get("threshold", "90"),
            fields.get("period", "autumn term 2026"),
            fields.get("area"),
            fields.get("topic"),
        )
        return set_target(s, actor, person, wanted, NOW)[0]  # type: ignore[arg-type]

    return db.work(work)


def _targets(db: Database) -> list[tuple[int, str, int]]:
    return db.work(
        lambda s: [
            (t.staff_id, t.metric, t.threshold)
            for t in s.exec(select(Target).order_by(Target.id)).all()  # type: ignore[arg-type]
        ]
    )


@pytest.mark.parametrize(
    ("by", "who", "allowed"),
    [
        ("mia", "ann", True),  # her report
        ("mia", "cat", False),  # someone else's report
        ("mia", "mia", False),  # herself
        ("ann", "bob", False),  # a colleague
        ("sue", "cat", True),  # the SENDCO: anyone at the school
        ("ada", "oli", True),  # an admin: anyone at the school
        ("eve", "ann", False),  # the SENDCO of another school
    ],
)
def test_who_may_set_a_target(db: Database, by: str, who: str, allowed: bool) -> None:
    ids = _staff(db)
    if allowed:
        target = _set(db, by, who, ids)
        assert (target.staff_id, target.set_by_id, target.period_label) == (
            ids[who],
            ids[by],
            "Autumn term 2026",
        )
        assert (target.starts_on, target.ends_on) == (date(2026, 9, 2), date(2026, 12, 18))
    else:
        with pytest.raises(UserError, match="only their line manager, the SENDCO or an admin"):
            _set(db, by, who, ids)
        assert _targets(db) == []


def test_setting_the_same_target_again_changes_its_threshold(db: Database) -> None:
    ids = _staff(db)
    first = _set(db, "mia", "ann", ids, threshold="80")
    again = _set(db, "mia", "ann", ids, threshold="95%")
    _set(db, "mia", "ann", ids, area="SEMH")  # a different target: only SEMH questions
    assert again.id == first.id
    assert _targets(db) == [(ids["ann"], "answered_share", 95), (ids["ann"], "answered_share", 90)]


def test_every_bad_field_is_named_and_nothing_is_stored(db: Database) -> None:
    ids = _staff(db)
    with pytest.raises(UserError) as caught:
        _set(db, "mia", "ann", ids, metric="attendance", threshold="0", period="winter 2026")
    text = str(caught.value)
    assert text.startswith('Metric: "attendance" is not a metric')
    assert 'Threshold: "0"' in text and 'Period: "winter 2026"' in text
    with pytest.raises(UserError, match='no question in the bank has the topic "ehcp"'):
        _set(db, "mia", "ann", ids, topic="ehcp")
    with pytest.raises(UserError, match="briefings have none"):
        _set(db, "mia", "ann", ids, metric="acknowledged", area="semh")
    assert _targets(db) == []


def test_a_target_can_be_deleted_only_by_those_who_may_set_it(db: Database) -> None:
    ids = _staff(db)
    target = _set(db, "mia", "ann", ids)
    for who in ("oli", "ann", "eve"):
        with pytest.raises(UserError):
            db.work(lambda s, who=who: delete_target(s, s.get(Staff, ids[who]), target.id))
    words = db.work(lambda s: delete_target(s, s.get(Staff, ids["sue"]), target.id))
    assert words.startswith("Deleted Ann Able's target: questions answered at least 90%")
    assert _targets(db) == []


def _import(db: Database, by: str, ids: dict[str, int], text: str) -> tuple[int, int]:
    target_file = read_targets_csv(text.encode())
    return db.work(lambda s: import_targets(s, s.get(Staff, ids[by]), target_file, NOW))


def test_a_team_import_is_all_or_nothing_and_lists_every_bad_line(db: Database) -> None:
    ids = _staff(db)
    bad = (
        "email,metric,threshold,period,area,topic\n"
        "ann.able@oakhill.example,answered,90,spring term 2027,,\n"
        "cat.cole@oakhill.example,answered,90,spring term 2027,,\n"
        "bob.busy@oakhill.example,score,80,summer 2027,semh,\n"
        "nobody@oakhill.example,score,80,2026-27,,\n"
        "bob.busy@oakhill.example,answered,ninety,2026-27,,\n"
        "ann.able@oakhill.example,Questions answered,85,Spring term 2027,,\n"
    )
    with pytest.raises(TargetFileProblems) as caught:
        _import(db, "mia", ids, bad)
    lines = str(caught.value).splitlines()
    assert lines[0] == "Nothing was imported: 4 problems to put right."
    assert [line.split(":")[0].strip() for line in lines[1:]] == [
        'Line 3, column "email"',
        'Line 5, column "email"',
        'Line 6, column "threshold"',
        "Line 7",
    ]
    assert "cat.cole@oakhill.example is not in your team" in lines[1]
    assert "same target as line 2" in lines[4]
    assert _targets(db) == []

    good = "\n".join(bad.splitlines()[i] for i in (0, 1, 3)) + "\n"
    assert _import(db, "mia", ids, good) == (2, 0)
    assert _import(db, "mia", ids, good) == (0, 2)  # safe to run twice
    assert sorted(_targets(db)) == [
        (ids["ann"], "answered_share", 90),
        (ids["bob"], "correct_share", 80),
    ]


def _record(db: Database, ids: dict[str, int]) -> None:
    """Ann's autumn: 5 asked (2 right, 1 wrong, 1 expired, 1 waiting) and 2 briefings, 1 read."""

    def work(s: Session) -> None:
        sch = s.get(School, s.get(Staff, ids["ann"]).school_id)  # type: ignore[union-attr]
        ann, bob = s.get(Staff, ids["ann"]), s.get(Staff, ids["bob"])
        semh = s.exec(select(Question).where(Question.qid == "semh-1")).one()
        cl = factories.question(s, sch, "cl-1", area="cognition_and_learning", tags=["Dyslexia"])
        gen = factories.question(s, sch, "gen-1")
        old = factories.question(s, sch, "gen-2")
        factories.quiz_item(s, sch, ann, semh, date(2026, 10, 6), chosen=[0])
        factories.quiz_item(s, sch, ann, cl, date(2026, 10, 8), chosen=[0])
        factories.quiz_item(s, sch, ann, gen, date(2026, 11, 3), chosen=[2])
        factories.quiz_item(s, sch, ann, old, date(2026, 11, 5), status="expired")
        factories.quiz_item(s, sch, ann, cl, date(2026, 11, 24))  # sent, not answered yet
        factories.quiz_item(s, sch, ann, old, date(2026, 7, 1), chosen=[1])  # last year
        factories.quiz_item(s, sch, ann, semh, None)  # planned, not sent: not asked
        factories.quiz_item(s, sch, bob, gen, date(2026, 11, 3), chosen=[1])
        first = factories.briefing(s, sch, NOW, slug="one")
        second = factories.briefing(s, sch, NOW, slug="two")
        factories.briefing_received(s, first, ann, date(2026, 10, 1), acknowledged=True)
        factories.briefing_received(s, second, ann, date(2026, 11, 2))
        factories.briefing_received(s, first, bob, date(2026, 10, 1))

    db.work(work)


def test_progress_is_computed_from_what_was_recorded(db: Database) -> None:
    ids = _staff(db)
    _record(db, ids)
    recorded = db.work(lambda s: Recorded(s, [ids["ann"], ids["bob"]], AUTUMN, "Europe/London"))
    ann = recorded.questions(ids["ann"])
    assert (ann.asked, ann.answered, ann.correct) == (5, 3, 2)
    by_area = {
        area: (t.asked, t.answered, t.correct) for area, t in recorded.by_area(ids["ann"]).items()
    }
    assert by_area == {
        "cognition_and_learning": (2, 1, 1),
        "general": (2, 1, 0),
        "social_emotional_and_mental_health": (1, 1, 1),
    }
    topic = recorded.questions(ids["ann"], topic="dyslexia")
    assert (topic.asked, topic.answered) == (2, 1)
    assert recorded.briefings(ids["ann"]) == (1, 2)
    assert recorded.briefings(ids["bob"]) == (0, 1)

    for metric, threshold, fields in (
        ("answered", "70", {}),  # 3 of 5: at risk
        ("correct", "60", {}),  # 2 of 3: on track
        ("correct", "100", {"area": "semh"}),  # 1 of 1: on track
        ("answered", "50", {"topic": "DYSLEXIA"}),  # 1 of 2: on track
        ("acknowledged", "100", {}),  # 1 of 2: at risk
        ("answered", "90", {"period": "spring term 2027"}),  # nothing yet
    ):
        _set(db, "mia", "ann", ids, metric=metric, threshold=threshold, **fields)

    def statuses(today: date) -> list[tuple[str, int, int]]:
        def work(s: Session) -> list[tuple[str, int, int]]:
            (report,) = reports_for(
                s,
                [s.get(Staff, ids["ann"])],
                Period("2026-27", date(2026, 9, 1), date(2027, 8, 31)),
                today,
            )
            return [
                (line.progress.status.value, line.progress.numerator, line.progress.denominator)
                for line in report.targets
            ]

        return db.work(work)

    # Listed by period, then metric: answered, acknowledged, correct.
    assert statuses(date(2026, 11, 25)) == [
        ("at risk", 3, 5),
        ("on track", 1, 2),  # the dyslexia topic
        ("at risk", 1, 2),
        ("on track", 2, 3),
        ("on track", 1, 1),  # SEMH only
        ("not started", 0, 0),  # spring
    ]
    assert [s for s, _, _ in statuses(date(2026, 12, 19))] == [
        Status.MISSED,
        Status.MET,
        Status.MISSED,
        Status.MET,
        Status.MET,
        Status.NOT_STARTED,
    ]


def test_the_team_report_shows_only_the_managers_team(db: Database) -> None:
    ids = _staff(db)
    _record(db, ids)

    def names(by: str, department: str | None = None) -> list[str]:
        return db.work(
            lambda s: [
                r.person.name
                for r in team_report(
                    s, s.get(Staff, ids[by]), "autumn term 2026", department, NOW
                ).people
            ]
        )

    assert names("mia") == ["Ann Able", "Bob Busy"]
    assert names("mia", "English") == ["Ann Able", "Bob Busy"]  # a manager cannot widen it
    assert names("oli") == ["Cat Cole"]
    assert names("ann") == []
    assert names("sue", "English") == ["Cat Cole", "Oli Other"]
    assert len(names("ada")) == 7
    report = db.work(lambda s: team_report(s, s.get(Staff, ids["mia"]), None, None, NOW))
    assert report.period.label == "Autumn term 2026"  # the current term by default
    bob = report.people[1]
    assert (bob.questions.asked, bob.questions.correct, bob.briefings_received) == (1, 0, 1)
    assert db.work(lambda s: [p.name for p in team_of(s, s.get(Staff, ids["eve"]))]) == [
        "Eve Elsewhere"
    ]


def test_question_stats_put_the_most_missed_question_first(db: Database) -> None:
    ids = _staff(db)
    _record(db, ids)
    stats = db.work(lambda s: question_stats(s, s.get(Staff, ids["sue"]).school_id))
    summary = [(s.question.qid, s.answered, s.wrong, s.option_percents) for s in stats]
    assert summary == [
        ("gen-1", 2, 2, [0, 50, 50]),
        ("gen-2", 1, 1, [0, 100, 0]),
        ("cl-1", 1, 0, [100, 0, 0]),
        ("semh-1", 1, 0, [100, 0, 0]),
    ]


runner = CliRunner()


def test_the_target_commands(cli: Database, tmp_path) -> None:  # type: ignore[no-untyped-def]
    ids = _staff(cli)
    mia, ann = "mia.manager@oakhill.example", "ann.able@oakhill.example"
    result = runner.invoke(
        app,
        [
            "target",
            "set",
            ann,
            "--metric",
            "score",
            "--threshold",
            "80",
            "--period",
            "2026-27",
            "--by",
            mia,
        ],
    )
    assert result.exit_code == 0, result.output
    assert "for Ann Able: answered correctly at least 80% in 2026-27" in result.output
    refused = runner.invoke(
        app,
        [
            "target",
            "set",
            "cat.cole@oakhill.example",
            "--metric",
            "score",
            "--threshold",
            "80",
            "--period",
            "2026-27",
            "--by",
            mia,
        ],
    )
    assert refused.exit_code == 1 and "Choose someone in your team" in refused.output
    assert "Cat Cole" not in refused.output
    wrong = runner.invoke(
        app,
        [
            "target",
            "set",
            ann,
            "--metric",
            "speed",
            "--threshold",
            "80",
            "--period",
            "next year",
            "--by",
            mia,
        ],
    )
    assert wrong.exit_code == 1
    assert 'Metric: "speed"' in wrong.output and 'Period: "next year"' in wrong.output

    csv_file = tmp_path / "team.csv"
    csv_file.write_text(
        "email,metric,threshold,period\nbob.busy@oakhill.example,answered,90,autumn term 2026\n"
    )
    imported = runner.invoke(app, ["target", "import", str(csv_file), "--by", mia])
    assert imported.exit_code == 0, imported.output
    assert "1 targets added, 0 updated." in imported.output

    assert "several schools" in runner.invoke(app, ["target", "list"]).output
    listed = runner.invoke(app, ["target", "list", "--school", "Oak Hill Academy"])
    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert len(lines) == 2 and "Ann Able" in lines[0] and "Bob Busy" in lines[1]
    assert "not started (0 of 0)" in lines[0]
    only_ann = runner.invoke(app, ["target", "list", ann])
    assert "Bob Busy" not in only_ann.output and "Ann Able" in only_ann.output

    target_id = int(lines[0].split()[0])
    denied = runner.invoke(
        app, ["target", "delete", str(target_id), "--by", "oli.other@oakhill.example"]
    )
    assert denied.exit_code == 1
    deleted = runner.invoke(app, ["target", "delete", str(target_id), "--by", mia])
    assert deleted.exit_code == 0 and "Deleted Ann Able's target" in deleted.output
    assert [t[0] for t in _targets(cli)] == [ids["bob"]]
