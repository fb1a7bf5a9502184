"""Setting or deleting a target for someone outside your team tells you nothing about them: not
their name, and not whether the number you tried belongs to anyone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session, select

from bot.content.targets_csv import read_targets_csv
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.services.targets import TargetFileProblems, import_targets
from bot.storage.database import Database
from bot.storage.quiz import Target
from bot.storage.staff import Staff
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
AUTUMN = ("Autumn term 2026", date(2026, 9, 2), date(2026, 12, 18))


@pytest.fixture
def ids(db: Database) -> dict[str, int]:
    """Mia manages Ann; Oli manages Cat, who has a target; Fay works at another school."""

    def setup(s: Session) -> dict[str, int]:
        school = factories.school(s)
        mia = factories.person(s, school, "Mia Manager", roles={Role.LINE_MANAGER})
        oli = factories.person(s, school, "Oli Other", roles={Role.LINE_MANAGER})
        ann = factories.person(s, school, "Ann Able")
        cat = factories.person(s, school, "Cat Cole")
        ann.line_manager_id, cat.line_manager_id = mia.id, oli.id
        cat_target = factories.target(s, cat, "answered_share", 90, *AUTUMN)
        elm = factories.school(s, "Elm Park School", with_terms=False)
        fay = factories.person(s, elm, "Fay Faraway")
        fay_target = factories.target(s, fay, "answered_share", 90, *AUTUMN)
        return {
            "mia": mia.id,
            "ann": ann.id,
            "cat": cat.id,
            "fay": fay.id,
            "cat_target": cat_target.id,
            "fay_target": fay_target.id,
        }  # type: ignore[return-value]

    return db.work(setup)


def _notice(client, method: str, url: str, data: dict[str, object]) -> str:  # type: ignore[no-untyped-def]
    """The notice the team page shows after a form is sent."""
    sent = client.request(method, url, data=data)
    assert sent.status_code == 303, sent.text
    page = client.get("/team").text
    return page.split('role="status">')[1].split("</div>")[0]


def test_the_team_forms_name_nobody_outside_the_team(
    db: Database, clock: FixedClock, ids: dict[str, int]
) -> None:
    clock.moment = NOW
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), clock)
    client = client_for(sendbot)
    sign_in(client, ids["mia"])
    form = {"metric": "answered", "threshold": "50", "period": "2026-27"}
    set_for = [
        _notice(client, "POST", "/team/targets", form | {"staff_id": staff_id})
        for staff_id in (ids["cat"], ids["fay"], 99_999_999, 10**23)
    ]
    assert "Cat Cole" not in set_for[0] and "Fay" not in set_for[1]
    assert set_for[0] == set_for[1] == set_for[2] == set_for[3]
    # A form with a mistake too: still the same answer for her and for nobody.
    wrong = form | {"metric": "speed"}
    assert (
        _notice(client, "POST", "/team/targets", wrong | {"staff_id": ids["cat"]})
        == _notice(client, "POST", "/team/targets", wrong | {"staff_id": 99_999_999})
        == set_for[0]
    )
    deleted = {
        target_id: _notice(client, "POST", f"/team/targets/{target_id}/delete", {"period": ""})
        for target_id in (ids["cat_target"], ids["fay_target"], 99_999_999)
    }
    assert not any(name in notice for notice in deleted.values() for name in ("Cat", "Fay"))
    # The same words for someone else's target and for one that does not exist.
    # (Only the number as the notice says it: an id such as 3 also appears in "&#39;".)
    said = {notice.replace(f"number {number}", "number N") for number, notice in deleted.items()}
    assert len(said) == 1, said
    assert len(db.work(lambda s: s.exec(select(Target)).all())) == 2
    # Her own team still hears the name back.
    mine = _notice(client, "POST", "/team/targets", form | {"staff_id": ids["ann"]})
    assert mine == "Set a target for Ann Able."
    sendbot.db.dispose()


def test_a_target_file_line_for_someone_outside_the_team_does_not_name_them(
    db: Database, ids: dict[str, int]
) -> None:
    text = (
        "email,metric,threshold,period,area,topic\ncat.cole@oakhill.example,answered,90,2026-27,,\n"
    )

    def run(s: Session) -> None:
        import_targets(s, s.get(Staff, ids["mia"]), read_targets_csv(text.encode()), NOW)  # type: ignore[arg-type]

    with pytest.raises(TargetFileProblems) as refused:
        db.work(run)
    assert "Cat Cole" not in str(refused.value)
    assert "cat.cole@oakhill.example" in str(refused.value)
