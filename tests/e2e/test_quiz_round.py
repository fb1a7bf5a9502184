"""End to end: a quiz round goes out through the local chat; some answer right, some wrong, some
not at all; the line manager's CSV shows exactly that."""

from __future__ import annotations

import csv
import io
import re
import time
from datetime import date
from pathlib import Path

import httpx
from sqlmodel import select

from bot.storage.database import Database
from bot.storage.outbox import Delivery
from bot.storage.quiz import Question, QuizItem
from bot.storage.staff import Staff
from tests.e2e.process import start
from tests.e2e.test_sendbot_run import demo_env
from tests.web_forms import arm, demo_sign_in

# Priya Raman's English team in demo/staff.csv, and how each of them answers.
PLAN = {
    "Tom Hargreaves": ["right", "right", "right"],
    "Lucy Fenwick": ["wrong", "wrong", "wrong"],
    "Samuel Adeyemi": ["right", "wrong", "right"],
    "Grace Whitlock": [],
    "Owen Pritchard": [],
}


def cards_for(db: Database, name: str) -> list[tuple[int, list[int], int]]:
    """(local message id, right options, option count) of each question sent to this person."""

    def read(s):  # type: ignore[no-untyped-def]
        rows = s.exec(
            select(Delivery.message_ref, Question.correct, Question.options)
            .join(QuizItem, QuizItem.id == Delivery.subject_id)
            .join(Question, Question.id == QuizItem.question_id)
            .join(Staff, Staff.id == Delivery.staff_id)
            .where(Delivery.kind == "question", Staff.name == name, Delivery.status == "sent")
            .order_by(QuizItem.position)
        ).all()
        return [(ref["id"], correct, len(options)) for ref, correct, options in rows]

    return db.work(read)


def press(web: httpx.Client, staff_id: int, page: str, message_id: int, pick: list[int]) -> str:
    """Answer one card the way the page offers it: a button, or tick-boxes and Submit."""
    card = re.search(rf'<article[^>]*id="m{message_id}".*?</article>', page, re.S).group(0)  # type: ignore[union-attr]
    values = re.findall(r'name="value" value="([^"]*)"', card)
    if 'type="checkbox"' in card:
        data = {"value": values[0], "choice": [str(i) for i in pick]}
    else:
        data = {"value": next(v for v in values if v.endswith(f":{pick[0]}"))}
    data |= {"message_id": str(message_id), "action_id": "quiz.answer"}
    reply = web.post(f"/local/{staff_id}/press", data=data, headers={"accept": "application/json"})
    return str(reply.json()["notice"])


def test_the_line_managers_csv_shows_who_answered_right_wrong_or_not_at_all(
    db: Database, tmp_path: Path
) -> None:
    running = start(tmp_path, demo_env(db))
    try:
        web = httpx.Client(base_url=running.base_url, timeout=10)
        arm(web)  # the demo session's form token, as the local chat page has
        people = re.findall(r'href="/local/(\d+)(?:#\w+)?">([^<]+)<', web.get("/local").text)
        ids = {name: int(number) for number, name in people}
        deadline = time.monotonic() + 30
        while any(len(cards_for(db, name)) < 3 for name in PLAN):
            assert time.monotonic() < deadline, "the demo round did not reach the team"
            time.sleep(0.2)
        for name, answers in PLAN.items():
            page = web.get(f"/local/{ids[name]}").text
            for (message_id, right, count), how in zip(cards_for(db, name), answers, strict=False):
                wrong = [next(i for i in range(count) if i not in right)]
                notice = press(web, ids[name], page, message_id, right if how == "right" else wrong)
                assert notice == "Answer recorded.", (name, notice)

        today = date.today()
        first = today.year if today.month >= 9 else today.year - 1
        period = f"{first}-{(first + 1) % 100:02d}"
        priya = ids["Priya Raman"]
        demo_sign_in(web, priya)
        target = {
            "staff_id": ids["Tom Hargreaves"],
            "metric": "answered_share",
            "threshold": "90",
            "period": period,
        }
        assert web.post("/team/targets", data=target).status_code == 303
        download = web.get("/team.csv", params={"period": period})
        assert download.status_code == 200
        rows = list(csv.DictReader(io.StringIO(download.content.decode("utf-8-sig"))))
    finally:
        running.stop()

    figures = {
        row["Name"]: (row["Questions asked"], row["Answered"], row["Correct"]) for row in rows
    }
    assert figures == {
        "Tom Hargreaves": ("3", "3", "3"),
        "Lucy Fenwick": ("3", "3", "0"),
        "Samuel Adeyemi": ("3", "3", "2"),
        "Grace Whitlock": ("3", "0", "0"),
        "Owen Pritchard": ("3", "0", "0"),
    }
    tom = next(row for row in rows if row["Name"] == "Tom Hargreaves")
    assert tom["Threshold %"] == "90" and tom["Measured %"].startswith("100")
    assert {row["Briefings received"] for row in rows} == {"1"}
