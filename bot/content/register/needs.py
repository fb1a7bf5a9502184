"""Register reports that list a pupil once per need, as SIMS's SEN reports do: each line has one
"SEN Need Type" and its "Ranking" (1 the primary need, 2 the secondary), and a pupil with two
needs is on two lines. Such a table is turned into one line per pupil, with the primary and
secondary need in columns of their own, before its lines are checked. Two lines of one pupil
that disagree about anything but the need are a problem naming both.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.content.tabular import Problem, Table

PRIMARY, SECONDARY = "Primary need", "Secondary need"


@dataclass(frozen=True)
class OnePerPupil:
    """The table with one line per pupil, how many pupils were on several lines, problems."""

    table: Table
    merged: int
    problems: list[Problem]


def one_line_per_pupil(table: Table, positions: dict[str, int]) -> OnePerPupil:
    """Merge a pupil's lines (by MIS id, or by UPN when there is none). The merged line is the
    pupil's first, with PRIMARY and SECONDARY added at the end."""
    key = positions.get("mis_id", positions.get("upn"))
    need, rank = positions["need_type"], positions.get("need_rank")
    compared = [i for f, i in positions.items() if f not in ("need_type", "need_rank")]

    def cell(cells: list[str], index: int | None) -> str:
        return cells[index].strip() if index is not None and index < len(cells) else ""

    first: dict[str, tuple[int, list[str]]] = {}
    needs: dict[str, list[tuple[int, int, str]]] = {}
    problems: list[Problem] = []
    for order, (line, cells) in enumerate(table.rows):
        pupil = cell(cells, key)
        if pupil in first:
            first_line, first_cells = first[pupil]
            differs = [i for i in compared if cell(cells, i) != cell(first_cells, i)]
            if differs:
                heading = table.header[differs[0]].strip()
                problems.append(
                    Problem(
                        line,
                        heading,
                        f"This pupil is also on line {first_line}, with a different "
                        f'"{heading}". A pupil listed once per need must have the same details '
                        "on each of their lines; check which is right in the MIS.",
                    )
                )
                continue
        else:
            first[pupil] = (line, cells)
        written = cell(cells, rank)
        ranking = int(written) if written.isdigit() else 1_000 + order
        needs.setdefault(pupil, []).append((ranking, order, cell(cells, need)))
    rows = []
    for pupil, (line, cells) in first.items():
        ranked = [text for _, _, text in sorted(needs[pupil]) if text]
        rows.append((line, [*cells, *(ranked + ["", ""])[:2]]))
    merged = sum(1 for listed in needs.values() if len(listed) > 1)
    header = [*table.header, PRIMARY, SECONDARY]
    return OnePerPupil(replace(table, header=header, rows=rows), merged, problems)


def lists_needs_by_line(positions: dict[str, int]) -> bool:
    """True for a header with one need column and no primary need column."""
    return "need_type" in positions and "primary_need" not in positions
