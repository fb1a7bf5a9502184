"""Questions added and changed by the SENDCO on the web: checked field by field with the rules the
question files are checked by, then stored, or refused with why.

A change to the wording staff see (the question, its options, which are right, the
explanation) makes a new version, as importing a changed file does, so answers to the old
wording are not read as answers to the new. The form carries the moment the question was last
changed, so a change made meanwhile (in another tab, or by an import) is not silently written
over. A retired question is never asked again until it is restored; its answers are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from bot.content.quiz.common import slug, split_list, tidy
from bot.domain.people import JobRole
from bot.domain.quiz import OPTIONS_MAX, QUESTION_ID, Area, QuestionDraft, check_question
from bot.domain.quiz import parse_area as read_area
from bot.services import audit
from bot.services.errors import UserError
from bot.services.form_checks import FieldMessages, capital
from bot.services.question_bank import BankSummary, copy_draft, draft_of, save_questions
from bot.storage.quiz import Question
from bot.storage.staff import Staff

ID_FROM_PROMPT_MAX = 60  # room for "-2" and more, under the id's 80 characters


class NotYours(Exception):
    """No question with that id in the SENDCO's school (the page answers "not found")."""


class Refused(UserError):
    """The change cannot be made as it stands; the text says why and what to do."""


@dataclass(frozen=True)
class TypedQuestion:
    """What is in the form, as typed: kept as it is when the form comes back.

    `options` has a box for each option a question may have; `correct` holds the numbers
    (from 1) of the boxes ticked as right."""

    qid: str = ""
    prompt: str = ""
    options: tuple[str, ...] = ("",) * OPTIONS_MAX
    correct: frozenset[int] = frozenset()
    multi: bool = False
    explanation: str = ""
    source: str = ""
    area: str = ""
    topics: str = ""
    roles: tuple[str, ...] = ()
    seen: str = ""  # when the question was last changed, as the form was opened

    @classmethod
    def of(cls, question: Question) -> TypedQuestion:
        options = tuple(question.options) + ("",) * (OPTIONS_MAX - len(question.options))
        return cls(
            qid=question.qid,
            prompt=question.prompt,
            options=options,
            correct=frozenset(i + 1 for i in question.correct),
            multi=question.multi,
            explanation=question.explanation,
            source=question.source,
            area=question.area,
            topics=", ".join(question.tags),
            roles=tuple(question.audience),
            seen=stamp(question),
        )


@dataclass
class CheckedQuestion(FieldMessages):
    """The form checked, by field (qid, prompt, options, option-1 to option-5, answer,
    explanation, source, area, roles), and the draft if it may be stored."""

    typed: TypedQuestion = field(default_factory=TypedQuestion)
    draft: QuestionDraft | None = None


def stamp(question: Question) -> str:
    """When the question was last changed, as the form carries it."""
    return question.updated_at.isoformat()


def check_typed_question(
    session: Session, school_id: int, typed: TypedQuestion, editing: Question | None
) -> CheckedQuestion:
    """Every problem beside its field. A new question without an id gets one made from its
    wording; an edited question keeps its id, which answers and memories hang on."""
    checked = CheckedQuestion(typed=typed)
    boxes = [(n, tidy(text)) for n, text in enumerate(typed.options[:OPTIONS_MAX], start=1)]
    for n, text in boxes:
        if n in typed.correct and not text:
            checked.add(f"option-{n}", f"Option {n} is ticked as right but is empty.")
    kept = [(n, text) for n, text in boxes if text]
    area = Area.GENERAL
    if not typed.area.strip():
        checked.add("area", "Choose the area of need it is about.")
    else:
        try:
            area = read_area(typed.area)
        except ValueError as exc:
            checked.add("area", capital(str(exc)) + ".")
    known = [role.value for role in JobRole]
    unknown = [value for value in typed.roles if value not in known]
    if unknown:
        checked.add("roles", f"'{unknown[0]}' is not a group of staff; tick groups on the form.")
    roles = tuple(value for value in known if value in typed.roles)
    qid = editing.qid if editing is not None else _new_id(session, school_id, typed, checked)
    draft = QuestionDraft(
        qid=qid,
        prompt=tidy(typed.prompt),
        options=tuple(text for _, text in kept),
        correct=frozenset(i for i, (n, _) in enumerate(kept) if n in typed.correct),
        explanation=tidy(typed.explanation),
        area=area,
        source=tidy(typed.source),
        tags=tuple(split_list(typed.topics)),
        audience=roles,
        multi=typed.multi,
    )
    for problem in check_question(draft):
        name, message = problem.field, problem.message
        if name == "id":
            if qid:  # none made: the question is empty, and says so
                checked.add("qid", capital(message) + ".")
        elif name.startswith("option "):
            box = kept[int(name.removeprefix("option ")) - 1][0]
            checked.add(f"option-{box}", "This option" + message.split(name, 1)[1] + ".")
        elif name in _EMPTY and not getattr(draft, name):
            checked.add(name, _EMPTY[name])
        else:
            checked.add(name, capital(message.replace("the prompt", "the question")) + ".")
    if not checked.errors:
        checked.draft = draft
    return checked


_EMPTY = {
    "prompt": "Write the question.",
    "explanation": "Write the explanation staff see after they answer: why the right answer "
    "is right.",
    "source": "Give the source, e.g. SEND Code of Practice 6.37.",
}


def _new_id(session: Session, school_id: int, typed: TypedQuestion, checked: FieldMessages) -> str:
    taken = set(session.exec(select(Question.qid).where(Question.school_id == school_id)).all())
    wanted = typed.qid.strip()
    if wanted:
        if wanted in taken:
            checked.add(
                "qid",
                f"Another question already has the id '{wanted}' (retired questions keep "
                "theirs). Choose another, or leave it empty for sendbot to make one.",
            )
        return wanted
    base = slug(tidy(typed.prompt))[:ID_FROM_PROMPT_MAX].rstrip("-")
    if len(base) < 2 or not QUESTION_ID.match(base):
        return ""
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def question_of(session: Session, actor: Staff, question_id: int) -> Question:
    """One of the SENDCO's school's questions; NotYours for any other id."""
    question = session.get(Question, question_id)
    if question is None or question.school_id != actor.school_id:
        raise NotYours(question_id)
    return question


def add_question(session: Session, actor: Staff, draft: QuestionDraft, now: datetime) -> str:
    """Store a new question; what the page then says."""
    assert actor.school_id is not None
    row = Question(school_id=actor.school_id, qid=draft.qid, created_at=now, version=1)
    copy_draft(draft, row, now)
    session.add(row)
    session.flush()
    audit.record(session, actor, "question_added", now, ("question", row.id), f"qid={row.qid}")
    return f"Added '{_short(draft.prompt)}'. It can be asked from the next quiz day."


def change_question(
    session: Session,
    actor: Staff,
    question_id: int,
    seen: str,
    draft: QuestionDraft,
    now: datetime,
) -> str:
    """Save a change; a new version when the wording changed. Refused if the question was
    changed since the form was opened."""
    row = question_of(session, actor, question_id)
    if seen != stamp(row):
        raise Refused(
            "This question was changed after you opened it (in another tab, or by an import), "
            "so your change was not saved. The form now shows what you typed over the newest "
            "version: save again to keep yours."
        )
    before = draft_of(row)
    if before == draft:
        return f"Nothing changed in '{_short(draft.prompt)}'."
    reworded = before.content_hash != draft.content_hash
    if reworded:
        row.version += 1
    copy_draft(draft, row, now, active=row.active)
    session.add(row)
    audit.record(
        session, actor, "question_edited", now, ("question", row.id), f"version={row.version}"
    )
    if reworded:
        return (
            f"Saved '{_short(draft.prompt)}' as version {row.version}: answers to the earlier "
            "wording are kept apart from answers to this one."
        )
    return f"Saved the details of '{_short(draft.prompt)}'."


def set_retired(
    session: Session, actor: Staff, question_id: int, retired: bool, now: datetime
) -> str:
    """Retire a question (never asked again, its answers kept) or bring it back."""
    row = question_of(session, actor, question_id)
    if row.active != retired:
        return f"'{_short(row.prompt)}' is already {'retired' if retired else 'in use'}."
    row.active, row.updated_at = not retired, now
    session.add(row)
    action = "question_retired" if retired else "question_restored"
    audit.record(session, actor, action, now, ("question", row.id), f"qid={row.qid}")
    if retired:
        return (
            f"Retired '{_short(row.prompt)}': it is not asked from the next quiz day. Its answers "
            "are kept, and Restore brings it back."
        )
    return f"Restored '{_short(row.prompt)}': it can be asked again from the next quiz day."


def import_questions(
    session: Session, actor: Staff, drafts: list[QuestionDraft], file_name: str, now: datetime
) -> BankSummary:
    """Store an uploaded file's questions, all or none, as `sendbot quiz import` does."""
    assert actor.school_id is not None
    summary = save_questions(session, actor.school_id, drafts, now)
    audit.record(
        session, actor, "questions_imported", now, ("file", file_name[:64]), str(summary)[:200]
    )
    return summary


def _short(text: str, most: int = 60) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"
