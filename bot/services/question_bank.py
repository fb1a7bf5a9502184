"""The question bank: store imported questions, all or nothing, and read them back as drafts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, select

from bot.domain.errors import UserError
from bot.domain.quiz import Area, QuestionDraft, check_question
from bot.storage.quiz import Question


@dataclass
class BankSummary:
    """How many questions an import added, reworded, retagged and left as they were."""

    created: int = 0
    reworded: int = 0
    retagged: int = 0
    unchanged: int = 0

    def __str__(self) -> str:
        return (
            f"{self.created} new, {self.reworded} reworded (new version), "
            f"{self.retagged} with new details, {self.unchanged} unchanged."
        )


def save_questions(
    session: Session, school_id: int, drafts: list[QuestionDraft], now: datetime
) -> BankSummary:
    """Add new questions and changes to known ones (matched by id); raises UserError, storing
    nothing, if any question is wrong or an id is used twice. Importing again changes nothing.
    """
    problems = [
        f"question {d.qid}: {p.field}: {p.message}"
        for d in drafts
        for p in check_question(d)
        if p.is_error
    ]
    seen: set[str] = set()
    for draft in drafts:
        if draft.qid in seen:
            problems.append(f"question {draft.qid}: the id is used twice; each id must be unique")
        seen.add(draft.qid)
    if problems:
        raise UserError("Nothing was stored. Put these right:\n  " + "\n  ".join(problems))
    stored = {
        q.qid: q
        for q in session.exec(select(Question).where(Question.school_id == school_id)).all()
    }
    summary = BankSummary()
    for draft in drafts:
        row = stored.get(draft.qid)
        if row is None:
            row = Question(school_id=school_id, qid=draft.qid, created_at=now, version=1)
            summary.created += 1
        elif row.content_hash != draft.content_hash:
            row.version += 1
            summary.reworded += 1
        elif _details(row) != _details_of(draft):
            summary.retagged += 1
        else:
            summary.unchanged += 1
            continue
        copy_draft(draft, row, now)
        session.add(row)
    return summary


def _details(row: Question) -> tuple[object, ...]:
    return (row.area, list(row.tags), list(row.audience), row.source, row.multi, row.active)


def _details_of(draft: QuestionDraft) -> tuple[object, ...]:
    return (
        draft.area.value,
        list(draft.tags),
        list(draft.audience),
        draft.source,
        draft.multi,
        True,
    )


def copy_draft(draft: QuestionDraft, row: Question, now: datetime, active: bool = True) -> None:
    """Write the draft into the stored question (its version is the caller's to change)."""
    row.prompt, row.options = draft.prompt, list(draft.options)
    row.correct, row.multi = sorted(draft.correct), draft.multi
    row.explanation, row.area = draft.explanation, draft.area.value
    row.tags, row.audience, row.source = list(draft.tags), list(draft.audience), draft.source
    row.content_hash, row.active, row.updated_at = draft.content_hash, active, now


def bank_drafts(session: Session, school_id: int) -> list[QuestionDraft]:
    """The school's active questions as drafts, in id order (for export)."""
    rows = session.exec(
        select(Question)
        .where(Question.school_id == school_id, Question.active == True)  # noqa: E712
        .order_by(Question.qid)
    ).all()
    return [draft_of(r) for r in rows]


def draft_of(row: Question) -> QuestionDraft:
    """A stored question as a draft: what an export writes and an edit starts from."""
    return QuestionDraft(
        qid=row.qid,
        prompt=row.prompt,
        options=tuple(row.options),
        correct=frozenset(row.correct),
        explanation=row.explanation,
        area=Area(row.area),
        source=row.source,
        tags=tuple(row.tags),
        audience=tuple(row.audience),
        multi=row.multi,
    )
