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

from bot.content.register_file import read_register

CORPUS = Path(__file__).parents[1] / "corpus" / "register"
EXPECTED: dict[str, dict[str, Any]] = yaml.safe_load((CORPUS / "expected.yaml").read_text())

NOT_YET: dict[str, str] = {
    "arbor-sen.csv": "NULL cells; need names in full",
    "messy-headings-and-values.csv": "need spellings (SEMH - Social..., Visual Impairment)",
    "sims-sen-register.xlsx": "need names in full",
}


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
