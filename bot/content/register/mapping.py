"""A school's mapping file: the headings its MIS writes, and its own words for codes.

    columns:            # the heading in the export for each field (names: columns.FIELDS)
      mis_id: Pupil No
      legal_first: Forename
      ...
    values:             # optional: the MIS's own words, and the census code each one means
      provision: {Statutory plan: E, "Watch list": M}
      year_group: {"Form 7": 7}
      need: {Dyslexia: SPLD}

`read_mapping(data: bytes) -> RegisterMapping | list[Problem]`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import yaml

from bot.content.register.columns import (
    FIELDS,
    NEEDS_ALLOWED,
    PROVISIONS_ALLOWED,
    REQUIRED,
    TRANSLATED,
    YEARS_ALLOWED,
    parse_year_group,
)
from bot.content.tabular import Problem, squeeze
from bot.domain.register import NEEDS, PROVISIONS


@dataclass(frozen=True)
class RegisterMapping:
    """A school's own headings (field -> heading as written) and, per translated field
    (provision, year_group, need), the MIS's words squeezed -> census code."""

    columns: Mapping[str, str]
    values: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def accepted(self) -> dict[str, tuple[str, ...]]:
        """The headings to look for, squeezed, as a preset gives them."""
        return {name: (squeeze(heading),) for name, heading in self.columns.items()}


def read_mapping(data: bytes) -> RegisterMapping | list[Problem]:
    """A mapping file read and checked, or every problem in it (line numbers are the file's)."""
    try:
        node = yaml.compose(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        return [Problem(0, "", "The mapping file is not saved as UTF-8 text.")]
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        return [Problem(line, "", f"This is not valid YAML: {getattr(exc, 'problem', exc)}.")]
    if not isinstance(node, yaml.MappingNode):
        return [Problem(0, "", 'The mapping file must have a "columns:" section.')]
    problems: list[Problem] = []
    columns: dict[str, str] = {}
    values: dict[str, dict[str, str]] = {}
    for key, value in node.value:
        line = key.start_mark.line + 1
        if key.value == "columns":
            columns = _read_columns(value, problems)
        elif key.value == "values":
            values = _read_values(value, problems)
        else:
            problems.append(
                Problem(line, key.value, 'Only "columns" and "values" sections are allowed.')
            )
    missing = [FIELDS[name] for name in REQUIRED if name not in columns]
    if missing:
        problems.append(
            Problem(
                node.start_mark.line + 1,
                "columns",
                f"The columns section must name the heading for: {', '.join(missing)}.",
            )
        )
    return problems or RegisterMapping(columns, values)


def _pairs(node: yaml.Node, section: str, problems: list[Problem]) -> list[tuple[int, str, str]]:
    if not isinstance(node, yaml.MappingNode):
        problems.append(
            Problem(node.start_mark.line + 1, section, "This must be a list of `name: value`.")
        )
        return []
    pairs = []
    for key, value in node.value:
        if not isinstance(value, yaml.ScalarNode) or not str(value.value).strip():
            problems.append(
                Problem(key.start_mark.line + 1, str(key.value), "This needs one value after it.")
            )
        else:
            pairs.append((key.start_mark.line + 1, str(key.value), str(value.value).strip()))
    return pairs


def _read_columns(node: yaml.Node, problems: list[Problem]) -> dict[str, str]:
    columns: dict[str, str] = {}
    for line, name, heading in _pairs(node, "columns", problems):
        if name not in FIELDS:
            problems.append(
                Problem(
                    line, name, f"This is not a field sendbot reads. Fields: {', '.join(FIELDS)}."
                )
            )
        else:
            columns[name] = heading
    return columns


def _read_values(node: yaml.Node, problems: list[Problem]) -> dict[str, dict[str, str]]:
    if not isinstance(node, yaml.MappingNode):
        problems.append(Problem(node.start_mark.line + 1, "values", "This must list fields."))
        return {}
    values: dict[str, dict[str, str]] = {}
    for key, inner in node.value:
        name = str(key.value)
        if name not in TRANSLATED:
            problems.append(
                Problem(
                    key.start_mark.line + 1,
                    name,
                    f"Values can be translated only for: {', '.join(TRANSLATED)}.",
                )
            )
            continue
        values[name] = {}
        for line, written, code in _pairs(inner, name, problems):
            checked = _check_code(name, code)
            if checked is None:
                allowed = {"provision": PROVISIONS_ALLOWED, "year_group": YEARS_ALLOWED}
                reason = (
                    f"This must translate to a code. Allowed: {allowed.get(name, NEEDS_ALLOWED)}."
                )
                problems.append(Problem(line, written, reason))
            else:
                values[name][squeeze(written)] = checked
    return values


def _check_code(name: str, code: str) -> str | None:
    if name == "provision":
        return code.upper() if code.upper() in PROVISIONS else None
    if name == "year_group":
        return parse_year_group(code)
    return code.upper() if code.upper() in NEEDS else None
