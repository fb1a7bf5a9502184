"""The SENDCO keeps the question bank on the web: adds, changes (a rewording is a new version),
retires and restores questions, imports a file all or nothing, and exports one that imports
back unchanged; on both engines, each action audited, another school's questions out of reach."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from bot.bootstrap import Sendbot
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.audit import AuditEvent
from bot.storage.database import Database
from bot.storage.quiz import Question
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "quizzes"
GOOD = {
    "prompt": "Who must make sure a pupil's SEN support is in place?",
    "option-1": "Only the SENDCO",
    "option-2": "Every teacher, for the pupils they teach",
    "option-3": "The local authority",
    "option-4": "",
    "option-5": "",
    "correct": ["2"],
    "explanation": "Teachers are responsible for the progress of every pupil in their class.",
    "source": "SEND Code of Practice 6.36",
    "area": "general",
    "topics": "graduated approach, roles",
    "roles": ["teacher", "teaching_assistant"],
    "qid": "",
}


@pytest.fixture
def school(db: Database) -> dict[str, int]:
    """A SENDCO and a teacher at Oak Hill with two questions; a question at Elm Tree."""

    def setup(s):  # type: ignore[no-untyped-def]
        oak = factories.school(s)
        elm = factories.school(s, "Elm Tree Primary", with_terms=False)
        return {
            "sendco": factories.person(s, oak, "Sarah Pemberton", roles={Role.SENDCO}).id,
            "teacher": factories.person(s, oak, "Tom Hargreaves").id,
            "dyslexia": factories.question(
                s, oak, "dyslexia-1", area="cognition_and_learning", tags=["dyslexia"]
            ).id,
            "autism": factories.question(
                s, oak, "autism-1", area="communication_and_interaction", tags=["autism"]
            ).id,
            "other": factories.question(s, elm, "elm-only").id,
        }

    return db.work(setup)


@pytest.fixture
def web(db: Database, clock: FixedClock) -> Iterator[tuple[Sendbot, TestClient]]:
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    yield sendbot, client_for(sendbot)
    sendbot.db.dispose()


def _oak(db: Database) -> dict[str, Question]:
    return {
        q.qid: q for q in db.work(lambda s: s.exec(select(Question)).all()) if q.qid != "elm-only"
    }


def _audit(db: Database) -> list[tuple[str, str]]:
    return db.work(
        lambda s: [
            (e.action, e.detail)
            for e in s.exec(select(AuditEvent).order_by(AuditEvent.id)).all()
            if "question" in e.action
        ]
    )


def _messages(page: str, field: str) -> str:
    found = re.search(
        rf'<div class="field-messages" id="{field}-messages"[^>]*>(.*?)</div>', page, re.S
    )
    assert found, f"no messages box for {field}"
    return html.unescape(re.sub(r"<[^>]+>", "", found.group(1))).strip()


def _notice(page: str) -> str:
    found = re.search(r'<p class="notice" role="status">(.*?)</p>', page, re.S)
    assert found, "no notice on the page"
    return html.unescape(found.group(1))


def test_a_question_added_on_the_web_is_stored_with_an_id_made_from_its_wording(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    assert 'href="/sendco/questions/new"' in client.get("/sendco/questions").text
    assert client.get("/sendco/questions/new").status_code == 200

    added = client.post("/sendco/questions/new", data=GOOD, follow_redirects=True)

    assert added.status_code == 200
    assert "Added 'Who must make sure a pupil's SEN support is in place?'" in _notice(added.text)
    stored = _oak(db)["who-must-make-sure-a-pupils-sen-support-is-in-place"]
    assert stored.options == [GOOD["option-1"], GOOD["option-2"], GOOD["option-3"]]
    assert stored.correct == [1] and not stored.multi and stored.version == 1
    assert stored.tags == ["graduated approach", "roles"]
    assert stored.audience == ["teacher", "teaching_assistant"]
    assert stored.area == "general" and stored.active
    assert _audit(db) == [("question_added", f"qid={stored.qid}")]
    # The same wording again gets an id of its own.
    client.post("/sendco/questions/new", data=GOOD)
    assert f"{stored.qid}-2" in _oak(db)


def test_a_question_with_mistakes_is_not_stored_and_each_is_said_beside_its_field(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    typed = GOOD | {
        "prompt": "  ",
        "option-2": "",
        "option-3": "",
        "option-4": "Only the SENDCO",
        "correct": ["3"],
        "explanation": "x" * 301,
        "area": "behaviour",
        "roles": ["caretaker"],
        "qid": "Dyslexia 1",
    }

    refused = client.post("/sendco/questions/new", data=typed)

    assert refused.status_code == 422
    page = refused.text
    assert _messages(page, "prompt") == "Error: Write the question."
    assert _messages(page, "option-3") == "Error: Option 3 is ticked as right but is empty."
    assert "two options say the same thing" in _messages(page, "options").lower()
    assert "301 characters; at most 300" in _messages(page, "explanation")
    assert "'behaviour' is not an area of need" in _messages(page, "area")
    assert "'caretaker' is not a group of staff" in _messages(page, "roles")
    assert "'Dyslexia 1' is not a usable id" in _messages(page, "qid")
    assert "This question was not saved" in page
    assert 'value="Only the SENDCO"' in page  # what was typed is kept
    assert set(_oak(db)) == {"dyslexia-1", "autism-1"}
    assert _audit(db) == []
    # An id another question has (retired or not) is refused by name.
    taken = client.post("/sendco/questions/new", data=GOOD | {"qid": "autism-1"})
    assert "Another question already has the id 'autism-1'" in _messages(taken.text, "qid")


def test_a_rewording_is_a_new_version_a_retag_is_not_and_a_stale_form_is_refused(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient], clock: FixedClock
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    url = f"/sendco/questions/{school['dyslexia']}/edit"
    form = client.get(url).text
    seen = re.search(r'name="seen" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    assert 'value="Right"' in form and "version 1" in form
    current = {
        "seen": seen,
        "prompt": "Question dyslexia-1?",
        "option-1": "Right",
        "option-2": "Wrong",
        "option-3": "Also wrong",
        "option-4": "",
        "option-5": "",
        "correct": ["1"],
        "explanation": "Because.",
        "source": "SEND Code of Practice 6.1",
        "area": "cognition_and_learning",
        "topics": "dyslexia, reading",
    }

    retagged = client.post(url, data=current, follow_redirects=True)
    assert "Saved the details of" in _notice(retagged.text)
    after_retag = _oak(db)["dyslexia-1"]
    assert after_retag.version == 1 and after_retag.tags == ["dyslexia", "reading"]

    clock.moment += timedelta(minutes=5)
    stale = client.post(url, data=current | {"prompt": "Which helps a pupil with dyslexia?"})
    assert stale.status_code == 409
    assert "changed after you opened it" in stale.text
    assert "Which helps a pupil with dyslexia?" in stale.text  # what was typed is kept
    assert _oak(db)["dyslexia-1"].version == 1

    fresh = re.search(r'name="seen" value="([^"]+)"', stale.text).group(1)  # type: ignore[union-attr]
    reworded = client.post(
        url,
        data=current | {"seen": fresh, "prompt": "Which helps a pupil with dyslexia?"},
        follow_redirects=True,
    )
    assert "as version 2" in _notice(reworded.text)
    stored = _oak(db)["dyslexia-1"]
    assert stored.version == 2 and stored.prompt == "Which helps a pupil with dyslexia?"
    assert [a for a, _ in _audit(db)] == ["question_edited", "question_edited"]
    assert _audit(db)[-1] == ("question_edited", "version=2")


def test_a_retired_question_leaves_the_bank_until_it_is_restored(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    retired = client.post(f"/sendco/questions/{school['autism']}/retire", follow_redirects=True)
    assert "Retired 'Question autism-1?'" in _notice(retired.text)
    assert 'data-question="autism-1"' not in retired.text
    assert not _oak(db)["autism-1"].active
    listed = client.get("/sendco/questions?show=retired").text
    assert 'data-question="autism-1"' in listed and 'data-question="dyslexia-1"' not in listed

    restored = client.post(f"/sendco/questions/{school['autism']}/restore", follow_redirects=True)
    assert "Restored 'Question autism-1?'" in _notice(restored.text)
    assert _oak(db)["autism-1"].active
    assert [a for a, _ in _audit(db)] == ["question_retired", "question_restored"]


def test_another_schools_question_is_not_found_and_is_left_alone(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    other = school["other"]
    assert client.get(f"/sendco/questions/{other}/edit").status_code == 404
    assert client.post(f"/sendco/questions/{other}/edit", data=GOOD).status_code == 404
    assert client.post(f"/sendco/questions/{other}/retire").status_code == 404
    assert client.post(f"/sendco/questions/{other}/restore").status_code == 404
    elm = db.work(lambda s: s.get(Question, other))
    assert elm.active and elm.prompt == "Question elm-only?"
    assert 'data-question="elm-only"' not in client.get("/sendco/questions").text


def test_the_list_filters_by_area_topic_and_words_and_a_wrong_filter_is_left_out(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])

    def listed(query: str) -> set[str]:
        page = client.get(f"/sendco/questions?{query}").text
        return set(re.findall(r'<tr data-question="([^"]+)"', page))

    assert listed("") == {"dyslexia-1", "autism-1"}
    assert listed("area=communication_and_interaction") == {"autism-1"}
    assert listed("topic=Dyslexia") == {"dyslexia-1"}
    assert listed("words=autism") == {"autism-1"}
    assert listed("area=cognition_and_learning&topic=autism") == set()
    # A filter that is not one of the choices is left out, with a note.
    wrong = client.get("/sendco/questions?area=behaviour&show=everything")
    assert wrong.status_code == 200
    assert "There is no area of need 'behaviour', so every area" in html.unescape(wrong.text)
    assert "Questions in use are shown" in wrong.text
    assert set(re.findall(r'<tr data-question="([^"]+)"', wrong.text)) == {"dyslexia-1", "autism-1"}


def test_an_upload_is_all_or_nothing_as_the_command_is(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    bad = (FIXTURES / "bad.gift").read_bytes()

    refused = client.post(
        "/sendco/questions/import",
        files={"file": ("bad.gift", bad, "text/plain")},
        data={"format": "auto"},
    )

    assert refused.status_code == 422
    page = html.unescape(refused.text)
    assert "Nothing was imported" in page
    assert "bad.gift, line 3: question 'no-right-answer'" in page
    assert "'behaviour' is not an area of need" in page
    assert set(_oak(db)) == {"dyslexia-1", "autism-1"}

    good = (FIXTURES / "good.gift").read_bytes()
    imported = client.post(
        "/sendco/questions/import",
        files={"file": ("good.gift", good, "text/plain")},
        data={"format": "auto"},
    )
    assert imported.status_code == 200, imported.text
    assert "good.gift: 2 new, 0 reworded" in html.unescape(imported.text)
    assert {"cop-graduated-cycle", "sensory-codes"} <= set(_oak(db))
    assert _audit(db)[-1][0] == "questions_imported"


def test_a_moodle_file_takes_the_forms_defaults_for_what_gift_cannot_say(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient]
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    moodle = (
        b"// Exported from Moodle\n"
        b"::Reasonable adjustments::Who must make reasonable adjustments for a disabled pupil? {\n"
        b"=The school\n"
        b"~Only the local authority\n"
        b"~Only the parents\n"
        b"####The Equality Act 2010 puts the duty on the school.\n"
        b"}\n"
    )

    # Moodle's GIFT has no place for an area of need or a source.
    without = client.post(
        "/sendco/questions/import",
        files={"file": ("equality.txt", moodle, "text/plain")},
        data={"format": "gift"},
    )
    assert without.status_code == 422 and "has no area of need" in without.text

    imported = client.post(
        "/sendco/questions/import",
        files={"file": ("equality.txt", moodle, "text/plain")},
        data={"format": "gift", "area": "general", "source": "Equality Act 2010"},
    )
    assert imported.status_code == 200, imported.text
    stored = _oak(db)["reasonable-adjustments"]
    assert stored.source == "Equality Act 2010" and stored.area == "general"
    assert stored.explanation == "The Equality Act 2010 puts the duty on the school."


@pytest.mark.parametrize("fmt", ["csv", "gift", "native"])
def test_an_export_imports_back_unchanged(
    db: Database, school: dict[str, int], web: tuple[Sendbot, TestClient], fmt: str
) -> None:
    _sendbot, client = web
    sign_in(client, school["sendco"])
    client.post("/sendco/questions/new", data=GOOD)
    client.post(
        "/sendco/questions/new",
        data=GOOD
        | {
            "prompt": "Which are sensory and/or physical needs?",
            "option-1": "Hearing impairment (HI)",
            "option-2": "Speech, language and communication needs (SLCN)",
            "option-3": "Visual impairment (VI)",
            "correct": ["1", "3"],
            "multi": "on",
            "area": "sensory_and_physical",
            "roles": [],
            "qid": "sensory-codes",
        },
    )
    before = {qid: (q.version, q.content_hash, q.tags, q.audience) for qid, q in _oak(db).items()}

    exported = client.get(f"/sendco/questions/export?format={fmt}")

    assert exported.status_code == 200
    name = re.search(r'filename="([^"]+)"', exported.headers["content-disposition"]).group(1)  # type: ignore[union-attr]
    assert name.startswith("questions-oak-hill-academy-")
    again = client.post(
        "/sendco/questions/import",
        files={"file": (name, exported.content, "text/plain")},
        data={"format": "auto"},
    )
    assert again.status_code == 200, again.text
    assert "0 new, 0 reworded (new version), 0 with new details, 4 unchanged" in again.text
    after = {qid: (q.version, q.content_hash, q.tags, q.audience) for qid, q in _oak(db).items()}
    assert after == before


def test_an_upload_over_the_size_limit_is_refused_unread(
    db: Database, school: dict[str, int], clock: FixedClock
) -> None:
    sendbot = sendbot_for(
        db.engine.url.render_as_string(hide_password=False), clock, upload_max_mb=1
    )
    client = client_for(sendbot)
    sign_in(client, school["sendco"])
    refused = client.post(
        "/sendco/questions/import",
        files={"file": ("big.csv", b"x" * 1_500_000, "text/csv")},
        data={"format": "auto"},
    )
    assert refused.status_code == 422
    assert "sendbot reads files of up to" in refused.text and "Nothing was imported" in refused.text
    sendbot.db.dispose()
