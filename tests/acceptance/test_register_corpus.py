"""The acceptance corpus (tests/corpus/register): register exports shaped as SIMS, Arbor,
Bromcom, ScholarPack and Wonde produce them, and broken ones. Each good file must read with no
mapping file and the counts its expectations give; each broken one must be refused naming its
line (and column, where the expectations give one).

Files the reader does not take yet are listed in NOT_YET with what is missing: issue 11 stays
open until that list is empty."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlmodel import select
from typer.testing import CliRunner

from bot.cli import app
from bot.content.register.export import read_register
from bot.domain.people import Role
from bot.services.clock import FixedClock
from bot.storage.database import Database
from bot.storage.register import Pupil
from tests import factories
from tests.integration.webapp import client_for, sendbot_for, sign_in

CORPUS = Path(__file__).parents[1] / "corpus" / "register"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())

NOT_YET: dict[str, str] = {}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_export_reads_as_its_mis_wrote_it(name: str) -> None:
    if name in NOT_YET:
        pytest.skip(f"issue 11, not yet: {NOT_YET[name]}")
    expected = EXPECTED[name]
    register = read_register((CORPUS / name).read_bytes())
    if expected["imports"]:
        assert register.ok, [str(p) for p in register.problems]
        provisions = Counter(p.provision for p in register.rows)
        assert len(register.rows) == expected["pupils"]
        assert provisions["K"] == expected["on_register_k"]
        assert provisions["E"] == expected["ehcp_e"]
        assert provisions["M"] == expected["monitoring_m"]
        assert provisions["N"] == expected["not_sen_n"]
    else:
        named = {(p.line, p.column) for p in register.problems}
        for error in expected["errors"]:
            assert error["line"] in {line for line, _ in named}, (error, named)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_export_through_the_command_line_and_the_upload_form(
    name: str, db: Database, database_url: str, clock: FixedClock, monkeypatch, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    """As a school would: `sendbot import-register FILE`, then the same file on the web page;
    a good file stores its pupils, a broken one stores nothing and names its line."""
    expected = EXPECTED[name]

    def setup(s):  # type: ignore[no-untyped-def]
        school = factories.school(s)
        return factories.person(s, school, "Sue Sendco", roles={Role.SENDCO}).id

    sendco = db.work(setup)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    result = CliRunner().invoke(app, ["import-register", str(CORPUS / name)])
    pupils = len(db.work(lambda s: s.exec(select(Pupil)).all()))
    lines = {str(error["line"]) for error in expected.get("errors", [])}
    if expected["imports"]:
        assert result.exit_code == 0, result.output
        assert pupils == expected["pupils"]
    else:
        assert result.exit_code == 1 and pupils == 0
        assert all(f"Line {line}" in result.output for line in lines), result.output
    sendbot = sendbot_for(database_url, clock)
    client = client_for(sendbot)
    sign_in(client, sendco)
    page = client.post(
        "/sendco/register/import", files={"register": (name, (CORPUS / name).read_bytes())}
    )
    if expected["imports"]:
        assert page.status_code == 200 and 'data-outcome="imported"' in page.text
    else:
        assert page.status_code == 422 and all(f"Line {line}" in page.text for line in lines)
        assert len(db.work(lambda s: s.exec(select(Pupil)).all())) == 0
    sendbot.db.dispose()
