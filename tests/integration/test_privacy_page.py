"""The privacy notice at /privacy, written from the school's settings: readable without signing
in, the reader's own school when signed in, linked from every page."""

from __future__ import annotations

import html

from sqlmodel import Session
from typer.testing import CliRunner

from bot.cli import app as cli_app
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.database import Database
from bot.storage.school import School
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in


def _url(db: Database) -> str:
    return db.engine.url.render_as_string(hide_password=False)


def test_the_notice_follows_the_schools_settings(
    db: Database, clock: FixedClock, database_url: str, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    db.work(lambda s: factories.school(s))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    sendbot = sendbot_for(_url(db), clock)
    client = client_for(sendbot)

    before = html.unescape(client.get("/privacy").text)  # one school: its notice, no sign-in
    assert "How sendbot uses your data at Oak Hill Academy" in before
    assert "has not yet named them here" in before
    assert "initials, year and registration group and the kind of support" in before
    assert "until the end of that school year (31 August)" in before

    changed = CliRunner().invoke(
        cli_app,
        [
            "school",
            "set",
            "--privacy-contact",
            "Jo Bloggs, data protection officer, dpo@oakhill.example",
            "--chat-detail",
            "count",
            "--keep-days",
            "90",
        ],
    )
    assert changed.exit_code == 0, changed.output
    assert "Questions about data go to: Jo Bloggs" in changed.output
    after = html.unescape(client.get("/privacy").text)
    assert "Jo Bloggs, data protection officer, dpo@oakhill.example" in after
    assert "how many pupils you teach had a change, and a link" in after
    assert "is kept for 90 days, then erased" in after
    too_long = CliRunner().invoke(cli_app, ["school", "set", "--privacy-contact", "x" * 301])
    assert too_long.exit_code != 0 and "at most 300" in too_long.output
    sendbot.db.dispose()


def test_with_several_schools_a_reader_chooses_or_sees_their_own(
    db: Database, clock: FixedClock
) -> None:
    def setup(s: Session) -> dict[str, int]:
        oak = factories.school(s)
        elm = factories.school(s, "Elm Tree Primary", with_terms=False)
        elm.privacy_contact = "The Elm Tree office"
        person = factories.person(s, elm, "Eve Elm", roles={Role.SENDCO})
        return {"oak": oak.id, "elm": elm.id, "eve": person.id}  # type: ignore[dict-item]

    ids = db.work(setup)
    sendbot = sendbot_for(_url(db), clock)
    client = client_for(sendbot)
    chooser = client.get("/privacy").text
    assert f'href="/privacy/{ids["oak"]}"' in chooser and f'href="/privacy/{ids["elm"]}"' in chooser
    assert "Oak Hill Academy" in client.get(f"/privacy/{ids['oak']}").text
    assert client.get("/privacy/999999").status_code == 404
    sign_in(client, ids["eve"])
    own = client.get("/privacy").text
    assert "at Elm Tree Primary" in own and "The Elm Tree office" in own
    # Every page links to it.
    assert 'href="/privacy"' in client.get("/me").text
    assert db.work(lambda s: s.get(School, ids["elm"]).privacy_contact) == "The Elm Tree office"
    sendbot.db.dispose()
