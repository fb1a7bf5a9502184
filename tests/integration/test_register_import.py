"""Register imports on both databases: the baseline, the diff, the alerts and who gets them,
partial exports, bad rows, teaching links, and retention."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, select

from bot.domain.people import Role
from bot.domain.register import PupilRecord
from bot.services.clock import FixedClock
from bot.services.errors import UserError
from bot.services.register.importer import PartialExport, RegisterProblems, import_register
from bot.services.register.kinds import ALERT
from bot.services.register.result import RegisterResult
from bot.services.register.retention import erase_due, erase_pupil, keep_until
from bot.services.teaching_import import TeachingProblems, import_teaching
from bot.services.teaching_links import staff_for_pupil, staff_for_pupils
from bot.storage.audit import AuditEvent
from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.register import (
    ProfileAlert,
    ProfileRead,
    Pupil,
    RegisterChange,
    RegisterImport,
    TeachingLink,
)
from bot.storage.school import School
from bot.storage.staff import Staff
from tests import factories
from tests.factories import pupil_record as record
from tests.integration.webapp import sendbot_for

# Pupils on the register whom nothing below changes, so that one leaver is a small share.
STEADY = [record(str(n), "K", "MLD", year_group="10", reg_group="10A") for n in range(10, 14)]
BASELINE = [
    record("1", "K", "SPLD", reg_group="7A"),
    record("2", "N", reg_group="7A"),
    record("3", "K", "ASD", reg_group="7B"),
    record("4", "K", "MLD", year_group="8", reg_group="8C"),
    record("5", "E", "SLCN", year_group="8", reg_group="8C"),
    record("6", "N", year_group="9", reg_group="9Z"),
    *STEADY,
]
# Two new pupils (7 and 8), one K to E (1), one leaver (5).
SECOND = [
    record("1", "E", "SPLD", reg_group="7A"),
    record("2", "N", reg_group="7A"),
    record("3", "K", "ASD", reg_group="7B"),
    record("4", "K", "MLD", year_group="8", reg_group="8C"),
    record("6", "N", year_group="9", reg_group="9Z"),
    record("7", "K", "SEMH", reg_group="7B"),
    record("8", "E", "ASD", year_group="9", reg_group="9Z"),
    *STEADY,
]


def run_import(
    db: Database,
    school_id: int,
    rows: Sequence[PupilRecord],
    now: datetime,
    *,
    confirm: bool = False,
    by_id: int | None = None,
) -> RegisterResult:
    digest = hashlib.sha256(repr(rows).encode()).hexdigest()

    def work(session: Session) -> RegisterResult:
        return import_register(
            session,
            session.get(School, school_id),  # type: ignore[arg-type]
            rows,
            file_name="register.csv",
            file_bytes_sha256=digest,
            by=session.get(Staff, by_id) if by_id else None,
            now=now,
            confirm_partial=confirm,
        )

    return db.work(work)


@pytest.fixture
def school(db: Database) -> dict[str, int]:
    """A school with teachers, a tutor, a head of year and the links between them and pupils."""

    def setup(s: Session) -> dict[str, int]:
        school = factories.school(s)
        ids = {"school": school.id}
        for key, name, days in (
            ("ana", "Ana Teach", "12345"),
            ("ben", "Ben Teach", "12345"),
            ("gone", "Gone Teach", "12345"),
            ("tutor", "Tess Tutor", "12345"),
            ("hoy", "Hal Year", "1"),  # works Mondays only
            ("other", "Olly Other", "12345"),
        ):
            ids[key] = factories.person(s, school, name, working_days=days).id
        ids["sendco"] = factories.person(s, school, "Sue Sendco", roles={Role.SENDCO}).id
        staff = {key: s.get(Staff, ids[key]) for key in ("ana", "ben", "gone", "tutor", "hoy")}
        for key, mis_id in (("ana", "1"), ("ben", "1"), ("gone", "1"), ("ana", "7")):
            factories.teaching_link(s, staff[key], pupil_mis_id=mis_id)
        factories.teaching_link(s, staff["tutor"], role="tutor", group="7A")
        factories.teaching_link(s, staff["hoy"], role="head_of_year", group="9")
        factories.teaching_link(s, s.get(Staff, ids["other"]), pupil_mis_id="3")  # type: ignore[arg-type]
        staff["gone"].active = False  # type: ignore[union-attr]
        return ids

    return db.work(setup)


def test_the_first_import_is_the_baseline_and_alerts_nobody(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    result = run_import(db, school["school"], BASELINE, clock.now())
    assert (result.baseline, result.pupils, result.on_register, result.alerts) == (
        True,
        10,
        8,
        0,
    )
    assert "first register" in str(result) and "Nobody was alerted" in str(result)
    pupils = db.work(lambda s: s.exec(select(Pupil)).all())
    assert sorted(p.mis_id for p in pupils) == [
        "1",
        "10",
        "11",
        "12",
        "13",
        "2",
        "3",
        "4",
        "5",
        "6",
    ]
    assert all(p.on_roll and p.off_register_on is None for p in pupils)
    assert db.work(lambda s: s.exec(select(RegisterChange)).all()) == []
    assert db.work(lambda s: s.exec(select(ProfileAlert)).all()) == []
    stored = db.work(lambda s: s.exec(select(RegisterImport)).one())
    assert (stored.baseline, stored.pupils, stored.changes) == (True, 10, 0)


def test_a_second_import_stores_exactly_its_changes_and_alerts_exactly_the_linked_staff(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))
    result = run_import(db, school["school"], SECOND, clock.now(), by_id=school["sendco"])
    assert result.counts == {"plan_issued": 1, "added": 2, "left": 1}
    assert (result.alerts, result.reads, result.baseline) == (3, 4, False)
    assert str(result) == (
        "11 pupils; 4 changes: 2 added, 1 plan issued, 1 left; 3 alerts planned."
        " Read as the whole roll, so pupils it leaves out have left the school."
    )

    def stored(s: Session):  # type: ignore[no-untyped-def]
        pupils = {p.id: p for p in s.exec(select(Pupil)).all()}
        changes = {
            (pupils[c.pupil_id].mis_id, c.kind, c.old_provision, c.new_provision)
            for c in s.exec(select(RegisterChange)).all()
        }
        change_pupil = {c.id: pupils[c.pupil_id].mis_id for c in s.exec(select(RegisterChange))}
        reads = {
            (r.staff_id, change_pupil[r.change_id], r.read_at)
            for r in s.exec(select(ProfileRead)).all()
        }
        alerts = {a.staff_id: a.id for a in s.exec(select(ProfileAlert)).all()}
        deliveries = {
            d.staff_id: (d.kind, d.subject_id, d.not_before, d.status)
            for d in s.exec(select(Delivery)).all()
        }
        return pupils, changes, reads, alerts, deliveries

    pupils, changes, reads, alerts, deliveries = db.work(stored)
    assert changes == {
        ("1", "plan_issued", "K", "E"),
        ("5", "left", "E", ""),
        ("7", "added", "", "K"),
        ("8", "added", "", "E"),
    }
    # Ana teaches 1 and 7: one alert, two reads. Ben teaches 1. Pupil 8 has no class and no
    # tutor link, so the head of year is told; 5 left, so nobody is. The inactive teacher of 1
    # and the tutor of 7A (1 has teachers) are not told.
    assert reads == {
        (school["ana"], "1", None),
        (school["ana"], "7", None),
        (school["ben"], "1", None),
        (school["hoy"], "8", None),
    }
    assert set(alerts) == {school["ana"], school["ben"], school["hoy"]}
    now = clock.now()
    monday = datetime(2026, 11, 9, 7, 30, tzinfo=UTC)
    assert deliveries == {
        school["ana"]: (ALERT, alerts[school["ana"]], now, "pending"),
        school["ben"]: (ALERT, alerts[school["ben"]], now, "pending"),
        school["hoy"]: (ALERT, alerts[school["hoy"]], monday, "pending"),
    }
    leaver = next(p for p in pupils.values() if p.mis_id == "5")
    assert (leaver.on_roll, leaver.off_register_on) == (False, date(2026, 11, 3))
    promoted = next(p for p in pupils.values() if p.mis_id == "1")
    assert (promoted.provision, promoted.off_register_on) == ("E", None)
    events = db.work(lambda s: s.exec(select(AuditEvent)).all())
    assert [(e.action, e.actor_staff_id) for e in events] == [
        ("register_imported", None),
        ("register_imported", school["sendco"]),
    ]
    for event in events:
        assert "First" not in event.detail and "Last" not in event.detail


def test_the_same_file_twice_stores_no_changes_and_alerts_nobody(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))
    run_import(db, school["school"], SECOND, clock.now() - timedelta(days=1))
    counts = db.work(
        lambda s: tuple(
            len(s.exec(select(table)).all())
            for table in (RegisterChange, ProfileAlert, ProfileRead, Delivery)
        )
    )
    again = run_import(db, school["school"], SECOND, clock.now())
    assert (again.changes, again.alerts, again.baseline) == (0, 0, False)
    assert str(again) == "11 pupils; no changes since the last import; nobody alerted."
    assert (
        db.work(
            lambda s: tuple(
                len(s.exec(select(table)).all())
                for table in (RegisterChange, ProfileAlert, ProfileRead, Delivery)
            )
        )
        == counts
    )
    imports = db.work(lambda s: [i.changes for i in s.exec(select(RegisterImport)).all()])
    assert sorted(imports) == [0, 0, 4]


def test_a_pupil_back_on_the_register_is_added_and_one_taken_off_keeps_a_date(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=14))
    run_import(db, school["school"], SECOND, clock.now() - timedelta(days=7))
    back = [r for r in SECOND if r.mis_id != "3"] + [
        record("3", "N", reg_group="7B"),  # off the register
        record("5", "E", "SLCN", year_group="8", reg_group="8C"),  # back at the school
    ]
    result = run_import(db, school["school"], back, clock.now())
    assert result.counts == {"added": 1, "removed": 1}
    pupils = {p.mis_id: p for p in db.work(lambda s: s.exec(select(Pupil)).all())}
    assert (pupils["5"].on_roll, pupils["5"].off_register_on) == (True, None)
    assert (pupils["3"].provision, pupils["3"].off_register_on) == ("N", date(2026, 11, 3))


def test_a_partial_export_is_refused_with_nothing_stored_then_accepted_when_confirmed(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))
    half = [r for r in BASELINE if r.mis_id not in ("1", "3")]  # 2 of 8 on the register gone
    with pytest.raises(PartialExport) as refused:
        run_import(db, school["school"], half, clock.now())
    message = str(refused.value)
    assert "2 of the 8 pupils" in message and "25%" in message and "20%" in message
    assert "--confirm-partial" in message and "tick" in message
    assert "Nothing" in message or "nothing was stored" in message
    assert db.work(lambda s: len(s.exec(select(RegisterImport)).all())) == 1
    assert all(p.on_roll for p in db.work(lambda s: s.exec(select(Pupil)).all()))

    result = run_import(db, school["school"], half, clock.now(), confirm=True)
    assert result.confirmed_partial and result.counts == {"left": 2}
    stored = db.work(lambda s: s.get(RegisterImport, result.import_id))
    assert stored.confirmed_partial  # type: ignore[union-attr]


def test_a_share_within_the_school_limit_needs_no_confirmation(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    db.work(lambda s: setattr(s.get(School, school["school"]), "register_partial_share", 0.3))
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))
    half = [r for r in BASELINE if r.mis_id not in ("1", "3")]
    assert not run_import(db, school["school"], half, clock.now()).confirmed_partial


def test_any_bad_row_stores_nothing_and_names_no_pupil(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))
    bad = [
        *SECOND,
        record("7", "K", "SPLD", first="Zebedee", last="Quill"),  # the same pupil twice
        record("9", "K", "SPLD", reg_group="X" * 40, first="Zebedee", last="Quill"),
        record("20", "Q", first="Zebedee", last="Quill"),
    ]
    with pytest.raises(RegisterProblems) as refused:
        run_import(db, school["school"], bad, clock.now())
    message = str(refused.value)
    assert message.startswith("Nothing was imported: 3 problems")
    assert 'Pupil 12 in the file, column "MIS id": the same pupil as pupil 6' in message
    assert 'Pupil 13 in the file, column "reg group": longer than 30' in message
    assert 'Pupil 14 in the file, column "provision"' in message
    assert "Zebedee" not in message and "Quill" not in message
    assert db.work(lambda s: len(s.exec(select(RegisterImport)).all())) == 1
    assert db.work(lambda s: len(s.exec(select(Pupil)).all())) == 10


def test_a_failure_half_way_leaves_nothing_behind(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    """A database failure after rows were written (a pupil row the database refuses) rolls
    the whole import back."""
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))

    def sabotage(s: Session) -> None:
        # A second row with pupil 7's MIS id, made before the import, breaks its insert.
        s.add(Pupil(school_id=school["school"], mis_id="7", erased_at=clock.now()))

    db.work(sabotage)
    with pytest.raises(Exception):  # noqa: B017 - any database error will do
        run_import(db, school["school"], SECOND, clock.now())
    assert db.work(lambda s: len(s.exec(select(RegisterImport)).all())) == 1
    assert db.work(lambda s: s.exec(select(RegisterChange)).all()) == []
    assert db.work(lambda s: s.exec(select(ProfileAlert)).all()) == []
    pupils = {p.mis_id: p for p in db.work(lambda s: s.exec(select(Pupil)).all())}
    assert pupils["1"].provision == "K" and pupils["5"].on_roll


def test_fallbacks_teacher_then_tutor_then_head_of_year(
    db: Database, school: dict[str, int]
) -> None:
    def setup(s: Session) -> None:
        staff = {key: s.get(Staff, school[key]) for key in ("ben", "tutor", "other")}
        factories.teaching_link(s, staff["ben"], pupil_mis_id="20", role="support")
        factories.teaching_link(s, staff["other"], pupil_mis_id="21", role="tutor")
        s.add_all(
            Pupil(school_id=school["school"], mis_id=m, year_group=y, reg_group=g)
            for m, y, g in (
                ("1", "7", "7A"),  # teachers
                ("20", "7", "7A"),  # support staff
                ("21", "7", "7A"),  # a tutor of their own, ahead of the form's tutor
                ("22", "7", "7A"),  # the form's tutor
                ("23", "9", "9Q"),  # the head of year
                ("24", "11", "11Q"),  # nobody
            )
        )

    db.work(setup)

    def found(s: Session) -> dict[str, set[tuple[int, str]]]:
        pupils = s.exec(select(Pupil).where(Pupil.school_id == school["school"])).all()
        links = staff_for_pupils(s, school["school"], pupils)
        return {m: {(p.id, how) for p, how in people} for m, people in links.items()}  # type: ignore[misc]

    assert db.work(found) == {
        "1": {(school["ana"], "teacher"), (school["ben"], "teacher")},
        "20": {(school["ben"], "support")},
        "21": {(school["other"], "tutor")},
        "22": {(school["tutor"], "tutor")},
        "23": {(school["hoy"], "head_of_year")},
    }
    single = db.work(
        lambda s: [
            (p.name, how)
            for p, how in staff_for_pupil(
                s,
                school["school"],
                s.exec(select(Pupil).where(Pupil.mis_id == "22")).one(),
            )
        ]
    )
    assert single == [("Tess Tutor", "tutor")]


def test_a_teacher_of_several_changed_pupils_gets_one_alert_with_a_read_for_each(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    db.work(
        lambda s: [
            factories.teaching_link(s, s.get(Staff, school["ana"]), pupil_mis_id=m)  # type: ignore[arg-type]
            for m in ("2", "4")
        ]
    )
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))
    changed = [
        record("1", "E", "SPLD", reg_group="7A"),
        record("2", "K", "SLCN", reg_group="7A"),
        record("3", "K", "ASD", reg_group="7B"),
        record("4", "K", "SEMH", year_group="8", reg_group="8C"),
        record("5", "E", "SLCN", year_group="8", reg_group="8C"),
        record("6", "N", year_group="9", reg_group="9Z"),
        *STEADY,
    ]
    result = run_import(db, school["school"], changed, clock.now())
    assert result.counts == {"plan_issued": 1, "added": 1, "need_changed": 1}
    ana = db.work(
        lambda s: (
            s.exec(select(ProfileAlert).where(ProfileAlert.staff_id == school["ana"])).all(),
            s.exec(select(ProfileRead).where(ProfileRead.staff_id == school["ana"])).all(),
            s.exec(select(Delivery).where(Delivery.staff_id == school["ana"])).all(),
        )
    )
    alerts, reads, deliveries = ana
    assert len(alerts) == 1 and len(reads) == 3 and len(deliveries) == 1
    assert {r.alert_id for r in reads} == {alerts[0].id}


@dataclass(frozen=True)
class Row:
    """A teaching-groups line as the file reader gives it."""

    line: int
    group: str
    staff_email: str
    pupil_mis_id: str
    role: str
    staff_code: str = ""
    pupil_upn: str = ""


def test_teaching_import_replaces_the_links_and_an_unknown_email_stores_nothing(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    ana, ben = "ana.teach@oakhill.example", "BEN.TEACH@oakhill.example"
    rows = [
        Row(2, "7A/Ma1", ana, "1", "teacher"),
        Row(3, "7A/Ma1", ana, "7", "teacher"),
        Row(4, "7A/Ma1", ben, "1", "support"),
        Row(5, "7B", "tess.tutor@oakhill.example", "", "tutor"),
        Row(6, "9", "hal.year@oakhill.example", "", "head_of_year"),
        Row(7, "7A/Ma1", ana, "1", "teacher"),  # the same link twice is stored once
    ]

    def run(rows: list[Row]):  # type: ignore[no-untyped-def]
        return db.work(
            lambda s: import_teaching(
                s,
                s.get(School, school["school"]),
                rows,
                s.get(Staff, school["sendco"]),
                clock.now(),
            )
        )

    result = run(rows)
    assert (result.links, result.staff, result.pupils, result.groups) == (5, 4, 2, 2)
    links = db.work(lambda s: s.exec(select(TeachingLink)).all())
    assert len(links) == 5 and {link.pupil_mis_id for link in links} == {"", "1", "7"}

    bad = [
        *rows,
        Row(8, "8C", "nobody@oakhill.example", "4", "teacher"),
        Row(9, "8C", "gone.teach@oakhill.example", "4", "teacher"),  # has left
        Row(10, "8C", ana, "", "teacher"),
    ]
    with pytest.raises(TeachingProblems) as refused:
        run(bad)
    message = str(refused.value)
    assert message.startswith("Nothing was imported: 3 problems")
    assert 'Line 8, column "Staff email"' in message and "nobody@oakhill.example" in message
    assert 'Line 9, column "Staff email"' in message
    assert 'Line 10, column "Pupil ID"' in message
    assert len(db.work(lambda s: s.exec(select(TeachingLink)).all())) == 5
    events = db.work(lambda s: [e.action for e in s.exec(select(AuditEvent)).all()])
    assert events == ["teaching_links_imported"]


def test_staff_named_by_code_and_pupils_by_upn_are_found(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    """A class list from an MIS that gives staff codes and UPNs: a UPN the register holds
    links to that pupil's MIS id; one it does not hold is kept as it is (a register keyed on
    UPNs stores the UPN as the id). A code nobody has is refused with the file's heading."""
    known, unknown = "G823201000101", "W823201000102"

    def setup(s: Session) -> None:
        s.add(Pupil(school_id=school["school"], mis_id="000123", upn=known))
        ana = s.exec(select(Staff).where(Staff.email == "ana.teach@oakhill.example")).one()
        ana.staff_code = "ATE"
        s.add(ana)

    db.work(setup)

    def run(rows: list[Row]):  # type: ignore[no-untyped-def]
        return db.work(
            lambda s: import_teaching(
                s,
                s.get(School, school["school"]),
                rows,
                None,
                clock.now(),
                headings={"staff_code": "Teacher Code"},
            )
        )

    result = run(
        [
            Row(2, "7A/Ma1", "", "", "teacher", staff_code="ATE", pupil_upn=known),
            Row(3, "7A/Ma1", "", "", "teacher", staff_code="ATE", pupil_upn=unknown),
        ]
    )
    links = db.work(lambda s: s.exec(select(TeachingLink)).all())
    assert {link.pupil_mis_id for link in links} == {"000123", unknown}
    assert result.by_code == 1 and result.by_upn
    assert "found by their staff code" in str(result) and "matched by their UPN" in str(result)
    with pytest.raises(TeachingProblems) as refused:
        run([Row(2, "7A/Ma1", "", "1", "teacher", staff_code="ZZZ")])
    assert 'Line 2, column "Teacher Code"' in str(refused.value)
    assert "staff code ZZZ" in str(refused.value)


def test_keep_until_the_end_of_the_school_year_or_a_number_of_days() -> None:
    assert keep_until(date(2026, 11, 3), 0) == date(2027, 8, 31)
    assert keep_until(date(2027, 7, 20), 0) == date(2027, 8, 31)
    assert keep_until(date(2027, 9, 1), 0) == date(2028, 8, 31)
    assert keep_until(date(2026, 11, 3), 30) == date(2026, 12, 3)


def test_retention_erases_former_pupils_once_their_time_has_passed(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))
    run_import(db, school["school"], SECOND, clock.now())  # 5 left on 3 November 2026
    end_of_year = datetime(2027, 8, 31, 12, 0, tzinfo=UTC)
    assert db.work(lambda s: erase_due(s, end_of_year)) == 0
    assert db.work(lambda s: erase_due(s, end_of_year + timedelta(days=1))) == 1
    assert db.work(lambda s: erase_due(s, end_of_year + timedelta(days=2))) == 0  # once
    pupils = db.work(lambda s: s.exec(select(Pupil)).all())
    erased = [p for p in pupils if p.erased_at is not None]
    assert len(erased) == 1
    gone = erased[0]
    assert gone.mis_id == f"erased-{gone.id}"
    assert (gone.legal_first, gone.legal_last, gone.upn, gone.profile_url) == ("", "", "", "")
    # Blanked too; "no SEN" so the row is never counted as on the register again.
    assert (gone.provision, gone.year_group, gone.primary_need) == ("N", "", "")
    # Its change is still counted.
    kinds = db.work(
        lambda s: [c.kind for c in s.exec(select(RegisterChange)).all() if c.pupil_id == gone.id]
    )
    assert kinds == ["left"]
    # Pupils on the register, and N pupils who never were, are kept.
    kept = {p.mis_id for p in pupils if p.erased_at is None}
    assert kept == {"1", "2", "3", "4", "6", "7", "8", *(r.mis_id for r in STEADY)}


def test_retention_with_a_number_of_days_counts_from_coming_off_the_register(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    db.work(lambda s: setattr(s.get(School, school["school"]), "register_keep_days", 30))
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))
    off = [r if r.mis_id != "3" else record("3", "N", reg_group="7B") for r in BASELINE]
    run_import(db, school["school"], off, clock.now())
    assert db.work(lambda s: erase_due(s, clock.now() + timedelta(days=30))) == 0
    assert db.work(lambda s: erase_due(s, clock.now() + timedelta(days=31))) == 1
    # The school still sends pupil 3 as N: a new row, not an erased one brought back.
    run_import(db, school["school"], off, clock.now() + timedelta(days=32))
    pupils = db.work(lambda s: s.exec(select(Pupil)).all())
    kept = {p.mis_id for p in pupils if p.erased_at is None}
    assert kept == {r.mis_id for r in BASELINE} and len(pupils) == len(BASELINE) + 1


def test_erase_pupil_at_once_is_audited_without_pupil_data(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))
    db.work(
        lambda s: erase_pupil(
            s, s.get(School, school["school"]), "3", s.get(Staff, school["sendco"]), clock.now()
        )
    )
    erased = db.work(lambda s: s.exec(select(Pupil).where(Pupil.erased_at != None)).one())  # noqa: E711
    assert erased.legal_last == "" and erased.mis_id.startswith("erased-")
    event = db.work(lambda s: s.exec(select(AuditEvent)).all())[-1]
    assert (event.action, event.actor_staff_id, event.subject_id) == (
        "pupil_erased",
        school["sendco"],
        str(erased.id),
    )
    with pytest.raises(UserError, match="no pupil with that MIS id"):
        db.work(lambda s: erase_pupil(s, s.get(School, school["school"]), "3", None, clock.now()))
    # A teaching link to the pupil goes with them.
    assert (
        db.work(
            lambda s: s.exec(select(TeachingLink).where(TeachingLink.pupil_mis_id == "3")).all()
        )
        == []
    )


def test_the_ticker_erases_former_pupils_daily(
    db: Database, clock: FixedClock, school: dict[str, int]
) -> None:
    run_import(db, school["school"], BASELINE, clock.now() - timedelta(days=7))
    run_import(db, school["school"], SECOND, clock.now())  # 5 left
    later = FixedClock(datetime(2027, 9, 1, 6, 0, tzinfo=UTC))
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), later)

    async def scenario() -> tuple[float, int]:
        sendbot.ticker.start()
        job = sendbot.ticker.scheduler.get_job("retention")
        sendbot.ticker.shutdown()
        return job.trigger.interval.total_seconds(), await sendbot.ticker.erase_former_pupils()

    assert asyncio.run(scenario()) == (24 * 60 * 60, 1)
    assert db.work(lambda s: len(s.exec(select(Pupil).where(Pupil.erased_at != None)).all())) == 1  # noqa: E711
    event = db.work(lambda s: s.exec(select(AuditEvent)).all())[-1]
    assert (event.action, event.detail) == ("pupils_erased", "erased=1 (daily)")
    sendbot.db.dispose()
