"""The register diff (bot.domain.register): what changed between the register and an export."""

from __future__ import annotations

import pytest

from bot.domain.register import (
    ALERTED,
    Change,
    ChangeKind,
    Scope,
    Standing,
    diff_register,
    export_scope,
    initials,
    share_leaving,
)
from tests.factories import pupil_record as record

BEFORE = {
    "1": Standing("K", "SPLD"),
    "2": Standing("K", "ASD"),
    "3": Standing("E", "SLCN"),
    "4": Standing("N", ""),
    "5": Standing("K", "MLD"),
    "6": Standing("E", "HI"),
}
SAME = [
    record("1", "K", "SPLD"),
    record("2", "K", "ASD"),
    record("3", "E", "SLCN"),
    record("4", "N"),
    record("5", "K", "MLD"),
    record("6", "E", "HI"),
]


def kinds(changes: list[Change]) -> dict[str, ChangeKind]:
    return {c.mis_id: c.kind for c in changes}


def test_the_same_register_again_changes_nothing() -> None:
    assert diff_register(BEFORE, SAME) == []
    assert share_leaving(BEFORE, []) == 0.0


def test_every_kind_of_change_is_found_with_its_old_and_new_values() -> None:
    incoming = [
        record("1", "E", "SPLD"),  # K to E: a plan issued
        record("2", "N"),  # off the register
        record("3", "E", "ASD"),  # a new primary need
        record("4", "K", "SEMH"),  # N to K: added
        record("5", "K", "MLD"),  # unchanged
        # 6 is not in the export: left the school
        record("7", "E", "PD"),  # new to the school, on the register: added
        record("8", "N"),  # new to the school, not on the register: nothing
        record("9", "M"),  # monitoring is not the register: nothing
    ]
    changes = diff_register(BEFORE, incoming)
    assert kinds(changes) == {
        "1": ChangeKind.PLAN_ISSUED,
        "2": ChangeKind.REMOVED,
        "3": ChangeKind.NEED_CHANGED,
        "4": ChangeKind.ADDED,
        "6": ChangeKind.LEFT,
        "7": ChangeKind.ADDED,
    }
    by_id = {c.mis_id: c for c in changes}
    assert by_id["1"] == Change("1", ChangeKind.PLAN_ISSUED, "K", "E", "SPLD", "SPLD")
    assert by_id["2"] == Change("2", ChangeKind.REMOVED, "K", "N", "ASD", "")
    assert by_id["3"] == Change("3", ChangeKind.NEED_CHANGED, "E", "E", "SLCN", "ASD")
    assert by_id["6"] == Change("6", ChangeKind.LEFT, "E", "", "HI", "")
    assert by_id["7"] == Change("7", ChangeKind.ADDED, "", "E", "", "PD")
    assert [c.mis_id for c in changes] == sorted(by_id)
    assert ChangeKind.LEFT not in ALERTED and ChangeKind.ADDED in ALERTED


def test_monitoring_to_sen_support_is_an_addition_and_back_a_removal() -> None:
    assert kinds(diff_register({"1": Standing("M", "")}, [record("1", "K", "SPLD")])) == {
        "1": ChangeKind.ADDED
    }
    assert kinds(diff_register({"1": Standing("K", "SPLD")}, [record("1", "M")])) == {
        "1": ChangeKind.REMOVED
    }


def test_a_plan_issued_with_a_new_need_is_one_change() -> None:
    changes = diff_register({"1": Standing("K", "NSA")}, [record("1", "E", "ASD")])
    assert [(c.kind, c.old_need, c.new_need) for c in changes] == [
        (ChangeKind.PLAN_ISSUED, "NSA", "ASD")
    ]


def test_a_pupil_back_on_roll_and_on_the_register_is_added_again() -> None:
    before = {"1": Standing("K", "SPLD", on_roll=False), "2": Standing("N", "", on_roll=False)}
    changes = diff_register(before, [record("1", "K", "SPLD"), record("2", "N")])
    assert changes == [Change("1", ChangeKind.ADDED, "", "K", "", "SPLD")]


def test_a_pupil_who_left_already_is_not_told_again() -> None:
    assert diff_register({"1": Standing("K", "SPLD", on_roll=False)}, []) == []
    assert diff_register({"1": Standing("N", "")}, []) == []  # never on the register


def test_dropping_the_primary_need_is_not_a_new_need() -> None:
    assert diff_register({"1": Standing("K", "SPLD")}, [record("1", "K", "")]) == []


@pytest.mark.parametrize(
    ("left", "expected"),
    [(0, 0.0), (1, 1 / 5), (3, 3 / 5), (5, 1.0)],
)
def test_share_leaving_counts_removals_and_leavers_over_the_register(
    left: int, expected: float
) -> None:
    # Five on the register (1, 2, 3, 5, 6); 4 is N and does not count.
    on_register = ["1", "2", "3", "5", "6"]
    incoming = [r for r in SAME if r.mis_id not in on_register[:left]]
    changes = diff_register(BEFORE, incoming)
    assert share_leaving(BEFORE, changes) == pytest.approx(expected)


def test_share_leaving_of_an_empty_register_is_nothing() -> None:
    assert share_leaving({}, diff_register({}, [record("1", "K", "SPLD")])) == 0.0


def test_initials() -> None:
    assert initials("amy", " Brown ") == "A.B."
    assert initials("", "") == "?"


def test_an_export_of_only_pupils_on_the_register_reads_as_an_sen_register_report() -> None:
    assert export_scope(record(str(n), "K", "MLD") for n in range(3)) == Scope.SEN_ONLY
    # A monitoring list kept beside the register does not make it the whole roll; N does.
    assert export_scope([record("1", "K", "MLD"), record("2", "M")]) == Scope.SEN_ONLY
    assert export_scope([record("1", "K", "MLD"), record("2", "N")]) == Scope.WHOLE_ROLL


def test_a_pupil_left_out_of_an_sen_register_report_came_off_the_register() -> None:
    """Only those still on the register are listed: pupil 5 (K) is left out."""
    on_register = [p for p in SAME if p.provision in ("K", "E") and p.mis_id != "5"]
    changes = diff_register(BEFORE, on_register, Scope.SEN_ONLY)
    assert kinds(changes) == {"5": ChangeKind.REMOVED}
    assert (changes[0].old_provision, changes[0].new_provision) == ("K", "N")
    assert ChangeKind.REMOVED in ALERTED  # their teachers are told
    # Read as the whole roll, the same file says pupil 5 (and no one off the register) left.
    assert kinds(diff_register(BEFORE, on_register, Scope.WHOLE_ROLL)) == {"5": ChangeKind.LEFT}
