"""The quiz's messages: a question card, the feedback after an answer, a closed question."""

from __future__ import annotations

from bot.services.chat_port import Button, ChoiceForm, Message
from bot.storage.quiz import Question, QuizItem

ANSWER = "quiz.answer"
LETTERS = "ABCDE"
# Buttons on some platforms hold about 75 characters; longer options are listed as text and
# the buttons carry only their letters.
SHORT_OPTION = 40


def question_message(item: QuizItem, question: Question, reminder: bool = False) -> Message:
    """A question with one button per option, or tick-boxes and a submit for multi-select."""
    assert item.id is not None
    lettered = [f"{LETTERS[i]}. {text}" for i, text in enumerate(question.options)]
    long_options = any(len(o) > SHORT_OPTION for o in question.options)
    lines = [question.prompt]
    if question.multi:
        lines.append("Tick every right answer, then press Submit.")
    elif long_options:
        lines.extend(lettered)
    if reminder:
        lines.insert(0, "Reminder: this question is still waiting for your answer.")
    buttons: tuple[Button, ...] = ()
    form = None
    if question.multi:
        form = ChoiceForm(ANSWER, str(item.id), tuple(lettered))
    else:
        buttons = tuple(
            Button(ANSWER, f"{item.id}:{i}", LETTERS[i] if long_options else lettered[i])
            for i in range(len(question.options))
        )
    return Message(
        kind="question",
        title=f"SEND quiz: question {item.position}",
        lines=tuple(lines),
        buttons=buttons,
        form=form,
        footer="Your answer counts towards your CPD targets. An explanation follows at once.",
    )


def feedback_message(item: QuizItem, question: Question) -> Message:
    """What the card shows once answered: right or wrong, the answer, why, and the source."""
    chosen = sorted(item.chosen or [])
    right = sorted(question.correct)
    verdict = "✓ Right" if item.correct else "✗ Not quite"
    return Message(
        kind="question",
        title=f"{verdict}: {question.prompt}",
        lines=(
            "You chose: " + _options(question, chosen),
            ("The answer: " if len(right) == 1 else "The answers: ") + _options(question, right),
            question.explanation,
        ),
        footer=f"Source: {question.source}",
    )


def closed_message(question: Question) -> Message:
    """A question whose round has closed without an answer."""
    return Message(
        kind="question",
        title=f"Closed: {question.prompt}",
        lines=(
            "This question has closed. It will come round again.",
            "The answer: " + _options(question, sorted(question.correct)),
            question.explanation,
        ),
        footer=f"Source: {question.source}",
    )


def _options(question: Question, indexes: list[int]) -> str:
    return "; ".join(f"{LETTERS[i]}. {question.options[i]}" for i in indexes) or "nothing"
