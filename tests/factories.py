"""Small builders of stored records for tests; real rows in a real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from sqlmodel import Session, select

from bot.domain.people import Role, roles_to_text
from bot.domain.register import PupilRecord
from bot.domain.spacing import SpacingPolicy, new_card, review
from bot.services.question_bank import draft_of
from bot.storage.briefing import Acknowledgement, Briefing
from bot.storage.outbox import Delivery
from bot.storage.quiz import MemoryState, Question, QuizItem, QuizRound, Target
from bot.storage.register import (
    ProfileAlert,
    ProfileRead,
    Pupil,
    RegisterChange,
    RegisterImport,
    TeachingLink,
)
from bot.storage.school import School, Term
from bot.storage.staff import ChatIdentity, Staff


def school(session: Session, name: str = "Oak Hill Academy", with_terms: bool = True) -> School:
    row = School(name=name, send_window_start=time(7, 30), send_window_end=time(16, 30))
    session.add(row)
    session.flush()
    if with_terms:
        for term, first, last in (
            ("Autumn 1", date(2026, 9, 2), date(2026, 10, 23)),
            ("Autumn 2", date(2026, 11, 2), date(2026, 12, 18)),
            ("Spring 1", date(2027, 1, 5), date(2027, 2, 12)),
        ):
            session.add(Term(school_id=row.id, name=term, starts_on=first, ends_on=last))
    return row


def person(
    session: Session,
    school_row: School,
    name: str,
    *,
    job_role: str = "teacher",
    department: str = "Science",
    roles: set[Role] | None = None,
    working_days: str = "12345",
    platform: str | None = "local",
) -> Staff:
    row = Staff(
        school_id=school_row.id,  # type: ignore[arg-type]
        name=name,
        email=f"{name.lower().replace(' ', '.')}@oakhill.example",
        job_role=job_role,
        department=department,
        roles=roles_to_text(roles or {Role.STAFF}),
        working_days=working_days,
    )
    session.add(row)
    session.flush()
    if platform:
        session.add(ChatIdentity(staff_id=row.id, platform=platform, platform_user_id=row.email))  # type: ignore[arg-type]
    return row


def briefing(
    session: Session,
    school_row: School,
    now: datetime,
    *,
    slug: str = "graduated-approach",
    send_on: date = date(2026, 11, 3),
    audience: list[str] | None = None,
) -> Briefing:
    row = Briefing(
        school_id=school_row.id,  # type: ignore[arg-type]
        slug=slug,
        title="The graduated approach",
        bullets=["Assess, plan, do, review.", "Adapt your teaching first."],
        audience=audience or ["all"],
        send_on=send_on,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return row


def select_delivery_ref(briefing_id: int):  # type: ignore[no-untyped-def]
    """The stored platform reference of a briefing's (only) delivery."""
    return select(Delivery.message_ref).where(
        Delivery.kind == "briefing", Delivery.subject_id == briefing_id
    )


def question(
    session: Session,
    school_row: School,
    qid: str,
    *,
    area: str = "general",
    tags: list[str] | None = None,
    options: list[str] | None = None,
    correct: list[int] | None = None,
) -> Question:
    """A question in the school's bank; option 0 is right unless told otherwise."""
    now = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    row = Question(
        school_id=school_row.id,  # type: ignore[arg-type]
        qid=qid,
        prompt=f"Question {qid}?",
        options=options or ["Right", "Wrong", "Also wrong"],
        correct=correct or [0],
        explanation="Because.",
        area=area,
        tags=tags or [],
        source="SEND Code of Practice 6.1",
        content_hash="",
        created_at=now,
        updated_at=now,
    )
    row.content_hash = draft_of(row).content_hash  # as an import would store it
    session.add(row)
    session.flush()
    return row


def quiz_round(session: Session, school_row: School, held_on: date) -> QuizRound:
    """A quiz day (one per school and day, as the real planner makes them)."""
    found = session.exec(
        select(QuizRound).where(QuizRound.school_id == school_row.id, QuizRound.held_on == held_on)
    ).first()
    if found is not None:
        return found
    row = QuizRound(
        school_id=school_row.id,  # type: ignore[arg-type]
        held_on=held_on,
        created_at=datetime.combine(held_on, time(7, 0), tzinfo=UTC),
    )
    session.add(row)
    session.flush()
    return row


def quiz_item(
    session: Session,
    school_row: School,
    staff_row: Staff,
    question_row: Question,
    sent_on: date | None,
    *,
    chosen: list[int] | None = None,
    status: str | None = None,
) -> QuizItem:
    """A question put to a person: planned (no sent_on), sent, answered (chosen) or expired."""
    sent_at = datetime.combine(sent_on, time(9, 0), tzinfo=UTC) if sent_on else None
    answered = chosen is not None
    row = QuizItem(
        round_id=quiz_round(session, school_row, sent_on or date(2026, 11, 26)).id,  # type: ignore[arg-type]
        staff_id=staff_row.id,  # type: ignore[arg-type]
        question_id=question_row.id,  # type: ignore[arg-type]
        question_version=question_row.version,
        position=0,
        status=status or ("answered" if answered else "sent" if sent_on else "planned"),
        sent_at=sent_at,
        answered_at=sent_at.replace(hour=10) if answered and sent_at else None,
        chosen=chosen,
        correct=(sorted(chosen) == sorted(question_row.correct)) if answered else None,
        seconds_taken=20 if answered else None,
    )
    session.add(row)
    session.flush()
    return row


def briefing_received(
    session: Session,
    briefing_row: Briefing,
    staff_row: Staff,
    sent_on: date,
    *,
    acknowledged: bool = False,
) -> Delivery:
    """A briefing delivered to a person (and acknowledged by them if told)."""
    sent_at = datetime.combine(sent_on, time(8, 0), tzinfo=UTC)
    row = Delivery(
        school_id=briefing_row.school_id,
        staff_id=staff_row.id,  # type: ignore[arg-type]
        kind="briefing",
        subject_id=briefing_row.id,  # type: ignore[arg-type]
        idempotency_key=f"briefing:{briefing_row.id}:{staff_row.id}",
        platform="local",
        status="sent",
        not_before=sent_at,
        sent_at=sent_at,
    )
    session.add(row)
    if acknowledged:
        session.add(
            Acknowledgement(
                briefing_id=briefing_row.id,  # type: ignore[arg-type]
                staff_id=staff_row.id,  # type: ignore[arg-type]
                acknowledged_at=sent_at.replace(hour=12),
            )
        )
    session.flush()
    return row


def remembered(
    session: Session, staff_row: Staff, question_row: Question, correct: bool, on: datetime
) -> None:
    """A person's memory of a question after one answer, as answering would store it."""
    card, due = review(SpacingPolicy(), new_card(question_row.id, on), correct, on)  # type: ignore[arg-type]
    session.add(
        MemoryState(
            staff_id=staff_row.id,  # type: ignore[arg-type]
            question_id=question_row.id,  # type: ignore[arg-type]
            card=card,
            due=due,
            reviews=1,
            lapses=0 if correct else 1,
        )
    )
    session.flush()


def memory_state(session: Session, staff_row: Staff, question_row: Question, due: datetime) -> None:
    """A person's memory of a question, due for review at `due`."""
    session.add(
        MemoryState(
            staff_id=staff_row.id,  # type: ignore[arg-type]
            question_id=question_row.id,  # type: ignore[arg-type]
            card={},
            due=due,
        )
    )
    session.flush()


def target(
    session: Session,
    staff_row: Staff,
    metric: str,
    threshold: int,
    period_label: str,
    starts_on: date,
    ends_on: date,
    *,
    area: str | None = None,
    topic: str | None = None,
) -> Target:
    """A target stored as it is, without the service's checks (for reading it back)."""
    row = Target(
        staff_id=staff_row.id,  # type: ignore[arg-type]
        metric=metric,
        threshold=threshold,
        period_label=period_label,
        starts_on=starts_on,
        ends_on=ends_on,
        area=area,
        topic=topic,
        created_at=datetime(2026, 9, 1, tzinfo=UTC),
    )
    session.add(row)
    session.flush()
    return row


def pupil_record(
    mis_id: str,
    provision: str = "N",
    primary_need: str = "",
    *,
    year_group: str = "7",
    reg_group: str = "7A",
    first: str = "",
    last: str = "",
    upn: str = "",
    provision_start: date | None = None,
) -> PupilRecord:
    """One pupil as a checked register export gives them; names made up from the MIS id."""
    return PupilRecord(
        mis_id=mis_id,
        upn=upn,
        legal_first=first or f"First{mis_id}",
        legal_last=last or f"Last{mis_id}",
        preferred_first="",
        preferred_last="",
        year_group=year_group,
        reg_group=reg_group,
        provision=provision,
        primary_need=primary_need,
        secondary_need="",
        provision_start=provision_start or (date(2026, 9, 1) if provision in ("K", "E") else None),
        profile_url=f"https://mis.example/profile/{mis_id}" if provision in ("K", "E") else "",
    )


def teaching_link(
    session: Session,
    staff_row: Staff,
    *,
    pupil_mis_id: str = "",
    role: str = "teacher",
    group: str = "",
) -> TeachingLink:
    """Who teaches or looks after whom, stored as the teaching-groups import stores it."""
    row = TeachingLink(
        school_id=staff_row.school_id,
        staff_id=staff_row.id,  # type: ignore[arg-type]
        role=role,
        group_name=group,
        pupil_mis_id=pupil_mis_id,
    )
    session.add(row)
    session.flush()
    return row


# A valid UPN (its check letter is right): tests assert it never leaves the database.
UPN = "H201401102001"


def pupil(
    session: Session,
    school_row: School,
    mis_id: str = "P1",
    first: str = "Jamie",
    last: str = "Smith",
    *,
    preferred_first: str = "",
    year_group: str = "8",
    reg_group: str = "8RW",
    provision: str = "K",
    primary_need: str = "SLCN",
    secondary_need: str = "",
    upn: str = UPN,
    profile_url: str = "https://mis.example/profiles/P1",
    provision_start: date | None = date(2026, 9, 10),
) -> Pupil:
    """A pupil on the register (SEN support, speech and language, in 8RW unless told)."""
    row = Pupil(
        school_id=school_row.id,  # type: ignore[arg-type]
        mis_id=mis_id,
        upn=upn,
        legal_first=first,
        legal_last=last,
        preferred_first=preferred_first,
        year_group=year_group,
        reg_group=reg_group,
        provision=provision,
        primary_need=primary_need,
        secondary_need=secondary_need,
        provision_start=provision_start,
        profile_url=profile_url,
    )
    session.add(row)
    session.flush()
    return row


def register_import(
    session: Session, school_row: School, at: datetime, *, baseline: bool = False
) -> RegisterImport:
    """A register file applied at `at`."""
    row = RegisterImport(
        school_id=school_row.id,  # type: ignore[arg-type]
        at=at,
        file_name="register.csv",
        file_sha256=f"{at:%Y%m%d%H%M%S}".ljust(64, "0"),
        baseline=baseline,
    )
    session.add(row)
    session.flush()
    return row


def register_change(
    session: Session,
    import_row: RegisterImport,
    pupil_row: Pupil,
    kind: str = "added",
    *,
    old_provision: str = "N",
    old_need: str = "",
) -> RegisterChange:
    """A pupil's change from an import; the new provision and need are the pupil's."""
    row = RegisterChange(
        school_id=import_row.school_id,
        import_id=import_row.id,  # type: ignore[arg-type]
        pupil_id=pupil_row.id,  # type: ignore[arg-type]
        kind=kind,
        old_provision=old_provision,
        new_provision=pupil_row.provision,
        old_need=old_need,
        new_need=pupil_row.primary_need,
    )
    session.add(row)
    session.flush()
    return row


def profile_alert(
    session: Session,
    import_row: RegisterImport,
    staff_row: Staff,
    changes: list[RegisterChange],
    *,
    sent_at: datetime | None = None,
    delivery: bool = True,
    linked: bool = True,
) -> tuple[ProfileAlert, list[ProfileRead]]:
    """One person's alert for an import, a read (unread) per change, and (with `delivery`) its
    pending outbox row, due at once; as the import service plans them. With `linked`, the
    teaching link that made them one to tell (they teach each pupil), unless one exists."""
    if linked:
        for change in changes:
            mis_id = session.get(Pupil, change.pupil_id).mis_id  # type: ignore[union-attr]
            exists = session.exec(
                select(TeachingLink).where(
                    TeachingLink.staff_id == staff_row.id, TeachingLink.pupil_mis_id == mis_id
                )
            ).first()
            if exists is None:
                teaching_link(session, staff_row, pupil_mis_id=mis_id)
    alert = ProfileAlert(
        school_id=import_row.school_id,
        import_id=import_row.id,  # type: ignore[arg-type]
        staff_id=staff_row.id,  # type: ignore[arg-type]
        created_at=import_row.at,
        sent_at=sent_at,
    )
    session.add(alert)
    session.flush()
    reads = [
        ProfileRead(alert_id=alert.id, change_id=c.id, staff_id=staff_row.id)  # type: ignore[arg-type]
        for c in changes
    ]
    session.add_all(reads)
    if delivery:
        session.add(
            Delivery(
                school_id=import_row.school_id,
                staff_id=staff_row.id,  # type: ignore[arg-type]
                kind="register_alert",
                subject_id=alert.id,  # type: ignore[arg-type]
                idempotency_key=f"register_alert:{alert.id}:{staff_row.id}",
                platform="local",
                status="sent" if sent_at else "pending",
                not_before=import_row.at,
                sent_at=sent_at,
            )
        )
    session.flush()
    return alert, reads
