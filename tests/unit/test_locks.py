"""The two locks: exact pins, the tools layered on what sendbot needs to run, and nothing the
project asks for left out of either."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==[^=\s]+$")


def pins(name: str) -> dict[str, str]:
    """Package -> the line pinning it, for every requirement line of a lock."""
    found = {}
    for line in (ROOT / name).read_text().splitlines():
        if not line.strip() or line.lstrip().startswith("#") or line.startswith("-r "):
            continue
        match = PIN.match(line.strip())
        assert match, f"{name}: {line!r} is not an exact pin (name==version)"
        found[_normal(match.group(1))] = line
    return found


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _wanted(requirements: list[str]) -> set[str]:
    return {_normal(re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0]) for r in requirements}


def test_the_runtime_lock_pins_everything_sendbot_needs_and_no_tool() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = pins("requirements.lock")
    assert _wanted(project["dependencies"]) <= runtime.keys()
    assert not _wanted(project["optional-dependencies"]["dev"]) & runtime.keys()


def test_the_tools_lock_is_layered_on_the_runtime_lock() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = (ROOT / "requirements-dev.lock").read_text().splitlines()
    assert "-r requirements.lock" in lines
    tools = pins("requirements-dev.lock")
    assert _wanted(project["optional-dependencies"]["dev"]) <= tools.keys()
    # A package in both would let the two locks disagree about its version.
    assert not tools.keys() & pins("requirements.lock").keys()
