"""The SENDCO's overview: what the school is forgetting (and the topic to brief next), the
weeks' completion, the latest briefings read, and register alerts read on time; on both engines.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime

import pytest
from sqlmodel import Session

from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.database import Database
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

NOW = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)
LONG_AGO = datetime(2026, 9, 8, 10, tzinfo=UTC)
LATELY = datetime(2026, 11, 23, 10, tzinfo=UTC)


@pytest.fixture
def school(db: Database) -> dict[str, int]:
    """Four teachers: dyslexia answered wrongly long ago (forgotten), autism rightly this week
    (remembered), and hearing answered by only two of them (too few to say)."""

    def setup(s: Session) -> dict[str, int]:
        sch = factories.school(s)
        sendco = factories.person(s, sch, "Sue Sendco", roles={Role.SENDCO})
        teachers = [factories.person(s, sch, name) for name in ("Ann A", "Bo B", "Cy C", "Di D")]
        dyslexia = factories.question(s, sch, "dys-1", tags=["dyslexia"])
        autism = factories.question(s, sch, "aut-1", tags=["autism"])
        hearing = factories.question(s, sch, "hear-1", tags=["hearing"])
        for person in teachers:
            factories.remembered(s, person, dyslexia, False, LONG_AGO)
            factories.remembered(s, person, autism, True, LATELY)
        for person in teachers[:2]:
            factories.remembered(s, person, hearing, False, LONG_AGO)
        first = factories.briefing(s, sch, NOW, slug="first", send_on=date(2026, 11, 3))
        second = factories.briefing(s, sch, NOW, slug="second", send_on=date(2026, 11, 17))
        for n, person in enumerate(teachers):
            factories.briefing_received(s, first, person, date(2026, 11, 3), acknowledged=True)
            factories.briefing_received(s, second, person, date(2026, 11, 17), acknowledged=n < 1)
        return {"sendco": sendco.id, "teacher": teachers[0].id}  # type: ignore[dict-item]

    return db.work(setup)


def test_the_overview_says_what_the_school_is_forgetting_and_what_to_brief_next(
    db: Database, school: dict[str, int]
) -> None:
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), FixedClock(NOW))
    client = client_for(sendbot)
    sign_in(client, school["sendco"])
    page = html.unescape(client.get("/sendco").text)

    assert 'data-brief-next="dyslexia"' in page
    assert "Brief this next: dyslexia." in page
    forgetting = page.split('id="school-forgetting"')[1].split("</figure>")[0]
    bars = re.findall(r'<rect class="bar" data-value="([\d.]+)"', forgetting)
    assert len(bars) == 2  # dyslexia and autism; hearing has too few answers to say
    assert float(bars[0]) < 50 < float(bars[1])  # forgotten first, well remembered second
    assert "hearing" not in forgetting.lower()
    assert "across 4 staff" in forgetting

    briefings = page.split('id="school-briefings"')[1].split("</figure>")[0]
    assert '<th scope="row">The graduated approach</th><td>25%</td>' in briefings  # newest
    assert '<th scope="row">The graduated approach</th><td>100%</td>' in briefings
    assert "Of 8 copies of the latest 2 briefings, 5 (62%) were marked read." in briefings
    assert "No register alert was due to be read in this period." in page
    assert "Ann A" not in page  # figures only: names are on the team page

    other = client.get("/sendco?period=when pigs fly")
    assert other.status_code == 200 and "Showing Autumn term 2026 instead." in other.text
    sendbot.db.dispose()


def test_staff_cannot_open_the_overview(db: Database, school: dict[str, int]) -> None:
    sendbot = sendbot_for(db.engine.url.render_as_string(hide_password=False), FixedClock(NOW))
    client = client_for(sendbot)
    sign_in(client, school["teacher"])
    assert client.get("/sendco").status_code == 403
    sendbot.db.dispose()
